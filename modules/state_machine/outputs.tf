output "state_machine_arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "state_machine_name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "state_machine" {
  description = "The state machine as created (type, definition, logging and tracing configuration)."
  value       = aws_sfn_state_machine.this
}

output "role_arn" {
  description = "ARN of the state machine's execution role."
  value       = module.role.roles["execution"].arn
}

output "role_name" {
  description = "Name of the execution role."
  value       = module.role.roles["execution"].name
}

output "assume_role_policy" {
  description = "The execution role's trust policy (JSON)."
  value       = module.role.trust_policies["execution"]
}

output "policy" {
  description = "The execution role's inline policy (JSON), for review."
  value       = module.role.policies["execution"]
}

output "log_group_name" {
  description = "Log group of the execution history."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group" {
  description = "The execution log group as created."
  value       = aws_cloudwatch_log_group.this
}

output "log_group_arn" {
  description = "ARN of the execution log group."
  value       = aws_cloudwatch_log_group.this.arn
}
