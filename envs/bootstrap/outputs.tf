output "api_gateway_cloudwatch_role_arn" {
  description = "The role API Gateway writes CloudWatch Logs with in this account and region."
  value       = module.api_gateway_account.cloudwatch_role_arn
}
