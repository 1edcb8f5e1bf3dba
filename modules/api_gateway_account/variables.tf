variable "role_name" {
  description = "Name of the IAM role API Gateway uses to write CloudWatch Logs in this account and region. Null names it apigateway-cloudwatch-logs-<region> (IAM names are account-wide; the setting is per region)."
  type        = string
  default     = null
  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", coalesce(var.role_name, "-")))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_- (IAM role name rules)."
  }
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
