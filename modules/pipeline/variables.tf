variable "name" {
  description = "Prefix of every resource of the pipeline (functions, queues, topic, state machine, schedule; buckets get a unique suffix)."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,39}$", var.name))
    error_message = "name must be 1-40 lower-case letters, digits or '-' (it prefixes bucket names, which allow nothing else)."
  }
}

variable "table" {
  description = "The items table the imports write to and the exports read: its name and ARN (dynamodb_table's outputs)."
  type = object({
    name = string
    arn  = string
  })
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", var.table.arn))
    error_message = "table.arn must be a DynamoDB table ARN (arn:aws:dynamodb:<region>:<account>:table/<name>), the table table.name."
  }
}

variable "item_contract" {
  description = "How the API stores an item (crud_api's item_contract output, JSON): the importer writes items exactly as the API would. Lambda environment variables total at most 4 KB."
  type        = string
  validation {
    condition     = can(jsondecode(var.item_contract).schema) && can(jsondecode(var.item_contract).maxBodyChars) && length(var.item_contract) <= 3072
    error_message = "item_contract must be crud_api's item_contract output (JSON with schema and maxBodyChars) of at most 3072 characters (it travels in a Lambda environment variable; a larger item schema needs a smaller description)."
  }
}

variable "owner_metadata_key" {
  description = "Under the API's owner isolation: the user metadata key (x-amz-meta-<key>) an uploaded object names its items' owner with; objects without it are refused. Null: items have no owner."
  type        = string
  default     = null
  validation {
    condition     = var.owner_metadata_key == null || can(regex("^[a-z0-9-]{1,64}$", coalesce(var.owner_metadata_key, "-")))
    error_message = "owner_metadata_key must be null or 1-64 lower-case letters, digits or '-' (S3 lower-cases user metadata keys)."
  }
}

variable "packages" {
  description = "The built zips (build/lambdas/manifest.json) of import_planner, import_worker, import_reporter and table_exporter: name => { path, source_code_hash }."
  type = map(object({
    path             = optional(string)
    s3_bucket        = optional(string)
    s3_key           = optional(string)
    source_code_hash = string
  }))
  validation {
    condition     = alltrue([for f in ["import_planner", "import_worker", "import_reporter", "table_exporter"] : contains(keys(var.packages), f)])
    error_message = "packages must contain import_planner, import_worker, import_reporter and table_exporter (make build writes them)."
  }
}

variable "function" {
  description = "Function settings for the pipeline's functions (modules/lambda_function's `function` object). Without a timeout, each function gets its own (planner 120 s, worker 60 s, reporter 30 s, exporter 900 s)."
  type        = any
  default     = {}
}

variable "imports" {
  description = "Limits of one import: object size and line count, lines and bytes per chunk (one worker invocation), accepted content types, rejections listed in a report, chunks in flight, worker concurrency, and receives before a chunk's message goes to the work DLQ."
  type = object({
    max_object_bytes        = optional(number, 104857600)
    max_lines               = optional(number, 100000)
    chunk_lines             = optional(number, 1000)
    chunk_bytes             = optional(number, 4194304)
    content_types           = optional(list(string), ["application/x-ndjson", "application/jsonl", "application/json", "text/plain", "binary/octet-stream", "application/octet-stream"])
    max_reported_rejections = optional(number, 500)
    max_concurrent_chunks   = optional(number, 10)
    worker_concurrency      = optional(number, 5)
    max_receive_count       = optional(number, 3)
  })
  default  = {}
  nullable = false
  validation {
    condition     = var.imports.max_lines >= 1 && var.imports.chunk_lines >= 1 && ceil(var.imports.max_lines / var.imports.chunk_lines) <= 1000
    error_message = "imports: max_lines / chunk_lines must be at most 1000 chunks (each chunk's result lives in the orchestrator's state, capped at 256 KiB)."
  }
  validation {
    condition     = var.imports.chunk_bytes >= 65536 && var.imports.chunk_bytes <= 67108864
    error_message = "imports.chunk_bytes must be from 64 KiB to 64 MiB (a worker holds one chunk in memory)."
  }
  validation {
    condition     = var.imports.max_reported_rejections >= 1 && var.imports.max_reported_rejections <= 1000
    error_message = "imports.max_reported_rejections must be from 1 to 1000 (rejections travel in the orchestrator's state, capped at 256 KiB)."
  }
  validation {
    condition     = var.imports.max_concurrent_chunks >= 1 && var.imports.max_concurrent_chunks <= 40
    error_message = "imports.max_concurrent_chunks must be from 1 to 40 (an inline Map runs at most 40 iterations at once)."
  }
  validation {
    condition     = var.imports.worker_concurrency >= 2 && var.imports.worker_concurrency <= 1000
    error_message = "imports.worker_concurrency must be from 2 to 1000 (an SQS event source mapping's maximum concurrency)."
  }
  validation {
    condition     = var.imports.max_receive_count >= 1 && var.imports.max_receive_count <= 1000
    error_message = "imports.max_receive_count must be from 1 to 1000 (SQS redrive policy)."
  }
  validation {
    condition     = length(var.imports.content_types) > 0 && alltrue([for t in var.imports.content_types : can(regex("^[a-z0-9.+-]+/[a-z0-9.+-]+$", t))])
    error_message = "imports.content_types must list lower-case media types (type/subtype)."
  }
}

variable "export_schedule" {
  description = "The scheduled export of the table: an EventBridge Scheduler cron or rate expression, its time zone (IANA), and whether it runs (the local runtime fires it on demand instead)."
  type = object({
    enabled    = optional(bool, true)
    expression = optional(string, "cron(0 2 * * ? *)")
    time_zone  = optional(string, "UTC")
  })
  default  = {}
  nullable = false
  validation {
    condition     = can(regex("^(cron\\(.+\\)|rate\\([0-9]+ (minute|minutes|hour|hours|day|days)\\)|at\\(.+\\))$", var.export_schedule.expression))
    error_message = "export_schedule.expression must be cron(...), rate(n unit) or at(...) (EventBridge Scheduler's expressions)."
  }
  validation {
    condition     = can(regex("^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", var.export_schedule.time_zone))
    error_message = "export_schedule.time_zone must be an IANA time zone name such as UTC or Europe/Berlin."
  }
}

variable "ingest_lifecycle_rules" {
  description = "Lifecycle rules of the ingest bucket (modules/s3_bucket's lifecycle_rules). Default: uploads expire after 30 days, older versions after 7."
  type = map(object({
    prefix                             = optional(string, "")
    expiration_days                    = optional(number)
    noncurrent_version_expiration_days = optional(number)
  }))
  default = { imports = { prefix = "imports/", expiration_days = 30, noncurrent_version_expiration_days = 7 } }
}

variable "results_lifecycle_rules" {
  description = "Lifecycle rules of the results bucket. Default: reports expire after 90 days, exports after 30."
  type = map(object({
    prefix                             = optional(string, "")
    expiration_days                    = optional(number)
    noncurrent_version_expiration_days = optional(number)
  }))
  default = {
    reports = { prefix = "reports/", expiration_days = 90 }
    exports = { prefix = "exports/", expiration_days = 30 }
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the buckets with their objects (disposable environments only)."
  type        = bool
  default     = false
}

variable "orchestrator" {
  description = "The import orchestrator (a STANDARD state machine): log_level, its execution history logged to CloudWatch (ALL, ERROR, FATAL or OFF; Step Functions' levels, not the functions' log_level, which is in `function`)."
  type = object({
    log_level = optional(string, "ERROR")
  })
  default  = {}
  nullable = false
  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.orchestrator.log_level)
    error_message = "orchestrator.log_level must be ALL, ERROR, FATAL or OFF (Step Functions' logging levels)."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the orchestrator's execution log group."
  type        = number
  default     = 30
}

variable "log_kms_key_arn" {
  description = "KMS key for the orchestrator's log group; null: CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "xray_tracing" {
  description = "X-Ray tracing of the orchestrator's executions."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}
