mock_provider "aws" {
  source = "../../mocks/aws"
}

variables {
  name  = "orders"
  table = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
}

run "wires_api_to_state_machine_to_table" {
  command = apply

  assert {
    condition     = module.state_machine.state_machine.type == "EXPRESS"
    error_message = "Synchronous execution needs an EXPRESS state machine."
  }
  assert {
    condition = alltrue([for path in values(jsondecode(aws_api_gateway_rest_api.this.body).paths) : alltrue([
      for method, op in path : op["x-amazon-apigateway-integration"].uri == "arn:aws:apigateway:eu-west-1:states:action/StartSyncExecution" && op["x-amazon-apigateway-integration"].credentials == module.role.roles["api"].arn
      if method != "parameters"
    ])])
    error_message = "Every method integrates with StartSyncExecution in this region, using the module's API role."
  }
  assert {
    condition     = strcontains(jsondecode(aws_api_gateway_rest_api.this.body).paths["/items"].post["x-amazon-apigateway-integration"].requestTemplates["application/json"], "\"stateMachineArn\": \"${module.state_machine.state_machine_arn}\"")
    error_message = "The request templates start this module's state machine."
  }
  assert {
    condition     = length([for s in values(jsondecode(module.state_machine.state_machine.definition).States) : s if try(s.Parameters.TableName, "") == "orders"]) == 9
    error_message = "Every DynamoDB task of the ASL targets this table."
  }
  assert {
    condition     = keys(jsondecode(aws_api_gateway_rest_api.this.body).paths) == ["/items", "/items/{id}"]
    error_message = "The default collection is /items."
  }
  assert {
    condition     = jsondecode(aws_api_gateway_rest_api.this.body).components.schemas.ItemInput.required == ["name"] && jsondecode(aws_api_gateway_rest_api.this.body).components.schemas.ItemInput.additionalProperties == false
    error_message = "Without item_schema the demo order schema is the request model."
  }
  assert {
    condition     = output.api_url == "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"
    error_message = "api_url has no trailing slash."
  }
}

run "list_cursors_are_signed_with_a_per_deployment_secret" {
  command = apply

  assert {
    condition     = length(terraform_data.cursor_secret.output) == 36 && strcontains(module.state_machine.state_machine.definition, terraform_data.cursor_secret.output)
    error_message = "The cursor check of the definition uses the generated secret."
  }
  assert {
    condition     = !strcontains(module.state_machine.state_machine.definition, sha256("${var.name}/${var.table}"))
    error_message = "The salt must not be derivable from public names (it was sha256(name/table_arn), so cursors could be forged)."
  }
}

run "iam_is_scoped_to_exact_arns" {
  command = apply

  assert {
    condition = jsondecode(module.role.policies["api"]).Statement == [{
      Sid      = "StartCrudExecutions"
      Effect   = "Allow"
      Action   = ["states:StartSyncExecution"]
      Resource = [module.state_machine.state_machine_arn]
    }]
    error_message = "API Gateway may only start this state machine synchronously."
  }
  assert {
    condition = one([for s in jsondecode(module.state_machine.policy).Statement : s if s.Sid == "ItemsTable"]) == {
      Sid      = "ItemsTable"
      Effect   = "Allow"
      Action   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan", "dynamodb:BatchGetItem"]
      Resource = [var.table]
    }
    error_message = "The state machine may use only the DynamoDB actions of its ASL, on this table."
  }
  assert {
    condition = alltrue([for s in jsondecode(module.state_machine.policy).Statement :
    s.Resource != ["*"] || alltrue([for a in s.Action : startswith(a, "logs:") || startswith(a, "xray:")])])
    error_message = "Only log delivery and X-Ray (which have no resource-level permissions) use Resource *."
  }
  assert {
    condition     = jsondecode(module.role.trust_policies["api"]).Statement[0].Principal.Service == "apigateway.amazonaws.com" && jsondecode(module.state_machine.assume_role_policy).Statement[0].Principal.Service == "states.amazonaws.com"
    error_message = "Each role trusts only its service."
  }
  assert {
    condition     = jsondecode(module.state_machine.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Trust is limited to this account (confused-deputy protection)."
  }
  assert {
    # API Gateway does not send aws:SourceAccount when it assumes an integration's credentials role: a
    # condition on it would make every request answer 500.
    condition     = !can(jsondecode(module.role.trust_policies["api"]).Statement[0].Condition)
    error_message = "The API Gateway integration role's trust carries no condition API Gateway does not send."
  }
}

run "stage_logs_traces_throttles_and_redeploys_on_change" {
  command = apply

  assert {
    condition     = aws_api_gateway_stage.this.xray_tracing_enabled && module.state_machine.state_machine.tracing_configuration[0].enabled
    error_message = "X-Ray is on by default for the stage and the state machine."
  }
  assert {
    condition     = aws_api_gateway_stage.this.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.access.arn && jsondecode(aws_api_gateway_stage.this.access_log_settings[0].format).status == "$context.status"
    error_message = "Access logs are JSON, in the module's own log group."
  }
  assert {
    condition     = aws_cloudwatch_log_group.access.retention_in_days == 30 && module.state_machine.log_group.retention_in_days == 30
    error_message = "Both log groups keep logs for log_retention_in_days."
  }
  assert {
    condition     = module.state_machine.state_machine.logging_configuration[0].include_execution_data == false && module.state_machine.state_machine.logging_configuration[0].level == "ERROR"
    error_message = "Execution logs never include request bodies."
  }
  assert {
    condition     = aws_api_gateway_method_settings.all.settings[0].throttling_rate_limit == 100 && aws_api_gateway_method_settings.all.settings[0].throttling_burst_limit == 200 && aws_api_gateway_method_settings.all.method_path == "*/*"
    error_message = "Throttling applies to every method of the stage."
  }
  assert {
    condition     = aws_api_gateway_deployment.this.triggers.redeployment == sha1(aws_api_gateway_rest_api.this.body)
    error_message = "A change of the API document redeploys the stage."
  }
}

run "options_change_the_document" {
  command = apply

  variables {
    collection         = "orders"
    authorization      = "AWS_IAM"
    cors_allow_origins = ["https://app.example.com"]
    xray_tracing       = false
    item_schema = {
      type       = "object"
      required   = ["title"]
      properties = { title = { type = "string" }, priority = { type = "integer", default = 3 } }
    }
  }

  assert {
    condition     = keys(jsondecode(aws_api_gateway_rest_api.this.body).paths) == ["/orders", "/orders/{id}"]
    error_message = "The collection names the paths."
  }
  assert {
    condition     = jsondecode(aws_api_gateway_rest_api.this.body).paths["/orders"].post.security == [{ sigv4 = [] }] && jsondecode(aws_api_gateway_rest_api.this.body)["x-amazon-apigateway-gateway-responses"].MISSING_AUTHENTICATION_TOKEN.statusCode == "403"
    error_message = "AWS_IAM signs every method and keeps API Gateway's 403 for missing credentials."
  }
  assert {
    condition     = jsondecode(aws_api_gateway_rest_api.this.body).paths["/orders"].options["x-amazon-apigateway-integration"].responses.default.responseParameters["method.response.header.Access-Control-Allow-Origin"] == "'https://app.example.com'"
    error_message = "CORS preflight answers with the allowed origin."
  }
  assert {
    condition     = jsondecode(module.state_machine.state_machine.definition).States.LoadDefaults.Result == { priority = 3 }
    error_message = "Defaults of the item schema reach the state machine."
  }
  assert {
    condition     = length([for s in jsondecode(module.state_machine.policy).Statement : s if s.Sid == "Tracing"]) == 0
    error_message = "Without tracing, no X-Ray permissions."
  }
}

run "rejects_invalid_inputs_naming_each_variable" {
  command = plan

  variables {
    name                  = "has spaces"
    throttling            = { rate_limit = 0, burst_limit = 1.5 }
    table                 = "arn:aws:s3:::bucket"
    collection            = "Items"
    item_schema           = { type = "array" }
    max_page_size         = 0
    max_body_chars        = 1000000
    stage_name            = "v/1"
    authorization         = "COGNITO"
    cors_allow_origins    = ["https://a.example", "https://b.example"]
    log_retention_in_days = 8
    log_level             = "DEBUG"
  }

  expect_failures = [
    var.name, var.throttling, var.table, var.collection, var.item_schema, var.max_page_size, var.max_body_chars, var.stage_name,
    var.authorization, var.cors_allow_origins, var.log_retention_in_days, var.log_level,
  ]
}

run "rejects_default_page_size_above_max" {
  command = plan

  variables {
    max_page_size     = 10
    default_page_size = 20
  }

  expect_failures = [var.default_page_size]
}

run "cognito_protects_every_operation_with_optional_scopes_and_api_keys" {
  command = apply

  variables {
    authorization          = "COGNITO"
    cognito_user_pool_arns = ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123"]
    authorization_scopes   = { create = ["orders/write"], delete = ["orders/write", "orders/admin"] }
    api_keys               = { names = ["partner-a", "partner-b"], quota_limit = 10000, quota_period = "DAY", rate_limit = 20, burst_limit = 40 }
  }

  assert {
    condition = (
      jsondecode(aws_api_gateway_rest_api.this.body).paths["/items"].post.security == [{ cognito = ["orders/write"], api_key = [] }]
      && jsondecode(aws_api_gateway_rest_api.this.body).paths["/items"].get.security == [{ cognito = [], api_key = [] }]
      && jsondecode(aws_api_gateway_rest_api.this.body).paths["/items/{id}"].delete.security == [{ cognito = ["orders/write", "orders/admin"], api_key = [] }]
    )
    error_message = "Every operation needs a user pool token (with its scopes, if any) and an API key."
  }
  assert {
    condition = (
      jsondecode(aws_api_gateway_rest_api.this.body).components.securitySchemes.cognito["x-amazon-apigateway-authorizer"].providerARNs == ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123"]
      && jsondecode(aws_api_gateway_rest_api.this.body)["x-amazon-apigateway-api-key-source"] == "HEADER"
      && jsondecode(aws_api_gateway_rest_api.this.body)["x-amazon-apigateway-gateway-responses"].UNAUTHORIZED.statusCode == "401"
      && jsondecode(aws_api_gateway_rest_api.this.body)["x-amazon-apigateway-gateway-responses"].MISSING_AUTHENTICATION_TOKEN.statusCode == "404"
    )
    error_message = "The authorizer names the user pool, keys come from the x-api-key header, a missing token is a JSON 401, an unknown route a 404."
  }
  assert {
    condition = (
      length(aws_api_gateway_api_key.this) == 2 && length(aws_api_gateway_usage_plan_key.this) == 2
      && one(aws_api_gateway_usage_plan.this[0].quota_settings).limit == 10000 && one(aws_api_gateway_usage_plan.this[0].quota_settings).period == "DAY"
      && one(aws_api_gateway_usage_plan.this[0].throttle_settings).rate_limit == 20
      && one(aws_api_gateway_usage_plan.this[0].api_stages).stage == "v1"
    )
    error_message = "Each key joins one usage plan on this stage with the quota and throttle asked for."
  }
}

run "custom_authorizer_is_invoked_by_api_gateway_only" {
  command = apply

  variables {
    authorization     = "CUSTOM"
    custom_authorizer = { function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders-authorizer", result_ttl_in_seconds = 60 }
  }

  assert {
    condition = (
      jsondecode(aws_api_gateway_rest_api.this.body).paths["/items/{id}"].get.security == [{ lambda = [] }]
      && jsondecode(aws_api_gateway_rest_api.this.body).components.securitySchemes.lambda["x-amazon-apigateway-authorizer"] == {
        type                         = "request"
        identitySource               = "method.request.header.Authorization"
        authorizerUri                = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:orders-authorizer/invocations"
        authorizerResultTtlInSeconds = 60
      }
    )
    error_message = "A REQUEST authorizer guards every operation, caching its answer for the TTL asked for."
  }
  assert {
    condition     = aws_lambda_permission.authorizer[0].principal == "apigateway.amazonaws.com" && aws_lambda_permission.authorizer[0].source_arn == "${aws_api_gateway_rest_api.this.execution_arn}/authorizers/*"
    error_message = "Only this API's authorizers may invoke the function."
  }
  assert {
    condition     = length(aws_api_gateway_usage_plan.this) == 0 && !can(jsondecode(aws_api_gateway_rest_api.this.body)["x-amazon-apigateway-api-key-source"])
    error_message = "No API keys unless asked for."
  }
}

run "api_keys_alone_protect_a_public_api" {
  command = apply

  variables {
    authorization = "NONE"
    api_keys      = { names = ["ci"] }
  }

  assert {
    condition     = jsondecode(aws_api_gateway_rest_api.this.body).paths["/items"].post.security == [{ api_key = [] }] && keys(jsondecode(aws_api_gateway_rest_api.this.body).components.securitySchemes) == ["api_key"]
    error_message = "With authorization NONE, api_keys still require a key on every operation."
  }
}

run "anonymous_api_has_no_security" {
  command = apply

  variables {
    authorization = "NONE" # only when a caller says so
  }

  assert {
    condition     = !can(jsondecode(aws_api_gateway_rest_api.this.body).paths["/items"].post.security) && !can(jsondecode(aws_api_gateway_rest_api.this.body).components.securitySchemes)
    error_message = "authorization NONE without keys renders no security requirement."
  }
}

run "an_api_left_to_its_default_is_authenticated" {
  command = apply

  assert {
    condition     = jsondecode(aws_api_gateway_rest_api.this.body).paths["/items"].post.security == [{ sigv4 = [] }]
    error_message = "crud_api without an authorization says who may call with IAM (SigV4), never publicly."
  }
}

run "auth_modes_need_their_settings" {
  command = plan

  variables {
    authorization        = "COGNITO"
    authorization_scopes = { update = ["x"] }
    api_keys             = { names = [], quota_period = "YEAR" }
  }

  expect_failures = [var.authorization, var.authorization_scopes, var.api_keys]
}

run "owner_isolation_lists_through_the_owner_index" {
  command = apply

  variables {
    authorization          = "COGNITO"
    cognito_user_pool_arns = ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123"]
    owner_claim            = "sub"
  }

  assert {
    condition = (
      jsondecode(module.state_machine.state_machine.definition).States.ScanFirstKeys.Resource == "arn:aws:states:::aws-sdk:dynamodb:query"
      && jsondecode(module.state_machine.state_machine.definition).States.ScanFirstKeys.Parameters.IndexName == "owner-index"
      && jsondecode(module.state_machine.state_machine.definition).States.PutItem.Parameters.Item.owner == { "S.$" = "$.owner" }
      && strcontains(jsondecode(module.state_machine.state_machine.definition).States.DeleteItem.Parameters.ConditionExpression, "#owner = :owner")
    )
    error_message = "Items record their owner, writes are conditional on it, and a list queries the owner index."
  }
  assert {
    condition     = strcontains(jsondecode(aws_api_gateway_rest_api.this.body).paths["/items"].get["x-amazon-apigateway-integration"].requestTemplates["application/json"], "$!context.authorizer.claims.get('sub')")
    error_message = "The owner is the token's sub claim."
  }
  assert {
    condition     = one([for s in jsondecode(module.state_machine.policy).Statement : s if s.Sid == "OwnerIndex"]).Resource == ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/owner-index"] && one([for s in jsondecode(module.state_machine.policy).Statement : s if s.Sid == "OwnerIndex"]).Action == ["dynamodb:Query"]
    error_message = "The state machine may query the owner index and nothing else of it."
  }
}

run "queries_by_field_may_query_exactly_their_indexes" {
  command = apply

  variables {
    indexes = { by_status = { partition = "status", sort = "createdAt" } }
  }

  assert {
    condition     = one([for s in jsondecode(module.state_machine.policy).Statement : s if s.Sid == "QueryIndexes"]) == { Sid = "QueryIndexes", Effect = "Allow", Action = ["dynamodb:Query"], Resource = ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/by_status"] }
    error_message = "The state machine may Query the declared indexes and no other."
  }
  assert {
    condition     = output.table_indexes.global_secondary_indexes.by_status.hash_key == "index.by_status.partition" && output.query_index_arns == ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/by_status"]
    error_message = "The caller learns the indexes its table needs."
  }
}

run "owner_isolation_needs_an_authorizer_that_names_the_caller" {
  command = plan

  variables {
    owner_claim = "sub"
  }

  expect_failures = [var.owner_claim]
}

run "takes_the_table_by_name" {
  command = plan

  variables {
    table = "orders"
  }

  assert {
    condition     = one([for s in jsondecode(module.state_machine.policy).Statement : s.Resource if s.Sid == "ItemsTable"]) == ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"]
    error_message = "A table name is completed to the ARN in the provider's partition, region and account."
  }
}

run "warns_about_a_table_the_api_cannot_use" {
  command = plan

  override_data {
    target = data.aws_dynamodb_table.items
    values = { hash_key = "pk", attribute = [{ name = "pk", type = "S" }] }
  }

  expect_failures = [check.table_key_schema]
}

run "a_burst_that_is_not_a_whole_number" {
  command = plan
  variables {
    throttling = { burst_limit = 1.5 }
  }
  expect_failures = [var.throttling]
}
