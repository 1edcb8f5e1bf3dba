# envs/dev's column of envs/README.md ("What differs"), which the contract every environment keeps
# (environment.tftest.hcl, linked from envs/common/tests) compares with what the stack resolved:
# dev is cheap and disposable.
expected_settings = {
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
}
