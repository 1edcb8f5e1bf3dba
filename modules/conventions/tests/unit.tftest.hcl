run "publishes_cloudwatch_retention_periods" {
  command = plan

  assert {
    condition     = contains(output.log_retention_in_days, 30) && contains(output.log_retention_in_days, 3653) && !contains(output.log_retention_in_days, 2) && length(output.log_retention_in_days) == 22
    error_message = "The retention list is CloudWatch Logs' 22 allowed values (1 ... 3653)."
  }
}
