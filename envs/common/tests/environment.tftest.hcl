# Every environment's contract (linked into envs/<env>/tests/), with its column of envs/README.md ("What differs")
# from its tests/expected.auto.tfvars. Reads the environment's terraform.tfvars as `terraform plan` does; the
# provider is mocked, its values known at plan. One plan per environment: each of them evaluates the whole stack.
mock_provider "aws" {
  source          = "../../mocks/aws"
  override_during = plan
}

# The one value no provider gives at plan: the API's cursor secret, drawn by uuid() at apply.
override_resource {
  target          = module.stack.module.crud.terraform_data.cursor_secret
  override_during = plan
  values          = { output = "a-cursor-secret" }
}

run "environment" {
  command = plan

  assert {
    condition     = output.api_authorization == { type = "COGNITO", api_key_required = false } && output.user_pool_id != null && output.user_pool_client_id != null
    error_message = "The API needs a token of the stack's own user pool, as envs/README.md documents."
  }
  assert {
    condition = alltrue([for value in [
      output.api_url, output.table_name, output.crud_state_machine_arn, output.workflow_state_machine_arn,
      output.event_bus_name, output.audit_queue_url, output.trigger_dlq_url, output.fanout_dlq_url, output.live_updates_url,
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
    condition     = output.table_name == "items-${var.environment}-items" && (module.stack.alarm_topic_arn != null) == module.stack.settings.alarms_enabled
    error_message = "Resources are named <project>-<environment>-...; an alarm topic exactly when alarms are on."
  }
  assert {
    condition     = jsonencode(module.stack.settings) == jsonencode(var.expected_settings)
    error_message = "The environment's settings are its column of envs/README.md, as its tests/expected.auto.tfvars states them."
  }
  assert {
    # LocalStack's free image cannot fetch the public layer of another account: bundled, no function names a layer.
    condition     = module.stack.settings.powertools_bundled == alltrue([for layer in values(module.stack.function_powertools_layers) : layer == null])
    error_message = "With powertools bundled, no function attaches a layer; without, the functions attach it."
  }
  assert {
    condition     = output.webhook_url == "${output.api_url}/webhooks"
    error_message = "The pipeline and webhooks are part of every environment."
  }
}
