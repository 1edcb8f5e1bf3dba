# envs/dev's column of envs/README.md ("What differs"); the contract every environment keeps is
# environment.tftest.hcl (envs/common/tests).
mock_provider "aws" {
  source = "../../mocks/aws"
}

run "dev_settings" {
  command = apply

  assert {
    condition = jsonencode(module.stack.settings) == jsonencode({
      deletion_protection    = false
      point_in_time_recovery = false
      log_retention_in_days  = 7
      archive_retention_days = 0
      alarms_enabled         = false
      dashboard              = false
      xray_tracing           = false
      powertools_layer_arn   = null
      powertools_bundled     = false
      export_schedule_state  = "ENABLED"
    })
    error_message = "dev is cheap and disposable, exactly as envs/README.md documents."
  }
}
