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

variable "settings" {
  description = "What this environment sets, in groups (table, logs, tracing, kms_key_arns, alarms, events, api, functions, workflow, pipeline); every attribute left out keeps its production-safe default. Declared, defaulted and validated once: modules/stack/modules/settings/README.md."
  type        = any
  default     = {}
  validation {
    # Alarms that notify nobody are not alarms: prod must name someone (make plan also refuses the
    # placeholder address of envs/prod/terraform.tfvars).
    condition     = var.environment != "prod" || length(try(var.settings.alarms.email_endpoints, [])) > 0 || try(var.settings.alarms.topic_arn, null) != null
    error_message = "settings.alarms.email_endpoints: prod needs at least one address (or settings.alarms.topic_arn, an existing topic), or its alarms notify nobody."
  }
}
