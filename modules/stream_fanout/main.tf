# The fan-out publisher: a table's stream -> an EventBridge bus (modules/event_bus, or any bus), with one
# dead-letter queue for what cannot be published. Mirrors modules/stream_trigger (the other stream reader).

locals {
  # arn:<partition>:events:<region>:<account>:event-bus/<name>; names may hold '/' (partner buses).
  event_bus_name = join("/", slice(split("/", var.event_bus_arn), 1, length(split("/", var.event_bus_arn))))
  # arn:<partition>:s3:::<bucket>
  claim_check_bucket = var.claim_check.bucket_arn == null ? null : split(":::", var.claim_check.bucket_arn)[1]

  # The handler keeps one call's worst case (3 attempts x 7 s of timeouts plus backoffs: 24 s) and a 1 s
  # reserve before each send, and needs a few seconds to publish beyond that.
  minimum_timeout = 30

  environment = merge(
    {
      EVENT_BUS_NAME        = local.event_bus_name
      EVENT_SOURCE          = var.event_source
      ENTITY                = var.entity
      MAX_ATTEMPTS          = tostring(var.max_attempts)
      MAX_ENTRY_BYTES       = tostring(var.max_entry_bytes)
      MAX_REQUEST_BYTES     = tostring(var.max_request_bytes)
      DLQ_MAX_MESSAGE_BYTES = tostring(var.dlq_max_message_bytes)
    },
    var.document_attribute == null ? {} : { DOCUMENT_ATTRIBUTE = var.document_attribute },
    local.claim_check_bucket == null ? {} : { CLAIM_CHECK_BUCKET = local.claim_check_bucket },
  )
}

module "function" {
  source = "../lambda_function"

  name                   = var.name
  description            = "Publishes the changes of ${var.stream_arn} to ${local.event_bus_name}"
  package                = var.package
  handler                = var.handler
  environment_variables  = local.environment
  event_source           = { dynamodb_stream = merge(var.event_source_mapping, { stream_arn = var.stream_arn }) }
  function               = var.function
  function_as_given      = var.function
  minimum_timeout        = 30
  minimum_timeout_reason = "the fan-out keeps 25 s for its last call (3 attempts x 7 s of timeouts plus backoffs) and a 1 s reserve, and needs time to publish"
  tags                   = var.tags

  # One queue holds what could not be published: the mapping's failed batches (stream metadata) and the
  # function's own dead letters ({"reason", "errorCode", "errorMessage", "attempts", "change" | "keys", ...}).
  dlq_environment_variable = "DLQ_URL"
  dlq_kms_key_arn          = var.dlq_kms_key_arn

  policy_statements = concat(
    [{
      sid       = "PublishToTheBus"
      actions   = ["events:PutEvents"]
      resources = [var.event_bus_arn]
    }],
    var.claim_check.bucket_arn == null ? [] : [{
      sid       = "StoreLargeChanges"
      actions   = ["s3:PutObject"]
      resources = ["${var.claim_check.bucket_arn}/claims/*"]
    }],
    var.claim_check.bucket_arn == null || var.claim_check.kms_key_arn == null ? [] : [{
      sid       = "EncryptLargeChanges"
      actions   = ["kms:GenerateDataKey"]
      resources = [var.claim_check.kms_key_arn]
    }],
  )
}
