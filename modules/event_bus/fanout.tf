# The publisher: the table's stream -> this bus, with its own dead-letter queue for undeliverable events.

resource "aws_sqs_queue" "fanout_dlq" {
  name                      = "${var.name}-fanout-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

locals {
  fanout_environment = merge(
    {
      EVENT_BUS_NAME          = aws_cloudwatch_event_bus.this.name
      DLQ_URL                 = aws_sqs_queue.fanout_dlq.url
      EVENT_SOURCE            = var.event_source
      ENTITY                  = var.entity
      MAX_ATTEMPTS            = tostring(var.max_attempts)
      MAX_ENTRY_BYTES         = tostring(var.max_entry_bytes)
      MAX_REQUEST_BYTES       = tostring(var.max_request_bytes)
      DLQ_MAX_MESSAGE_BYTES   = tostring(var.dlq_max_message_bytes)
      POWERTOOLS_SERVICE_NAME = "${var.name}-fanout"
    },
    var.document_attribute == null ? {} : { DOCUMENT_ATTRIBUTE = var.document_attribute },
    var.claim_check_enabled ? { CLAIM_CHECK_BUCKET = aws_s3_bucket.claim_check[0].id } : {},
  )
}

module "fanout" {
  source = "../lambda_function"

  name                           = "${var.name}-fanout"
  description                    = "Publishes the changes of ${var.stream_arn} to ${var.name}"
  package                        = var.package
  handler                        = var.handler
  runtime                        = var.runtime
  architecture                   = var.architecture
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  environment_variables          = local.fanout_environment
  xray_tracing                   = var.xray_tracing
  log_level                      = var.log_level
  log_retention_in_days          = var.log_retention_in_days
  powertools_layer_arn           = var.powertools_layer_arn
  powertools_version             = var.powertools_version
  event_source_mapping           = merge(var.event_source_mapping, { stream_arn = var.stream_arn })
  tags                           = var.tags

  policy_statements = concat([
    {
      sid       = "PublishToThisBus"
      actions   = ["events:PutEvents"]
      resources = [aws_cloudwatch_event_bus.this.arn]
    },
    {
      sid       = "DeadLetterUndeliverableEvents"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.fanout_dlq.arn]
    },
    ], var.claim_check_enabled ? [{
      sid       = "StoreLargeChanges"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.claim_check[0].arn}/claims/*"]
      }] : [], var.claim_check_enabled && var.claim_check_kms_key_arn != null ? [{
      sid       = "EncryptLargeChanges"
      actions   = ["kms:GenerateDataKey"]
      resources = [var.claim_check_kms_key_arn]
  }] : [])
}
