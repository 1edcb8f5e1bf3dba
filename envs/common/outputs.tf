# The same contract in every environment (tests and scripts rely on it).

output "api_url" {
  description = "Base URL of the CRUD API (append /items)."
  value       = module.stack.api_url
}

output "live_updates_url" {
  description = "Where clients subscribe to item changes over a WebSocket (null when settings.live_updates is off)."
  value       = module.stack.live_updates_url
}

output "table_name" {
  description = "Items table."
  value       = module.stack.table_name
}

output "query_indexes" {
  description = "The API's queries by field: each index's fields and key attributes, and whether partitions are per owner (make backfill)."
  value       = module.stack.query_indexes
}

output "crud_state_machine_arn" {
  description = "EXPRESS state machine behind the API."
  value       = module.stack.crud_state_machine_arn
}

output "workflow_state_machine_arn" {
  description = "STANDARD workflow the stream trigger starts."
  value       = module.stack.workflow_state_machine_arn
}

output "event_bus_name" {
  description = "Custom bus of item events."
  value       = module.stack.event_bus_name
}

output "audit_queue_url" {
  description = "Queue receiving every item event."
  value       = module.stack.audit_queue_url
}

output "trigger_dlq_url" {
  description = "Dead-letter queue of the stream trigger."
  value       = module.stack.trigger_dlq_url
}

output "fanout_dlq_url" {
  description = "Dead-letter queue of the fan-out publisher."
  value       = module.stack.fanout_dlq_url
}

output "api_authorization" {
  description = "What callers of the API present: type (COGNITO, AWS_IAM, CUSTOM, NONE) and whether an API key is required too."
  value       = module.stack.api_authorization
}

output "user_pool_id" {
  description = "COGNITO: the user pool the stack created (create users and sign in against it)."
  value       = module.stack.user_pool_id
}

output "user_pool_client_id" {
  description = "COGNITO: the stack's public app client."
  value       = module.stack.user_pool_client_id
}

output "api_key_values" {
  description = "API keys by name (send as x-api-key); empty without api_keys."
  value       = module.stack.api_key_values
  sensitive   = true
}

output "ingest_bucket_name" {
  description = "Upload imports/<name>.jsonl here (one item per line, the API's item schema) to import items."
  value       = module.stack.ingest_bucket_name
}

output "results_bucket_name" {
  description = "Reports of imports (reports/<name>.json) and exports of the table (exports/<date>.jsonl)."
  value       = module.stack.results_bucket_name
}

output "notifications_topic_arn" {
  description = "SNS topic announcing every finished import and export."
  value       = module.stack.notifications_topic_arn
}

output "notifications_queue_url" {
  description = "SQS queue subscribed to the notifications topic: read notifications here."
  value       = module.stack.notifications_queue_url
}

output "import_state_machine_arn" {
  description = "The import orchestrator (STANDARD)."
  value       = module.stack.import_state_machine_arn
}

output "import_dlq_url" {
  description = "Dead letters of the pipeline: events of objects that could not be imported."
  value       = module.stack.import_dlq_url
}

output "export_schedule_name" {
  description = "The export's EventBridge Scheduler schedule (make local: fire it with make fire SCHEDULE=<this>)."
  value       = module.stack.export_schedule_name
}

output "webhook_url" {
  description = "POST <webhook_url>/<source> with a JSON body and x-api-key: the body goes on the bus as webhook.received."
  value       = module.stack.webhook_url
}

output "webhook_api_key" {
  description = "The webhooks API key (send as x-api-key)."
  value       = module.stack.webhook_api_key
  sensitive   = true
}

output "event_bus_arn" {
  description = "ARN of the item bus (make replay's destination)."
  value       = module.stack.event_bus_arn
}

output "event_archive_arn" {
  description = "ARN of the bus's archive; null without one (make replay replays from it)."
  value       = module.stack.event_archive_arn
}

output "alarm_names" {
  description = "Every alarm of the environment, by key (make status lists those in ALARM)."
  value       = module.stack.alarm_names
}

output "dlqs" {
  description = "Every queue where the system parks what it could not deliver, by kind: name and URL (make status)."
  value       = module.stack.dlqs
}
