# Live updates: a WebSocket API whose clients subscribe to the items collection or to single items, and a
# broadcaster on the bus that posts each item change to the subscribed connections (README: the wire contract).

module "conventions" {
  source = "../conventions"
}

data "aws_region" "current" {}

locals {
  owner_isolation  = var.authorization.owner_claim != null
  items_table_name = element(split("/", var.items_table_arn), 1)
  # A user pool's issuer, as its tokens carry it in `iss` (Cognito: "Verifying a JSON Web Token").
  pool_id = var.authorization.cognito_user_pool_arn == null ? null : element(split("/", var.authorization.cognito_user_pool_arn), 1)
  issuer  = local.pool_id == null ? null : "https://cognito-idp.${element(split(":", var.authorization.cognito_user_pool_arn), 3)}.amazonaws.com/${local.pool_id}"
  # The @connections API of the stage (API Gateway: "Use @connections commands in your backend service").
  connections_endpoint = "https://${aws_apigatewayv2_api.this.id}.execute-api.${data.aws_region.current.region}.amazonaws.com/${var.stage_name}"
  connections_arn      = "${aws_apigatewayv2_api.this.execution_arn}/${var.stage_name}/POST/@connections/*"
  handler_module       = "live_updates.handler"
  # Routes that answer the client on its connection: their route response passes the function's body back.
  two_way_routes = toset(["subscribe", "unsubscribe", "$default"])
  routes         = toset(["$connect", "$disconnect", "subscribe", "unsubscribe", "$default"])
  topic_index    = "topic-index"
}

module "connections_table" {
  source = "../dynamodb_table"

  name                   = "${var.name}-connections"
  hash_key               = "connectionId"
  range_key              = "topic"
  attributes             = { connectionId = "S", topic = "S" }
  stream_view_type       = null
  ttl_attribute          = "expiresAt"
  point_in_time_recovery = var.point_in_time_recovery
  deletion_protection    = false # rows live at most ~2 hours: nothing to protect across a destroy
  # A topic's subscribers, with the owner each subscribed as (the broadcaster checks it again).
  global_secondary_indexes = {
    (local.topic_index) = { hash_key = "topic", range_key = "connectionId", projection_type = "INCLUDE", non_key_attributes = ["owner"] }
  }
  tags = var.tags
}

resource "aws_apigatewayv2_api" "this" {
  name                       = "${var.name}-live"
  description                = "Live updates of ${local.items_table_name}: subscribe to items and receive their changes"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
  tags                       = var.tags
}

module "routes_function" {
  source = "../lambda_function"

  name              = "${var.name}-live-routes"
  description       = "The live-updates WebSocket API's routes: connect, disconnect, subscribe, unsubscribe"
  package           = var.package
  handler           = "${local.handler_module}.routes"
  function          = var.function
  function_as_given = var.function
  environment_variables = {
    CONNECTIONS_TABLE = module.connections_table.table_name
    ITEMS_TABLE       = local.items_table_name
    OWNER_ISOLATION   = tostring(local.owner_isolation)
    MAX_SUBSCRIPTIONS = tostring(var.delivery.max_subscriptions)
  }
  policy_statements = concat(
    [{
      sid       = "KeepConnections"
      actions   = ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
      resources = [module.connections_table.table_arn]
    }],
    local.owner_isolation ? [{
      sid       = "ReadItemOwners"
      actions   = ["dynamodb:GetItem"]
      resources = [var.items_table_arn]
    }] : [],
  )
  tags = var.tags
}

module "authorizer_function" {
  source = "../lambda_function"
  count  = var.authorization.type == "COGNITO" ? 1 : 0

  name              = "${var.name}-live-authorizer"
  description       = "Checks the Cognito token of a WebSocket connect (?token=) as the REST API's authorizer does"
  package           = var.package
  handler           = "${local.handler_module}.authorize"
  function          = var.function
  function_as_given = var.function
  environment_variables = merge(
    { ISSUER = local.issuer, JWKS_URL = "${local.issuer}/.well-known/jwks.json" },
    local.owner_isolation ? { OWNER_CLAIM = var.authorization.owner_claim } : {},
  )
  tags = var.tags
}

module "broadcaster_function" {
  source = "../lambda_function"

  name              = "${var.name}-live-broadcaster"
  description       = "Posts each item change on the bus to the WebSocket connections subscribed to it"
  package           = var.package
  handler           = "${local.handler_module}.broadcast"
  async_dlq         = true # EventBridge invokes it asynchronously: a change it could not post is parked, not lost
  function          = var.function
  function_as_given = var.function
  environment_variables = {
    CONNECTIONS_TABLE    = module.connections_table.table_name
    CONNECTIONS_ENDPOINT = local.connections_endpoint
    OWNER_ISOLATION      = tostring(local.owner_isolation)
    MAX_PARALLEL_POSTS   = tostring(var.delivery.max_parallel_posts)
  }
  policy_statements = concat(
    [
      {
        sid       = "FindSubscribers"
        actions   = ["dynamodb:Query"]
        resources = [module.connections_table.table_arn, "${module.connections_table.table_arn}/index/${local.topic_index}"]
      },
      {
        sid       = "ForgetGoneConnections"
        actions   = ["dynamodb:BatchWriteItem"]
        resources = [module.connections_table.table_arn]
      },
      {
        sid       = "PostToConnections"
        actions   = ["execute-api:ManageConnections"]
        resources = [local.connections_arn]
      },
    ],
    var.claim_check_objects_arn == null ? [] : [{
      sid       = "ReadClaimCheckedChanges"
      actions   = ["s3:GetObject"]
      resources = [var.claim_check_objects_arn]
    }],
  )
  tags = var.tags
}

resource "aws_apigatewayv2_integration" "routes" {
  api_id                    = aws_apigatewayv2_api.this.id
  integration_type          = "AWS_PROXY"
  integration_uri           = module.routes_function.invoke_arn
  content_handling_strategy = "CONVERT_TO_TEXT"
}

resource "aws_apigatewayv2_authorizer" "token" {
  count = var.authorization.type == "COGNITO" ? 1 : 0

  api_id          = aws_apigatewayv2_api.this.id
  name            = "${var.name}-live-token"
  authorizer_type = "REQUEST"
  authorizer_uri  = module.authorizer_function[0].invoke_arn
  # Browsers cannot set headers on a WebSocket: the REST API's token comes in the query string. Without it
  # API Gateway answers 401 before invoking the authorizer.
  identity_sources = ["route.request.querystring.token"]
}

resource "aws_apigatewayv2_route" "this" {
  #checkov:skip=CKV_AWS_309:A WebSocket API authorizes $connect only (AWS: "you can configure authorization on the $connect route only"); the other routes run on that authorized connection
  for_each = local.routes

  api_id    = aws_apigatewayv2_api.this.id
  route_key = each.key
  target    = "integrations/${aws_apigatewayv2_integration.routes.id}"
  # Only $connect is authorized: the later messages of a connection travel on what it proved.
  authorization_type                  = each.key != "$connect" ? "NONE" : lookup({ COGNITO = "CUSTOM", AWS_IAM = "AWS_IAM" }, var.authorization.type, "NONE")
  authorizer_id                       = each.key == "$connect" && var.authorization.type == "COGNITO" ? aws_apigatewayv2_authorizer.token[0].id : null
  route_response_selection_expression = contains(local.two_way_routes, each.key) ? "$default" : null
}

resource "aws_apigatewayv2_route_response" "this" {
  for_each = local.two_way_routes

  api_id             = aws_apigatewayv2_api.this.id
  route_id           = aws_apigatewayv2_route.this[each.key].id
  route_response_key = "$default"
}

resource "aws_lambda_permission" "routes" {
  statement_id  = "AllowWebSocketApi"
  action        = "lambda:InvokeFunction"
  function_name = module.routes_function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*"
}

resource "aws_lambda_permission" "authorizer" {
  count = var.authorization.type == "COGNITO" ? 1 : 0

  statement_id  = "AllowWebSocketApiAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = module.authorizer_function[0].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.token[0].id}"
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's log_retention_in_days (30 days by default), as for every log group of this library
  name              = "/aws/apigateway/${var.name}-live/${var.stage_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "this" {
  #checkov:skip=CKV2_AWS_51:Clients are browsers and apps on the internet, not holders of client certificates; $connect is authorized as the REST API is
  api_id      = aws_apigatewayv2_api.this.id
  name        = var.stage_name
  auto_deploy = true # every change of a route or integration is deployed with it

  default_route_settings {
    throttling_rate_limit  = var.throttling.rate_limit
    throttling_burst_limit = var.throttling.burst_limit
    # Execution logging would write message bodies (personal data) to CloudWatch; the access log below
    # records every connect, message and disconnect instead.
    data_trace_enabled = false
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      eventType          = "$context.eventType"
      routeKey           = "$context.routeKey"
      connectionId       = "$context.connectionId"
      status             = "$context.status"
      integrationStatus  = "$context.integration.status"
      integrationLatency = "$context.integration.latency"
      error              = "$context.error.message"
      authorizerError    = "$context.authorizer.error"
      principalId        = "$context.authorizer.principalId"
      sourceIp           = "$context.identity.sourceIp"
    })
  }

  tags = var.tags
}
