# What only envs/prod asks of its settings: alarms that notify someone.
mock_provider "aws" {
  source = "../../mocks/aws"
}

run "prod_alarms_must_notify_someone" {
  command = plan

  variables {
    settings = { logs = { retention_in_days = 365 }, alarms = { email_endpoints = [] } }
  }

  expect_failures = [var.settings]
}
