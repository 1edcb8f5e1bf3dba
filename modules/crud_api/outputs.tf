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
  value       = module.state_machine.state_machine_arn
}

output "state_machine_name" {
  description = "Name of the EXPRESS CRUD state machine."
  value       = module.state_machine.state_machine_name
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
  value       = module.role.roles["api"].arn
}

output "api_role_name" {
  description = "Name of the role API Gateway uses to start executions."
  value       = module.role.roles["api"].name
}

output "state_machine_role_arn" {
  description = "Role the state machine uses for DynamoDB."
  value       = module.state_machine.role_arn
}

output "state_machine_role_name" {
  description = "Name of that role."
  value       = module.state_machine.role_name
}

output "stage_arn" {
  description = "ARN of the stage (for a WAF web ACL association)."
  value       = aws_api_gateway_stage.this.arn
}

output "log_group_arns" {
  description = "Log group ARNs: access (API access logs) and state_machine (execution logs)."
  value = {
    access        = aws_cloudwatch_log_group.access.arn
    state_machine = module.state_machine.log_group_arn
  }
}

output "authorization" {
  description = "The authorization mode callers must satisfy, and whether an API key is required too."
  value = {
    type             = var.authorization
    api_key_required = var.api_keys != null
  }
}

output "usage_plan_id" {
  description = "ID of the API keys' usage plan (null without api_keys)."
  value       = one(aws_api_gateway_usage_plan.this[*].id)
}

output "api_key_ids" {
  description = "IDs of the API keys, by name."
  value       = { for name, key in aws_api_gateway_api_key.this : name => key.id }
}

output "api_key_values" {
  description = "Values of the API keys, by name (send as x-api-key)."
  value       = { for name, key in aws_api_gateway_api_key.this : name => key.value }
  sensitive   = true
}

output "state_machine_definition" {
  description = "The CRUD state machine's definition as deployed (JSON)."
  value       = module.state_machine.state_machine.definition
}

output "owner_isolation" {
  description = "Owner isolation: {claim, index_name} (the table needs that index: hash key owner, range key id, cost projected), or null."
  value       = var.owner_claim == null ? null : { claim = var.owner_claim, index_name = var.owner_index_name }
}

output "log_group_kms_key_ids" {
  description = "Customer managed keys of the log groups ({access, state_machine}), or nulls."
  value = {
    access        = aws_cloudwatch_log_group.access.kms_key_id
    state_machine = module.state_machine.log_group.kms_key_id
  }
}

output "item_contract" {
  description = "How the API stores an item (JSON: draft-04 input schema, defaults, size and depth limits), for other writers of the table such as modules/pipeline's import worker."
  value       = module.definition.item_contract
}

output "table_indexes" {
  description = "What the table must have for `indexes`: global_secondary_indexes and attributes, in modules/dynamodb_table's shapes (pass both through)."
  value       = module.definition.table_indexes
}

output "query_index_arns" {
  description = "ARNs of the indexes the state machine may Query for `indexes` (its policy names exactly these)."
  value       = [for name in keys(var.indexes) : "${local.table_arn}/index/${name}"]
}

output "webhook_url" {
  description = "Where webhook senders POST (append /<source>); null without webhooks."
  value       = var.webhooks == null ? null : "${trimsuffix(aws_api_gateway_stage.this.invoke_url, "/")}/webhooks"
}

output "webhook_api_key" {
  description = "The webhooks API key's value (send as x-api-key); null without webhooks."
  value       = one(aws_api_gateway_api_key.webhooks[*].value)
  sensitive   = true
}

output "api_role_policy" {
  description = "The API integration role's policy (JSON)."
  value       = module.role.policies["api"]
}
