# dev: cheap and disposable. Only what differs from the production-safe defaults
# (modules/stack/modules/settings/README.md).
environment = "dev"

settings = {
  table   = { deletion_protection = false, point_in_time_recovery = false }
  logs    = { retention_in_days = 7 }
  events  = { archive_retention_days = 0 }
  alarms  = { enabled = false }
  tracing = false
}
