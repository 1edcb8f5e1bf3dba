output "event_bus_name" {
  description = "Name of the custom bus."
  value       = aws_cloudwatch_event_bus.this.name
}

output "event_bus_arn" {
  description = "ARN of the custom bus."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "archive_arn" {
  description = "ARN of the bus archive (null when archive_retention_days is 0)."
  value       = one(aws_cloudwatch_event_archive.this[*].arn)
}

output "rule_arns" {
  description = "Rule name (the key of var.rules) => rule ARN."
  value       = { for key, rule in aws_cloudwatch_event_rule.this : key => rule.arn }
}

output "rule_names" {
  description = "Rule key => full rule name."
  value       = { for key, rule in aws_cloudwatch_event_rule.this : key => rule.name }
}

output "fanout_function_name" {
  description = "Name of the fan-out publisher function."
  value       = module.fanout.function_name
}

output "fanout_function_arn" {
  description = "ARN of the fan-out publisher function."
  value       = module.fanout.function_arn
}

output "fanout_environment_variables" {
  description = "The fan-out function's configuration, as its environment."
  value       = local.fanout_environment
}

output "fanout_policy" {
  description = "The fan-out role's inline policy (JSON), for review."
  value       = module.fanout.policy
}

output "fanout_log_group_name" {
  description = "Log group of the fan-out function."
  value       = module.fanout.log_group_name
}

output "fanout_event_source_mapping" {
  description = "The fan-out's stream mapping as created."
  value       = module.fanout.event_source_mapping
}

output "fanout_dlq_url" {
  description = "URL of the queue receiving events that could not be published ({reason, errorCode, errorMessage, attempts, change})."
  value       = aws_sqs_queue.fanout_dlq.url
}

output "fanout_dlq_arn" {
  description = "ARN of that queue."
  value       = aws_sqs_queue.fanout_dlq.arn
}

output "fanout_dlq_name" {
  description = "Name of that queue (for alarms)."
  value       = aws_sqs_queue.fanout_dlq.name
}

output "fanout_stream_failures_url" {
  description = "URL of the queue receiving the metadata of stream batches the fan-out function itself failed on after its retries."
  value       = module.fanout.failure_queue_url
}

output "fanout_stream_failures_name" {
  description = "Name of that queue (for alarms)."
  value       = module.fanout.failure_queue_name
}

output "target_dlq_urls" {
  description = "Rule key => URL of the queue receiving events its targets could not take."
  value       = { for key, queue in aws_sqs_queue.target_dlq : key => queue.url }
}

output "target_dlq_arns" {
  description = "Rule key => ARN of that queue."
  value       = { for key, queue in aws_sqs_queue.target_dlq : key => queue.arn }
}

output "target_dlq_names" {
  description = "Rule key => name of that queue (for alarms)."
  value       = { for key, queue in aws_sqs_queue.target_dlq : key => queue.name }
}

output "fanout_powertools_layer_arn" {
  description = "The aws-lambda-powertools layer the fan-out function runs with (null when none, e.g. bundled in the package)."
  value       = module.fanout.powertools_layer_arn
}

output "claim_check_bucket_name" {
  description = "Bucket holding changes too large for an event (null when claim_check_enabled is false)."
  value       = one(aws_s3_bucket.claim_check[*].id)
}

output "claim_check_bucket_arn" {
  description = "ARN of that bucket."
  value       = one(aws_s3_bucket.claim_check[*].arn)
}

output "claim_check_objects_arn" {
  description = "ARN pattern of the claim-check objects: grant consumers s3:GetObject on it."
  value       = var.claim_check_enabled ? "${aws_s3_bucket.claim_check[0].arn}/claims/*" : null
}
