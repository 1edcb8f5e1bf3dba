# envs/local's column of envs/README.md ("What differs"), which the contract every environment keeps
# (environment.tftest.hcl, linked from envs/common/tests) compares with what the stack resolved:
# local is as cheap as dev and bundles powertools into its packages.
expected_settings = {
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
}
