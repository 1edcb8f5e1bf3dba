variable "name" {
  description = "Table name (3-255 characters: letters, digits, '_', '-', '.')."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of letters, digits, '_', '-' or '.' (DynamoDB table name rules)."
  }
}

variable "hash_key" {
  description = "Partition key attribute name."
  type        = string
  default     = "id"
  validation {
    condition     = length(var.hash_key) >= 1 && length(var.hash_key) <= 255
    error_message = "hash_key must be 1-255 characters long."
  }
}

variable "range_key" {
  description = "Sort key attribute name; null for a partition-key-only table."
  type        = string
  default     = null
  validation {
    condition     = var.range_key == null || (try(length(var.range_key), 0) >= 1 && try(length(var.range_key), 0) <= 255)
    error_message = "range_key must be null or 1-255 characters long."
  }
}

variable "attributes" {
  description = "Key attribute types (name => S | N | B) for the hash key, range key and every index key. The hash key defaults to S when not listed."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for t in values(var.attributes) : contains(["S", "N", "B"], t)])
    error_message = "attributes values must be one of S, N or B (key attributes can only be scalars)."
  }
}

variable "global_secondary_indexes" {
  description = "Global secondary indexes: index name => keys, projection and (provisioned mode only) capacity."
  type = map(object({
    hash_key           = string
    range_key          = optional(string)
    projection_type    = optional(string, "ALL")
    non_key_attributes = optional(list(string), [])
    read_capacity      = optional(number)
    write_capacity     = optional(number)
  }))
  default = {}
  validation {
    condition     = length(var.global_secondary_indexes) <= 20
    error_message = "global_secondary_indexes allows at most 20 indexes per table (AWS default quota)."
  }
  validation {
    condition     = alltrue([for i in values(var.global_secondary_indexes) : contains(["ALL", "KEYS_ONLY", "INCLUDE"], i.projection_type)])
    error_message = "global_secondary_indexes projection_type must be ALL, KEYS_ONLY or INCLUDE."
  }
  validation {
    condition     = alltrue([for i in values(var.global_secondary_indexes) : i.projection_type == "INCLUDE" || length(i.non_key_attributes) == 0])
    error_message = "global_secondary_indexes non_key_attributes is only allowed with projection_type INCLUDE."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on-demand) or PROVISIONED."
  type        = string
  default     = "PAY_PER_REQUEST"
  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "read_capacity" {
  description = "Read capacity units of the table (and default of its indexes) when billing_mode is PROVISIONED."
  type        = number
  default     = 5
  validation {
    condition     = var.read_capacity >= 1 && floor(var.read_capacity) == var.read_capacity
    error_message = "read_capacity must be a whole number >= 1."
  }
}

variable "write_capacity" {
  description = "Write capacity units of the table (and default of its indexes) when billing_mode is PROVISIONED."
  type        = number
  default     = 5
  validation {
    condition     = var.write_capacity >= 1 && floor(var.write_capacity) == var.write_capacity
    error_message = "write_capacity must be a whole number >= 1."
  }
}

variable "stream_view_type" {
  description = "What each stream record carries (NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE, KEYS_ONLY); null turns the stream off. A stream shard serves at most two concurrent readers."
  type        = string
  default     = "NEW_AND_OLD_IMAGES"
  validation {
    condition     = var.stream_view_type == null || contains(["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"], coalesce(var.stream_view_type, "-"))
    error_message = "stream_view_type must be null or one of NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE, KEYS_ONLY."
  }
}

variable "point_in_time_recovery" {
  description = "Continuous backups with point-in-time restore (35 days)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for server-side encryption; null uses the AWS-owned key."
  type        = string
  default     = null
  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", coalesce(var.kms_key_arn, "-")))
    error_message = "kms_key_arn must be null or a KMS key or alias ARN."
  }
}

variable "ttl_attribute" {
  description = "Attribute holding an epoch-seconds expiry time; null leaves TTL off."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Refuse DeleteTable while true (turn off explicitly before destroying the table)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}
