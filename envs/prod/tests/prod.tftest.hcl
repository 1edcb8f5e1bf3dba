# envs/prod's column of envs/README.md ("What differs"); the contract every environment keeps is
# environment.tftest.hcl (envs/common/tests).
mock_provider "aws" {
  source = "../../mocks/aws"
}

run "prod_settings" {
  command = apply

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
