module "conventions" {
  source = "../conventions"
}

data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  # The table by name or ARN: arn:<partition>:dynamodb:<region>:<account>:table/<name>.
  table_name = startswith(var.table, "arn:") ? split("/", var.table)[1] : var.table
  table_arn = startswith(var.table, "arn:") ? var.table : join(":", [
    "arn", data.aws_partition.current.partition, "dynamodb", data.aws_region.current.region,
    data.aws_caller_identity.current.account_id, "table/${var.table}",
  ])
  # Both branches as JSON text: a caller's schema and the default are objects of different types.
  item_schema = jsondecode(var.item_schema != null ? jsonencode(var.item_schema) : file("${path.module}/default-item-schema.json"))
}

# The secret that signs list cursors (so a cursor cannot be forged or carried to another deployment): drawn
# once per deployment by uuid() (122 random bits from the operating system's CSPRNG, hashicorp/go-uuid) and
# kept in state by ignore_changes, so cursors stay valid across applies. Not derivable from any public name;
# readable by whoever can read the state or describe the state machine (it is part of the definition).
# Rotate with `terraform apply -replace=<this module>.terraform_data.cursor_secret` (open cursors then 400).
resource "terraform_data" "cursor_secret" {
  input = uuid()

  lifecycle {
    ignore_changes = [input]
  }
}

# The two documents the API is made of (OpenAPI with its VTL, and the ASL), rendered without resources
# so that tests and the local runtime read exactly what is deployed.
module "definition" {
  source = "./modules/definition"

  api_name               = "${var.name}-api"
  region                 = data.aws_region.current.region
  collection             = var.collection
  item_schema            = local.item_schema
  max_page_size          = var.max_page_size
  default_page_size      = var.default_page_size
  max_body_chars         = var.max_body_chars
  authorization          = var.authorization
  cognito_user_pool_arns = var.cognito_user_pool_arns
  authorization_scopes   = var.authorization_scopes
  api_key_required       = var.api_keys != null
  custom_authorizer = var.custom_authorizer == null ? null : {
    uri                   = "arn:${data.aws_partition.current.partition}:apigateway:${data.aws_region.current.region}:lambda:path/2015-03-31/functions/${var.custom_authorizer.function_arn}/invocations"
    identity_sources      = var.custom_authorizer.identity_sources
    result_ttl_in_seconds = var.custom_authorizer.result_ttl_in_seconds
  }
  owner_claim       = var.owner_claim
  owner_index_name  = var.owner_index_name
  indexes           = var.indexes
  cors_allow_origin = one(var.cors_allow_origins)
  table_name        = local.table_name
  cursor_salt       = terraform_data.cursor_secret.output
  state_machine_arn = module.state_machine.state_machine_arn
  api_role_arn      = module.role.roles["api"].arn
  webhooks = var.webhooks == null ? null : {
    event_bus_name = split("event-bus/", var.webhooks.event_bus_arn)[1]
    event_source   = var.webhooks.event_source
    detail_type    = var.webhooks.detail_type
    max_body_chars = var.webhooks.max_body_chars
  }
}

module "state_machine" {
  source = "../state_machine"

  name                   = "${var.name}-crud"
  role_name              = "${var.name}-crud-sfn"
  type                   = "EXPRESS" # StartSyncExecution needs EXPRESS
  definition             = module.definition.asl_definition
  include_execution_data = false # request bodies may carry personal data
  log_level              = var.log_level
  log_retention_in_days  = var.log_retention_in_days
  log_kms_key_arn        = var.log_kms_key_arn
  xray_tracing           = var.xray_tracing
  tags                   = var.tags

  policy_statements = concat([{
    sid     = "ItemsTable"
    actions = local.dynamodb_actions
    # The ASL reads and writes the table itself; none of these actions accepts an index ARN (AWS's
    # Service Authorization Reference, checked by the IAM gate), so no index is named.
    resources = [local.table_arn]
    }], var.owner_claim == null ? [] : [{
    sid       = "OwnerIndex"
    actions   = ["dynamodb:Query"] # a caller's keys, with owner isolation
    resources = ["${local.table_arn}/index/${var.owner_index_name}"]
    }], length(var.indexes) == 0 ? [] : [{
    sid       = "QueryIndexes"
    actions   = ["dynamodb:Query"] # GET /<collection>?<field>=<value>: exactly the declared indexes
    resources = [for name in keys(var.indexes) : "${local.table_arn}/index/${name}"]
  }])
}

# Addresses of these resources before the state machine became its own module.
moved {
  from = aws_sfn_state_machine.crud
  to   = module.state_machine.aws_sfn_state_machine.this
}

moved {
  from = aws_iam_role.state_machine
  to   = module.state_machine.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.state_machine
  to   = module.state_machine.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.state_machine
  to   = module.state_machine.aws_cloudwatch_log_group.this
}

resource "aws_api_gateway_rest_api" "this" {
  name = "${var.name}-api"
  body = module.definition.openapi_body

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true # a replaced API (new name) serves until its successor exists
  }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  triggers = {
    redeployment = sha1(aws_api_gateway_rest_api.this.body)
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's var.log_retention_in_days (validated to CloudWatch's values); prod sets 365, dev/local keep logs days, not a year
  #checkov:skip=CKV_AWS_158:A customer managed key is the caller's var.log_kms_key_arn; without one CloudWatch Logs encrypts the group with its own key
  name              = "/aws/apigateway/${var.name}-api/${var.stage_name}/access"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_73:X-Ray is the caller's var.xray_tracing, on by default; only dev and local turn it off
  #checkov:skip=CKV_AWS_120:Items change on every write; a stage cache would serve stale items and bypass If-Match semantics
  #checkov:skip=CKV2_AWS_51:Clients are applications on the internet, not holders of client certificates; requests are authorised by the API's authorization mode
  #checkov:skip=CKV2_AWS_29:A WAF web ACL is the caller's, associated with this stage's ARN
  #checkov:skip=CKV2_AWS_4:Execution logging would write request bodies (personal data) to CloudWatch; the JSON access log records every request instead
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = var.xray_tracing

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integration.status"
      integrationLatency = "$context.integration.latency"
      errorResponseType  = "$context.error.responseType"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      caller             = "$context.identity.caller"
    })
  }

  tags = var.tags
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:Items change on every write; a method cache would serve stale items
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    throttling_rate_limit  = var.throttling.rate_limit
    throttling_burst_limit = var.throttling.burst_limit
  }
}

# CUSTOM: API Gateway invokes the authorizer function as itself; this grant is limited to this API's
# authorizers (AWS: "Configure a Lambda authorizer" - the source ARN is <execution_arn>/authorizers/<id>).
resource "aws_lambda_permission" "authorizer" {
  count = var.authorization == "CUSTOM" ? 1 : 0

  statement_id  = "${var.name}-api-authorizer"
  action        = "lambda:InvokeFunction"
  function_name = var.custom_authorizer.function_arn
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/authorizers/*"
}

# API keys: one usage plan (quota and throttle) on this stage, every key in it.
resource "aws_api_gateway_usage_plan" "this" {
  count = var.api_keys == null ? 0 : 1

  name        = "${var.name}-api"
  description = "Quota and throttle of the ${var.name} API's keys."

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  dynamic "quota_settings" {
    for_each = var.api_keys.quota_limit == null ? [] : [var.api_keys]
    content {
      limit  = quota_settings.value.quota_limit
      period = quota_settings.value.quota_period
    }
  }

  throttle_settings {
    rate_limit  = var.api_keys.rate_limit
    burst_limit = var.api_keys.burst_limit
  }

  tags = var.tags
}

resource "aws_api_gateway_api_key" "this" {
  for_each = var.api_keys == null ? toset([]) : var.api_keys.names

  name    = "${var.name}-${each.key}"
  enabled = true
  tags    = var.tags
}

resource "aws_api_gateway_usage_plan_key" "this" {
  for_each = aws_api_gateway_api_key.this

  key_id        = each.value.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this[0].id
}

# Webhooks: their own key in their own usage plan (its throttle), whatever the API's other keys.
resource "aws_api_gateway_usage_plan" "webhooks" {
  count = var.webhooks == null ? 0 : 1

  name        = "${var.name}-webhooks"
  description = "Throttle of the ${var.name} API's webhook senders."

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.webhooks.rate_limit
    burst_limit = var.webhooks.burst_limit
  }

  tags = var.tags
}

resource "aws_api_gateway_api_key" "webhooks" {
  count = var.webhooks == null ? 0 : 1

  name    = "${var.name}-webhooks"
  enabled = true
  tags    = var.tags
}

resource "aws_api_gateway_usage_plan_key" "webhooks" {
  count = var.webhooks == null ? 0 : 1

  key_id        = aws_api_gateway_api_key.webhooks[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.webhooks[0].id
}

# The ASL reads and writes items by the key `id` (a string) alone. Terraform cannot see the key schema of a
# table it is only given by name, so this check reads it: at plan when the table exists, after apply when it
# is created in the same run (a check block warns, it does not stop the apply; a scoped data source that
# cannot read the table yet is a warning too).
check "table_key_schema" {
  data "aws_dynamodb_table" "items" {
    name = local.table_name
  }

  assert {
    condition = (
      data.aws_dynamodb_table.items.hash_key == "id"
      && coalesce(data.aws_dynamodb_table.items.range_key, "-") == "-"
      # A table always lists its key attributes; a plain mock provider leaves the list null.
      && contains([for a in coalesce(data.aws_dynamodb_table.items.attribute, []) : a.type if a.name == "id"], "S")
    )
    error_message = "crud_api: table ${local.table_name} must have the hash key `id` of type S and no range key (the API reads and writes items by id alone); it has hash key ${data.aws_dynamodb_table.items.hash_key}."
  }
}
