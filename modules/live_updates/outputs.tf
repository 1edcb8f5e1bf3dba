output "url" {
  description = "Where clients connect: wss://<api id>.execute-api.<region>.amazonaws.com/<stage>, with ?token=<the REST API's token> under COGNITO."
  value       = "${aws_apigatewayv2_api.this.api_endpoint}/${var.stage_name}"
}

output "api_id" {
  description = "ID of the WebSocket API."
  value       = aws_apigatewayv2_api.this.id
}

output "execution_arn" {
  description = "Execution ARN of the WebSocket API: grant execute-api:Invoke on <execution_arn>/<stage>/$connect to AWS_IAM callers."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "stage_name" {
  description = "Name of the WebSocket API's stage."
  value       = aws_apigatewayv2_stage.this.name
}

output "connections_endpoint" {
  description = "The stage's @connections API (https://...): where a backend posts to a connection."
  value       = local.connections_endpoint
}

output "connections_table_name" {
  description = "Name of the connections table (a row per connection and per subscription)."
  value       = module.connections_table.table_name
}

output "connections_table_arn" {
  description = "ARN of the connections table."
  value       = module.connections_table.table_arn
}

output "routes" {
  description = "The WebSocket API's route keys, each with its authorization type."
  value       = { for key, route in aws_apigatewayv2_route.this : key => route.authorization_type }
}

output "routes_function" {
  description = "The routes function (modules/lambda_function's outputs)."
  value       = module.routes_function
}

output "authorizer_function" {
  description = "The $connect authorizer function under COGNITO (modules/lambda_function's outputs); null otherwise."
  value       = one(module.authorizer_function[*])
}

output "broadcaster_function" {
  description = "The broadcaster, an EventBridge rule target (modules/lambda_function's outputs, async_dlq_* among them)."
  value       = module.broadcaster_function
}

output "access_log_group_name" {
  description = "Log group of the stage's access log."
  value       = aws_cloudwatch_log_group.access.name
}
