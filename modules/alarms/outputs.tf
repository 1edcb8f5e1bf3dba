output "alarm_topic_arn" {
  description = "SNS topic receiving alarm and OK notifications."
  value       = local.topic_arn
}

output "alarm_names" {
  description = "Key => alarm name of every alarm."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}

output "dashboard_name" {
  description = "Name of the dashboard (null without one)."
  value       = one(aws_cloudwatch_dashboard.this[*].dashboard_name)
}
