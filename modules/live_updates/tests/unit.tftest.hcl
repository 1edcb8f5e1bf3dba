mock_provider "aws" {
  source          = "../../mocks/aws" # the published mocks; the blocks below override them for this module
  override_during = plan              # the mocks' values are known at plan: no run needs an apply (nor its teardown)

  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      api_endpoint  = "wss://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
      execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5"
    }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders-connections" }
  }
  mock_resource "aws_apigatewayv2_authorizer" {
    defaults = { id = "auth01" }
  }
  mock_resource "aws_apigatewayv2_integration" {
    defaults = { id = "integ01" }
  }
}

variables {
  name            = "orders"
  items_table_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders-items"
  authorization = {
    cognito_user_pool_arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123"
    owner_claim           = "sub"
  }
  claim_check_objects_arn = "arn:aws:s3:::orders-claims-abc/claims/*"
  package = {
    path             = "build/lambdas/live_updates.zip"
    source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
  }
}

run "routes_and_their_authorization" {
  command = plan

  assert {
    condition     = tomap(output.routes) == tomap({ "$connect" = "CUSTOM", "$disconnect" = "NONE", "subscribe" = "NONE", "unsubscribe" = "NONE", "$default" = "NONE" })
    error_message = "Five routes; only $connect is authorized, by the token authorizer."
  }
  assert {
    condition     = aws_apigatewayv2_api.this.protocol_type == "WEBSOCKET" && aws_apigatewayv2_api.this.route_selection_expression == "$request.body.action"
    error_message = "A WebSocket API routing on the message's action."
  }
  assert {
    condition     = aws_apigatewayv2_route.this["$connect"].authorizer_id == "auth01" && aws_apigatewayv2_authorizer.token[0].identity_sources == toset(["route.request.querystring.token"]) && aws_apigatewayv2_authorizer.token[0].authorizer_type == "REQUEST"
    error_message = "$connect's authorizer reads the token from the query string (browsers cannot set headers)."
  }
  assert {
    condition     = toset(keys(aws_apigatewayv2_route_response.this)) == toset(["subscribe", "unsubscribe", "$default"]) && alltrue([for key in ["subscribe", "unsubscribe", "$default"] : aws_apigatewayv2_route.this[key].route_response_selection_expression == "$default"])
    error_message = "subscribe, unsubscribe and $default answer the client (two-way routes)."
  }
  assert {
    condition     = alltrue([for route in aws_apigatewayv2_route.this : route.target == "integrations/integ01"])
    error_message = "Every route goes to the routes function's integration."
  }
  assert {
    condition     = output.url == "wss://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/live" && output.connections_endpoint == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/live"
    error_message = "Clients connect to the stage's wss URL; the broadcaster posts to its @connections API."
  }
  assert {
    condition     = aws_apigatewayv2_stage.this.default_route_settings[0].throttling_rate_limit == 100 && aws_apigatewayv2_stage.this.default_route_settings[0].throttling_burst_limit == 200 && !aws_apigatewayv2_stage.this.default_route_settings[0].data_trace_enabled
    error_message = "The stage is throttled as the REST stage and logs no message bodies."
  }
  assert {
    condition     = aws_lambda_permission.authorizer[0].source_arn == "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/authorizers/auth01" && aws_lambda_permission.routes.source_arn == "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/*"
    error_message = "API Gateway may invoke the authorizer as this API's authorizer only, and the routes function from this API only."
  }
}

run "broadcaster_may_only_post_to_its_own_connections" {
  command = plan

  assert {
    condition = jsondecode(output.broadcaster_function.policy).Statement[3] == {
      Sid      = "FindSubscribers", Effect = "Allow", Action = ["dynamodb:Query"],
      Resource = ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders-connections", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders-connections/index/topic-index"]
    }
    error_message = "The broadcaster queries the connections table and its topic index only."
  }
  assert {
    condition     = jsondecode(output.broadcaster_function.policy).Statement[5] == { Sid = "PostToConnections", Effect = "Allow", Action = ["execute-api:ManageConnections"], Resource = ["arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/live/POST/@connections/*"] }
    error_message = "execute-api:ManageConnections on its own API's @connections posts only."
  }
  assert {
    condition     = [for s in jsondecode(output.broadcaster_function.policy).Statement : s.Sid] == ["WriteOwnLogs", "Tracing", "SendFailedAsyncInvocationsToTheQueue", "FindSubscribers", "ForgetGoneConnections", "PostToConnections", "ReadClaimCheckedChanges"]
    error_message = "Nothing beyond logs, tracing, the connections table, its @connections, the claim-checked changes and its async DLQ."
  }
  assert {
    condition     = output.broadcaster_function.environment_variables["OWNER_ISOLATION"] == "true" && output.broadcaster_function.environment_variables["CONNECTIONS_ENDPOINT"] == output.connections_endpoint
    error_message = "The broadcaster knows its endpoint and that owners are isolated."
  }
  assert {
    condition     = output.broadcaster_function.async_dlq_url != null
    error_message = "Changes the broadcaster could not post are parked in its async DLQ."
  }
}

run "routes_read_owners_only_with_isolation" {
  command = plan

  assert {
    condition     = [for s in jsondecode(output.routes_function.policy).Statement : s.Sid] == ["WriteOwnLogs", "Tracing", "KeepConnections", "ReadItemOwners"]
    error_message = "The routes function keeps connections and reads item owners, nothing else."
  }
  assert {
    condition     = jsondecode(output.routes_function.policy).Statement[3] == { Sid = "ReadItemOwners", Effect = "Allow", Action = ["dynamodb:GetItem"], Resource = [var.items_table_arn] }
    error_message = "GetItem on the items table, to refuse a subscription to another owner's item."
  }
  assert {
    condition     = tomap(output.authorizer_function.environment_variables) == tomap({ ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123", JWKS_URL = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json", OWNER_CLAIM = "sub", POWERTOOLS_SERVICE_NAME = "orders-live-authorizer" })
    error_message = "The authorizer checks the pool's issuer and keys and passes the owner claim on."
  }
}

run "without_isolation_or_cognito" {
  command = plan

  variables {
    authorization           = { type = "AWS_IAM" }
    claim_check_objects_arn = null
  }

  assert {
    condition     = output.routes["$connect"] == "AWS_IAM" && output.authorizer_function == null && length(aws_apigatewayv2_authorizer.token) == 0
    error_message = "AWS_IAM: $connect is SigV4-signed, no Lambda authorizer."
  }
  assert {
    condition     = [for s in jsondecode(output.routes_function.policy).Statement : s.Sid] == ["WriteOwnLogs", "Tracing", "KeepConnections"]
    error_message = "Without isolation the routes function never reads the items table."
  }
  assert {
    condition     = !contains([for s in jsondecode(output.broadcaster_function.policy).Statement : s.Sid], "ReadClaimCheckedChanges")
    error_message = "No claim-check bucket, no S3 read."
  }
}

run "owner_claim_needs_cognito" {
  command = plan

  variables {
    authorization = { type = "NONE", owner_claim = "sub" }
  }

  expect_failures = [var.authorization]
}

run "cognito_needs_its_pool" {
  command = plan

  variables {
    authorization = { type = "COGNITO" }
  }

  expect_failures = [var.authorization]
}

run "delivery_bounds" {
  command = plan

  variables {
    delivery = { max_parallel_posts = 0 }
  }

  expect_failures = [var.delivery]
}
