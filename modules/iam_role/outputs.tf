output "roles" {
  description = "Each role by key: its arn, name and unique_id. A resource that needs the role's permissions in place (a function, an event source mapping) depends on the module call."
  value = { for key, role in aws_iam_role.this : key => {
    arn       = role.arn
    name      = role.name
    unique_id = role.unique_id
  } }
}

output "policies" {
  description = "Each role's inline policy document by key, as JSON, once it is attached: for exact assertions and as a dependency."
  value       = { for key, policy in aws_iam_role_policy.this : key => policy.policy }
}

output "trust_policies" {
  description = "Each role's trust policy by key, as JSON: for exact assertions."
  value       = { for key, role in aws_iam_role.this : key => role.assume_role_policy }
}
