# envs/staging's column of envs/README.md ("What differs"); the contract every environment keeps is
# environment.tftest.hcl (envs/common/tests).
mock_provider "aws" {
  source = "../../mocks/aws"
}

run "staging_settings" {
  command = apply

  assert {
    condition = jsonencode(module.stack.settings) == jsonencode({
      deletion_protection    = false
      point_in_time_recovery = true
      log_retention_in_days  = 30
      archive_retention_days = 7
      alarms_enabled         = true
      dashboard              = false
      xray_tracing           = true
      powertools_layer_arn   = null
      powertools_bundled     = false
      export_schedule_state  = "ENABLED"
    })
    error_message = "staging has production's shape with shorter retention and no deletion protection, exactly as envs/README.md documents."
  }
}
