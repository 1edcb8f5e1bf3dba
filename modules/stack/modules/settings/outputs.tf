output "value" {
  description = "The settings with every default applied."
  value       = var.settings
}

output "unknown" {
  description = "Attributes of `given` this declaration does not have (group, or group.attribute): misspelt or removed settings."
  value = flatten([for group, value in try(tomap(var.given), var.given) : (
    !contains(keys(var.settings), group) ? [group] : (
      can(keys(value)) && can(keys(var.settings[group])) ? [for attribute in keys(value) : "${group}.${attribute}" if !contains(keys(var.settings[group]), attribute)] : []
    )
  )])
}
