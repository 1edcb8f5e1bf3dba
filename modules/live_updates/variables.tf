variable "name" {
  description = "Prefix of the module's resources (API, table, functions), e.g. items-dev."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}$", var.name))
    error_message = "name must be 1-24 characters of lower-case letters, digits or '-', starting with a letter (it prefixes names with their own length limits)."
  }
}

variable "package" {
  description = "The built zip of lambdas/live_updates (build/lambdas/manifest.json's live_updates entry): { path, source_code_hash }."
  type = object({
    path             = string
    source_code_hash = string
  })
}

variable "items_table_arn" {
  description = "ARN of the items table whose changes are sent (with owner isolation, a subscription to one item reads its owner there)."
  type        = string
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$", var.items_table_arn))
    error_message = "items_table_arn must be a DynamoDB table ARN (arn:aws:dynamodb:<region>:<account>:table/<name>)."
  }
}

variable "authorization" {
  description = "Who may connect, as the REST API decides it: type COGNITO (the token of cognito_user_pool_arn's users in ?token=, checked by a Lambda REQUEST authorizer on $connect), AWS_IAM (SigV4-signed connect; the caller needs execute-api:Invoke on <execution_arn>/<stage>/$connect) or NONE (public, chosen explicitly). owner_claim (COGNITO only): a connection only receives changes of items whose owner is its token's claim."
  type = object({
    type                  = optional(string, "COGNITO")
    cognito_user_pool_arn = optional(string)
    owner_claim           = optional(string)
  })
  default  = {}
  nullable = false
  validation {
    condition     = contains(["COGNITO", "AWS_IAM", "NONE"], var.authorization.type)
    error_message = "authorization.type must be COGNITO, AWS_IAM or NONE (a WebSocket API's $connect takes a Lambda authorizer or IAM)."
  }
  validation {
    condition     = (var.authorization.type == "COGNITO") == (var.authorization.cognito_user_pool_arn != null) && (var.authorization.cognito_user_pool_arn == null || can(regex("^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[\\w-]+_[0-9a-zA-Z]+$", coalesce(var.authorization.cognito_user_pool_arn, "-"))))
    error_message = "authorization.cognito_user_pool_arn is required with type COGNITO, and only then: a user pool ARN (arn:aws:cognito-idp:<region>:<account>:userpool/<region>_<id>)."
  }
  validation {
    condition     = var.authorization.owner_claim == null || (var.authorization.type == "COGNITO" && can(regex("^[A-Za-z0-9_:.-]{1,128}$", coalesce(var.authorization.owner_claim, "-"))))
    error_message = "authorization.owner_claim needs type COGNITO (the claim comes from the verified token) and is a claim name of 1-128 letters, digits, '_', ':', '.' or '-'."
  }
}

variable "claim_check_objects_arn" {
  description = "ARN pattern of the bus's claim-checked changes (event_bus's claim_check_objects_arn): the broadcaster reads a change too large for an event from there. Null: the bus claim-checks nothing."
  type        = string
  default     = null
}

variable "stage_name" {
  description = "Name of the WebSocket API's stage (the last part of its URL)."
  type        = string
  default     = "live"
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits, '_' or '-'."
  }
}

variable "throttling" {
  description = "The stage's throttling of every route (messages and connects): steady-state requests per second (rate_limit) and the burst above them (burst_limit), as the REST stage's."
  type = object({
    rate_limit  = optional(number, 100)
    burst_limit = optional(number, 200)
  })
  default  = {}
  nullable = false
  validation {
    condition     = var.throttling.rate_limit > 0 && var.throttling.rate_limit <= 10000
    error_message = "throttling.rate_limit must be above 0 and at most 10000 (the account default)."
  }
  validation {
    condition     = var.throttling.burst_limit >= 0 && var.throttling.burst_limit <= 5000 && floor(var.throttling.burst_limit) == var.throttling.burst_limit
    error_message = "throttling.burst_limit must be a whole number from 0 to 5000 (the account default)."
  }
}

variable "delivery" {
  description = "How the broadcaster delivers: max_parallel_posts @connections posts in flight at once per event (1-256), and max_subscriptions one connection may hold (1-1000; each is a table row)."
  type = object({
    max_parallel_posts = optional(number, 32)
    max_subscriptions  = optional(number, 100)
  })
  default  = {}
  nullable = false
  validation {
    condition     = var.delivery.max_parallel_posts >= 1 && var.delivery.max_parallel_posts <= 256 && floor(var.delivery.max_parallel_posts) == var.delivery.max_parallel_posts
    error_message = "delivery.max_parallel_posts must be a whole number from 1 to 256."
  }
  validation {
    condition     = var.delivery.max_subscriptions >= 1 && var.delivery.max_subscriptions <= 1000 && floor(var.delivery.max_subscriptions) == var.delivery.max_subscriptions
    error_message = "delivery.max_subscriptions must be a whole number from 1 to 1000."
  }
}

variable "log_retention_in_days" {
  description = "Days the stage's access log is kept (one of the values CloudWatch Logs accepts)."
  type        = number
  default     = 30
  validation {
    condition     = contains(module.conventions.log_retention_in_days, var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts (${join(", ", module.conventions.log_retention_in_days)})."
  }
}

variable "log_kms_key_arn" {
  description = "Customer managed KMS key for the access log group (its key policy must allow logs.<region>.amazonaws.com); null: CloudWatch's own encryption."
  type        = string
  default     = null
}

variable "point_in_time_recovery" {
  description = "Point-in-time recovery of the connections table (its rows live at most ~2 hours; production may still want it for audits)."
  type        = bool
  default     = false
}

variable "function" {
  description = "Settings of the three functions (routes, authorizer, broadcaster): the object modules/lambda_function takes, with its defaults and validations (see its README)."
  type        = any
  default     = {}
  nullable    = false
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
  nullable    = false
}
