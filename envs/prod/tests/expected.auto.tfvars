# envs/prod's column of envs/README.md ("What differs"), which the contract every environment keeps
# (environment.tftest.hcl, linked from envs/common/tests) compares with what the stack resolved:
# prod keeps everything and watches everything.
expected_settings = {
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
}
