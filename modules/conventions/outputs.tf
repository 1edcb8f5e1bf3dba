output "log_retention_in_days" {
  description = "Retention periods (days) CloudWatch Logs accepts for a log group."
  value       = local.log_retention_in_days
}
