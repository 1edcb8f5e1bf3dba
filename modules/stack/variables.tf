variable "name" {
  description = "Prefix of every resource of the environment, e.g. items-dev."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}$", var.name))
    error_message = "name must be 1-24 characters of lower-case letters, digits or '-', starting with a letter (it prefixes names with their own length limits)."
  }
}

variable "lambda_packages" {
  description = "The built zips (build/lambdas/manifest.json): function name => { path, source_code_hash }. Needs stream_trigger, stream_fanout, event_consumer, import_planner, import_worker, import_reporter and table_exporter."
  type = map(object({
    path             = string
    source_code_hash = string
  }))
  validation {
    condition     = alltrue([for f in ["stream_trigger", "stream_fanout", "event_consumer", "import_planner", "import_worker", "import_reporter", "table_exporter"] : contains(keys(var.lambda_packages), f)])
    error_message = "lambda_packages must contain stream_trigger, stream_fanout, event_consumer, import_planner, import_worker, import_reporter and table_exporter (run make build; make plan/apply pass them)."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the items table (prod: true; a disposable dev: false)."
  type        = bool
  default     = true
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "point_in_time_recovery" {
  description = "Continuous backups of the items table."
  type        = bool
  default     = true
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "log_retention_in_days" {
  description = "Retention of every log group of the environment."
  type        = number
  default     = 90
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "archive_retention_days" {
  description = "Days the event bus archive keeps events for replay (0: no archive)."
  type        = number
  default     = 30
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "alarms_enabled" {
  description = "Create the CloudWatch alarms (modules/alarms) and their SNS topic."
  type        = bool
  default     = true
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "alarm_email_endpoints" {
  description = "Addresses subscribed to the alarm topic."
  type        = list(string)
  default     = []
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "alarm_topic_arn" {
  description = "An existing SNS topic (e.g. the on-call team's) for alarm and OK notifications instead of a topic created here."
  type        = string
  default     = null
  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", coalesce(var.alarm_topic_arn, "-")))
    error_message = "alarm_topic_arn must be null or an SNS topic ARN."
  }
}

variable "dashboard" {
  description = "Create a CloudWatch dashboard of the alarmed metrics (with alarms_enabled)."
  type        = bool
  default     = true
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "xray_tracing" {
  description = "X-Ray tracing of the functions, state machines and API."
  type        = bool
  default     = true
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "workflow_include_execution_data" {
  description = "Log the item workflow's inputs and outputs (each is a change with both images of an item, which may carry personal data). Off: errors are logged without the data; the failure queue still keeps each failed change."
  type        = bool
  default     = false
  nullable    = false
}

variable "stage_name" {
  description = "API stage (first path segment of api_url)."
  type        = string
  default     = "v1"
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second the API accepts."
  type        = number
  default     = 100
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "api_throttling_burst_limit" {
  description = "Request burst the API accepts."
  type        = number
  default     = 200
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "cors_allow_origins" {
  description = "Browser origin allowed to call the API (at most one; empty: no CORS)."
  type        = list(string)
  default     = []
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "api_authorization" {
  description = "How callers of the CRUD API authenticate: COGNITO (default; the stack creates a user pool and app client unless api_cognito_user_pool_arn names one), AWS_IAM, CUSTOM (api_custom_authorizer) or NONE (public: only for an API that must be anonymous)."
  type        = string
  default     = "COGNITO"
  nullable    = false # null (e.g. an environment leaving it out) means the default
  validation {
    condition     = contains(["NONE", "AWS_IAM", "COGNITO", "CUSTOM"], var.api_authorization)
    error_message = "api_authorization must be NONE, AWS_IAM, COGNITO or CUSTOM."
  }
}

variable "api_cognito_user_pool_arn" {
  description = "COGNITO: an existing user pool whose tokens the API accepts; null creates one (with an app client) in this stack."
  type        = string
  default     = null
}

variable "api_authorization_scopes" {
  description = "COGNITO: OAuth scopes an access token must carry, per operation (create, get, replace, delete, list); see crud_api."
  type        = map(list(string))
  default     = {}
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "api_custom_authorizer" {
  description = "CUSTOM: the Lambda REQUEST authorizer ({function_arn, identity_sources, result_ttl_in_seconds}); see crud_api."
  type = object({
    function_arn          = string
    identity_sources      = optional(list(string), ["method.request.header.Authorization"])
    result_ttl_in_seconds = optional(number, 300)
  })
  default = null
}

variable "api_keys" {
  description = "API keys (and their usage plan) on top of api_authorization ({names, quota_limit, quota_period, rate_limit, burst_limit}); null: none. See crud_api."
  type = object({
    names        = set(string)
    quota_limit  = optional(number)
    quota_period = optional(string, "MONTH")
    rate_limit   = optional(number, 50)
    burst_limit  = optional(number, 100)
  })
  default = null
}

variable "api_owner_claim" {
  description = "Owner isolation for the API (COGNITO or CUSTOM): the claim naming the caller, e.g. \"sub\". Items record their owner, callers see only their own, and the table gets the owner index. null: off."
  type        = string
  default     = null
}

variable "trigger_event_names" {
  description = "Changes that start the example workflow."
  type        = list(string)
  default     = ["INSERT", "MODIFY", "REMOVE"]
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "trigger_conditions" {
  description = "Rules (lambdas/stream_trigger/conditions.py) a change must match to start the workflow; null: every change."
  type        = any
  default     = null
}

variable "trigger_workflows" {
  description = "More workflows for the same stream reader, beside the example workflow (modules/stream_trigger's workflows: state_machine_arn, event_names, conditions as JSON text, input)."
  type = map(object({
    state_machine_arn = string
    event_names       = optional(list(string), ["INSERT", "MODIFY", "REMOVE"])
    conditions        = optional(string)
    input             = optional(map(string))
  }))
  default  = {}
  nullable = false # null (e.g. an environment leaving it out) means the default
  validation {
    condition     = !contains(keys(var.trigger_workflows), "item-workflow")
    error_message = "trigger_workflows: item-workflow is the example workflow's name; choose another."
  }
}

variable "powertools_layer_arn" {
  description = "aws-lambda-powertools layer ARN; null resolves the public layer of powertools_version."
  type        = string
  default     = null
}

variable "powertools_bundled" {
  description = "The Lambda packages carry aws-lambda-powertools themselves (scripts/build_lambdas.py --bundle-powertools), so no layer is attached: for LocalStack's free image, which cannot fetch the public layer of another account."
  type        = bool
  default     = false
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "function" {
  description = "Settings for every function of the stack (modules/lambda_function's `function` object: memory_size, timeout, log_level, architecture, ...); they take precedence over the stack's log_retention_in_days, kms_key_arns, xray_tracing and powertools inputs."
  type        = any
  default     = {}
  nullable    = false
}

variable "tags" {
  description = "Tags for every resource (the environments also set provider default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false # null (e.g. an environment leaving it out) means the default
}

variable "kms_key_arns" {
  description = "Customer managed KMS keys, each optional: table (the items table), logs (every log group: the key policy must allow logs.<region>.amazonaws.com), lambda_environment (every function's environment variables). Unset: AWS owned or managed keys."
  type = object({
    table              = optional(string)
    logs               = optional(string)
    lambda_environment = optional(string)
  })
  default  = {}
  nullable = false # null (e.g. an environment leaving it out) means the default
  validation {
    condition     = alltrue([for arn in values(var.kms_key_arns) : arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(arn, "-")))])
    error_message = "kms_key_arns values must be KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "pipeline_imports" {
  description = "Limits of the pipeline's S3 imports (modules/pipeline's imports object: max_object_bytes, max_lines, chunk_lines, chunk_bytes, content_types, max_reported_rejections, max_concurrent_chunks, worker_concurrency, max_receive_count)."
  type        = any
  default     = {}
  nullable    = false
}

variable "export_schedule" {
  description = "The scheduled export of the table (modules/pipeline's export_schedule: enabled, expression, time_zone)."
  type        = any
  default     = {}
  nullable    = false
}

variable "webhooks" {
  description = "POST <api_url>/webhooks/{source} onto the stack's bus (crud_api's webhooks without event_bus_arn: event_source, detail_type, max_body_chars, rate_limit, burst_limit). Null: no webhooks."
  type        = any
  default     = {}
}
