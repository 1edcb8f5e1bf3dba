data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  # Both branches as JSON text: a caller's schema and the default are objects of different types.
  item_schema = jsondecode(var.item_schema != null ? jsonencode(var.item_schema) : file("${path.module}/default-item-schema.json"))
}

# The two documents the API is made of (OpenAPI with its VTL, and the ASL), rendered without resources
# so that tests and the local runtime read exactly what is deployed.
module "definition" {
  source = "./modules/definition"

  api_name          = "${var.name}-api"
  region            = data.aws_region.current.region
  collection        = var.collection
  item_schema       = local.item_schema
  max_page_size     = var.max_page_size
  default_page_size = var.default_page_size
  max_body_chars    = var.max_body_chars
  authorization     = var.authorization
  cors_allow_origin = one(var.cors_allow_origins)
  table_name        = var.table_name
  cursor_salt       = sha256("${var.name}/${var.table_arn}")
  state_machine_arn = aws_sfn_state_machine.crud.arn
  api_role_arn      = aws_iam_role.api.arn
}

resource "aws_cloudwatch_log_group" "state_machine" {
  # The /aws/vendedlogs/ prefix keeps the log resource policy Step Functions needs small.
  name              = "/aws/vendedlogs/states/${var.name}-crud"
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

resource "aws_sfn_state_machine" "crud" {
  name       = "${var.name}-crud"
  type       = "EXPRESS"
  role_arn   = aws_iam_role.state_machine.arn
  definition = module.definition.asl_definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = false
    level                  = var.state_machine_log_level
  }

  tracing_configuration {
    enabled = var.xray_tracing
  }

  tags = var.tags
}

resource "aws_api_gateway_rest_api" "this" {
  name = "${var.name}-api"
  body = module.definition.openapi_body

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = var.tags
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
  name              = "/aws/apigateway/${var.name}-api/${var.stage_name}/access"
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

resource "aws_api_gateway_stage" "this" {
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
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
  }
}
