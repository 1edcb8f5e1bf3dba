# dev: cheap and disposable. Only what differs from modules/stack's production-safe defaults.
environment = "dev"

settings = {
  deletion_protection    = false
  point_in_time_recovery = false
  log_retention_in_days  = 7
  archive_retention_days = 0
  alarms_enabled         = false
  xray_tracing           = false
}
