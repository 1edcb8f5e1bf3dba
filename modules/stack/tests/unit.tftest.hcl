mock_provider "aws" {
  source          = "../../mocks/aws"
  override_during = plan
}

override_resource {
  target          = module.crud.terraform_data.cursor_secret
  override_during = plan
  values          = { output = "a-cursor-secret" }
}

variables {
  name = "items-test"
  lambda_packages = {
    stream_trigger  = { path = "stream_trigger.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    stream_fanout   = { path = "stream_fanout.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    event_consumer  = { path = "event_consumer.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    import_planner  = { path = "import_planner.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    import_worker   = { path = "import_worker.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    import_reporter = { path = "import_reporter.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    table_exporter  = { path = "table_exporter.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    live_updates    = { path = "live_updates.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  }
}

override_resource {
  target          = module.bus.aws_cloudwatch_event_bus.this[0]
  override_during = plan
  values          = { arn = "arn:aws:events:eu-west-1:123456789012:event-bus/items-test-bus" }
}

# Everything the defaults make is asserted by this one apply: a later run of the same configuration would
# apply the whole stack again (about 3 s of Terraform's evaluation each) to assert on the same values.
run "composes_the_three_flows_with_the_defaults" {
  command = plan

  assert {
    condition     = output.stream_consumers == { trigger = output.stream_arn, fanout = output.stream_arn, consumer = null }
    error_message = "The table's stream reaches the trigger and the fan-out, and no other function."
  }
  assert {
    condition     = jsondecode(output.trigger_environment.WORKFLOWS)["item-workflow"].stateMachineArn == output.workflow_state_machine_arn && output.trigger_environment.DOCUMENT_ATTRIBUTE == "document"
    error_message = "The trigger starts the example workflow and reads items as the API stores them."
  }
  assert {
    condition     = output.fanout_environment.EVENT_BUS_NAME == output.event_bus_name && output.fanout_environment.DOCUMENT_ATTRIBUTE == "document"
    error_message = "The fan-out publishes to the stack's bus."
  }
  assert {
    condition     = module.workflow.state_machine.type == "STANDARD" && jsondecode(module.workflow.state_machine.definition).StartAt == "RouteByEventName" && !module.workflow.state_machine.logging_configuration[0].include_execution_data
    error_message = "The workflow is statemachines/item_workflow.asl.json, as STANDARD, and logs no execution data unless asked (items may carry personal data)."
  }
  assert {
    condition = sort(keys(output.alarm_names)) == sort([
      "trigger-stream-dlq-not-empty", "fanout-dlq-not-empty", "workflow-failures-dlq-not-empty",
      "rule-audit-dlq-not-empty", "rule-paid-dlq-not-empty", "consumer-async-dlq-not-empty",
      "trigger-iterator-age", "fanout-iterator-age",
      "trigger-errors", "fanout-errors", "consumer-errors", "trigger-throttles", "fanout-throttles", "consumer-throttles",
      "crud-executionsfailed", "crud-executionstimedout", "workflow-executionsfailed", "workflow-executionstimedout",
      "crud-5xx-rate", "crud-p99-latency",
      "import-work-dlq-not-empty", "pipeline-dlq-not-empty", "export-async-dlq-not-empty",
      "pipeline-planner-errors", "pipeline-worker-errors", "pipeline-reporter-errors", "pipeline-exporter-errors",
      "pipeline-planner-throttles", "pipeline-worker-throttles", "pipeline-reporter-throttles", "pipeline-exporter-throttles",
      "import-executionsfailed", "import-executionstimedout",
      "rule-live-dlq-not-empty", "live-updates-async-dlq-not-empty",
      "live-routes-errors", "live-broadcaster-errors", "live-authorizer-errors",
      "live-routes-throttles", "live-broadcaster-throttles", "live-authorizer-throttles",
    ]) && output.settings.dashboard
    error_message = "With the defaults every alarm (DLQs, iterator ages, errors, throttles, executions, API) and the dashboard exist."
  }

  assert {
    condition     = jsondecode(module.pipeline.definition).StartAt == "Keep"
    error_message = "The import orchestrator is statemachines/import.asl.json."
  }
  assert {
    condition     = module.pipeline.function_environments.worker.ITEM_CONTRACT == module.crud.item_contract && jsondecode(module.crud.item_contract).schema.definitions.JsonValue != null
    error_message = "The importer gets the API's own item contract, its references resolved in one document."
  }
  assert {
    condition     = !contains(keys(module.pipeline.function_environments.planner), "OWNER_METADATA_KEY")
    error_message = "Without owner isolation, uploads name no owner."
  }
  assert {
    condition = (
      output.api_authorization == { type = "COGNITO", api_key_required = false }
      && output.user_pool_arn == aws_cognito_user_pool.api[0].arn
      && jsondecode(module.crud.openapi_body).components.securitySchemes.cognito["x-amazon-apigateway-authorizer"].providerARNs == [aws_cognito_user_pool.api[0].arn]
      && alltrue([for name, path in jsondecode(module.crud.openapi_body).paths : alltrue([for method, op in path : op.security == [{ cognito = [] }] if method != "parameters"]) if name != "/webhooks/{source}"])
      && jsondecode(module.crud.openapi_body).paths["/webhooks/{source}"].post.security == [{ api_key = [] }]
    )
    error_message = "Every item operation of the stack's API needs a token of the stack's own user pool; webhook senders an API key."
  }
  assert {
    condition     = aws_cognito_user_pool.api[0].admin_create_user_config[0].allow_admin_create_user_only && !aws_cognito_user_pool_client.api[0].generate_secret && aws_cognito_user_pool.api[0].deletion_protection == "ACTIVE"
    error_message = "No self sign-up, a public app client, and the pool is protected like the table."
  }
  assert {
    condition = (
      output.live_updates_url == "${module.live_updates[0].url}"
      && module.live_updates[0].routes["$connect"] == "CUSTOM"
      && module.live_updates[0].authorizer_function.environment_variables.ISSUER == "https://cognito-idp.eu-west-1.amazonaws.com/${aws_cognito_user_pool.api[0].id}"
      && module.live_updates[0].stage_name == "live"
    )
    error_message = "By default the WebSocket API is on and its $connect takes a token of the stack's own user pool."
  }
  assert {
    condition     = jsondecode(module.bus.rule_event_patterns["live"]) == { source = ["app.items"], "detail-type" = ["item.created", "item.updated", "item.deleted"] } && module.bus.rule_target_arns["live"] == { broadcaster = module.live_updates[0].broadcaster_function.function_arn }
    error_message = "The bus sends every item change, and nothing else, to the broadcaster."
  }
  assert {
    condition     = output.dlqs["live-updates-async"].url == module.live_updates[0].broadcaster_function.async_dlq_url
    error_message = "Changes the broadcaster could not post are parked where make status and make redrive see them."
  }
}

run "a_callers_user_pool_or_another_mode_creates_none" {
  command = plan

  variables {
    settings = { api = { cognito_user_pool_arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Shared0001", keys = { names = ["partner"] } } }
  }

  assert {
    condition     = length(aws_cognito_user_pool.api) == 0 && output.user_pool_arn == "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Shared0001" && output.api_authorization.api_key_required
    error_message = "With the caller's pool the stack creates none; API keys pass through."
  }
}

run "owner_isolation_adds_the_owner_index" {
  command = plan

  variables {
    settings = { api = { owner_claim = "sub" } }
  }

  assert {
    condition = (
      module.table.global_secondary_indexes["owner-index"].hash_key == "owner"
      && module.table.global_secondary_indexes["owner-index"].range_key == "id"
      && module.table.global_secondary_indexes["owner-index"].non_key_attributes == toset(["cost"])
      && module.table.global_secondary_indexes["by_status"].hash_key == "index.by_status.partition"
      && module.crud.owner_isolation == { claim = "sub", index_name = "owner-index" }
      && jsondecode(module.crud.state_machine_definition).States.ScanFirstKeys.Parameters.IndexName == "owner-index"
    )
    error_message = "The table gets the index the API lists a caller's items by."
  }
  assert {
    condition     = module.pipeline.function_environments.planner.OWNER_METADATA_KEY == "owner"
    error_message = "Under owner isolation an upload names its items' owner (x-amz-meta-owner), or imported items would be nobody's."
  }
  assert {
    condition     = module.live_updates[0].authorizer_function.environment_variables.OWNER_CLAIM == "sub" && module.live_updates[0].broadcaster_function.environment_variables.OWNER_ISOLATION == "true"
    error_message = "Live updates isolate owners by the API's own claim."
  }
}

run "live_updates_can_be_left_out" {
  command = plan

  variables {
    settings = { live_updates = { enabled = false } }
  }

  assert {
    condition     = output.live_updates_url == null && length(module.live_updates) == 0 && !contains(keys(module.bus.rule_arns), "live") && !contains(keys(output.dlqs), "live-updates-async")
    error_message = "Off: no WebSocket API, no rule, no DLQ."
  }
}

run "a_custom_authorizer_needs_live_updates_off" {
  command = plan

  variables {
    settings = { api = { authorization = "CUSTOM", custom_authorizer = { function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:auth" } } }
  }

  expect_failures = [terraform_data.live_updates_authorization]
}

run "customer_managed_keys_reach_the_table_every_log_group_and_every_function" {
  command = plan

  variables {
    settings = { kms_key_arns = {
      table              = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"
      logs               = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
      lambda_environment = "arn:aws:kms:eu-west-1:123456789012:key/33333333-3333-3333-3333-333333333333"
    } }
  }

  assert {
    condition     = module.table.kms_key_arn == var.settings.kms_key_arns.table
    error_message = "The table is encrypted with the table key."
  }
  assert {
    condition = alltrue([for group in [
      module.crud.log_group_kms_key_ids.access, module.crud.log_group_kms_key_ids.state_machine,
      module.workflow.log_group.kms_key_id, module.trigger.function.log_group_kms_key_id,
      module.fanout.function.log_group_kms_key_id, module.consumer.log_group_kms_key_id,
    ] : group == var.settings.kms_key_arns.logs])
    error_message = "Every log group of the stack is encrypted with the logs key."
  }
  assert {
    condition = alltrue([for key in [module.trigger.function.environment_kms_key_arn, module.fanout.function.environment_kms_key_arn, module.consumer.environment_kms_key_arn] :
      key == var.settings.kms_key_arns.lambda_environment
    ])
    error_message = "Every function's environment is encrypted with the environment key."
  }
  assert {
    condition     = one([for s in jsondecode(module.consumer.policy).Statement : s if s.Sid == "DecryptOwnEnvironment"]).Resource == [var.settings.kms_key_arns.lambda_environment]
    error_message = "A function may decrypt its own environment with that key, and nothing else with it."
  }
}

run "rejects_missing_packages" {
  command = plan
  variables {
    name            = "Items_Test"
    lambda_packages = { stream_trigger = { path = "stream_trigger.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" } }
  }
  expect_failures = [var.name, var.lambda_packages]
}

run "a_setting_that_does_not_exist_is_refused_by_name" {
  command = plan
  variables {
    settings = { api = { owner_clam = "sub" }, tabel = {} }
  }
  expect_failures = [terraform_data.settings]
}

run "an_existing_topic_replaces_the_addresses" {
  command = plan

  variables {
    settings = { alarms = { email_endpoints = [], topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" } }
  }

  assert {
    condition     = output.alarm_topic_arn == "arn:aws:sns:eu-west-1:123456789012:on-call"
    error_message = "Alarms go to the existing topic when one is named."
  }
}
