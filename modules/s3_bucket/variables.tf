variable "name_prefix" {
  description = "Prefix of the bucket's name; AWS appends a unique suffix (bucket names are global)."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,36}$", var.name_prefix))
    error_message = "name_prefix must be 1-37 lower-case letters, digits or '-', starting with a letter or digit (S3 adds 26 characters to it, within the 63 a bucket name may have)."
  }
}

variable "versioning" {
  description = "Keep every version of every object (an upload of an existing key is a new version)."
  type        = bool
  default     = false
}

variable "eventbridge_notifications" {
  description = "Send the bucket's events (Object Created, ...) to the account's default EventBridge bus."
  type        = bool
  default     = false
}

variable "lifecycle_rules" {
  description = "Lifecycle rules by id: objects under `prefix` expire after `expiration_days`; with versioning, noncurrent versions after `noncurrent_version_expiration_days`. Incomplete multipart uploads are always aborted after a day."
  type = map(object({
    prefix                             = optional(string, "")
    expiration_days                    = optional(number)
    noncurrent_version_expiration_days = optional(number)
  }))
  default = {}
  validation {
    condition = alltrue([for id, rule in var.lifecycle_rules : can(regex("^[A-Za-z0-9_-]{1,64}$", id)) && alltrue([
      for days in [rule.expiration_days, rule.noncurrent_version_expiration_days] : days == null ? true : (days >= 1 && floor(days) == days)
    ])])
    error_message = "lifecycle_rules: each id is 1-64 letters, digits, '_' or '-', and each number of days is a whole number >= 1 (or null: never)."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for objects at rest (writers need kms:GenerateDataKey, readers kms:Decrypt). Null: S3-managed keys (SSE-S3)."
  type        = string
  default     = null
  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.kms_key_arn, "-")))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket with its objects (disposable environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource of this module."
  type        = map(string)
  default     = {}
}
