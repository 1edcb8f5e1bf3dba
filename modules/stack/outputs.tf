output "api_url" {
  description = "Base URL of the CRUD API stage (append /items)."
  value       = module.crud.api_url
}

output "api_authorization" {
  description = "What callers of the API must present: type (COGNITO, AWS_IAM, CUSTOM, NONE) and whether an API key is required too."
  value       = module.crud.authorization
}

output "user_pool_id" {
  description = "COGNITO: the user pool the stack created (null when it uses the caller's pool or another mode)."
  value       = one(aws_cognito_user_pool.api[*].id)
}

output "user_pool_arn" {
  description = "COGNITO: ARN of the user pool whose tokens the API accepts (the caller's or the stack's)."
  value       = local.settings.api.authorization == "COGNITO" ? coalesce(local.settings.api.cognito_user_pool_arn, one(aws_cognito_user_pool.api[*].arn)) : null
}

output "user_pool_client_id" {
  description = "COGNITO: the stack's public app client (SRP sign-in), null otherwise."
  value       = one(aws_cognito_user_pool_client.api[*].id)
}

output "api_key_values" {
  description = "Values of the API keys, by name (send as x-api-key)."
  value       = module.crud.api_key_values
  sensitive   = true
}

output "table_name" {
  description = "Name of the items table."
  value       = module.table.table_name
}

output "query_indexes" {
  description = "The API's queries by field (settings.api.indexes): each index's fields and key attributes as the API writes them, and whether partitions are per owner (make backfill reads it)."
  value = {
    owner_isolation = local.settings.api.owner_claim != null
    indexes         = jsondecode(module.crud.item_contract).indexes
  }
}

output "stream_arn" {
  description = "The items table's stream (read by the trigger and the fan-out only)."
  value       = module.table.stream_arn
}

output "crud_state_machine_arn" {
  description = "EXPRESS state machine behind the API."
  value       = module.crud.state_machine_arn
}

output "workflow_state_machine_arn" {
  description = "STANDARD example workflow the trigger starts."
  value       = module.workflow.state_machine_arn
}

output "event_bus_name" {
  description = "Custom event bus the fan-out publishes to."
  value       = module.bus.event_bus_name
}

output "event_bus_arn" {
  description = "ARN of that bus (for rules and publishers of other stacks)."
  value       = module.bus.event_bus_arn
}

output "event_archive_arn" {
  description = "ARN of the bus's archive (make replay replays from it); null without one (settings.events.archive_retention_days = 0)."
  value       = module.bus.archive_arn
}

output "audit_queue_url" {
  description = "Queue receiving every item event (the audit rule)."
  value       = module.audit_queue.queues["audit"].url
}

output "audit_queue_arn" {
  description = "ARN of the audit queue."
  value       = module.audit_queue.queues["audit"].arn
}

output "audit_queue_name" {
  description = "Name of the audit queue."
  value       = module.audit_queue.queues["audit"].name
}

output "trigger_dlq_url" {
  description = "Queue receiving stream batches the trigger failed on after its retries."
  value       = module.trigger.function.dlq_url
}

output "trigger_dlq_arn" {
  description = "ARN of the trigger's dead-letter queue."
  value       = module.trigger.function.dlq_arn
}

output "trigger_dlq_name" {
  description = "Name of the trigger's dead-letter queue."
  value       = module.trigger.function.dlq_name
}

output "fanout_dlq_url" {
  description = "Queue receiving events the fan-out could not publish."
  value       = module.fanout.function.dlq_url
}

output "fanout_dlq_arn" {
  description = "ARN of the fan-out's dead-letter queue."
  value       = module.fanout.function.dlq_arn
}

output "fanout_dlq_name" {
  description = "Name of the fan-out's dead-letter queue."
  value       = module.fanout.function.dlq_name
}

output "consumer_dlq_url" {
  description = "Queue receiving bus events the consumer function still failed on after Lambda's asynchronous retries."
  value       = module.consumer.async_dlq_url
}

output "consumer_dlq_arn" {
  description = "ARN of the consumer's dead-letter queue."
  value       = module.consumer.async_dlq_arn
}

output "consumer_dlq_name" {
  description = "Name of the consumer's dead-letter queue."
  value       = module.consumer.async_dlq_name
}

output "workflow_queue_urls" {
  description = "The example workflow's queues: notifications, and the dlq of changes it could not process."
  value = {
    notifications = module.workflow_queues.queues["notifications"].url
    dlq           = module.workflow_queues.queues["dlq"].url
  }
}

output "workflow_queue_arns" {
  description = "ARNs of those queues."
  value = {
    notifications = module.workflow_queues.queues["notifications"].arn
    dlq           = module.workflow_queues.queues["dlq"].arn
  }
}

output "workflow_queue_names" {
  description = "Names of those queues."
  value = {
    notifications = module.workflow_queues.queues["notifications"].name
    dlq           = module.workflow_queues.queues["dlq"].name
  }
}

output "role_arns" {
  description = "Every IAM role of the stack by what assumes it (for permission boundaries, access reviews, cross-account grants)."
  value = merge(
    {
      trigger                = module.trigger.function.role_arn
      fanout                 = module.fanout.function.role_arn
      consumer               = module.consumer.role_arn
      api                    = module.crud.api_role_arn
      crud_state_machine     = module.crud.state_machine_role_arn
      workflow_state_machine = module.workflow.role_arn
    },
    { for purpose, function in local.live_update_functions : "live_${purpose}" => function.role_arn },
    { for key, arn in module.bus.sfn_target_role_arns : "bus_rule_${key}" => arn },
    { for key, arn in module.pipeline.role_arns : "pipeline_${key}" => arn },
  )
}

output "role_names" {
  description = "Names of those roles."
  value = merge(
    {
      trigger                = module.trigger.function.role_name
      fanout                 = module.fanout.function.role_name
      consumer               = module.consumer.role_name
      api                    = module.crud.api_role_name
      crud_state_machine     = module.crud.state_machine_role_name
      workflow_state_machine = module.workflow.role_name
    },
    { for purpose, function in local.live_update_functions : "live_${purpose}" => function.role_name },
    { for key, name in module.bus.sfn_target_role_names : "bus_rule_${key}" => name },
    { for key, name in module.pipeline.role_names : "pipeline_${key}" => name },
  )
}

output "stream_consumers" {
  description = "Every function of the stack => the stream it reads (null: none). Exactly two read the table's stream."
  value = {
    trigger  = try(module.trigger.function.event_source_mapping.event_source_arn, null)
    fanout   = try(module.fanout.function.event_source_mapping.event_source_arn, null)
    consumer = try(module.consumer.event_source_mapping.event_source_arn, null)
  }
}

output "trigger_environment" {
  description = "The trigger function's configuration."
  value       = module.trigger.function.environment_variables
}

output "fanout_environment" {
  description = "The fan-out function's configuration."
  value       = module.fanout.function.environment_variables
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms (null when alarms are off)."
  value       = one(module.alarms[*].alarm_topic_arn)
}

output "alarm_names" {
  description = "Every alarm of the environment (empty when alarms are off)."
  value       = try(module.alarms[0].alarm_names, {})
}

output "settings" {
  description = "What differs between environments, as this stack resolved it."
  value = {
    deletion_protection    = local.settings.table.deletion_protection
    point_in_time_recovery = local.settings.table.point_in_time_recovery
    log_retention_in_days  = local.settings.logs.retention_in_days
    archive_retention_days = local.settings.events.archive_retention_days
    alarms_enabled         = local.settings.alarms.enabled
    dashboard              = local.settings.alarms.enabled && local.settings.alarms.dashboard
    xray_tracing           = local.settings.tracing
    powertools_layer_arn   = local.settings.functions.powertools_bundled ? null : local.settings.functions.powertools_layer_arn
    powertools_bundled     = local.settings.functions.powertools_bundled
    export_schedule_state  = module.pipeline.export_schedule_state
  }
}

output "function_powertools_layers" {
  description = "The aws-lambda-powertools layer each function runs with (null when powertools is bundled in the packages)."
  value = {
    trigger  = module.trigger.function.powertools_layer_arn
    fanout   = module.fanout.function.powertools_layer_arn
    consumer = module.consumer.powertools_layer_arn
  }
}

output "live_updates_url" {
  description = "Where clients subscribe to item changes over a WebSocket (wss://…/<stage>; add ?token=<the REST API's token> under COGNITO); null when settings.live_updates is off. modules/live_updates's README has the wire contract."
  value       = one(module.live_updates[*].url)
}

output "live_updates" {
  description = "The live-updates WebSocket API (modules/live_updates's outputs: api_id, stage_name, connections_table_name, the functions, ...); null when off."
  value       = one(module.live_updates[*])
}

output "ingest_bucket_name" {
  description = "The pipeline's ingest bucket: upload imports/<name>.jsonl (one item per line) to import items."
  value       = module.pipeline.ingest_bucket_name
}

output "results_bucket_name" {
  description = "The pipeline's results bucket: reports/<name>.json of imports, exports/<date>.jsonl of the table."
  value       = module.pipeline.results_bucket_name
}

output "notifications_topic_arn" {
  description = "SNS topic announcing every finished import and export."
  value       = module.pipeline.notifications_topic_arn
}

output "notifications_queue_url" {
  description = "URL of the SQS queue subscribed to the notifications topic (raw messages)."
  value       = module.pipeline.notifications_queue_url
}

output "notifications_queue_arn" {
  description = "ARN of the notifications queue."
  value       = module.pipeline.notifications_queue_arn
}

output "notifications_queue_name" {
  description = "Name of the notifications queue."
  value       = module.pipeline.notifications_queue_name
}

output "import_state_machine_arn" {
  description = "ARN of the import orchestrator (STANDARD)."
  value       = module.pipeline.import_state_machine_arn
}

output "import_dlq_url" {
  description = "URL of the pipeline's DLQ: events of objects that could not be imported, undeliverable import events and export invocations."
  value       = module.pipeline.dlq_url
}

output "import_dlq_arn" {
  description = "ARN of the pipeline's DLQ."
  value       = module.pipeline.dlq_arn
}

output "import_dlq_name" {
  description = "Name of the pipeline's DLQ."
  value       = module.pipeline.dlq_name
}

output "import_work_queue_dlq_url" {
  description = "URL of the DLQ of import chunks the worker kept failing."
  value       = module.pipeline.work_queue_dlq_url
}

output "import_work_queue_dlq_arn" {
  description = "ARN of the import work DLQ."
  value       = module.pipeline.work_queue_dlq_arn
}

output "import_work_queue_dlq_name" {
  description = "Name of the import work DLQ."
  value       = module.pipeline.work_queue_dlq_name
}

output "export_schedule_name" {
  description = "The export's EventBridge Scheduler schedule (group default)."
  value       = module.pipeline.export_schedule_name
}

output "export_function_name" {
  description = "The function the export schedule invokes."
  value       = module.pipeline.function_names.exporter
}

output "webhook_url" {
  description = "Where webhook senders POST (append /<source>, send x-api-key); null without webhooks."
  value       = module.crud.webhook_url
}

output "webhook_api_key" {
  description = "The webhooks API key (x-api-key)."
  value       = module.crud.webhook_api_key
  sensitive   = true
}

output "dlqs" {
  description = "Every queue where the system parks what it could not deliver, by what parks there (trigger-stream, fanout, workflow-failures, consumer-async, import-work, pipeline, export-async, rule-<rule>): its name and URL, and where its messages go back (make redrive): function_name and stream_arn for the stream readers' DLQs, source_queue_url for a queue's own DLQ, state_machine_arn for the orchestrator that parks its input, null where each message names its destination. make status, dlq and redrive read them."
  value       = local.dlqs
}
