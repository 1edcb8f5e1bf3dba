# prod: modules/stack's production-safe defaults (deletion protection, PITR, alarms with dashboard, tracing,
# 30-day event archive) plus a year of logs. Subscribe the on-call address to the alarm topic here.
environment = "prod"

settings = {
  log_retention_in_days = 365
}

alarm_email_endpoints = []
