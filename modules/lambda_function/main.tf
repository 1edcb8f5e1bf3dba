module "conventions" {
  source = "../conventions"
}

locals {
  unknown_function_settings = var.function_as_given == null ? [] : sort(setsubtract(keys(var.function_as_given), keys(var.function)))
  environment_variables = merge(
    tomap({ POWERTOOLS_SERVICE_NAME = var.name }), # powertools' logs and metrics name the function; a caller may rename it
    var.environment_variables,
    var.dlq_environment_variable != null && local.stream_consumer ? { (var.dlq_environment_variable) = module.dlqs.queues["stream"].url } : {},
  )
  stream          = var.event_source.dynamodb_stream
  queue           = var.event_source.sqs
  stream_consumer = local.stream != null
  # The public layer that matches the aws-lambda-powertools version the tests run against (pyproject.toml).
  powertools_parameter = !var.function.powertools_layer ? null : "/aws/service/powertools/python/${var.function.architecture}/${var.function.runtime}/${var.function.powertools_version}"
  powertools_layer_arn = !var.function.powertools_layer ? null : (
    var.function.powertools_layer_arn != null ? var.function.powertools_layer_arn : data.aws_ssm_parameter.powertools_layer[0].value
  )
}

data "aws_ssm_parameter" "powertools_layer" {
  count = var.function.powertools_layer && var.function.powertools_layer_arn == null ? 1 : 0
  name  = local.powertools_parameter
}

# Created before the function so Lambda never creates it without a retention period.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's var.function.log_retention_in_days (validated to CloudWatch's values); prod sets 365, dev/local keep logs days, not a year
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.function.log_retention_in_days
  kms_key_id        = var.function.log_kms_key_arn
  tags              = var.tags
}

# Where failures go, by source: batches of a stream mapping that exhausted their retries ("stream"), and
# asynchronous invocations (EventBridge, SNS, ...) still failing after Lambda's own retries ("async"), kept
# 14 days (the SQS maximum) to inspect and redrive. Lambda writes to them over TLS with the function's role.
module "dlqs" {
  source = "../sqs_queue"

  queues = merge(
    local.stream_consumer ? { stream = { name = "${var.name}-stream-failures", kms_key_arn = var.dlq_kms_key_arn } } : {},
    var.async_dlq ? { async = { name = "${var.name}-async-failures" } } : {},
  )
  tags = var.tags
}

# Until v0.4 the queues were this module's own resources: they keep their state (and their messages).
moved {
  from = aws_sqs_queue.failures[0]
  to   = module.dlqs.aws_sqs_queue.this["stream"]
}

moved {
  from = aws_sqs_queue.async_failures[0]
  to   = module.dlqs.aws_sqs_queue.this["async"]
}

moved {
  from = aws_sqs_queue_policy.tls_only["stream"]
  to   = module.dlqs.aws_sqs_queue_policy.this["stream"]
}

moved {
  from = aws_sqs_queue_policy.tls_only["async"]
  to   = module.dlqs.aws_sqs_queue_policy.this["async"]
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:A DLQ on the function applies to async invocations only; this module sets the on-failure destination of the stream mapping or of async invocations instead, which also keeps the event
  #checkov:skip=CKV_AWS_117:VPC is the caller's var.function.vpc_config: the functions call only AWS APIs, and a VPC needs NAT or endpoints
  #checkov:skip=CKV_AWS_272:Packages are built deterministically and pinned by source_code_hash; a signing profile is the consumer's choice
  #checkov:skip=CKV_AWS_173:A customer managed key is the caller's var.function.environment_kms_key_arn; the variables hold names, ARNs and rules, never secrets, and Lambda encrypts them at rest with its AWS managed key otherwise
  #checkov:skip=CKV_AWS_50:X-Ray is the caller's var.function.xray_tracing, on by default; only dev and local turn it off
  function_name                  = var.name
  description                    = var.description
  role                           = module.role.roles["execution"].arn
  filename                       = var.package.path
  s3_bucket                      = var.package.s3_bucket
  s3_key                         = var.package.s3_key
  s3_object_version              = var.package.s3_object_version
  source_code_hash               = var.package.source_code_hash
  handler                        = var.handler
  runtime                        = var.function.runtime
  architectures                  = [var.function.architecture]
  memory_size                    = var.function.memory_size
  timeout                        = var.function.timeout
  reserved_concurrent_executions = var.function.reserved_concurrent_executions
  layers                         = concat(compact([local.powertools_layer_arn]), var.function.layers)

  kms_key_arn = var.function.environment_kms_key_arn

  dynamic "environment" {
    for_each = length(local.environment_variables) > 0 ? [local.environment_variables] : []
    content {
      variables = environment.value
    }
  }

  dynamic "vpc_config" {
    for_each = var.function.vpc_config == null ? [] : [var.function.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tracing_config {
    mode = var.function.xray_tracing ? "Active" : "PassThrough"
  }

  # Lambda's advanced logging controls filter by level; powertools Logger follows AWS_LAMBDA_LOG_LEVEL.
  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.function.log_level
    system_log_level      = "WARN"
  }

  tags = var.tags

  # The role must be able to write logs before the first invocation.
  lifecycle {
    precondition {
      condition     = length(local.unknown_function_settings) == 0
      error_message = "function: no such setting ${join(", ", local.unknown_function_settings)} (modules/lambda_function's README lists them)."
    }
  }

  depends_on = [module.role]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  count                        = var.async_dlq ? 1 : 0
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 21600

  destination_config {
    on_failure {
      destination = module.dlqs.queues["async"].arn
    }
  }
}

resource "aws_lambda_event_source_mapping" "stream" {
  count             = local.stream_consumer ? 1 : 0
  function_name     = aws_lambda_function.this.arn
  event_source_arn  = local.stream.stream_arn
  enabled           = local.stream.enabled
  starting_position = local.stream.starting_position

  batch_size                         = local.stream.batch_size
  maximum_batching_window_in_seconds = local.stream.maximum_batching_window_in_seconds
  parallelization_factor             = local.stream.parallelization_factor
  bisect_batch_on_function_error     = local.stream.bisect_batch_on_function_error
  maximum_retry_attempts             = local.stream.maximum_retry_attempts
  maximum_record_age_in_seconds      = local.stream.maximum_record_age_in_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = module.dlqs.queues["stream"].arn
    }
  }

  dynamic "filter_criteria" {
    for_each = length(local.stream.filter_patterns) > 0 ? [1] : []
    content {
      dynamic "filter" {
        for_each = local.stream.filter_patterns
        content {
          pattern = jsonencode(filter.value)
        }
      }
    }
  }

  tags = var.tags

  # Lambda checks the role's stream and queue permissions when the mapping is created.
  depends_on = [module.role]
}

# An SQS source: what keeps failing stays in the queue until its own redrive policy moves it to the queue's DLQ.
resource "aws_lambda_event_source_mapping" "queue" {
  count                              = local.queue == null ? 0 : 1
  function_name                      = aws_lambda_function.this.arn
  event_source_arn                   = local.queue.queue_arn
  enabled                            = local.queue.enabled
  batch_size                         = local.queue.batch_size
  maximum_batching_window_in_seconds = local.queue.maximum_batching_window_in_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = local.queue.maximum_concurrency == null ? [] : [local.queue.maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }

  tags = var.tags

  depends_on = [module.role]
}
