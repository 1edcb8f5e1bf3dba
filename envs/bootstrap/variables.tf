variable "region" {
  description = "The region to bootstrap (make bootstrap ENV=<env> passes that environment's region)."
  type        = string
  default     = "eu-west-1" # the environments' default region
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "project" {
  description = "Project name, for the project tag."
  type        = string
  default     = "items"
}
