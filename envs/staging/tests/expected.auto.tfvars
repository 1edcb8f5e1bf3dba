# envs/staging's column of envs/README.md ("What differs"), which the contract every environment keeps
# (environment.tftest.hcl, linked from envs/common/tests) compares with what the stack resolved:
# staging has production's shape with shorter retention and no deletion protection.
expected_settings = {
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
}
