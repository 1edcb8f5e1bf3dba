# The event-processing pipeline beside the API (modules/pipeline): S3 imports written as the API writes items
# (so they appear in GET /items and flow through the stream to the bus), scheduled exports, notifications.

module "pipeline" {
  source = "../pipeline"

  name          = var.name
  table         = { name = module.table.table_name, arn = module.table.table_arn }
  item_contract = module.crud.item_contract
  # Under owner isolation an upload names its items' owner in x-amz-meta-owner.
  owner_metadata_key = local.settings.api.owner_claim == null ? null : "owner"
  packages           = { for name in ["import_planner", "import_worker", "import_reporter", "table_exporter"] : name => var.lambda_packages[name] }
  function           = local.function
  imports            = local.pipeline_imports
  export_schedule    = local.export_schedule
  ingest_lifecycle_rules = {
    imports = { prefix = "imports/", expiration_days = local.settings.pipeline.upload_retention_days, noncurrent_version_expiration_days = 7 }
  }
  force_destroy         = !local.settings.table.deletion_protection
  log_retention_in_days = local.settings.logs.retention_in_days
  log_kms_key_arn       = local.settings.kms_key_arns.logs
  xray_tracing          = local.settings.tracing
  tags                  = var.tags
}
