output "ingest_bucket_name" {
  description = "The bucket users upload imports/<name>.jsonl to."
  value       = module.ingest.bucket_name
}

output "ingest_bucket_arn" {
  description = "ARN of the ingest bucket."
  value       = module.ingest.bucket_arn
}

output "results_bucket_name" {
  description = "The bucket of reports/<name>.json and exports/<date>.jsonl."
  value       = module.results.bucket_name
}

output "results_bucket_arn" {
  description = "ARN of the results bucket."
  value       = module.results.bucket_arn
}

output "notifications_topic_arn" {
  description = "The topic announcing every finished import and export ({kind, status, report|export, ...})."
  value       = aws_sns_topic.notifications.arn
}

output "notifications_queue_url" {
  description = "URL of the queue subscribed to the notifications topic (raw messages)."
  value       = module.queues.queues["notifications"].url
}

output "notifications_queue_arn" {
  description = "ARN of the queue subscribed to the notifications topic (raw messages)."
  value       = module.queues.queues["notifications"].arn
}

output "notifications_queue_name" {
  description = "Name of the queue subscribed to the notifications topic (raw messages)."
  value       = module.queues.queues["notifications"].name
}

output "work_queue_url" {
  description = "URL of the work queue of import chunks."
  value       = module.queues.queues["work"].url
}

output "work_queue_arn" {
  description = "ARN of the work queue of import chunks."
  value       = module.queues.queues["work"].arn
}

output "work_queue_name" {
  description = "Name of the work queue of import chunks."
  value       = module.queues.queues["work"].name
}

output "work_queue_dlq_url" {
  description = "URL of the dead-letter queue of chunks the worker kept failing."
  value       = module.queues.dlqs["work"].url
}

output "work_queue_dlq_arn" {
  description = "ARN of the dead-letter queue of chunks the worker kept failing."
  value       = module.queues.dlqs["work"].arn
}

output "work_queue_dlq_name" {
  description = "Name of the dead-letter queue of chunks the worker kept failing."
  value       = module.queues.dlqs["work"].name
}

output "dlq_url" {
  description = "URL of the pipeline's dead-letter queue: events of objects that could not be imported, undeliverable import events and schedule invocations."
  value       = module.queues.queues["dlq"].url
}

output "dlq_arn" {
  description = "ARN of the pipeline's dead-letter queue: events of objects that could not be imported, undeliverable import events and schedule invocations."
  value       = module.queues.queues["dlq"].arn
}

output "dlq_name" {
  description = "Name of the pipeline's dead-letter queue: events of objects that could not be imported, undeliverable import events and schedule invocations."
  value       = module.queues.queues["dlq"].name
}

output "import_state_machine_arn" {
  description = "ARN of the import orchestrator (STANDARD)."
  value       = module.orchestrator.state_machine_arn
}

output "import_state_machine_name" {
  description = "Name of the import orchestrator."
  value       = module.orchestrator.state_machine_name
}

output "import_rule_name" {
  description = "The default-bus rule that starts imports."
  value       = aws_cloudwatch_event_rule.imports.name
}

output "export_schedule_name" {
  description = "Name of the export schedule (EventBridge Scheduler, group default)."
  value       = aws_scheduler_schedule.export.name
}

output "export_schedule_state" {
  description = "ENABLED or DISABLED (export_schedule.enabled)."
  value       = aws_scheduler_schedule.export.state
}

output "export_schedule_arn" {
  description = "ARN of the export schedule."
  value       = aws_scheduler_schedule.export.arn
}

output "function_names" {
  description = "Function names by role in the pipeline (planner, worker, reporter, exporter)."
  value       = { planner = module.planner.function_name, worker = module.worker.function_name, reporter = module.reporter.function_name, exporter = module.exporter.function_name }
}

output "function_arns" {
  description = "Function ARNs by role in the pipeline."
  value       = { planner = module.planner.function_arn, worker = module.worker.function_arn, reporter = module.reporter.function_arn, exporter = module.exporter.function_arn }
}

output "exporter_dlq_url" {
  description = "URL of the exporter's asynchronous-invocation DLQ (exports that failed after Lambda's retries)."
  value       = module.exporter.async_dlq_url
}

output "exporter_dlq_arn" {
  description = "ARN of the exporter's asynchronous-invocation DLQ."
  value       = module.exporter.async_dlq_arn
}

output "exporter_dlq_name" {
  description = "Name of the exporter's asynchronous-invocation DLQ."
  value       = module.exporter.async_dlq_name
}

output "role_arns" {
  description = "Every role of the pipeline by purpose."
  value       = { planner = module.planner.role_arn, worker = module.worker.role_arn, reporter = module.reporter.role_arn, exporter = module.exporter.role_arn, orchestrator = module.orchestrator.role_arn, start_imports = module.service_roles.roles["start-imports"].arn, export_schedule = module.service_roles.roles["export-schedule"].arn }
}

output "role_names" {
  description = "Every role's name by purpose."
  value       = { planner = module.planner.role_name, worker = module.worker.role_name, reporter = module.reporter.role_name, exporter = module.exporter.role_name, orchestrator = module.orchestrator.role_name, start_imports = module.service_roles.roles["start-imports"].name, export_schedule = module.service_roles.roles["export-schedule"].name }
}

output "policies" {
  description = "Every identity policy of the pipeline (JSON) by role purpose, for tests and reviews."
  value       = { planner = module.planner.policy, worker = module.worker.policy, reporter = module.reporter.policy, exporter = module.exporter.policy, orchestrator = module.orchestrator.policy, start_imports = module.service_roles.policies["start-imports"], export_schedule = module.service_roles.policies["export-schedule"] }
}

output "queue_policies" {
  description = "Every queue policy (JSON) by queue."
  value       = module.queues.policies
}

output "definition" {
  description = "The orchestrator's rendered definition (JSON)."
  value       = module.orchestrator.state_machine.definition
}

output "function_environments" {
  description = "Each function's environment variables by purpose (what it is configured with)."
  value = {
    planner  = module.planner.environment_variables
    worker   = module.worker.environment_variables
    reporter = module.reporter.environment_variables
    exporter = module.exporter.environment_variables
  }
}
