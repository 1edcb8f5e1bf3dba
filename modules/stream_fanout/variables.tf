variable "name" {
  description = "Name of the fan-out function (and its role, log group and DLQ)."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,48}$", var.name))
    error_message = "name must be 1-48 characters of letters, digits, '-' or '_' (it prefixes the DLQ name)."
  }
}

variable "stream_arn" {
  description = "DynamoDB stream to read (modules/dynamodb_table's stream_arn). A shard serves at most two readers."
  type        = string
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+/stream/.+$", var.stream_arn))
    error_message = "stream_arn must be a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>)."
  }
}

variable "event_bus_arn" {
  description = "ARN of the bus to publish to (modules/event_bus's event_bus_arn, or any bus of this account)."
  type        = string
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9/._-]{1,256}$", var.event_bus_arn))
    error_message = "event_bus_arn must be an EventBridge bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)."
  }
}

variable "package" {
  description = "The built zip (a local path or an S3 object, as modules/lambda_function takes it) of lambdas/stream_fanout: path and source_code_hash from build/lambdas/manifest.json."
  type = object({
    path              = optional(string)
    s3_bucket         = optional(string)
    s3_key            = optional(string)
    s3_object_version = optional(string)
    source_code_hash  = string
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
  description = "Attribute holding the item's user fields as JSON text (\"document\" for tables written by modules/crud_api); its fields are lifted to the top level of newImage/oldImage. Null: images as stored."
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
  description = "Size limit of one PutEvents entry, counted as AWS counts it (Time 14 bytes + UTF-8 of Source, DetailType, Detail, Resources). EventBridge accepts 1 MB since 2026-01-29 (AWS Compute Blog); lower it for an older LocalStack. Larger changes are claim-checked (or go to the DLQ)."
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

variable "claim_check" {
  description = "Where changes whose event exceeds max_entry_bytes go: bucket_arn (modules/event_bus's claim_check_bucket_arn), under claims/, the event carrying a reference (lambdas/common/claim_check.py); kms_key_arn, the bucket's customer managed key if it has one (the function gets kms:GenerateDataKey on it). Null bucket_arn: such changes go to the DLQ."
  type = object({
    bucket_arn  = optional(string)
    kms_key_arn = optional(string)
  })
  default  = {}
  nullable = false
  validation {
    condition     = var.claim_check.bucket_arn == null || can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}$", coalesce(var.claim_check.bucket_arn, "-")))
    error_message = "claim_check.bucket_arn must be null or an S3 bucket ARN (arn:aws:s3:::<bucket>)."
  }
  validation {
    condition     = var.claim_check.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.claim_check.kms_key_arn, "-")))
    error_message = "claim_check.kms_key_arn must be null or a KMS key ARN."
  }
}

variable "event_source_mapping" {
  description = "Settings of the stream mapping. The defaults bound retries (5) and record age (1 hour) so a poison record cannot block its shard for a day, bisect failing batches, and report failures per record. filter_patterns are EventBridge-syntax patterns on the raw record (eventName, dynamodb.NewImage...); a record matching none is dropped before the function runs."
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

variable "dlq_kms_key_arn" {
  description = "Customer managed KMS key for the dead-letter queue (the function gets kms:GenerateDataKey and kms:Decrypt on it). Null: SQS-managed encryption."
  type        = string
  default     = null
  validation {
    condition     = var.dlq_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.dlq_kms_key_arn, "-")))
    error_message = "dlq_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "function" {
  description = "Settings of the function (memory_size, timeout, log_level, runtime, architecture, log and environment KMS keys, powertools layer, VPC, ...): the object modules/lambda_function takes, with its defaults and validations (see its README). timeout must be at least 30 s: the fan-out keeps 25 s for its last call (3 attempts x 7 s of timeouts plus backoffs, lambdas/stream_fanout/handler.py) and a 1 s reserve."
  type        = any
  default     = {}
  nullable    = false
  validation {
    condition     = try(var.function.timeout, null) == null || try(var.function.timeout >= local.minimum_timeout, false)
    error_message = "function.timeout must be at least ${local.minimum_timeout} seconds: the fan-out keeps 25 s for its last call, so less would leave it no time to publish."
  }
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}

