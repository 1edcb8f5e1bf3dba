variable "name" {
  description = "Name of the bus; prefixes its rules, queues and the fan-out function."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name)) && var.name != "default"
    error_message = "name must be 1-40 characters of letters, digits, '-' or '_', and not \"default\"."
  }
}

variable "stream_arn" {
  description = "DynamoDB stream the fan-out publisher reads (modules/dynamodb_table's stream_arn). A shard serves at most two readers."
  type        = string
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+/stream/.+$", var.stream_arn))
    error_message = "stream_arn must be a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>)."
  }
}

variable "package" {
  description = "The built zip of lambdas/stream_fanout: path and source_code_hash from build/lambdas/manifest.json."
  type = object({
    path             = string
    source_code_hash = string
  })
}

variable "handler" {
  description = "Entry point inside the zip."
  type        = string
  default     = "stream_fanout.handler.handler"
}

variable "event_source" {
  description = "`source` of every published event."
  type        = string
  default     = "app.items"
  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.event_source)) && !startswith(var.event_source, "aws.")
    error_message = "event_source must be 1-256 characters of letters, digits, '.', '_' or '-' and must not start with \"aws.\" (reserved)."
  }
}

variable "entity" {
  description = "`detail-type` prefix: <entity>.created, <entity>.updated, <entity>.deleted."
  type        = string
  default     = "item"
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.entity))
    error_message = "entity must be 1-64 characters of letters, digits, '_' or '-'."
  }
}

variable "document_attribute" {
  description = "Attribute holding the item's user fields as JSON text (\"document\" for tables written by modules/crud_api), lifted into the images of `detail`. Null: images as stored."
  type        = string
  default     = null
}

variable "max_attempts" {
  description = "PutEvents attempts per entry for retryable failures (throttling, internal errors) before it goes to the DLQ."
  type        = number
  default     = 5
  validation {
    condition     = var.max_attempts >= 1 && var.max_attempts <= 20 && floor(var.max_attempts) == var.max_attempts
    error_message = "max_attempts must be a whole number from 1 to 20."
  }
}

variable "max_entry_bytes" {
  description = "Size limit of one PutEvents entry, counted as AWS counts it (Time 14 bytes + UTF-8 of Source, DetailType, Detail, Resources). EventBridge accepts 1 MB since 2026-01-29 (AWS Compute Blog); lower it for an older LocalStack. Larger changes go to the fan-out DLQ."
  type        = number
  default     = 1048576
  validation {
    condition     = var.max_entry_bytes >= 1024 && var.max_entry_bytes <= 1048576 && floor(var.max_entry_bytes) == var.max_entry_bytes
    error_message = "max_entry_bytes must be a whole number from 1024 to 1048576."
  }
}

variable "max_request_bytes" {
  description = "Size limit of one PutEvents request, entries counted as AWS counts them (1 MB on AWS since 2026-01-29)."
  type        = number
  default     = 1048576
  validation {
    condition     = var.max_request_bytes >= 1024 && var.max_request_bytes <= 1048576 && floor(var.max_request_bytes) == var.max_request_bytes
    error_message = "max_request_bytes must be a whole number from 1024 to 1048576."
  }
}

variable "dlq_max_message_bytes" {
  description = "Largest dead-letter message the fan-out sends; a larger one carries the change's keys, eventId and sequence number instead of the change. 262144 fits every SQS queue (queues accept up to 1 MiB since 2026-01-29)."
  type        = number
  default     = 262144
  validation {
    condition     = var.dlq_max_message_bytes >= 1024 && var.dlq_max_message_bytes <= 1048576 && floor(var.dlq_max_message_bytes) == var.dlq_max_message_bytes
    error_message = "dlq_max_message_bytes must be a whole number from 1024 to 1048576."
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
      [for arn, names in { for t in flatten([for r in values(var.rules) : [for k, t in r.targets : { key = k, arn = t.arn }]]) : t.arn => t.key... } : length(distinct(names)) == 1],
    ))
    error_message = "rules: a target name must mean one destination: use the same name for a queue, function, state machine or topic in every rule that targets it, and different names for different ones (SQS and SNS resource policies are written once per target name)."
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

variable "event_source_mapping" {
  description = "Settings of the fan-out's stream mapping (same knobs and safe defaults as stream_trigger; see lambda_function)."
  type = object({
    enabled                            = optional(bool, true)
    starting_position                  = optional(string, "LATEST")
    batch_size                         = optional(number, 100)
    maximum_batching_window_in_seconds = optional(number, 0)
    parallelization_factor             = optional(number, 1)
    bisect_batch_on_function_error     = optional(bool, true)
    maximum_retry_attempts             = optional(number, 5)
    maximum_record_age_in_seconds      = optional(number, 3600)
    filter_patterns                    = optional(any, [])
  })
  default = {}
}

variable "log_level" {
  description = "Log level of the fan-out function."
  type        = string
  default     = "INFO"
  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN or ERROR."
  }
}

variable "runtime" {
  description = "Python runtime of the fan-out function."
  type        = string
  default     = "python3.13"
}

variable "architecture" {
  description = "arm64 or x86_64."
  type        = string
  default     = "arm64"
}

variable "memory_size" {
  description = "Memory of the fan-out function in MB."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Seconds an invocation of the fan-out may run. It sends only while the time left covers one call's worst case (24 s: 3 attempts x 7 s of timeouts plus backoffs, lambdas/stream_fanout/handler.py) and a 1 s reserve."
  type        = number
  default     = 60
  validation {
    condition     = var.timeout >= 30 && var.timeout <= 900
    error_message = "timeout must be from 30 to 900 seconds: the fan-out keeps 25 s for its last call, so less would leave it no time to publish."
  }
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency of the fan-out function (-1: unreserved)."
  type        = number
  default     = -1
}

variable "xray_tracing" {
  description = "Active X-Ray tracing of the fan-out function."
  type        = bool
  default     = true
}

variable "log_retention_in_days" {
  description = "Retention of the fan-out function's log group."
  type        = number
  default     = 30
}

variable "powertools_layer_arn" {
  description = "aws-lambda-powertools layer ARN; null resolves the public layer of powertools_version."
  type        = string
  default     = null
}

variable "powertools_version" {
  description = "aws-lambda-powertools release of the public layer (keep equal to pyproject.toml's pin)."
  type        = string
  default     = "3.37.0"
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}

variable "claim_check_enabled" {
  description = "Create the claim-check bucket: a change whose event exceeds max_entry_bytes is stored there and published as a reference instead of going to the fan-out DLQ."
  type        = bool
  default     = true
}

variable "claim_check_expiration_days" {
  description = "Days a claim-check object is kept (consumers must read it within this time; the bus archive keeps only the reference)."
  type        = number
  default     = 14
  validation {
    condition     = var.claim_check_expiration_days >= 1 && var.claim_check_expiration_days <= 3650 && floor(var.claim_check_expiration_days) == var.claim_check_expiration_days
    error_message = "claim_check_expiration_days must be a whole number from 1 to 3650."
  }
}

variable "claim_check_kms_key_arn" {
  description = "Customer managed KMS key for the claim-check bucket (the fan-out and readers then need kms:GenerateDataKey / kms:Decrypt on it). Null: SSE-S3."
  type        = string
  default     = null
  validation {
    condition     = var.claim_check_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.claim_check_kms_key_arn, "-")))
    error_message = "claim_check_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "claim_check_force_destroy" {
  description = "Let terraform destroy delete a claim-check bucket that still holds objects (dev and local)."
  type        = bool
  default     = false
}
