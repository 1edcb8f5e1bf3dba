output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "ARN API Gateway invokes the function by (an integration's or authorizer's URI)."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_name" {
  description = "Name of the function's execution role (attach further policies to it if you must)."
  value       = module.role.roles["execution"].name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = module.role.roles["execution"].arn
}

output "policy" {
  description = "The execution role's inline policy document (JSON)."
  value       = module.role.policies["execution"]
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "powertools_layer_arn" {
  description = "The aws-lambda-powertools layer the function runs with (null when none)."
  value       = local.powertools_layer_arn
}

output "event_source_mapping" {
  description = "The event source mapping as created (the stream's or the queue's: settings, filter criteria, destination); null without one."
  value       = one(concat(aws_lambda_event_source_mapping.stream[*], aws_lambda_event_source_mapping.queue[*]))
}

output "event_source_mapping_uuid" {
  description = "UUID of the event source mapping (null without one)."
  value       = one(concat(aws_lambda_event_source_mapping.stream[*].uuid, aws_lambda_event_source_mapping.queue[*].uuid))
}

output "dlq_arn" {
  description = "ARN of the SQS queue receiving batches that exhausted their retries (null without a mapping)."
  value       = try(module.dlqs.queues["stream"].arn, null)
}

output "dlq_url" {
  description = "URL of that queue."
  value       = try(module.dlqs.queues["stream"].url, null)
}

output "dlq_name" {
  description = "Name of that queue (for alarms)."
  value       = try(module.dlqs.queues["stream"].name, null)
}

output "async_dlq_url" {
  description = "URL of the queue receiving failed asynchronous invocations (null without one)."
  value       = try(module.dlqs.queues["async"].url, null)
}

output "async_dlq_arn" {
  description = "ARN of the queue receiving failed asynchronous invocations (null without one)."
  value       = try(module.dlqs.queues["async"].arn, null)
}

output "async_dlq_name" {
  description = "Name of that queue (for alarms)."
  value       = try(module.dlqs.queues["async"].name, null)
}

output "environment_variables" {
  description = "The function's environment as configured (the caller's variables plus the failure queue URL when asked for)."
  value       = local.environment_variables
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "log_group_kms_key_id" {
  description = "Customer managed key of the log group, or null."
  value       = aws_cloudwatch_log_group.this.kms_key_id
}

output "environment_kms_key_arn" {
  description = "Customer managed key of the function's environment variables, or null."
  value       = aws_lambda_function.this.kms_key_arn
}
