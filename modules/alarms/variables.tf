variable "name" {
  description = "Prefix of alarm names, the topic and the dashboard."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits, '-' or '_'."
  }
}

variable "create_topic" {
  description = "Create an encrypted SNS topic for the alarms; false sends them to alarm_topic_arn."
  type        = bool
  default     = true
}

variable "alarm_topic_arn" {
  description = "Existing SNS topic for alarm and OK notifications when create_topic is false."
  type        = string
  default     = null
  validation {
    condition     = var.alarm_topic_arn == null ? var.create_topic : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN, and is required when create_topic is false."
  }
}

variable "email_endpoints" {
  description = "Addresses subscribed to the created topic (each must confirm by mail)."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for e in var.email_endpoints : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "email_endpoints must be e-mail addresses."
  }
}

variable "dlq_names" {
  description = "Label => SQS queue name of every dead-letter queue: any visible message raises an alarm."
  type        = map(string)
  default     = {}
}

variable "runbook_environment" {
  description = "The environment these alarms watch, as `make` names it (dev, prod, ...): each DLQ alarm's description then says which commands show what is parked and put it back (make dlq and make redrive ENV=<env> QUEUE=<label>) and the others make status. Null: descriptions name no command (a consumer outside this repository)."
  type        = string
  default     = null
  validation {
    condition     = var.runbook_environment == null || can(regex("^[a-z][a-z0-9]{0,9}$", coalesce(var.runbook_environment, "-")))
    error_message = "runbook_environment must be null or an environment name: 1-10 lower-case letters or digits."
  }
}

variable "stream_consumer_function_names" {
  description = "Label => name of each Lambda function reading a stream (IteratorAge alarm)."
  type        = map(string)
  default     = {}
}

variable "function_names" {
  description = "Label => Lambda function name (errors and throttles alarms)."
  type        = map(string)
  default     = {}
}

variable "state_machine_arns" {
  description = "Label => state machine ARN (ExecutionsFailed and ExecutionsTimedOut alarms)."
  type        = map(string)
  default     = {}
}

variable "apis" {
  description = "Label => REST API name and stage (5XX rate and p99 latency alarms)."
  type = map(object({
    api_name   = string
    stage_name = string
  }))
  default = {}
}

variable "period_seconds" {
  description = "Period of every alarm's statistic."
  type        = number
  default     = 60
  validation {
    condition     = contains([10, 30], var.period_seconds) || (var.period_seconds >= 60 && var.period_seconds % 60 == 0)
    error_message = "period_seconds must be 10, 30 or a multiple of 60."
  }
}

variable "evaluation_periods" {
  description = "Consecutive breaching periods before the rate, latency and iterator-age alarms fire (counts alarm at once)."
  type        = number
  default     = 3
  validation {
    condition     = var.evaluation_periods >= 1 && floor(var.evaluation_periods) == var.evaluation_periods
    error_message = "evaluation_periods must be a whole number >= 1."
  }
}

variable "iterator_age_threshold_ms" {
  description = "How far behind its stream a consumer may fall, in milliseconds."
  type        = number
  default     = 60000
  validation {
    condition     = var.iterator_age_threshold_ms > 0
    error_message = "iterator_age_threshold_ms must be > 0."
  }
}

variable "lambda_errors_threshold" {
  description = "Failed invocations per period that raise the alarm."
  type        = number
  default     = 1
  validation {
    condition     = var.lambda_errors_threshold >= 1
    error_message = "lambda_errors_threshold must be >= 1."
  }
}

variable "lambda_throttles_threshold" {
  description = "Throttled invocations per period that raise the alarm."
  type        = number
  default     = 1
  validation {
    condition     = var.lambda_throttles_threshold >= 1
    error_message = "lambda_throttles_threshold must be >= 1."
  }
}

variable "execution_failures_threshold" {
  description = "Failed or timed-out executions per period that raise the alarm (CRUD client errors are successful executions, so this counts faults only)."
  type        = number
  default     = 1
  validation {
    condition     = var.execution_failures_threshold >= 1
    error_message = "execution_failures_threshold must be >= 1."
  }
}

variable "api_5xx_rate_threshold" {
  description = "Share of requests answered 5XX (0-1) that raises the alarm."
  type        = number
  default     = 0.01
  validation {
    condition     = var.api_5xx_rate_threshold > 0 && var.api_5xx_rate_threshold < 1
    error_message = "api_5xx_rate_threshold must be between 0 and 1 (a rate, e.g. 0.01 for 1%)."
  }
}

variable "api_p99_latency_threshold_ms" {
  description = "p99 request latency in milliseconds that raises the alarm."
  type        = number
  default     = 3000
  validation {
    condition     = var.api_p99_latency_threshold_ms > 0 && var.api_p99_latency_threshold_ms <= 29000
    error_message = "api_p99_latency_threshold_ms must be from 1 to 29000 (API Gateway's integration timeout)."
  }
}

variable "dashboard" {
  description = "Also create a CloudWatch dashboard with one graph per alarm."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}
