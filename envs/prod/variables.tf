variable "environment" {
  description = "Environment name (dev, staging, prod); names every resource <project>-<environment>-..."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,9}$", var.environment))
    error_message = "environment must be 1-10 lower-case letters or digits, starting with a letter."
  }
}

variable "project" {
  description = "Project name: the first part of every resource name and the project tag."
  type        = string
  default     = "items"
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,12}$", var.project))
    error_message = "project must be 1-13 lower-case letters or digits, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "lambda_packages" {
  description = "The built zips, passed by make plan|apply from build/lambdas/manifest.json: name => { path, source_code_hash }."
  type = map(object({
    path             = string
    source_code_hash = string
  }))
}

variable "alarm_email_endpoints" {
  description = "Addresses subscribed to the alarm topic (each confirms by the mail AWS sends it)."
  type        = list(string)
  default     = []
  validation {
    # Alarms that notify nobody are not alarms: prod must name someone (make plan also refuses the
    # placeholder address of envs/prod/terraform.tfvars).
    condition     = var.environment != "prod" || length(var.alarm_email_endpoints) > 0 || var.alarm_topic_arn != null
    error_message = "alarm_email_endpoints: prod needs at least one address (or alarm_topic_arn, an existing topic), or its alarms notify nobody."
  }
}

variable "alarm_topic_arn" {
  description = "An existing SNS topic for alarm notifications instead of the one the stack creates."
  type        = string
  default     = null
}

variable "settings" {
  description = "What differs between environments (see envs/README.md); an attribute left out keeps modules/stack's production-safe default."
  type = object({
    deletion_protection        = optional(bool)
    point_in_time_recovery     = optional(bool)
    log_retention_in_days      = optional(number)
    archive_retention_days     = optional(number)
    alarms_enabled             = optional(bool)
    dashboard                  = optional(bool)
    xray_tracing               = optional(bool)
    api_throttling_rate_limit  = optional(number)
    api_throttling_burst_limit = optional(number)
    cors_allow_origins         = optional(list(string))
    powertools_layer_arn       = optional(string)
    powertools_bundled         = optional(bool)
    api_authorization          = optional(string)
    api_cognito_user_pool_arn  = optional(string)
    api_owner_claim            = optional(string)
    kms_key_arns = optional(object({
      table              = optional(string)
      logs               = optional(string)
      lambda_environment = optional(string)
    }))
    api_authorization_scopes = optional(map(list(string)))
    api_custom_authorizer = optional(object({
      function_arn          = string
      identity_sources      = optional(list(string), ["method.request.header.Authorization"])
      result_ttl_in_seconds = optional(number, 300)
    }))
    pipeline_imports = optional(object({
      max_object_bytes        = optional(number)
      max_lines               = optional(number)
      chunk_lines             = optional(number)
      chunk_bytes             = optional(number)
      content_types           = optional(list(string))
      max_reported_rejections = optional(number)
      max_concurrent_chunks   = optional(number)
      worker_concurrency      = optional(number)
      max_receive_count       = optional(number)
    }))
    export_schedule = optional(object({
      enabled    = optional(bool)
      expression = optional(string)
      time_zone  = optional(string)
    }))
    api_keys = optional(object({
      names        = set(string)
      quota_limit  = optional(number)
      quota_period = optional(string, "MONTH")
      rate_limit   = optional(number, 50)
      burst_limit  = optional(number, 100)
    }))
  })
  default = {}
}
