module "stack" {
  source = "../../modules/stack"

  name                       = "${var.project}-${var.environment}"
  lambda_packages            = var.lambda_packages
  alarm_email_endpoints      = var.alarm_email_endpoints
  alarm_topic_arn            = var.alarm_topic_arn
  deletion_protection        = var.settings.deletion_protection
  point_in_time_recovery     = var.settings.point_in_time_recovery
  log_retention_in_days      = var.settings.log_retention_in_days
  archive_retention_days     = var.settings.archive_retention_days
  alarms_enabled             = var.settings.alarms_enabled
  dashboard                  = var.settings.dashboard
  xray_tracing               = var.settings.xray_tracing
  api_throttling_rate_limit  = var.settings.api_throttling_rate_limit
  api_throttling_burst_limit = var.settings.api_throttling_burst_limit
  cors_allow_origins         = var.settings.cors_allow_origins
  powertools_layer_arn       = var.settings.powertools_layer_arn
  powertools_bundled         = var.settings.powertools_bundled
  api_authorization          = var.settings.api_authorization
  api_cognito_user_pool_arn  = var.settings.api_cognito_user_pool_arn
  api_authorization_scopes   = var.settings.api_authorization_scopes
  api_custom_authorizer      = var.settings.api_custom_authorizer
  api_keys                   = var.settings.api_keys
  api_owner_claim            = var.settings.api_owner_claim
  kms_key_arns               = var.settings.kms_key_arns
  # Unset attributes are null here; the pipeline's defaults apply to them.
  pipeline_imports = var.settings.pipeline_imports == null ? {} : { for k, v in var.settings.pipeline_imports : k => v if v != null }
  export_schedule  = var.settings.export_schedule == null ? {} : { for k, v in var.settings.export_schedule : k => v if v != null }
}
