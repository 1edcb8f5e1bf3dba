variable "name" {
  description = "Name of the bus (when this module creates it); prefixes its rules, queues and the claim-check bucket."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name)) && var.name != "default"
    error_message = "name must be 1-40 characters of letters, digits, '-' or '_', and not \"default\"."
  }
}

variable "event_source" {
  description = "`source` of this system's events: the only source cross-account publishers may send unless publisher_sources names others."
  type        = string
  default     = "app.items"
  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.event_source)) && !startswith(var.event_source, "aws.")
    error_message = "event_source must be 1-256 characters of letters, digits, '.', '_' or '-' and must not start with \"aws.\" (reserved)."
  }
}

variable "existing_event_bus_name" {
  description = "Attach rules, archive and policy to this existing bus instead of creating one (\"default\" for the account's default bus). Null: create the bus `name`."
  type        = string
  default     = null
  validation {
    condition     = var.existing_event_bus_name == null || can(regex("^[A-Za-z0-9/._-]{1,256}$", coalesce(var.existing_event_bus_name, "-")))
    error_message = "existing_event_bus_name must be null or an event bus name."
  }
}

variable "archive_retention_days" {
  description = "Days the bus archive keeps every event for replay; 0 creates no archive."
  type        = number
  default     = 7
  validation {
    condition     = var.archive_retention_days >= 0 && floor(var.archive_retention_days) == var.archive_retention_days
    error_message = "archive_retention_days must be a whole number >= 0 (0: no archive)."
  }
}

variable "publisher_account_ids" {
  description = "Other AWS accounts allowed to put events on this bus (a bus policy); empty: none."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for a in var.publisher_account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "publisher_account_ids must be 12-digit AWS account IDs."
  }
}

variable "publisher_sources" {
  description = "`source` values those accounts may publish (events:source condition); empty: only event_source."
  type        = list(string)
  default     = []
}

variable "rules" {
  description = "Rules: name => exactly one of event_pattern (JSON text: jsonencode() of an EventBridge pattern) or schedule_expression (created on the default bus, the only one that runs schedules), and targets: name => { type = sqs | lambda | sfn | sns, arn, input_path, retry_policy, dead_letter_arn (default: the rule's DLQ created here) }."
  type = map(object({
    description         = optional(string)
    event_pattern       = optional(string)
    schedule_expression = optional(string)
    enabled             = optional(bool, true)
    targets = map(object({
      type       = string
      arn        = string
      input_path = optional(string)
      retry_policy = optional(object({
        maximum_event_age_in_seconds = optional(number, 86400)
        maximum_retry_attempts       = optional(number, 185)
      }), {})
      dead_letter_arn = optional(string)
    }))
  }))
  default = {}
  validation {
    condition     = alltrue([for r in values(var.rules) : (r.event_pattern == null) != (r.schedule_expression == null)])
    error_message = "rules: each rule needs exactly one of event_pattern or schedule_expression."
  }
  validation {
    condition     = alltrue([for k, r in var.rules : can(regex("^[A-Za-z0-9_-]{1,18}$", k)) && length(r.targets) >= 1 && length(r.targets) <= 5 && alltrue([for t in keys(r.targets) : can(regex("^[A-Za-z0-9_-]{1,30}$", t))])])
    error_message = "rules: rule names must be 1-18 and target names 1-30 characters of letters, digits, '_' or '-', and each rule needs 1 to 5 targets."
  }
  validation {
    condition     = alltrue(flatten([for r in values(var.rules) : [for t in values(r.targets) : contains(["sqs", "lambda", "sfn", "sns"], t.type)]]))
    error_message = "rules: a target type must be one of sqs, lambda, sfn, sns."
  }
  validation {
    condition = alltrue(flatten([for r in values(var.rules) : [for t in values(r.targets) : can(regex(lookup({
      sqs    = "^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$"
      lambda = "^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$"
      sfn    = "^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]+$"
      sns    = "^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$"
    }, t.type, "^$"), t.arn))]]))
    error_message = "rules: each target arn must be an ARN of its type (a standard SQS queue, a Lambda function, a state machine or a standard SNS topic; FIFO targets need a message group id, which this module does not set)."
  }
  validation {
    condition = alltrue(flatten([for r in values(var.rules) : [for t in values(r.targets) : (
      t.retry_policy.maximum_event_age_in_seconds >= 60 && t.retry_policy.maximum_event_age_in_seconds <= 86400 &&
      t.retry_policy.maximum_retry_attempts >= 0 && t.retry_policy.maximum_retry_attempts <= 185
    )]]))
    error_message = "rules: retry_policy maximum_event_age_in_seconds must be 60-86400 and maximum_retry_attempts 0-185."
  }
  validation {
    condition = alltrue(concat(
      [for name, arns in { for t in flatten([for r in values(var.rules) : [for k, t in r.targets : { key = k, arn = t.arn }]]) : t.key => t.arn... } : length(distinct(arns)) == 1],
      [for arn, names in { for t in flatten([for r in values(var.rules) : [for k, t in r.targets : { key = k, arn = t.arn } if contains(["sqs", "sns"], t.type)]]) : t.arn => t.key... } : length(distinct(names)) == 1],
    ))
    error_message = "rules: a target name must mean one destination: use the same name for a queue, function, state machine or topic in every rule that targets it, and one name for each queue or topic (their resource policies are written once per target name)."
  }
  validation {
    condition     = alltrue([for r in values(var.rules) : r.event_pattern == null || can(keys(jsondecode(r.event_pattern)))])
    error_message = "rules: event_pattern must be a JSON object, e.g. jsonencode({ source = [\"app.items\"] })."
  }
}

variable "manage_target_policies" {
  description = "Write the resource policies of SQS and SNS targets (allowing exactly the rules that target them). Turn off if those queues/topics already carry a policy you manage: a queue or topic has one policy."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}

variable "claim_check" {
  description = "The claim-check bucket: a publisher (modules/stream_fanout, given claim_check_bucket_arn) stores a change whose event would exceed the entry limit there and publishes a reference instead. enabled: create it; expiration_days: how long an object is kept (consumers must read it within this time; the bus archive keeps only the reference); kms_key_arn: a customer managed key (the fan-out and readers then need kms:GenerateDataKey / kms:Decrypt on it; null: SSE-S3); force_destroy: let terraform destroy delete it with its objects (dev and local)."
  type = object({
    enabled         = optional(bool, true)
    expiration_days = optional(number, 14)
    kms_key_arn     = optional(string)
    force_destroy   = optional(bool, false)
  })
  default  = {}
  nullable = false
  validation {
    condition     = var.claim_check.expiration_days >= 1 && var.claim_check.expiration_days <= 3650 && floor(var.claim_check.expiration_days) == var.claim_check.expiration_days
    error_message = "claim_check.expiration_days must be a whole number from 1 to 3650."
  }
  validation {
    condition     = var.claim_check.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.claim_check.kms_key_arn, "-")))
    error_message = "claim_check.kms_key_arn must be null or a KMS key ARN."
  }
}
