# The event-processing pipeline beside the API: S3 imports through a Step Functions orchestrator and SQS
# workers, scheduled exports, results in the table and a results bucket, notifications on SNS, dead letters.
#
#   ingest bucket --Object Created--> default bus --rule--> orchestrator (STANDARD, statemachines/import.asl.json)
#     Plan (planner) -> ImportChunks: work queue --ESM--> worker -> table, SendTaskSuccess -> Summarize
#     (reporter) -> reports/<name>.json in the results bucket -> notifications topic (-> notifications queue)
#   schedule (EventBridge Scheduler) -> exporter -> exports/<date>.jsonl -> notifications topic

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  imports_prefix = "imports/"
  reports_prefix = "reports/"
  exports_prefix = "exports/"
  # Each function's own timeout unless the caller's `function` sets one (lambda_function's default is 60 s).
  timeouts = { planner = 120, worker = 60, reporter = 30, exporter = 900 }
  # Each function's settings: its own defaults, then the caller's `function` (checked by lambda_function).
  functions = {
    planner  = merge({ timeout = local.timeouts.planner }, var.function)
    worker   = merge({ timeout = local.timeouts.worker }, var.function)
    reporter = merge({ timeout = local.timeouts.reporter }, var.function)
    exporter = merge({ timeout = local.timeouts.exporter, memory_size = 512 }, var.function)
  }
  worker_timeout = try(var.function.timeout, local.timeouts.worker)
  # SQS: a mapped queue's visibility timeout should be at least six times the function's timeout (Lambda
  # Developer Guide, "Using Lambda with Amazon SQS": the mapping retries throttled invocations meanwhile).
  work_visibility_timeout = 6 * local.worker_timeout
  # The orchestrator stops waiting for a chunk once every receive of its message could have run out.
  chunk_timeout_seconds = local.work_visibility_timeout * (var.imports.max_receive_count + 1)
  rule_name             = "${var.name}-imports"
  rule_arn              = "arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:rule/${local.rule_name}"
}

module "ingest" {
  source = "../s3_bucket"

  name_prefix               = "${substr(var.name, 0, 30)}-ingest"
  versioning                = true # a new upload of a key is a new import; its ids differ by version
  eventbridge_notifications = true
  lifecycle_rules           = var.ingest_lifecycle_rules
  force_destroy             = var.force_destroy
  tags                      = var.tags
}

module "results" {
  source = "../s3_bucket"

  name_prefix     = "${substr(var.name, 0, 29)}-results"
  lifecycle_rules = var.results_lifecycle_rules
  force_destroy   = var.force_destroy
  tags            = var.tags
}

# --- notifications ------------------------------------------------------------------------------------------

resource "aws_sns_topic" "notifications" {
  name              = "${var.name}-notifications"
  kms_master_key_id = "alias/aws/sns"
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "notifications" {
  topic_arn            = aws_sns_topic.notifications.arn
  protocol             = "sqs"
  endpoint             = module.queues.queues["notifications"].arn
  raw_message_delivery = true
}

# --- queues -------------------------------------------------------------------------------------------------

# notifications: operators and tests read the topic's messages here (other consumers subscribe to the topic
# themselves). work: one message per chunk, redriven to its DLQ after max_receive_count receives. dlq: the
# pipeline's dead letters: events of objects that could not be imported (from the orchestrator), events the
# import rule could not deliver, and schedule invocations Scheduler could not deliver. The topic sends to
# its subscribed queue, and the import rule its dead letters to the DLQ, as the services (EventBridge User
# Guide, "Granting permissions to the dead-letter queue").
module "queues" {
  source = "../sqs_queue"

  queues = {
    notifications = {
      name            = "${var.name}-notifications"
      service_senders = [{ service = "sns.amazonaws.com", source_arn = aws_sns_topic.notifications.arn }]
    }
    work = {
      name                       = "${var.name}-work"
      visibility_timeout_seconds = local.work_visibility_timeout
      retention_seconds          = 86400
      dlq                        = { max_receive_count = var.imports.max_receive_count }
    }
    dlq = {
      name            = "${var.name}-dlq"
      service_senders = [{ service = "events.amazonaws.com", source_arn = local.rule_arn }]
    }
  }
  tags = var.tags
}

# Until v0.4 the queues were this module's own resources: they keep their state (and their messages).
moved {
  from = aws_sqs_queue.notifications
  to   = module.queues.aws_sqs_queue.this["notifications"]
}

moved {
  from = aws_sqs_queue.work
  to   = module.queues.aws_sqs_queue.this["work"]
}

moved {
  from = aws_sqs_queue.work_dlq
  to   = module.queues.aws_sqs_queue.dlq["work"]
}

moved {
  from = aws_sqs_queue.dlq
  to   = module.queues.aws_sqs_queue.this["dlq"]
}

moved {
  from = aws_sqs_queue_policy.this["notifications"]
  to   = module.queues.aws_sqs_queue_policy.this["notifications"]
}

moved {
  from = aws_sqs_queue_policy.this["work"]
  to   = module.queues.aws_sqs_queue_policy.this["work"]
}

moved {
  from = aws_sqs_queue_policy.this["work-dlq"]
  to   = module.queues.aws_sqs_queue_policy.dlq["work"]
}

moved {
  from = aws_sqs_queue_policy.this["dlq"]
  to   = module.queues.aws_sqs_queue_policy.this["dlq"]
}

# --- functions ----------------------------------------------------------------------------------------------

module "planner" {
  source = "../lambda_function"

  name              = "${var.name}-import-planner"
  description       = "Checks an uploaded object and cuts it into chunks of lines (import orchestrator, Plan)"
  package           = var.packages["import_planner"]
  handler           = "import_planner.handler.handler"
  function          = local.functions.planner
  function_as_given = local.functions.planner
  environment_variables = merge(
    {
      IMPORTS_PREFIX          = local.imports_prefix
      REPORTS_PREFIX          = local.reports_prefix
      MAX_OBJECT_BYTES        = tostring(var.imports.max_object_bytes)
      MAX_LINES               = tostring(var.imports.max_lines)
      CHUNK_LINES             = tostring(var.imports.chunk_lines)
      CHUNK_BYTES             = tostring(var.imports.chunk_bytes)
      CONTENT_TYPES           = join(",", var.imports.content_types)
      MAX_REPORTED_REJECTIONS = tostring(var.imports.max_reported_rejections)
    },
    var.owner_metadata_key == null ? {} : { OWNER_METADATA_KEY = var.owner_metadata_key },
  )
  policy_statements = [{
    sid       = "ReadUploads"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${module.ingest.bucket_arn}/${local.imports_prefix}*"]
  }]
  tags = var.tags
}

module "worker" {
  source = "../lambda_function"

  name              = "${var.name}-import-worker"
  description       = "Writes one chunk of an import as items, as the API stores them (work queue)"
  package           = var.packages["import_worker"]
  handler           = "import_worker.handler.handler"
  function          = local.functions.worker
  function_as_given = local.functions.worker
  # One chunk (up to chunk_lines lines) per invocation; a chunk that keeps failing moves to the work queue's DLQ.
  event_source = { sqs = {
    queue_arn           = module.queues.queues["work"].arn
    batch_size          = 1
    maximum_concurrency = var.imports.worker_concurrency
  } }
  environment_variables = {
    TABLE_NAME    = var.table.name
    ITEM_CONTRACT = var.item_contract
  }
  policy_statements = [
    {
      sid       = "ReadChunks"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = ["${module.ingest.bucket_arn}/${local.imports_prefix}*"]
    },
    {
      sid       = "WriteItems"
      actions   = ["dynamodb:PutItem"]
      resources = [var.table.arn]
    },
    {
      # Task tokens name no resource: SendTaskSuccess takes none (Service Authorization Reference, Step Functions).
      sid       = "AnswerTheOrchestrator"
      actions   = ["states:SendTaskSuccess"]
      resources = ["*"]
    },
  ]
  tags = var.tags
}

# Until v0.5 the worker's mapping was this module's own resource.
moved {
  from = aws_lambda_event_source_mapping.work
  to   = module.worker.aws_lambda_event_source_mapping.queue[0]
}

module "reporter" {
  source = "../lambda_function"

  name              = "${var.name}-import-reporter"
  description       = "Builds an import's report and notification from its chunks' results (import orchestrator, Summarize)"
  package           = var.packages["import_reporter"]
  handler           = "import_reporter.handler.handler"
  function          = local.functions.reporter
  function_as_given = local.functions.reporter
  environment_variables = {
  }
  tags = var.tags
}

module "exporter" {
  source = "../lambda_function"

  name              = "${var.name}-table-exporter"
  description       = "Exports every item of ${var.table.name} to the results bucket as JSON lines (schedule)"
  package           = var.packages["table_exporter"]
  handler           = "table_exporter.handler.handler"
  function          = local.functions.exporter
  function_as_given = local.functions.exporter
  async_dlq         = true # Scheduler invokes it asynchronously: a failed export must leave a trace
  environment_variables = {
    TABLE_NAME              = var.table.name
    RESULTS_BUCKET          = module.results.bucket_name
    EXPORTS_PREFIX          = local.exports_prefix
    NOTIFICATIONS_TOPIC_ARN = aws_sns_topic.notifications.arn
  }
  policy_statements = [
    {
      sid       = "ReadItems"
      actions   = ["dynamodb:Scan"]
      resources = [var.table.arn]
    },
    {
      sid       = "WriteExports"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
      resources = ["${module.results.bucket_arn}/${local.exports_prefix}*"]
    },
    {
      sid       = "Notify"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.notifications.arn]
    },
  ]
  tags = var.tags
}

# --- the orchestrator ---------------------------------------------------------------------------------------

module "orchestrator" {
  source = "../state_machine"

  name = "${var.name}-import"
  type = "STANDARD" # waits for workers (task tokens) far beyond EXPRESS's 5 minutes
  definition = templatefile("${path.module}/../../statemachines/import.asl.json", {
    planner_arn           = module.planner.function_arn
    reporter_arn          = module.reporter.function_arn
    work_queue_url        = module.queues.queues["work"].url
    results_bucket        = module.results.bucket_name
    topic_arn             = aws_sns_topic.notifications.arn
    dlq_url               = module.queues.queues["dlq"].url
    max_concurrent_chunks = var.imports.max_concurrent_chunks
    chunk_timeout_seconds = local.chunk_timeout_seconds
  })
  log_level             = var.orchestrator.log_level
  log_retention_in_days = var.log_retention_in_days
  log_kms_key_arn       = var.log_kms_key_arn
  xray_tracing          = var.xray_tracing
  tags                  = var.tags

  policy_statements = [
    {
      sid       = "PlanAndReport"
      actions   = ["lambda:InvokeFunction"]
      resources = [module.planner.function_arn, module.reporter.function_arn]
    },
    {
      sid       = "SendWorkAndDeadLetters"
      actions   = ["sqs:SendMessage"]
      resources = [module.queues.queues["work"].arn, module.queues.queues["dlq"].arn]
    },
    {
      sid       = "WriteReports"
      actions   = ["s3:PutObject"]
      resources = ["${module.results.bucket_arn}/${local.reports_prefix}*"]
    },
    {
      sid       = "Notify"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.notifications.arn]
    },
  ]
}

# --- roles the services assume: EventBridge to start imports, Scheduler to start exports --------------------

module "service_roles" {
  source = "../iam_role"
  roles = {
    start-imports = {
      name           = "${var.name}-start-imports"
      service        = "events.amazonaws.com"
      source_account = data.aws_caller_identity.current.account_id
      policy_name    = "start-imports"
      statements     = [{ sid = "StartTheOrchestrator", actions = ["states:StartExecution"], resources = [module.orchestrator.state_machine_arn] }]
    }
    export-schedule = {
      name           = "${var.name}-export-schedule"
      service        = "scheduler.amazonaws.com"
      source_account = data.aws_caller_identity.current.account_id
      policy_name    = "export-schedule"
      statements = [
        { sid = "StartTheExport", actions = ["lambda:InvokeFunction"], resources = [module.exporter.function_arn] },
        # Scheduler sends undeliverable invocations with the schedule's role (EventBridge Scheduler User Guide,
        # "Configuring a schedule's dead-letter queue": the execution role needs sqs:SendMessage).
        { sid = "DeadLetters", actions = ["sqs:SendMessage"], resources = [module.queues.queues["dlq"].arn] },
      ]
    }
  }
  tags = var.tags
}

moved {
  from = aws_iam_role.service
  to   = module.service_roles.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.service
  to   = module.service_roles.aws_iam_role_policy.this
}

# --- the import rule (default bus: S3 sends its events there) -----------------------------------------------

resource "aws_cloudwatch_event_rule" "imports" {
  name           = local.rule_name
  event_bus_name = "default"
  description    = "Objects created under ${local.imports_prefix} in the ingest bucket start an import"
  event_pattern = jsonencode({
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = {
      bucket = { name = [module.ingest.bucket_name] }
      object = { key = [{ prefix = local.imports_prefix }] }
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "imports" {
  event_bus_name = "default"
  rule           = aws_cloudwatch_event_rule.imports.name
  target_id      = "orchestrator"
  arn            = module.orchestrator.state_machine_arn
  role_arn       = module.service_roles.roles["start-imports"].arn

  retry_policy {
    maximum_retry_attempts       = 185
    maximum_event_age_in_seconds = 86400
  }

  dead_letter_config {
    arn = module.queues.queues["dlq"].arn
  }
}

# --- the scheduled export -----------------------------------------------------------------------------------

resource "aws_scheduler_schedule" "export" {
  #checkov:skip=CKV_AWS_297:The schedule holds a cron expression and an input naming no data ({scheduledTime}); Scheduler encrypts it with an AWS owned key
  name                         = "${var.name}-export"
  group_name                   = "default"
  description                  = "Exports every item of ${var.table.name} to ${local.exports_prefix}<date>.jsonl"
  schedule_expression          = var.export_schedule.expression
  schedule_expression_timezone = var.export_schedule.time_zone
  state                        = var.export_schedule.enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.exporter.function_arn
    role_arn = module.service_roles.roles["export-schedule"].arn
    # Scheduler fills in the invocation's scheduled time (EventBridge Scheduler User Guide, context attributes)
    # by replacing the literal text: not jsonencode(), which writes < and > as \u003c and \u003e.
    input = "{\"scheduledTime\": \"<aws.scheduler.scheduled-time>\"}"

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }

    dead_letter_config {
      arn = module.queues.queues["dlq"].arn
    }
  }
}
