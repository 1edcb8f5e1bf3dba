# Values several modules check their inputs against, defined once. Provider-free: a module calls it and
# validates with its outputs (input validation may refer to module outputs since Terraform 1.9).

locals {
  # CloudWatch Logs' allowed retention periods (PutRetentionPolicy, retentionInDays):
  # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
  log_retention_in_days = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
}
