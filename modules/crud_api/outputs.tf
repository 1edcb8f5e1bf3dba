output "api_url" {
  description = "Invoke URL of the stage, without a trailing slash (the collection is at <api_url>/<collection>)."
  value       = trimsuffix(aws_api_gateway_stage.this.invoke_url, "/")
}

output "rest_api_name" {
  description = "Name of the REST API (the ApiName dimension of its CloudWatch metrics)."
  value       = aws_api_gateway_rest_api.this.name
}

output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "rest_api_execution_arn" {
  description = "Execution ARN of the REST API (for execute-api:Invoke grants when authorization = AWS_IAM)."
  value       = aws_api_gateway_rest_api.this.execution_arn
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "state_machine_arn" {
  description = "ARN of the EXPRESS CRUD state machine."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the EXPRESS CRUD state machine."
  value       = module.state_machine.name
}

output "log_group_names" {
  description = "Log groups: access (API access logs, JSON) and state_machine (execution logs)."
  value = {
    access        = aws_cloudwatch_log_group.access.name
    state_machine = module.state_machine.log_group_name
  }
}

output "openapi_body" {
  description = "The deployed OpenAPI document (JSON), for clients, fuzzing and the local runtime."
  value       = aws_api_gateway_rest_api.this.body
}

output "api_role_arn" {
  description = "Role API Gateway uses to start executions."
  value       = aws_iam_role.api.arn
}

output "state_machine_role_arn" {
  description = "Role the state machine uses for DynamoDB."
  value       = module.state_machine.role_arn
}
