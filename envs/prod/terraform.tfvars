# prod: the production-safe defaults (deletion protection, PITR, alarms with dashboard, tracing, 30-day event
# archive) plus a year of logs. Subscribe the on-call address to the alarm topic here.
environment = "prod"

settings = {
  logs = { retention_in_days = 365 }
  # Replace with your on-call address: `make plan ENV=prod` refuses this placeholder, and Terraform refuses an
  # empty list for prod. Each address receives a confirmation mail from AWS Notifications; until it is
  # confirmed the subscription stays PendingConfirmation and nothing is delivered (envs/README.md).
  alarms = { email_endpoints = ["oncall@example.com"] }
}
