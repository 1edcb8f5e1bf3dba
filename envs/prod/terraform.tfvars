# prod: modules/stack's production-safe defaults (deletion protection, PITR, alarms with dashboard, tracing,
# 30-day event archive) plus a year of logs. Subscribe the on-call address to the alarm topic here.
environment = "prod"

settings = {
  log_retention_in_days = 365
}

# Replace with your on-call address: `make plan ENV=prod` refuses this placeholder, and Terraform refuses an
# empty list for prod. Each address receives a confirmation mail from AWS Notifications; until it is
# confirmed the subscription stays PendingConfirmation and nothing is delivered (envs/README.md).
alarm_email_endpoints = ["oncall@example.com"]
