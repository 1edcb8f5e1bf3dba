output "cloudwatch_role_arn" {
  description = "ARN of the role API Gateway writes CloudWatch Logs with in this account and region."
  value       = module.role.roles["cloudwatch"].arn
}

output "cloudwatch_role_name" {
  description = "Name of that role."
  value       = module.role.roles["cloudwatch"].name
}

output "cloudwatch_role_policy" {
  description = "The role's inline policy (JSON), for tests and reviews."
  value       = module.role.policies["cloudwatch"]
}

output "region" {
  description = "The region whose API Gateway account settings this applies."
  value       = local.region
}
