variable "name" {
  description = "State machine name; also names its role and its log group (/aws/vendedlogs/states/<name>)."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits, '-' or '_' (state machine and IAM role name rules)."
  }
}

variable "role_name" {
  description = "Name of the execution role; null uses name."
  type        = string
  default     = null
  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9_+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be null or a valid IAM role name (1-64 characters)."
  }
}

variable "type" {
  description = "STANDARD (durable, exactly-once start per execution name) or EXPRESS (high-volume, synchronous)."
  type        = string
  default     = "STANDARD"
  validation {
    condition     = contains(["STANDARD", "EXPRESS"], var.type)
    error_message = "type must be STANDARD or EXPRESS."
  }
}

variable "definition" {
  description = "The ASL document (JSON text), typically templatefile() of a file in statemachines/."
  type        = string
  validation {
    condition     = can(jsondecode(var.definition).StartAt) && can(keys(jsondecode(var.definition).States))
    error_message = "definition must be an ASL document in JSON with StartAt and States."
  }
}

variable "policy_statements" {
  description = "Allow statements for what the definition's tasks call, with exact actions and resources. Log delivery and X-Ray are added by the module."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
  validation {
    condition     = alltrue([for s in var.policy_statements : can(regex("^[A-Za-z0-9]+$", s.sid)) && length(s.actions) > 0 && length(s.resources) > 0 && alltrue([for a in s.actions : !strcontains(a, "*")])])
    error_message = "policy_statements need an alphanumeric sid, exact actions (no '*') and at least one resource."
  }
}

variable "log_level" {
  description = "Execution history logged to CloudWatch: ALL, ERROR, FATAL or OFF."
  type        = string
  default     = "ERROR"
  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.log_level)
    error_message = "log_level must be ALL, ERROR, FATAL or OFF."
  }
}

variable "include_execution_data" {
  description = "Log execution input and output too (off when they may carry personal data)."
  type        = bool
  default     = false
}

variable "log_retention_in_days" {
  description = "Retention of the execution log group."
  type        = number
  default     = 30
  validation {
    condition     = contains(module.conventions.log_retention_in_days, var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts (${join(", ", module.conventions.log_retention_in_days)})."
  }
}

variable "xray_tracing" {
  description = "X-Ray tracing of executions."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}

variable "log_kms_key_arn" {
  description = "KMS key ARN encrypting the execution log group (its key policy must allow logs.<region>.amazonaws.com); null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}
