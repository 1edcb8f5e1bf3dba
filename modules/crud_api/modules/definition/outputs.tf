output "openapi_body" {
  description = "The REST API's OpenAPI 3 document (JSON), normalised so that equal documents compare equal."
  value       = jsonencode(jsondecode(local.openapi))
}

output "asl_definition" {
  description = "The CRUD state machine's definition (JSON)."
  value       = jsonencode(jsondecode(local.asl))
}

output "item_defaults" {
  description = "Field defaults taken from the item schema, applied on create and replace."
  value       = local.defaults
}
