# Internal to crud_api: the parent module validates these; this module only renders documents.

variable "api_name" {
  description = "Title of the API."
  type        = string
}

variable "region" {
  description = "Region of the state machine (part of the integration URI)."
  type        = string
}

variable "collection" {
  description = "Path segment of the collection (e.g. items)."
  type        = string
}

variable "entity" {
  description = "Singular name used in operation ids (e.g. Item)."
  type        = string
  default     = "Item"
}

variable "item_schema" {
  description = "JSON Schema (draft 4) object of the user fields."
  type        = any
}

variable "max_page_size" {
  description = "Largest page the list operation returns."
  type        = number
}

variable "default_page_size" {
  description = "Page size when the client gives no limit."
  type        = number
}

variable "max_body_chars" {
  description = "Longest request body (characters) accepted for one item."
  type        = number
}

variable "authorization" {
  description = "NONE, AWS_IAM, COGNITO or CUSTOM."
  type        = string
}

variable "cognito_user_pool_arns" {
  description = "COGNITO: user pools whose tokens are accepted."
  type        = list(string)
  default     = []
}

variable "authorization_scopes" {
  description = "COGNITO: OAuth scopes required per operation (create, get, replace, delete, list)."
  type        = map(list(string))
  default     = {}
}

variable "custom_authorizer" {
  description = "CUSTOM: {uri (the authorizer function's invocation URI), identity_sources, result_ttl_in_seconds}."
  type        = any
  default     = null
}

variable "api_key_required" {
  description = "Every operation also needs an API key (x-api-key header)."
  type        = bool
  default     = false
}

variable "cors_allow_origin" {
  description = "Origin allowed by CORS (\"*\" or one origin); null turns CORS off."
  type        = string
  default     = null
}

variable "table_name" {
  description = "DynamoDB table the state machine reads and writes."
  type        = string
}

variable "cursor_salt" {
  description = "Mixed into list cursors' signatures so a cursor from another deployment or a hand-made one is refused."
  type        = string
}

variable "state_machine_arn" {
  description = "EXPRESS state machine the API starts synchronously."
  type        = string
}

variable "api_role_arn" {
  description = "Role API Gateway assumes to call states:StartSyncExecution."
  type        = string
}

variable "owner_claim" {
  description = "Owner isolation: the claim (COGNITO) or authorizer context key (CUSTOM) naming the caller; null turns isolation off."
  type        = string
  default     = null
}

variable "owner_index_name" {
  description = "Owner isolation: the table's global secondary index (hash key owner, range key id, cost projected)."
  type        = string
  default     = "owner-index"
}

variable "indexes" {
  description = "Queries by field: index name => {partition, sort}, each a top-level field of item_schema (see crud_api's `indexes`)."
  type = map(object({
    partition = string
    sort      = string
  }))
  default = {}
  validation {
    condition     = alltrue([for name, index in var.indexes : can(regex("^[A-Za-z0-9_-]{3,64}$", name)) && name != var.owner_index_name])
    error_message = "indexes: each name must be 3-64 letters, digits, '_' or '-' (a DynamoDB index name, used in attribute names) and differ from owner_index_name."
  }
  validation {
    condition     = alltrue([for index in values(var.indexes) : try(local.index_field_checks[index.partition].partition, false)])
    error_message = "indexes: each partition must name a top-level field of item_schema of type string that every item has (required, or with a default) and that is at most 500 characters (maxLength, or the longest enum value): DynamoDB keys an index by it (a partition key holds at most 2,048 bytes of UTF-8, the owner and a separator included). Query parameter names limit, cursor and sort cannot be fields."
  }
  validation {
    condition     = alltrue([for index in values(var.indexes) : try(local.index_field_checks[index.sort].sort, false)])
    error_message = "indexes: each sort must be createdAt, updatedAt, or a top-level field of item_schema that every item has (required, or with a default) of type number or integer, or of type string at most 300 characters (a sort key holds at most 1,024 bytes of UTF-8)."
  }
}

variable "webhooks" {
  description = "POST /webhooks/{source} onto an EventBridge bus (PutEvents integration): {event_bus_name, event_source, detail_type, max_body_chars}. Null: no webhooks."
  type = object({
    event_bus_name = string
    event_source   = string
    detail_type    = string
    max_body_chars = number
  })
  default = null
}
