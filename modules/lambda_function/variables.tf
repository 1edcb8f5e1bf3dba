variable "name" {
  description = "Function name; also names its role, log group (/aws/lambda/<name>) and failure queue."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits, '-' or '_' (Lambda function and IAM role name rules)."
  }
}

variable "description" {
  description = "What the function does (shown in the console)."
  type        = string
  default     = ""
  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "package" {
  description = "The built zip: a local `path` (relative to the root module or absolute) or an S3 object (`s3_bucket`, `s3_key`, optional `s3_object_version`), and its base64 SHA-256 (`source_code_hash`, from the manifest scripts/build_lambdas.py writes)."
  type = object({
    path              = optional(string)
    s3_bucket         = optional(string)
    s3_key            = optional(string)
    s3_object_version = optional(string)
    source_code_hash  = string
  })
  validation {
    condition     = (var.package.path == null) != (var.package.s3_bucket == null) && (var.package.s3_bucket == null) == (var.package.s3_key == null)
    error_message = "package needs either path or s3_bucket and s3_key (not both)."
  }
  validation {
    condition     = endswith(coalesce(var.package.path, var.package.s3_key, "-"), ".zip") && can(regex("^[A-Za-z0-9+/]{43}=$", var.package.source_code_hash))
    error_message = "package needs a .zip path or s3_key and source_code_hash as base64(sha256(zip)) (44 characters), as scripts/build_lambdas.py writes them."
  }
}

variable "function" {
  description = "Settings of the function, in one object shared by every Lambda-backed module (stream_trigger and stream_fanout pass theirs here unchanged); every attribute is optional. See the README's \"Function settings\" table."
  type = object({
    runtime                        = optional(string, "python3.13")
    architecture                   = optional(string, "arm64")
    memory_size                    = optional(number, 256)
    timeout                        = optional(number, 60)
    reserved_concurrent_executions = optional(number, -1)
    log_level                      = optional(string, "INFO")
    log_retention_in_days          = optional(number, 30)
    log_kms_key_arn                = optional(string)
    environment_kms_key_arn        = optional(string)
    xray_tracing                   = optional(bool, true)
    powertools_layer               = optional(bool, true)
    powertools_layer_arn           = optional(string)
    powertools_version             = optional(string, "3.37.0")
    layers                         = optional(list(string), [])
    vpc_config = optional(object({
      subnet_ids         = list(string)
      security_group_ids = list(string)
    }))
  })
  default  = {}
  nullable = false
  validation {
    condition     = can(regex("^python3\\.(1[1-9])$", var.function.runtime))
    error_message = "function.runtime must be python3.11 or newer (e.g. python3.13)."
  }
  validation {
    condition     = contains(["arm64", "x86_64"], var.function.architecture)
    error_message = "function.architecture must be arm64 or x86_64."
  }
  validation {
    condition     = var.function.memory_size >= 128 && var.function.memory_size <= 10240 && floor(var.function.memory_size) == var.function.memory_size
    error_message = "function.memory_size must be a whole number of MB from 128 to 10240."
  }
  validation {
    condition     = var.function.timeout >= max(1, var.minimum_timeout) && var.function.timeout <= 900 && floor(var.function.timeout) == var.function.timeout
    error_message = "function.timeout must be a whole number of seconds from ${max(1, var.minimum_timeout)} to 900${var.minimum_timeout > 1 ? " (the module's minimum_timeout: ${var.minimum_timeout_reason})" : ""}."
  }
  validation {
    condition     = var.function.reserved_concurrent_executions >= -1 && floor(var.function.reserved_concurrent_executions) == var.function.reserved_concurrent_executions
    error_message = "function.reserved_concurrent_executions must be a whole number >= -1 (-1: unreserved; 0 stops all invocations)."
  }
  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.function.log_level)
    error_message = "function.log_level must be DEBUG, INFO, WARN or ERROR."
  }
  validation {
    condition     = contains(module.conventions.log_retention_in_days, var.function.log_retention_in_days)
    error_message = "function.log_retention_in_days must be one of the values CloudWatch Logs accepts (${join(", ", module.conventions.log_retention_in_days)})."
  }
  validation {
    condition     = alltrue([for key in ["log_kms_key_arn", "environment_kms_key_arn"] : var.function[key] == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.function[key], "-")))])
    error_message = "function.log_kms_key_arn and function.environment_kms_key_arn must be null or KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>)."
  }
  validation {
    condition     = var.function.powertools_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", coalesce(var.function.powertools_layer_arn, "-")))
    error_message = "function.powertools_layer_arn must be null or a layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
  validation {
    condition     = can(regex("^3\\.[0-9]+\\.[0-9]+$", var.function.powertools_version))
    error_message = "function.powertools_version must be a 3.x.y release (the public layer's SSM parameters exist for v3)."
  }
  validation {
    condition     = length(var.function.layers) <= 4
    error_message = "function.layers allows at most 4 entries (Lambda's limit is 5 layers, one of them powertools)."
  }
  validation {
    condition     = var.function.vpc_config == null || (length(try(var.function.vpc_config.subnet_ids, [])) > 0 && alltrue([for id in try(var.function.vpc_config.subnet_ids, []) : can(regex("^subnet-[0-9a-f]+$", id))]) && alltrue([for id in try(var.function.vpc_config.security_group_ids, []) : can(regex("^sg-[0-9a-f]+$", id))]))
    error_message = "function.vpc_config needs at least one subnet id (subnet-...) and security group ids of the form sg-...."
  }
}

variable "minimum_timeout" {
  description = "Least function.timeout the code needs (seconds); modules wrapping this one set it from their own settings (e.g. one AWS call's worst case)."
  type        = number
  default     = 1
  nullable    = false
}

variable "minimum_timeout_reason" {
  description = "Why minimum_timeout is what it is, shown when function.timeout is below it."
  type        = string
  default     = ""
  nullable    = false
}

variable "handler" {
  description = "Entry point, <package>.<module>.<function> (scripts/build_lambdas.py packages a function as <name>/handler.py)."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_.]*\\.[A-Za-z_][A-Za-z0-9_]*$", var.handler))
    error_message = "handler must look like module.function (e.g. stream_trigger.handler.handler)."
  }
}

variable "environment_variables" {
  description = "Environment of the function (its configuration). POWERTOOLS_SERVICE_NAME defaults to the function's name."
  type        = map(string)
  default     = {}
}

variable "policy_statements" {
  description = "Least-privilege Allow statements the function's code needs, with exact resource ARNs. Logging, tracing and the stream/failure-queue access of the mapping are added by the module."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
  validation {
    condition     = alltrue([for s in var.policy_statements : can(regex("^[A-Za-z0-9]+$", s.sid)) && length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "policy_statements need an alphanumeric sid, at least one action and at least one resource."
  }
  validation {
    condition     = alltrue(flatten([for s in var.policy_statements : [for a in s.actions : !strcontains(a, "*")]]))
    error_message = "policy_statements actions must be exact (no '*' wildcards): name each action the code calls."
  }
}

variable "async_dlq" {
  description = "For functions invoked asynchronously (EventBridge, SNS targets): create an SQS queue that receives invocations still failing after Lambda's 2 retries, instead of dropping them."
  type        = bool
  default     = false
}

variable "event_source" {
  description = "What the function consumes, at most one source: `dynamodb_stream` (its ARN and the mapping's settings; batches that exhaust their retries go to an SQS queue the module creates) or `sqs` (a queue; the queue's own redrive policy holds what keeps failing). The role gets exactly the actions Lambda's poller needs on that source (Lambda Developer Guide, services-dynamodb-eventsourcemapping and services-sqs-configure). {}: none."
  type = object({
    dynamodb_stream = optional(object({
      stream_arn                         = string
      enabled                            = optional(bool, true)
      starting_position                  = optional(string, "LATEST")
      batch_size                         = optional(number, 100)
      maximum_batching_window_in_seconds = optional(number, 0)
      parallelization_factor             = optional(number, 1)
      bisect_batch_on_function_error     = optional(bool, true)
      maximum_retry_attempts             = optional(number, 5)
      maximum_record_age_in_seconds      = optional(number, 3600)
      filter_patterns                    = optional(any, [])
    }))
    sqs = optional(object({
      queue_arn                          = string
      enabled                            = optional(bool, true)
      batch_size                         = optional(number, 10)
      maximum_batching_window_in_seconds = optional(number, 0)
      maximum_concurrency                = optional(number)
      kms_key_arn                        = optional(string)
    }))
  })
  default  = {}
  nullable = false
  validation {
    condition     = var.event_source.dynamodb_stream == null || var.event_source.sqs == null
    error_message = "event_source takes one source: dynamodb_stream or sqs, not both."
  }
  validation {
    condition     = var.event_source.dynamodb_stream == null || can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+/stream/.+$", try(var.event_source.dynamodb_stream.stream_arn, "")))
    error_message = "event_source.dynamodb_stream.stream_arn must be a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>)."
  }
  validation {
    condition     = var.event_source.dynamodb_stream == null || try(contains(["LATEST", "TRIM_HORIZON"], var.event_source.dynamodb_stream.starting_position), false)
    error_message = "event_source.dynamodb_stream.starting_position must be LATEST or TRIM_HORIZON (AT_TIMESTAMP is not supported for DynamoDB streams)."
  }
  validation {
    condition     = var.event_source.dynamodb_stream == null || try(var.event_source.dynamodb_stream.batch_size >= 1 && var.event_source.dynamodb_stream.batch_size <= 10000 && floor(var.event_source.dynamodb_stream.batch_size) == var.event_source.dynamodb_stream.batch_size, false)
    error_message = "event_source.dynamodb_stream.batch_size must be a whole number from 1 to 10000."
  }
  validation {
    condition     = var.event_source.dynamodb_stream == null || try(var.event_source.dynamodb_stream.maximum_batching_window_in_seconds >= 0 && var.event_source.dynamodb_stream.maximum_batching_window_in_seconds <= 300, false)
    error_message = "event_source.dynamodb_stream.maximum_batching_window_in_seconds must be from 0 to 300."
  }
  validation {
    condition     = var.event_source.dynamodb_stream == null || try(var.event_source.dynamodb_stream.parallelization_factor >= 1 && var.event_source.dynamodb_stream.parallelization_factor <= 10 && floor(var.event_source.dynamodb_stream.parallelization_factor) == var.event_source.dynamodb_stream.parallelization_factor, false)
    error_message = "event_source.dynamodb_stream.parallelization_factor must be a whole number from 1 to 10."
  }
  validation {
    condition     = var.event_source.dynamodb_stream == null || try(var.event_source.dynamodb_stream.maximum_retry_attempts >= -1 && var.event_source.dynamodb_stream.maximum_retry_attempts <= 10000, false)
    error_message = "event_source.dynamodb_stream.maximum_retry_attempts must be from -1 to 10000 (-1 retries until the record expires, which can block a shard for a day)."
  }
  validation {
    condition     = var.event_source.dynamodb_stream == null || try(var.event_source.dynamodb_stream.maximum_record_age_in_seconds == -1 || (var.event_source.dynamodb_stream.maximum_record_age_in_seconds >= 60 && var.event_source.dynamodb_stream.maximum_record_age_in_seconds <= 604800), false)
    error_message = "event_source.dynamodb_stream.maximum_record_age_in_seconds must be -1 (until the record expires) or from 60 to 604800."
  }
  validation {
    condition     = var.event_source.dynamodb_stream == null || try(length(var.event_source.dynamodb_stream.filter_patterns) <= 5 && alltrue([for i, p in var.event_source.dynamodb_stream.filter_patterns : can(tonumber(i)) && can(keys(p)) && length(jsonencode(p)) <= 4096]), false)
    error_message = "event_source.dynamodb_stream.filter_patterns allows at most 5 patterns, each a JSON object (EventBridge pattern syntax) of at most 4096 characters."
  }
  validation {
    condition     = var.event_source.sqs == null || can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\\.fifo)?$", try(var.event_source.sqs.queue_arn, "")))
    error_message = "event_source.sqs.queue_arn must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)."
  }
  validation {
    # Lambda Developer Guide, services-sqs-parameters: BatchSize up to 10,000 (10 for FIFO queues); above 10 needs a
    # batching window of at least 1 s; MaximumBatchingWindowInSeconds 0-300 (none for FIFO).
    condition = var.event_source.sqs == null || try(
      var.event_source.sqs.batch_size >= 1 && floor(var.event_source.sqs.batch_size) == var.event_source.sqs.batch_size &&
      var.event_source.sqs.batch_size <= (endswith(var.event_source.sqs.queue_arn, ".fifo") ? 10 : 10000) &&
      (var.event_source.sqs.batch_size <= 10 || var.event_source.sqs.maximum_batching_window_in_seconds >= 1) &&
      var.event_source.sqs.maximum_batching_window_in_seconds >= 0 && var.event_source.sqs.maximum_batching_window_in_seconds <= 300 &&
      (!endswith(var.event_source.sqs.queue_arn, ".fifo") || var.event_source.sqs.maximum_batching_window_in_seconds == 0),
    false)
    error_message = "event_source.sqs.batch_size must be a whole number from 1 to 10000 (10 for a FIFO queue; above 10 with maximum_batching_window_in_seconds of at least 1), and maximum_batching_window_in_seconds from 0 to 300 (0 for a FIFO queue)."
  }
  validation {
    # Lambda Developer Guide, services-sqs-scaling: maximum concurrency from 2 to 1,000.
    condition     = var.event_source.sqs == null || try(var.event_source.sqs.maximum_concurrency == null || (var.event_source.sqs.maximum_concurrency >= 2 && var.event_source.sqs.maximum_concurrency <= 1000 && floor(var.event_source.sqs.maximum_concurrency) == var.event_source.sqs.maximum_concurrency), false)
    error_message = "event_source.sqs.maximum_concurrency must be null or a whole number from 2 to 1000."
  }
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}

variable "dlq_environment_variable" {
  description = "Name of an environment variable that receives the URL of the stream mapping's failure queue, for a function that dead-letters records itself (the role may already send to that queue). Null: none."
  type        = string
  default     = null
  validation {
    condition     = var.dlq_environment_variable == null || can(regex("^[A-Z][A-Z0-9_]*$", coalesce(var.dlq_environment_variable, "-")))
    error_message = "dlq_environment_variable must be null or an environment variable name (upper case letters, digits, '_')."
  }
}

variable "dlq_kms_key_arn" {
  description = "Customer managed KMS key for the failure queue (the role gets kms:GenerateDataKey and kms:Decrypt on it). Null: SQS-managed encryption."
  type        = string
  default     = null
  validation {
    condition     = var.dlq_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.dlq_kms_key_arn, "-")))
    error_message = "dlq_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}


variable "function_as_given" {
  description = "The `function` object as the caller (a wrapping module) received it, untyped: an attribute `function` does not declare (a misspelt `memory_sise`) is refused by name instead of dropped. Null: not checked."
  type        = any
  default     = null
}
