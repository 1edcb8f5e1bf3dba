variable "name" {
  description = "Name of the trigger function (and its role, log group and DLQ)."
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

variable "workflows" {
  description = <<-EOT
    The workflows this stream reader starts, by name: state_machine_arn (use STANDARD: only STANDARD enforces
    unique execution names, which makes a redelivered record start no second execution), event_names (which
    changes), conditions (rules over the change as JSON text, lambdas/stream_trigger/conditions.py, e.g.
    jsonencode({ field = "status", changedFrom = "PENDING", changedTo = "PAID" }), or a list of rules of which
    any may match; JSON text because rules of different shapes cannot share one Terraform type; null: every
    change; the function refuses a bad rule at cold start, naming it) and input (workflow
    input key => dotted path into the change, e.g. { orderId = "keys.id", status = "newImage.status" }; null:
    the whole change). A shard serves two readers at most, so several workflows share one reader here.
  EOT
  type = map(object({
    state_machine_arn = string
    event_names       = optional(list(string), ["INSERT", "MODIFY", "REMOVE"])
    conditions        = optional(string)
    input             = optional(map(string))
  }))
  validation {
    condition     = length(var.workflows) >= 1 && alltrue([for name in keys(var.workflows) : can(regex("^[A-Za-z0-9_-]{1,64}$", name))])
    error_message = "workflows needs at least one workflow, each named with 1-64 letters, digits, '-' or '_'."
  }
  validation {
    condition     = alltrue([for w in values(var.workflows) : can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$", w.state_machine_arn))])
    error_message = "workflows: each state_machine_arn must be a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)."
  }
  validation {
    condition     = alltrue([for w in values(var.workflows) : length(w.event_names) > 0 && alltrue([for n in w.event_names : contains(["INSERT", "MODIFY", "REMOVE"], n)])])
    error_message = "workflows: each event_names must be a non-empty subset of INSERT, MODIFY, REMOVE."
  }
  validation {
    condition = alltrue([for w in values(var.workflows) : w.input == null || alltrue([
      for path in values(coalesce(w.input, {})) : contains(["eventId", "eventName", "tableName", "keys", "newImage", "oldImage", "changedFields", "sequenceNumber", "approximateCreationTime"], split(".", path)[0])
    ])])
    error_message = "workflows: each input path must start with a field of the change: eventId, eventName, tableName, keys, newImage, oldImage, changedFields, sequenceNumber or approximateCreationTime."
  }
  validation {
    condition     = alltrue([for w in values(var.workflows) : w.conditions == null || can(keys(jsondecode(coalesce(w.conditions, "{}")))) || can([for r in jsondecode(coalesce(w.conditions, "[]")) : keys(r)])])
    error_message = "workflows: each conditions must be null or JSON text of a rule object or a list of rule objects (jsonencode(...))."
  }
  validation {
    condition     = length(jsonencode(var.workflows)) <= 3072
    error_message = "workflows must stay under 3 KiB of JSON (Lambda's environment is limited to 4 KiB in all)."
  }
}

variable "package" {
  description = "The built zip (a local path or an S3 object, as modules/lambda_function takes it) of lambdas/stream_trigger: path and source_code_hash from build/lambdas/manifest.json."
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
  default     = "stream_trigger.handler.handler"
}

variable "document_attribute" {
  description = "Attribute holding the item's user fields as JSON text (\"document\" for tables written by modules/crud_api); its fields are lifted to the top level of newImage/oldImage. Null: images as stored."
  type        = string
  default     = null
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

variable "sdk_max_attempts" {
  description = "Attempts per StartExecution or SendMessage call (botocore standard retry mode) before a record counts as failed and is retried by the stream mapping. Each call's worst case is checked against the invocation's remaining time."
  type        = number
  default     = 3
  validation {
    condition     = var.sdk_max_attempts >= 1 && var.sdk_max_attempts <= 10 && floor(var.sdk_max_attempts) == var.sdk_max_attempts
    error_message = "sdk_max_attempts must be a whole number from 1 to 10."
  }
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
  description = "Settings of the function (memory_size, timeout, log_level, runtime, architecture, log and environment KMS keys, powertools layer, VPC, ...): the object modules/lambda_function takes, with its defaults and validations (see its README). timeout must cover one call's worst case (sdk_max_attempts x 7 s of timeouts plus backoffs) plus 6 s: 30 s at the default 3 attempts."
  type        = any
  default     = {}
  nullable    = false
  validation {
    condition     = try(var.function.timeout, null) == null || try(var.function.timeout >= local.minimum_timeout, false)
    error_message = "function.timeout must leave room for one call's worst case: at least sdk_max_attempts x 7 + backoffs + 6 seconds (${local.minimum_timeout} here)."
  }
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}

