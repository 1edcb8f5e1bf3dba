output "function_name" {
  description = "Name of the trigger function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the trigger function."
  value       = module.function.function_arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = module.function.role_name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = module.function.role_arn
}

output "state_machine_arns" {
  description = "The state machines the function may start (exactly those of var.workflows)."
  value       = local.state_machine_arns
}

output "policy" {
  description = "The execution role's inline policy (JSON), for review."
  value       = module.function.policy
}

output "log_group_name" {
  description = "Log group of the trigger function."
  value       = module.function.log_group_name
}

output "event_source_mapping" {
  description = "The stream event source mapping as created."
  value       = module.function.event_source_mapping
}

output "event_source_mapping_uuid" {
  description = "UUID of the stream event source mapping."
  value       = module.function.event_source_mapping_uuid
}

output "dlq_arn" {
  description = "ARN of the SQS queue receiving what could not be started: batches that still failed after every retry (stream metadata) and changes the function dead-lettered itself (too large for Step Functions, or refused for good)."
  value       = module.function.dlq_arn
}

output "dlq_url" {
  description = "URL of that queue."
  value       = module.function.dlq_url
}

output "dlq_name" {
  description = "Name of that queue (for alarms)."
  value       = module.function.dlq_name
}

output "environment_variables" {
  description = "The function's environment as deployed (DLQ_URL and POWERTOOLS_SERVICE_NAME included)."
  value       = module.function.environment_variables
}

output "powertools_layer_arn" {
  description = "The aws-lambda-powertools layer the function runs with (null when none, e.g. bundled in the package)."
  value       = module.function.powertools_layer_arn
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = module.function.log_group_arn
}

output "log_group_kms_key_id" {
  description = "Customer managed key of the log group, or null."
  value       = module.function.log_group_kms_key_id
}

output "environment_kms_key_arn" {
  description = "Customer managed key of the function's environment variables, or null."
  value       = module.function.environment_kms_key_arn
}
