variable "name" {
  description = "Name prefix of every resource (API, state machine, roles, log groups)."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,60}$", var.name))
    error_message = "name must be 1-60 characters of letters, digits, '_' or '-' (it prefixes IAM role and state machine names)."
  }
}

variable "table" {
  description = "The DynamoDB table holding the items, by name or ARN (the other is derived; a name means a table in the provider's account and region). Its key schema must be a hash key `id` of type S and no range key (modules/dynamodb_table's default): the check `table_key_schema` reads the table and warns when it is not."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table)) || can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$", var.table))
    error_message = "table must be a DynamoDB table name (3-255 characters of letters, digits, '_', '-', '.') or a table ARN (arn:aws:dynamodb:<region>:<account>:table/<name>)."
  }
}

variable "collection" {
  description = "Path segment of the collection: /<collection> and /<collection>/{id}."
  type        = string
  default     = "items"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.collection))
    error_message = "collection must match ^[a-z][a-z0-9-]{0,62}$ (lower case, starts with a letter)."
  }
}

variable "item_schema" {
  description = "JSON Schema (draft 4) object describing the user fields of an item; null uses the demo order in default-item-schema.json. `default` values of top-level properties are applied on create and replace. id, version, createdAt and updatedAt are server-owned and always refused in bodies."
  type        = any
  default     = null
  validation {
    condition     = var.item_schema == null || try(var.item_schema.type, "") == "object"
    error_message = "item_schema must be a JSON Schema object with type = \"object\"."
  }
}

variable "max_page_size" {
  description = "Largest `limit` the list operation accepts. A page is fetched with one DynamoDB BatchGetItem, which takes at most 100 keys."
  type        = number
  default     = 100
  validation {
    condition     = var.max_page_size >= 1 && var.max_page_size <= 100 && floor(var.max_page_size) == var.max_page_size
    error_message = "max_page_size must be a whole number from 1 to 100 (BatchGetItem reads at most 100 items per call)."
  }
}

variable "default_page_size" {
  description = "Page size when the client gives no `limit`."
  type        = number
  default     = 20
  validation {
    condition     = var.default_page_size >= 1 && var.default_page_size <= var.max_page_size && floor(var.default_page_size) == var.default_page_size
    error_message = "default_page_size must be a whole number from 1 to max_page_size."
  }
}

variable "max_body_chars" {
  description = "Longest request body accepted for one item, in characters as API Gateway counts them (UTF-16 units: an emoji counts 2); 413 beyond. Every state of the CRUD state machine holds at most one copy of a document at up to 6 bytes a character, against Step Functions' 256 KiB per state, and one item must fit a list page's budget: see the README's limits."
  type        = number
  default     = 32768
  validation {
    condition     = var.max_body_chars >= 256 && var.max_body_chars <= 36000 && floor(var.max_body_chars) == var.max_body_chars
    error_message = "max_body_chars must be a whole number from 256 to 36000 (one item at up to 6 bytes a character, plus the list state, within Step Functions' 256 KiB)."
  }
}

variable "stage_name" {
  description = "Name of the API stage (the first path segment of api_url)."
  type        = string
  default     = "v1"
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 characters of letters, digits, '_' or '-'."
  }
}

variable "throttling" {
  description = "The stage's throttling, for the whole stage: steady-state requests per second (rate_limit) and the burst it absorbs above them (burst_limit). Beyond them API Gateway answers 429."
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

variable "authorization" {
  description = "How callers authenticate: AWS_IAM (the default: SigV4-signed requests; grant execute-api:Invoke on rest_api_execution_arn), COGNITO (tokens of the user pools in cognito_user_pool_arns), CUSTOM (a Lambda REQUEST authorizer: custom_authorizer) or NONE (public, chosen explicitly). api_keys adds an API key on top of any of them."
  type        = string
  default     = "AWS_IAM"
  validation {
    condition     = contains(["NONE", "AWS_IAM", "COGNITO", "CUSTOM"], var.authorization)
    error_message = "authorization must be NONE, AWS_IAM, COGNITO or CUSTOM."
  }
  validation {
    condition     = var.authorization != "COGNITO" || length(var.cognito_user_pool_arns) > 0
    error_message = "authorization = COGNITO needs cognito_user_pool_arns (at least one user pool ARN)."
  }
  validation {
    condition     = var.authorization != "CUSTOM" || var.custom_authorizer != null
    error_message = "authorization = CUSTOM needs custom_authorizer (the authorizer function's ARN)."
  }
}

variable "cognito_user_pool_arns" {
  description = "COGNITO: the user pools whose tokens the API accepts (API Gateway's Cognito user pool authorizer checks signature, issuer and expiry)."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for arn in var.cognito_user_pool_arns : can(regex("^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[a-z0-9-]+_[A-Za-z0-9]+$", arn))])
    error_message = "cognito_user_pool_arns must hold Cognito user pool ARNs (arn:aws:cognito-idp:<region>:<account>:userpool/<region>_<id>)."
  }
}

variable "authorization_scopes" {
  description = "COGNITO: OAuth scopes an access token must carry, per operation (create, get, replace, delete, list). An operation with scopes accepts only access tokens that carry one of them; an operation without accepts ID tokens (API Gateway's rule)."
  type        = map(list(string))
  default     = {}
  validation {
    condition     = alltrue([for operation in keys(var.authorization_scopes) : contains(["create", "get", "replace", "delete", "list"], operation)])
    error_message = "authorization_scopes keys must be operations: create, get, replace, delete, list."
  }
}

variable "custom_authorizer" {
  description = "CUSTOM: a Lambda REQUEST authorizer. identity_sources are request parameters it needs (a request without them is refused with 401 before the function runs); result_ttl_in_seconds caches its policy per identity (0 turns caching off; at most 3600)."
  type = object({
    function_arn          = string
    identity_sources      = optional(list(string), ["method.request.header.Authorization"])
    result_ttl_in_seconds = optional(number, 300)
  })
  default = null
  validation {
    condition     = var.custom_authorizer == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$", var.custom_authorizer.function_arn))
    error_message = "custom_authorizer.function_arn must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)."
  }
  validation {
    condition     = var.custom_authorizer == null || try(var.custom_authorizer.result_ttl_in_seconds >= 0 && var.custom_authorizer.result_ttl_in_seconds <= 3600 && length(var.custom_authorizer.identity_sources) > 0 && alltrue([for source in var.custom_authorizer.identity_sources : can(regex("^(method[.]request[.](header|querystring|multivaluequerystring|multivalueheader)[.][A-Za-z0-9._-]+|stageVariables[.][A-Za-z0-9_]+|context[.][A-Za-z0-9_.]+)$", source))]), false)
    error_message = "custom_authorizer needs result_ttl_in_seconds from 0 to 3600 and at least one identity source such as method.request.header.Authorization."
  }
}

variable "api_keys" {
  description = "API keys on top of the authorization mode, with the usage plan every key belongs to: names of the keys to create (their values are outputs), an optional quota (requests per DAY, WEEK or MONTH) and the plan's throttle. null: no API keys."
  type = object({
    names        = set(string)
    quota_limit  = optional(number)
    quota_period = optional(string, "MONTH")
    rate_limit   = optional(number, 50)
    burst_limit  = optional(number, 100)
  })
  default = null
  validation {
    condition     = var.api_keys == null || try(length(var.api_keys.names) > 0 && alltrue([for name in var.api_keys.names : can(regex("^[A-Za-z0-9_-]{1,64}$", name))]), false)
    error_message = "api_keys.names must hold at least one name of 1-64 letters, digits, '_' or '-'."
  }
  validation {
    condition     = var.api_keys == null || try(contains(["DAY", "WEEK", "MONTH"], var.api_keys.quota_period) && coalesce(var.api_keys.quota_limit, 1) >= 1 && var.api_keys.rate_limit > 0 && var.api_keys.burst_limit >= 0, false)
    error_message = "api_keys needs quota_period DAY, WEEK or MONTH, quota_limit >= 1 (or null), rate_limit > 0 and burst_limit >= 0."
  }
}

variable "owner_claim" {
  description = "Owner isolation: the token claim (COGNITO, e.g. \"sub\") or Lambda authorizer context key (CUSTOM) that names the caller. Items record their owner; another owner's item answers 404 to GET, PUT and DELETE, and a list returns the caller's items only, through the table's owner index (no Scan). null: every caller sees every item."
  type        = string
  default     = null
  validation {
    condition     = var.owner_claim == null || (contains(["COGNITO", "CUSTOM"], var.authorization) && can(regex("^[A-Za-z0-9_:.-]{1,128}$", coalesce(var.owner_claim, "-"))))
    error_message = "owner_claim needs authorization COGNITO or CUSTOM (the claim comes from their authorizer) and a claim name of letters, digits, '_', ':', '.' or '-'."
  }
}

variable "indexes" {
  description = "Queries by field, each served by a global secondary index of the table (never a scan): index name => {partition, sort}, both top-level fields of item_schema. GET /<collection>?<partition>=<value> queries it, sort=<sort> or -<sort> orders it, and <sort>.gte, .gt, .lte or .lt (one bound, or .gte with .lte) bound it as key conditions. partition: a string field every item has (required, or with a default) of at most 500 characters (maxLength, or its longest enum value); sort: createdAt, updatedAt, or such a field of type number or integer, or string of at most 300 characters. Create and replace write each index's two key attributes beside the document; the table needs the indexes of the `table_indexes` output, and items written before an index existed need a backfill (README). Under owner isolation an index's partition is the owner's."
  type = map(object({
    partition = string
    sort      = string
  }))
  default = {}
  validation {
    condition     = length(var.indexes) + (var.owner_claim == null ? 0 : 1) <= 20
    error_message = "indexes: at most 20 global secondary indexes per table (DynamoDB's default quota), the owner index included under owner isolation."
  }
}

variable "owner_index_name" {
  description = "Owner isolation: the table's global secondary index with hash key owner (S), range key id (S) and cost projected (dynamodb_table: projection_type INCLUDE, non_key_attributes [\"cost\"])."
  type        = string
  default     = "owner-index"
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.owner_index_name))
    error_message = "owner_index_name must be a DynamoDB index name (3-255 letters, digits, '_', '-', '.')."
  }
}

variable "cors_allow_origins" {
  description = "Origins allowed by CORS: [] (off), [\"*\"] or one origin. API Gateway sets this header statically, so it can carry only one value."
  type        = list(string)
  default     = []
  validation {
    condition     = length(var.cors_allow_origins) <= 1 && alltrue([for o in var.cors_allow_origins : o == "*" || can(regex("^https?://[^/*]+$", o))])
    error_message = "cors_allow_origins takes at most one entry: \"*\" or an origin such as https://app.example.com (no path)."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the access-log and state-machine log groups."
  type        = number
  default     = 30
  validation {
    condition     = contains(module.conventions.log_retention_in_days, var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts (${join(", ", module.conventions.log_retention_in_days)})."
  }
}

variable "log_level" {
  description = "Execution log level of the EXPRESS state machine (ALL, ERROR, FATAL, OFF). Execution data (bodies) is never logged."
  type        = string
  default     = "ERROR"
  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.log_level)
    error_message = "log_level must be ALL, ERROR, FATAL or OFF."
  }
}

variable "xray_tracing" {
  description = "X-Ray tracing on the stage and the state machine."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}

variable "log_kms_key_arn" {
  description = "KMS key ARN encrypting the access-log and state-machine log groups (its key policy must allow logs.<region>.amazonaws.com); null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "webhooks" {
  description = "POST <api_url>/webhooks/{source}: a JSON body put on this EventBridge bus as one event (API Gateway's PutEvents integration, no Lambda), answered 202 with the event id; bodies over max_body_chars get 413, invalid JSON 400. Senders present the webhooks API key (output webhook_api_key) of their own usage plan. Null: no webhooks."
  type = object({
    event_bus_arn  = string
    event_source   = optional(string, "app.webhooks")
    detail_type    = optional(string, "webhook.received")
    max_body_chars = optional(number, 32768)
    rate_limit     = optional(number, 50)
    burst_limit    = optional(number, 100)
  })
  default = null
  validation {
    condition     = var.webhooks == null || can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9/._-]+$", try(var.webhooks.event_bus_arn, "")))
    error_message = "webhooks.event_bus_arn must be an EventBridge bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)."
  }
  validation {
    # EventBridge: an entry (detail and envelope) is at most 256 KiB; a character takes up to 6 bytes once
    # escaped into the detail text (PutEvents API reference, "Amazon EventBridge quotas").
    condition     = var.webhooks == null || try(var.webhooks.max_body_chars >= 1 && var.webhooks.max_body_chars <= 40000 && floor(var.webhooks.max_body_chars) == var.webhooks.max_body_chars, false)
    error_message = "webhooks.max_body_chars must be a whole number from 1 to 40000 (one event's detail holds at most 256 KiB, up to 6 bytes a character)."
  }
  validation {
    condition     = var.webhooks == null || try(can(regex("^[A-Za-z0-9._-]{1,256}$", var.webhooks.event_source)) && !startswith(var.webhooks.event_source, "aws.") && length(var.webhooks.detail_type) >= 1 && length(var.webhooks.detail_type) <= 128, false)
    error_message = "webhooks.event_source must be 1-256 letters, digits, '.', '_' or '-' not starting with \"aws.\", and webhooks.detail_type 1-128 characters."
  }
}
