variable "name" {
  description = "Prefix of every resource of the environment, e.g. items-dev."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}$", var.name))
    error_message = "name must be 1-24 characters of lower-case letters, digits or '-', starting with a letter (it prefixes names with their own length limits)."
  }
}

variable "environment" {
  description = "The environment as `make` names it (dev, prod, ...), for the commands the alarms' descriptions name (make dlq ENV=..., make status ENV=...). Null: they name none."
  type        = string
  default     = null
}

variable "lambda_packages" {
  description = "The built zips (build/lambdas/manifest.json): function name => { path, source_code_hash }. Needs stream_trigger, stream_fanout, event_consumer, import_planner, import_worker, import_reporter, table_exporter and live_updates."
  type = map(object({
    path             = string
    source_code_hash = string
  }))
  validation {
    condition     = alltrue([for f in ["stream_trigger", "stream_fanout", "event_consumer", "import_planner", "import_worker", "import_reporter", "table_exporter", "live_updates"] : contains(keys(var.lambda_packages), f)])
    error_message = "lambda_packages must contain stream_trigger, stream_fanout, event_consumer, import_planner, import_worker, import_reporter, table_exporter and live_updates (run make build; make plan/apply pass them)."
  }
}

variable "settings" {
  description = "What an environment may set, in groups (table, logs, tracing, kms_key_arns, alarms, events, api, functions, workflow, pipeline): declared, defaulted and validated once in modules/stack/modules/settings (its README lists every attribute). An attribute that declaration does not have is refused by name."
  type        = any
  default     = {}
  nullable    = false
}

variable "tags" {
  description = "Tags for every resource (the environments also set provider default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}

