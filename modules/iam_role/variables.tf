variable "roles" {
  description = "IAM roles by key, each assumed by one AWS service and holding one inline policy of Allow statements. `source_account` and `source_arn` become the trust policy's aws:SourceAccount (StringEquals) and aws:SourceArn (ArnEquals) conditions; leave them null for a service that does not send them (API Gateway, Lambda), or the role can never be assumed. `statements`: exact actions on exact resources (\"*\" only where an action has no resource-level permissions)."
  type = map(object({
    name           = string
    service        = string
    source_account = optional(string)
    source_arn     = optional(string)
    policy_name    = string
    statements = list(object({
      sid       = string
      actions   = list(string)
      resources = list(string)
    }))
  }))
  validation {
    # IAM: RoleName 1-64 and PolicyName 1-128 characters of [\w+=,.@-] (CreateRole, PutRolePolicy).
    condition = alltrue([for role in var.roles : (
      can(regex("^[A-Za-z0-9_+=,.@-]{1,64}$", role.name)) && can(regex("^[A-Za-z0-9_+=,.@-]{1,128}$", role.policy_name))
    )])
    error_message = "roles: each name must be 1-64 and each policy_name 1-128 letters, digits or +=,.@_- (IAM's rules)."
  }
  validation {
    # source_account and source_arn are not checked here: callers read them from data sources and other
    # resources, whose values a plain mock_provider makes up.
    condition     = alltrue([for role in var.roles : can(regex("^[a-z0-9.-]+\\.amazonaws\\.com$", role.service))])
    error_message = "roles: each service must be a service principal (<service>.amazonaws.com)."
  }
  validation {
    # IAM: a statement's Sid is alphanumeric (IAM JSON policy elements: Sid).
    condition = alltrue([for role in var.roles : length(role.statements) > 0 && alltrue([for s in role.statements : (
      can(regex("^[A-Za-z0-9]+$", s.sid)) && length(s.actions) > 0 && length(s.resources) > 0 && alltrue([for a in s.actions : !strcontains(a, "*")])
    )])])
    error_message = "roles: each role needs statements, each with an alphanumeric sid, exact actions (no '*') and at least one resource."
  }
}

variable "tags" {
  description = "Tags for every role of this module."
  type        = map(string)
  default     = {}
}
