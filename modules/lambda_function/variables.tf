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
  description = "The built zip: path (relative to the root module or absolute) and base64 SHA-256 (build/lambdas/manifest.json)."
  type = object({
    path             = string
    source_code_hash = string
  })
  validation {
    condition     = endswith(var.package.path, ".zip") && can(regex("^[A-Za-z0-9+/]{43}=$", var.package.source_code_hash))
    error_message = "package needs a .zip path and source_code_hash as base64(sha256(zip)) (44 characters), as scripts/build_lambdas.py writes them."
  }
}

variable "handler" {
  description = "Entry point, <package>.<module>.<function> (scripts/build_lambdas.py packages a function as <name>/handler.py)."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_.]*\\.[A-Za-z_][A-Za-z0-9_]*$", var.handler))
    error_message = "handler must look like module.function (e.g. stream_trigger.handler.handler)."
  }
}

variable "runtime" {
  description = "Python runtime (python3.11 or newer; the sources are tested on 3.11-3.13)."
  type        = string
  default     = "python3.13"
  validation {
    condition     = can(regex("^python3\\.(1[1-9])$", var.runtime))
    error_message = "runtime must be python3.11 or newer (e.g. python3.13)."
  }
}

variable "architecture" {
  description = "Instruction set: arm64 (cheaper per GB-second) or x86_64."
  type        = string
  default     = "arm64"
  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 256
  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout" {
  description = "Seconds an invocation may run."
  type        = number
  default     = 60
  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for (and capping) the function; -1 leaves it unreserved, 0 stops all invocations."
  type        = number
  default     = -1
  validation {
    condition     = var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions
    error_message = "reserved_concurrent_executions must be a whole number >= -1."
  }
}

variable "environment_variables" {
  description = "Environment of the function (its configuration)."
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

variable "log_level" {
  description = "Lowest level of application log lines kept (Lambda's advanced logging controls; powertools Logger follows it)."
  type        = string
  default     = "INFO"
  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN or ERROR."
  }
}

variable "async_failure_queue" {
  description = "For functions invoked asynchronously (EventBridge, SNS targets): create an SQS queue that receives invocations still failing after Lambda's 2 retries, instead of dropping them."
  type        = bool
  default     = false
}

variable "xray_tracing" {
  description = "Active X-Ray tracing."
  type        = bool
  default     = true
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 30
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN encrypting the log group; null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "powertools_layer_arn" {
  description = "aws-lambda-powertools layer ARN. Null resolves the public layer of powertools_version from its SSM parameter (/aws/service/powertools/python/<arch>/<runtime>/<version>)."
  type        = string
  default     = null
  validation {
    condition     = var.powertools_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", coalesce(var.powertools_layer_arn, "-")))
    error_message = "powertools_layer_arn must be null or a layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
}

variable "powertools_version" {
  description = "aws-lambda-powertools release whose public layer is used when powertools_layer_arn is null; keep it equal to the version pinned in pyproject.toml. Null attaches no powertools layer."
  type        = string
  default     = "3.37.0"
  validation {
    condition     = var.powertools_version == null || can(regex("^3\\.[0-9]+\\.[0-9]+$", coalesce(var.powertools_version, "-")))
    error_message = "powertools_version must be null or a 3.x.y release (the layer's SSM parameters exist for v3)."
  }
}

variable "layers" {
  description = "Further layer version ARNs, after the powertools layer."
  type        = list(string)
  default     = []
  validation {
    condition     = length(var.layers) <= 4
    error_message = "layers allows at most 4 entries (Lambda's limit is 5 layers, one of them powertools)."
  }
}

variable "event_source_mapping" {
  description = "Consume a DynamoDB stream: its ARN and the mapping's settings. Batches that exhaust their retries go to an SQS queue the module creates. Null: no mapping."
  type = object({
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
  })
  default = null
  validation {
    condition     = var.event_source_mapping == null || can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+/stream/.+$", try(var.event_source_mapping.stream_arn, "")))
    error_message = "event_source_mapping.stream_arn must be a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>)."
  }
  validation {
    condition     = var.event_source_mapping == null || try(contains(["LATEST", "TRIM_HORIZON"], var.event_source_mapping.starting_position), false)
    error_message = "event_source_mapping.starting_position must be LATEST or TRIM_HORIZON (AT_TIMESTAMP is not supported for DynamoDB streams)."
  }
  validation {
    condition     = var.event_source_mapping == null || try(var.event_source_mapping.batch_size >= 1 && var.event_source_mapping.batch_size <= 10000 && floor(var.event_source_mapping.batch_size) == var.event_source_mapping.batch_size, false)
    error_message = "event_source_mapping.batch_size must be a whole number from 1 to 10000."
  }
  validation {
    condition     = var.event_source_mapping == null || try(var.event_source_mapping.maximum_batching_window_in_seconds >= 0 && var.event_source_mapping.maximum_batching_window_in_seconds <= 300, false)
    error_message = "event_source_mapping.maximum_batching_window_in_seconds must be from 0 to 300."
  }
  validation {
    condition     = var.event_source_mapping == null || try(var.event_source_mapping.parallelization_factor >= 1 && var.event_source_mapping.parallelization_factor <= 10 && floor(var.event_source_mapping.parallelization_factor) == var.event_source_mapping.parallelization_factor, false)
    error_message = "event_source_mapping.parallelization_factor must be a whole number from 1 to 10."
  }
  validation {
    condition     = var.event_source_mapping == null || try(var.event_source_mapping.maximum_retry_attempts >= -1 && var.event_source_mapping.maximum_retry_attempts <= 10000, false)
    error_message = "event_source_mapping.maximum_retry_attempts must be from -1 to 10000 (-1 retries until the record expires, which can block a shard for a day)."
  }
  validation {
    condition     = var.event_source_mapping == null || try(var.event_source_mapping.maximum_record_age_in_seconds == -1 || (var.event_source_mapping.maximum_record_age_in_seconds >= 60 && var.event_source_mapping.maximum_record_age_in_seconds <= 604800), false)
    error_message = "event_source_mapping.maximum_record_age_in_seconds must be -1 (until the record expires) or from 60 to 604800."
  }
  validation {
    condition     = var.event_source_mapping == null || try(length(var.event_source_mapping.filter_patterns) <= 5 && alltrue([for i, p in var.event_source_mapping.filter_patterns : can(tonumber(i)) && can(keys(p)) && length(jsonencode(p)) <= 4096]), false)
    error_message = "event_source_mapping.filter_patterns allows at most 5 patterns, each a JSON object (EventBridge pattern syntax) of at most 4096 characters."
  }
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}

variable "failure_queue_environment_variable" {
  description = "Name of an environment variable that receives the URL of the stream mapping's failure queue, for a function that dead-letters records itself (the role may already send to that queue). Null: none."
  type        = string
  default     = null
  validation {
    condition     = var.failure_queue_environment_variable == null || can(regex("^[A-Z][A-Z0-9_]*$", coalesce(var.failure_queue_environment_variable, "-")))
    error_message = "failure_queue_environment_variable must be null or an environment variable name (upper case letters, digits, '_')."
  }
}

variable "failure_queue_kms_key_arn" {
  description = "Customer managed KMS key for the failure queue (the role gets kms:GenerateDataKey and kms:Decrypt on it). Null: SQS-managed encryption."
  type        = string
  default     = null
  validation {
    condition     = var.failure_queue_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.failure_queue_kms_key_arn, "-")))
    error_message = "failure_queue_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "vpc_config" {
  description = "Subnets and security groups to run the function in (the role gets the network-interface permissions Lambda needs, on these subnets and groups). Null: no VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
  validation {
    condition     = var.vpc_config == null || (length(try(var.vpc_config.subnet_ids, [])) > 0 && alltrue([for id in try(var.vpc_config.subnet_ids, []) : can(regex("^subnet-[0-9a-f]+$", id))]) && alltrue([for id in try(var.vpc_config.security_group_ids, []) : can(regex("^sg-[0-9a-f]+$", id))]))
    error_message = "vpc_config needs at least one subnet id (subnet-...) and security group ids of the form sg-...."
  }
}

variable "environment_kms_key_arn" {
  description = "KMS key ARN encrypting the function's environment variables at rest; null uses Lambda's AWS managed key. The role gets kms:Decrypt on it."
  type        = string
  default     = null
  validation {
    condition     = var.environment_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.environment_kms_key_arn, "-")))
    error_message = "environment_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}
