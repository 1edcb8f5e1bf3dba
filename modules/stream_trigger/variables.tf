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
  description = "The built zip of lambdas/stream_trigger: path and source_code_hash from build/lambdas/manifest.json."
  type = object({
    path             = string
    source_code_hash = string
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

variable "vpc_config" {
  description = "Run the function in these subnets with these security groups (it then needs a route to Step Functions and SQS: NAT or VPC endpoints). Null: no VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "log_level" {
  description = "Log level of the function (powertools Logger)."
  type        = string
  default     = "INFO"
  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN or ERROR."
  }
}

variable "runtime" {
  description = "Python runtime of the function."
  type        = string
  default     = "python3.13"
}

variable "architecture" {
  description = "arm64 or x86_64."
  type        = string
  default     = "arm64"
}

variable "memory_size" {
  description = "Memory of the function in MB."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Seconds an invocation may run (a batch of batch_size StartExecution calls). The function starts a call only when the time left covers the call's worst case (sdk_max_attempts x 7 s of timeouts plus backoffs), so the timeout must leave room for more than one."
  type        = number
  default     = 60
  validation {
    # Worst case of one call (lambdas/stream_trigger/handler.py: 2 s connect + 5 s read per attempt, standard
    # mode's backoffs capped at 20 s) plus 1 s of reserve, and at least 5 s of work beyond it.
    condition     = var.timeout <= 900 && var.timeout >= var.sdk_max_attempts * 7 + sum(concat([0], [for i in range(var.sdk_max_attempts - 1) : min(pow(2, i), 20)])) + 1 + 5
    error_message = "timeout must be at most 900 and leave room for one call's worst case: at least sdk_max_attempts x 7 + backoffs + 6 seconds (30 for the default 3 attempts)."
  }
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency (-1: unreserved). A stream mapping runs at most shards x parallelization_factor invocations anyway."
  type        = number
  default     = -1
}

variable "xray_tracing" {
  description = "Active X-Ray tracing of the function."
  type        = bool
  default     = true
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
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

variable "log_kms_key_arn" {
  description = "KMS key ARN encrypting the function's log group (its key policy must allow logs.<region>.amazonaws.com); null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "environment_kms_key_arn" {
  description = "KMS key ARN encrypting the function's environment variables; null uses Lambda's AWS managed key."
  type        = string
  default     = null
}
