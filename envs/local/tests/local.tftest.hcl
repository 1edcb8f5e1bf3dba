# envs/local's column of envs/README.md ("What differs"); the contract every environment keeps is
# environment.tftest.hcl (envs/common/tests).
mock_provider "aws" {
  source = "../../mocks/aws"
}

run "local_settings" {
  command = apply

  assert {
    condition = jsonencode(module.stack.settings) == jsonencode({
      deletion_protection    = false
      point_in_time_recovery = false
      log_retention_in_days  = 1
      archive_retention_days = 1
      alarms_enabled         = false
      dashboard              = false
      xray_tracing           = false
      powertools_layer_arn   = null
      powertools_bundled     = true
      export_schedule_state  = "DISABLED"
    })
    error_message = "local is as cheap as dev and bundles powertools into its packages, exactly as envs/README.md documents."
  }
  assert {
    # LocalStack's free image cannot fetch the public layer of another account: no function names a layer.
    condition     = jsonencode(module.stack.function_powertools_layers) == jsonencode({ trigger = null, fanout = null, consumer = null })
    error_message = "With powertools bundled, no function attaches a layer."
  }
}

run "every_service_at_the_one_endpoint" {
  command = plan

  variables {
    localstack_endpoint = "http://127.0.0.1:4510"
  }

  assert {
    condition     = length(local.endpoints) == 16 && alltrue([for url in values(local.endpoints) : url == "http://127.0.0.1:4510"])
    error_message = "Every service the stack uses goes to localstack_endpoint."
  }
}

run "rejects_an_endpoint_with_a_path" {
  command = plan
  variables {
    localstack_endpoint = "localhost:4566/aws"
  }
  expect_failures = [var.localstack_endpoint]
}
