variable "settings" {
  description = "What an environment may set, by group; every attribute left out keeps its production-safe default. table: deletion protection and point-in-time recovery. logs: retention of every log group. tracing: X-Ray for functions, state machines and the API. kms_key_arns: customer managed keys (table; logs, whose key policy must allow logs.<region>.amazonaws.com; lambda_environment). alarms: the CloudWatch alarms, their dashboard, and who is told (email endpoints, or an existing topic). events: days the bus archive keeps events for replay (0: none). api: stage, throttling, CORS origin (at most one), authorization (COGNITO creates a user pool unless cognito_user_pool_arn names one; AWS_IAM; CUSTOM with custom_authorizer; NONE: public), scopes, API keys, owner isolation (owner_claim), queries by field (indexes: GET /items?status=PAID&sort=-createdAt from the by_status index by default) and webhooks (null: none); see modules/crud_api. functions: the powertools layer (or packages that bundle it) and overrides of modules/lambda_function's function object for every function. workflow: the example workflow's trigger (event names, conditions), whether it logs execution data (changes may carry personal data), and more workflows on the same trigger. pipeline: limits of imports, the export schedule (modules/pipeline), and the days an upload stays in the ingest bucket (older versions: 7). live_updates: the WebSocket API clients subscribe to items on (enabled; its stage and delivery bounds; it authenticates as the REST API, which must not be CUSTOM while it is on); see modules/live_updates."
  type = object({
    table = optional(object({
      deletion_protection    = optional(bool, true)
      point_in_time_recovery = optional(bool, true)
    }), {})
    logs = optional(object({
      retention_in_days = optional(number, 90)
    }), {})
    tracing = optional(bool, true)
    kms_key_arns = optional(object({
      table              = optional(string)
      logs               = optional(string)
      lambda_environment = optional(string)
    }), {})
    alarms = optional(object({
      enabled         = optional(bool, true)
      dashboard       = optional(bool, true)
      email_endpoints = optional(list(string), [])
      topic_arn       = optional(string)
    }), {})
    events = optional(object({
      archive_retention_days = optional(number, 30)
    }), {})
    api = optional(object({
      stage_name = optional(string, "v1")
      throttling = optional(object({
        rate_limit  = optional(number, 100)
        burst_limit = optional(number, 200)
      }), {})
      cors_allow_origins    = optional(list(string), [])
      authorization         = optional(string, "COGNITO")
      cognito_user_pool_arn = optional(string)
      authorization_scopes  = optional(map(list(string)), {})
      custom_authorizer = optional(object({
        function_arn          = string
        identity_sources      = optional(list(string), ["method.request.header.Authorization"])
        result_ttl_in_seconds = optional(number, 300)
      }))
      keys = optional(object({
        names        = set(string)
        quota_limit  = optional(number)
        quota_period = optional(string, "MONTH")
        rate_limit   = optional(number, 50)
        burst_limit  = optional(number, 100)
      }))
      owner_claim = optional(string)
      indexes = optional(map(object({
        partition = string
        sort      = string
      })), { by_status = { partition = "status", sort = "createdAt" } })
      webhooks = optional(object({
        enabled        = optional(bool, true)
        event_source   = optional(string)
        detail_type    = optional(string)
        max_body_chars = optional(number)
        rate_limit     = optional(number)
        burst_limit    = optional(number)
      }), {})
    }), {})
    functions = optional(object({
      powertools_layer_arn = optional(string)
      powertools_bundled   = optional(bool, false)
      overrides            = optional(any, {})
    }), {})
    workflow = optional(object({
      include_execution_data = optional(bool, false)
      event_names            = optional(list(string), ["INSERT", "MODIFY", "REMOVE"])
      conditions             = optional(any)
      more_workflows = optional(map(object({
        state_machine_arn = string
        event_names       = optional(list(string), ["INSERT", "MODIFY", "REMOVE"])
        conditions        = optional(string)
        input             = optional(map(string))
      })), {})
    }), {})
    pipeline = optional(object({
      imports = optional(object({
        max_object_bytes        = optional(number)
        max_lines               = optional(number)
        chunk_lines             = optional(number)
        chunk_bytes             = optional(number)
        content_types           = optional(list(string))
        max_reported_rejections = optional(number)
        max_concurrent_chunks   = optional(number)
        worker_concurrency      = optional(number)
        max_receive_count       = optional(number)
      }), {})
      export_schedule = optional(object({
        enabled    = optional(bool)
        expression = optional(string)
        time_zone  = optional(string)
      }), {})
      upload_retention_days = optional(number, 30)
    }), {})
    live_updates = optional(object({
      enabled            = optional(bool, true)
      stage_name         = optional(string, "live")
      max_parallel_posts = optional(number, 32)
      max_subscriptions  = optional(number, 100)
    }), {})
  })
  default  = {}
  nullable = false
  validation {
    condition     = contains(["NONE", "AWS_IAM", "COGNITO", "CUSTOM"], var.settings.api.authorization)
    error_message = "settings.api.authorization must be NONE, AWS_IAM, COGNITO or CUSTOM."
  }
  validation {
    condition     = var.settings.alarms.topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", coalesce(var.settings.alarms.topic_arn, "-")))
    error_message = "settings.alarms.topic_arn must be null or an SNS topic ARN."
  }
  validation {
    condition     = alltrue([for arn in values(var.settings.kms_key_arns) : arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(arn, "-")))])
    error_message = "settings.kms_key_arns values must be KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>)."
  }
  validation {
    condition     = !contains(keys(var.settings.workflow.more_workflows), "item-workflow")
    error_message = "settings.workflow.more_workflows: item-workflow is the example workflow's name; choose another."
  }
  validation {
    condition     = var.settings.pipeline.upload_retention_days >= 1 && floor(var.settings.pipeline.upload_retention_days) == var.settings.pipeline.upload_retention_days
    error_message = "settings.pipeline.upload_retention_days must be a whole number of days, at least 1 (S3 lifecycle expiration)."
  }
  validation {
    # CloudWatch Logs' retention values (PutRetentionPolicy).
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.settings.logs.retention_in_days)
    error_message = "settings.logs.retention_in_days must be one of CloudWatch Logs' values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "given" {
  description = "The settings as the caller wrote them (untyped): attributes this declaration does not have are refused by name."
  type        = any
  default     = {}
}
