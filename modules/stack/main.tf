# The whole system for one environment: envs/<name> roots call this module and differ only in its inputs.

# What the environment set, with every default applied: declared once in modules/settings.
module "settings" {
  source = "./modules/settings"

  settings = var.settings
  given    = var.settings
}

# A setting the declaration does not have (a misspelt or removed one) is refused by name, not dropped.
resource "terraform_data" "settings" {
  lifecycle {
    precondition {
      condition     = length(module.settings.unknown) == 0
      error_message = "settings: no such setting ${join(", ", module.settings.unknown)} (modules/stack/modules/settings/README.md lists them)."
    }
  }
}

locals {
  settings = module.settings.value
  # Only what the environment set: the modules' own defaults apply to the rest.
  webhooks         = local.settings.api.webhooks.enabled ? { for k, v in local.settings.api.webhooks : k => v if v != null && k != "enabled" } : null
  pipeline_imports = { for k, v in local.settings.pipeline.imports : k => v if v != null }
  export_schedule  = { for k, v in local.settings.pipeline.export_schedule : k => v if v != null }
}

locals {
  # Every queue where the system parks what it could not deliver, by what parks there: the alarms watch each,
  # operators read them (output dlqs, make status). The workflow's alarm keeps its name.
  # Where what each DLQ holds goes back (make redrive): the function whose stream records it holds, the queue it is
  # the DLQ of, or the state machine that parks its input there (the import orchestrator); the other kinds name
  # their destination in each message (a function, execution or target ARN).
  no_redrive_target = { function_name = null, stream_arn = null, source_queue_url = null, state_machine_arn = null }
  dlqs = merge(
    {
      trigger-stream    = { name = module.trigger.function.dlq_name, url = module.trigger.function.dlq_url, function_name = module.trigger.function.function_name, stream_arn = module.table.stream_arn, source_queue_url = null, state_machine_arn = null }
      fanout            = { name = module.fanout.function.dlq_name, url = module.fanout.function.dlq_url, function_name = module.fanout.function.function_name, stream_arn = module.table.stream_arn, source_queue_url = null, state_machine_arn = null }
      workflow-failures = merge(local.no_redrive_target, { name = module.workflow_queues.queues["dlq"].name, url = module.workflow_queues.queues["dlq"].url })
      consumer-async    = merge(local.no_redrive_target, { name = module.consumer.async_dlq_name, url = module.consumer.async_dlq_url })
      import-work       = merge(local.no_redrive_target, { name = module.pipeline.work_queue_dlq_name, url = module.pipeline.work_queue_dlq_url, source_queue_url = module.pipeline.work_queue_url })
      pipeline          = merge(local.no_redrive_target, { name = module.pipeline.dlq_name, url = module.pipeline.dlq_url, state_machine_arn = module.pipeline.import_state_machine_arn })
      export-async      = merge(local.no_redrive_target, { name = module.pipeline.exporter_dlq_name, url = module.pipeline.exporter_dlq_url })
    },
    { for rule, name in module.bus.rule_dlq_names : "rule-${rule}" => merge(local.no_redrive_target, { name = name, url = module.bus.rule_dlq_urls[rule] }) },
    { for function in module.live_updates[*].broadcaster_function : "live-updates-async" => merge(local.no_redrive_target, { name = function.async_dlq_name, url = function.async_dlq_url }) },
  )
}

locals {
  entity       = "item"
  event_source = "app.items"
  # Source of the events POST /webhooks/{source} puts on the bus (crud_api's webhooks).
  webhook_source = try(local.webhooks.event_source, null) == null ? "app.webhooks" : local.webhooks.event_source
  # crud_api stores an item's user fields as JSON text in this attribute; both stream consumers lift them out.
  document_attribute = "document"
  owner_index_name   = "owner-index"
  # Every function's settings (modules/lambda_function's `function` object): the stack's own knobs, then
  # whatever the caller's `function` sets. No layer when the packages bundle powertools.
  function = merge(
    {
      log_retention_in_days   = local.settings.logs.retention_in_days
      log_kms_key_arn         = local.settings.kms_key_arns.logs
      environment_kms_key_arn = local.settings.kms_key_arns.lambda_environment
      xray_tracing            = local.settings.tracing
      powertools_layer        = !local.settings.functions.powertools_bundled
      powertools_layer_arn    = local.settings.functions.powertools_layer_arn
    },
    local.settings.functions.overrides,
  )
}

module "table" {
  source = "../dynamodb_table"

  name                   = "${var.name}-items"
  deletion_protection    = local.settings.table.deletion_protection
  point_in_time_recovery = local.settings.table.point_in_time_recovery
  kms_key_arn            = local.settings.kms_key_arns.table
  # Owner isolation lists a caller's items by this index: keys and the page-budget cost only.
  # Queries by field read the indexes crud_api declares for settings.api.indexes.
  global_secondary_indexes = merge(module.crud.table_indexes.global_secondary_indexes, local.settings.api.owner_claim == null ? {} : {
    (local.owner_index_name) = { hash_key = "owner", range_key = "id", projection_type = "INCLUDE", non_key_attributes = ["cost"] }
  })
  attributes = merge(module.crud.table_indexes.attributes, local.settings.api.owner_claim == null ? {} : { owner = "S", id = "S" })
  tags       = var.tags
}

module "crud" {
  source = "../crud_api"

  name                   = var.name
  table                  = module.table.table_arn
  stage_name             = local.settings.api.stage_name
  throttling             = local.settings.api.throttling
  cors_allow_origins     = local.settings.api.cors_allow_origins
  log_retention_in_days  = local.settings.logs.retention_in_days
  log_kms_key_arn        = local.settings.kms_key_arns.logs
  xray_tracing           = local.settings.tracing
  authorization          = local.settings.api.authorization
  cognito_user_pool_arns = local.settings.api.authorization == "COGNITO" ? [coalesce(local.settings.api.cognito_user_pool_arn, one(aws_cognito_user_pool.api[*].arn))] : []
  authorization_scopes   = local.settings.api.authorization_scopes
  custom_authorizer      = local.settings.api.custom_authorizer
  api_keys               = local.settings.api.keys
  owner_claim            = local.settings.api.owner_claim
  owner_index_name       = local.owner_index_name
  indexes                = local.settings.api.indexes
  # POST /webhooks/{source} puts the body on the stack's bus (source app.webhooks), where the audit rule sees it.
  webhooks = local.webhooks == null ? null : merge(local.webhooks, { event_bus_arn = module.bus.event_bus_arn })
  tags     = var.tags
}

# COGNITO without a pool of the caller's: the stack's own. Users are created by administrators only (no
# self sign-up), and the app client is public (no secret: a browser or CLI holds no secret) with SRP only.
resource "aws_cognito_user_pool" "api" {
  #checkov:skip=CKV_AWS_364:No Lambda triggers are configured, so there is no trigger concurrency to limit
  count = local.settings.api.authorization == "COGNITO" && local.settings.api.cognito_user_pool_arn == null ? 1 : 0

  name                     = "${var.name}-users"
  deletion_protection      = local.settings.table.deletion_protection ? "ACTIVE" : "INACTIVE"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  tags = var.tags
}

resource "aws_cognito_user_pool_client" "api" {
  count = length(aws_cognito_user_pool.api)

  name                          = "${var.name}-api"
  user_pool_id                  = aws_cognito_user_pool.api[0].id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  access_token_validity         = 60
  id_token_validity             = 60
  refresh_token_validity        = 30

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

# The table's stream has exactly two readers, the most a DynamoDB stream shard serves without throttling:
# reader 1 is the trigger below, reader 2 the bus's fan-out publisher. Everything else subscribes to the bus.

module "trigger" { # stream reader 1
  source = "../stream_trigger"

  name       = "${var.name}-trigger"
  stream_arn = module.table.stream_arn
  workflows = merge(local.settings.workflow.more_workflows, {
    item-workflow = {
      state_machine_arn = module.workflow.state_machine_arn
      event_names       = local.settings.workflow.event_names
      conditions        = local.settings.workflow.conditions == null ? null : jsonencode(local.settings.workflow.conditions)
    }
  })
  package            = var.lambda_packages["stream_trigger"]
  document_attribute = local.document_attribute
  function           = local.function
  tags               = var.tags
}

module "bus" {
  source = "../event_bus"

  name                   = "${var.name}-bus"
  event_source           = local.event_source
  archive_retention_days = local.settings.events.archive_retention_days
  # Environments without deletion protection (dev, local) may destroy a bucket that still holds claims.
  claim_check = { force_destroy = !local.settings.table.deletion_protection }
  tags        = var.tags

  rules = merge({
    audit = {
      description   = "Every event of this system (item changes and webhooks), kept in the audit queue"
      event_pattern = jsonencode({ source = [local.event_source, local.webhook_source] })
      targets       = { audit-queue = { type = "sqs", arn = module.audit_queue.queues["audit"].arn } }
    }
    paid = {
      description = "Items whose status changed to PAID"
      event_pattern = jsonencode({
        source        = [local.event_source]
        "detail-type" = ["${local.entity}.updated"]
        detail        = { changedFields = ["status"], newImage = { status = ["PAID"] } }
      })
      targets = { consumer = { type = "lambda", arn = module.consumer.function_arn } }
    }
  }, local.live_updates_rule)
}

module "fanout" { # stream reader 2: every change onto the bus
  source = "../stream_fanout"

  name               = "${var.name}-bus-fanout"
  stream_arn         = module.table.stream_arn
  event_bus_arn      = module.bus.event_bus_arn
  claim_check        = { bucket_arn = module.bus.claim_check_bucket_arn }
  package            = var.lambda_packages["stream_fanout"]
  event_source       = local.event_source
  entity             = local.entity
  document_attribute = local.document_attribute
  function           = local.function
  tags               = var.tags
}

# The fan-out was part of event_bus until v0.2: its function, role, log group, mapping and mapping failure
# queue keep their state. Its separate dead-letter queue (<name>-bus-fanout-dlq) is now the mapping's failure
# queue (one DLQ per stream reader, as stream_trigger): Terraform forgets the old queue without deleting it,
# so dead letters it still holds can be drained; delete it by hand once empty.
moved {
  from = module.bus.module.fanout
  to   = module.fanout.module.function
}

removed {
  from = module.bus.aws_sqs_queue.fanout_dlq

  lifecycle {
    destroy = false
  }
}

# What the audit rule delivers; its policy is the event bus's (it lets the rule send, and denies plain HTTP).
module "audit_queue" {
  source = "../sqs_queue"

  queues = { audit = { name = "${var.name}-audit", manage_policy = false } }
  tags   = var.tags
}

moved {
  from = aws_sqs_queue.audit
  to   = module.audit_queue.aws_sqs_queue.this["audit"]
}

module "consumer" {
  source = "../lambda_function"

  name              = "${var.name}-consumer"
  description       = "Logs paid items and counts them (EMF metric ItemEventsConsumed)"
  package           = var.lambda_packages["event_consumer"]
  handler           = "event_consumer.handler.handler"
  async_dlq         = true # EventBridge invokes it asynchronously: failed events must not vanish
  function          = local.function
  function_as_given = local.function
  environment_variables = {
    POWERTOOLS_METRICS_NAMESPACE = var.name
  }
  # A change too large for an event arrives as a claim-check reference: the consumer reads it back.
  policy_statements = [{
    sid       = "ReadClaimCheckedChanges"
    actions   = ["s3:GetObject"]
    resources = [module.bus.claim_check_objects_arn]
  }]
  tags = var.tags
}

# Live updates: clients subscribe over a WebSocket and receive item changes from the bus as they happen.
locals {
  live_updates = local.settings.live_updates
  # Refused below with CUSTOM; left out here too, so the refusal is the only error a plan shows.
  live_updates_on = local.live_updates.enabled && local.settings.api.authorization != "CUSTOM"
  # Its functions by purpose (none when off): roles, alarms.
  live_update_functions = length(module.live_updates) == 0 ? {} : merge(
    { routes = module.live_updates[0].routes_function, broadcaster = module.live_updates[0].broadcaster_function },
    module.live_updates[0].authorizer_function == null ? {} : { authorizer = module.live_updates[0].authorizer_function },
  )
  live_updates_rule = !local.live_updates_on ? {} : {
    live = {
      description   = "Item changes, posted to the WebSocket connections subscribed to them"
      event_pattern = jsonencode({ source = [local.event_source], "detail-type" = [for change in ["created", "updated", "deleted"] : "${local.entity}.${change}"] })
      targets       = { broadcaster = { type = "lambda", arn = module.live_updates[0].broadcaster_function.function_arn } }
    }
  }
}

resource "terraform_data" "live_updates_authorization" {
  lifecycle {
    precondition {
      condition     = !local.live_updates.enabled || local.settings.api.authorization != "CUSTOM"
      error_message = "settings.live_updates.enabled: a WebSocket connect cannot run the REST API's CUSTOM authorizer (its event differs); set settings.live_updates.enabled = false or use COGNITO, AWS_IAM or NONE."
    }
  }
}

module "live_updates" {
  source = "../live_updates"
  count  = local.live_updates_on ? 1 : 0

  name            = var.name
  package         = var.lambda_packages["live_updates"]
  items_table_arn = module.table.table_arn
  authorization = {
    type                  = local.settings.api.authorization
    cognito_user_pool_arn = local.settings.api.authorization == "COGNITO" ? coalesce(local.settings.api.cognito_user_pool_arn, one(aws_cognito_user_pool.api[*].arn)) : null
    owner_claim           = local.settings.api.owner_claim
  }
  claim_check_objects_arn = module.bus.claim_check_objects_arn
  stage_name              = local.live_updates.stage_name
  throttling              = local.settings.api.throttling
  delivery                = { max_parallel_posts = local.live_updates.max_parallel_posts, max_subscriptions = local.live_updates.max_subscriptions }
  log_retention_in_days   = local.settings.logs.retention_in_days
  log_kms_key_arn         = local.settings.kms_key_arns.logs
  point_in_time_recovery  = local.settings.table.point_in_time_recovery
  function                = local.function
  tags                    = var.tags
}

module "alarms" {
  source = "../alarms"
  count  = local.settings.alarms.enabled ? 1 : 0

  name                           = var.name
  create_topic                   = local.settings.alarms.topic_arn == null
  alarm_topic_arn                = local.settings.alarms.topic_arn
  email_endpoints                = local.settings.alarms.email_endpoints
  dashboard                      = local.settings.alarms.dashboard
  runbook_environment            = var.environment
  dlq_names                      = { for key, queue in local.dlqs : key => queue.name }
  stream_consumer_function_names = { trigger = module.trigger.function.function_name, fanout = module.fanout.function.function_name }
  function_names = merge({
    trigger  = module.trigger.function.function_name
    fanout   = module.fanout.function.function_name
    consumer = module.consumer.function_name
    },
    { for purpose, name in module.pipeline.function_names : "pipeline-${purpose}" => name },
    { for purpose, function in local.live_update_functions : "live-${purpose}" => function.function_name },
  )
  state_machine_arns = { crud = module.crud.state_machine_arn, workflow = module.workflow.state_machine_arn, import = module.pipeline.import_state_machine_arn }
  apis               = { crud = { api_name = module.crud.rest_api_name, stage_name = module.crud.stage_name } }
  tags               = var.tags
}
