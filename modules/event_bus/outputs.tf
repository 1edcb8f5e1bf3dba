output "event_bus_name" {
  description = "Name of the custom bus."
  value       = local.event_bus_name
}

output "event_bus_arn" {
  description = "ARN of the custom bus."
  value       = local.event_bus_arn
}

output "archive_arn" {
  description = "ARN of the bus archive (null when archive_retention_days is 0)."
  value       = one(aws_cloudwatch_event_archive.this[*].arn)
}

output "rule_arns" {
  description = "Rule name (the key of var.rules) => rule ARN."
  value       = { for key, rule in aws_cloudwatch_event_rule.this : key => rule.arn }
}

output "rule_event_patterns" {
  description = "Rule key => its event pattern (JSON text; null for a schedule)."
  value       = { for key, rule in aws_cloudwatch_event_rule.this : key => rule.event_pattern }
}

output "rule_target_arns" {
  description = "Rule key => target name => the target's ARN."
  value       = { for key in keys(aws_cloudwatch_event_rule.this) : key => { for target in aws_cloudwatch_event_target.this : target.target_id => target.arn if target.rule == aws_cloudwatch_event_rule.this[key].name } }
}

output "rule_names" {
  description = "Rule key => full rule name."
  value       = { for key, rule in aws_cloudwatch_event_rule.this : key => rule.name }
}

output "rule_dlq_urls" {
  description = "Rule key => URL of the queue receiving events its targets could not take."
  value       = { for key, queue in module.rule_dlqs.queues : key => queue.url }
}

output "rule_dlq_arns" {
  description = "Rule key => ARN of that queue."
  value       = { for key, queue in module.rule_dlqs.queues : key => queue.arn }
}

output "rule_dlq_names" {
  description = "Rule key => name of that queue (for alarms)."
  value       = { for key, queue in module.rule_dlqs.queues : key => queue.name }
}

output "claim_check_bucket_name" {
  description = "Bucket holding changes too large for an event (null when claim_check.enabled is false)."
  value       = one(module.claim_check[*].bucket_name)
}

output "claim_check_bucket_arn" {
  description = "ARN of that bucket."
  value       = one(module.claim_check[*].bucket_arn)
}

output "claim_check_objects_arn" {
  description = "ARN pattern of the claim-check objects: grant consumers s3:GetObject on it."
  value       = var.claim_check.enabled ? "${module.claim_check[0].bucket_arn}/claims/*" : null
}

output "sfn_target_role_arns" {
  description = "Rule key => ARN of the role EventBridge assumes to start that rule's state machine targets (rules with sfn targets only)."
  value       = { for key, role in module.sfn_target_roles.roles : key => role.arn }
}

output "sfn_target_role_names" {
  description = "Rule key => name of that role."
  value       = { for key, role in module.sfn_target_roles.roles : key => role.name }
}
