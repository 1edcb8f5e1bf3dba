# Reads terraform.tfvars like `terraform plan` does; the provider is mocked (mocks/aws).
mock_provider "aws" {
  source = "../../mocks/aws"
}

variables {
  lambda_packages = {
    stream_trigger  = { path = "../../build/lambdas/stream_trigger.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    stream_fanout   = { path = "../../build/lambdas/stream_fanout.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    event_consumer  = { path = "../../build/lambdas/event_consumer.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    import_planner  = { path = "../../build/lambdas/import_planner.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    import_worker   = { path = "../../build/lambdas/import_worker.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    import_reporter = { path = "../../build/lambdas/import_reporter.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    table_exporter  = { path = "../../build/lambdas/table_exporter.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  }
}

run "environment" {
  command = apply

  assert {
    condition     = output.api_authorization == { type = "COGNITO", api_key_required = false } && output.user_pool_id != null && output.user_pool_client_id != null
    error_message = "The API needs a token of the stack's own user pool, as envs/README.md documents."
  }

  assert {
    condition = alltrue([for value in [
      output.api_url, output.table_name, output.crud_state_machine_arn, output.workflow_state_machine_arn,
      output.event_bus_name, output.audit_queue_url, output.trigger_dlq_url, output.fanout_dlq_url,
    ] : value != null && value != ""])
    error_message = "The output contract is complete."
  }
  assert {
    condition     = module.stack.stream_consumers == { trigger = module.stack.stream_arn, fanout = module.stack.stream_arn, consumer = null }
    error_message = "The stream reaches the trigger and the fan-out, and only them."
  }
  assert {
    condition     = endswith(module.stack.event_bus_arn, "event-bus/${module.stack.fanout_environment.EVENT_BUS_NAME}") && jsondecode(module.stack.trigger_environment.WORKFLOWS)["item-workflow"].stateMachineArn == output.workflow_state_machine_arn
    error_message = "The bus name reaches the fan-out and the workflow ARN reaches the trigger."
  }
  assert {
    condition = jsonencode(module.stack.settings) == jsonencode({
      deletion_protection    = true
      point_in_time_recovery = true
      log_retention_in_days  = 365
      archive_retention_days = 30
      alarms_enabled         = true
      dashboard              = true
      xray_tracing           = true
      powertools_layer_arn   = null
      powertools_bundled     = false
      export_schedule_state  = "ENABLED"
    })
    error_message = "prod keeps everything and watches everything, exactly as envs/README.md documents."
  }
  assert {
    condition     = output.table_name == "items-prod-items" && module.stack.alarm_topic_arn != null && length(module.stack.alarm_names) == 33
    error_message = "Resources are named <project>-<environment>-...; prod alarms on every signal to its topic."
  }
  assert {
    condition     = module.stack.settings.export_schedule_state == "ENABLED" && output.webhook_url == "${output.api_url}/webhooks"
    error_message = "The pipeline is part of every environment; prod's export schedule is enabled."
  }
}

run "prod_alarms_must_notify_someone" {
  command = plan

  variables {
    settings = { logs = { retention_in_days = 365 }, alarms = { email_endpoints = [] } }
  }

  expect_failures = [var.settings]
}

run "an_existing_topic_replaces_the_addresses" {
  command = plan

  variables {
    settings = { alarms = { email_endpoints = [], topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" } }
  }

  assert {
    condition     = module.stack.alarm_topic_arn == "arn:aws:sns:eu-west-1:123456789012:on-call"
    error_message = "Alarms go to the existing topic when one is named."
  }
}
