output "function" {
  description = "The trigger function as lambda_function outputs it (function_name, function_arn, role_name, role_arn, policy, log_group_name, log_group_arn, event_source_mapping, dlq_url, dlq_arn, dlq_name, environment_variables, powertools_layer_arn, ...): one object, so a new output of lambda_function reaches callers without a copy here."
  value       = module.function
}

output "state_machine_arns" {
  description = "The state machines the function may start (exactly those of var.workflows)."
  value       = local.state_machine_arns
}
