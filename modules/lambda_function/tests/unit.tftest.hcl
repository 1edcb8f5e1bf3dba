mock_provider "aws" {
  source          = "../../mocks/aws" # the published mocks; the blocks below override them for this module
  override_during = plan              # the mocks' values are known at plan: no run needs an apply (nor its teardown)

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/orders-trigger" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:orders-trigger-stream-failures" }
  }
}

variables {
  name    = "orders-trigger"
  handler = "stream_trigger.handler.handler"
  package = {
    path             = "build/lambdas/stream_trigger.zip"
    source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
  }
}

run "plain_function_has_logs_tracing_and_nothing_else" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.13" && aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "python3.13 on arm64 by default."
  }
  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/orders-trigger"
    error_message = "X-Ray is on and the function logs to the module's log group."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The log group has a retention period."
  }
  assert {
    condition     = aws_lambda_function.this.layers == tolist(["arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:30"])
    error_message = "The powertools layer comes from its public SSM parameter."
  }
  assert {
    condition     = data.aws_ssm_parameter.powertools_layer[0].name == "/aws/service/powertools/python/arm64/python3.13/3.37.0"
    error_message = "The layer parameter names the architecture, runtime and pinned version."
  }
  assert {
    condition     = [for s in jsondecode(output.policy).Statement : s.Sid] == ["WriteOwnLogs", "Tracing"]
    error_message = "Without a mapping or caller statements the role may only log and trace."
  }
  assert {
    condition     = jsondecode(output.policy).Statement[0].Resource == ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/orders-trigger:*"]
    error_message = "Logging is scoped to the function's own log group."
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.stream) == 0 && length(module.dlqs.queues) == 0 && output.dlq_url == null
    error_message = "No mapping and no failure queue unless asked for."
  }
  assert {
    condition     = jsondecode(module.role.trust_policies["execution"]).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda may assume the role."
  }
}

run "stream_consumer_with_safe_defaults" {
  command = plan

  variables {
    event_source = { dynamodb_stream = {
      stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
      filter_patterns = [
        { eventName = ["INSERT", "MODIFY"] },
        { dynamodb = { NewImage = { status = { S = ["PAID"] } } } },
      ]
    } }
    policy_statements = [{ sid = "StartWorkflow", actions = ["states:StartExecution"], resources = ["arn:aws:states:eu-west-1:123456789012:stateMachine:wf"] }]
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.stream[0].starting_position == "LATEST" &&
      aws_lambda_event_source_mapping.stream[0].batch_size == 100 &&
      aws_lambda_event_source_mapping.stream[0].maximum_batching_window_in_seconds == 0 &&
      aws_lambda_event_source_mapping.stream[0].bisect_batch_on_function_error == true &&
      aws_lambda_event_source_mapping.stream[0].maximum_retry_attempts == 5 &&
      aws_lambda_event_source_mapping.stream[0].maximum_record_age_in_seconds == 3600 &&
      aws_lambda_event_source_mapping.stream[0].parallelization_factor == 1 &&
      aws_lambda_event_source_mapping.stream[0].function_response_types == toset(["ReportBatchItemFailures"])
    )
    error_message = "The mapping uses the careful defaults (bounded retries and record age, bisect, partial batch responses)."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.stream[0].destination_config[0].on_failure[0].destination_arn == module.dlqs.queues["stream"].arn
    error_message = "Exhausted batches go to the module's queue."
  }
  assert {
    condition = module.dlqs.queues["stream"].name == "orders-trigger-stream-failures" && jsondecode(module.dlqs.policies["stream"]).Statement == [{
      Sid       = "DenyInsecureTransport", Effect = "Deny", Principal = "*", Action = "sqs:*", Resource = module.dlqs.queues["stream"].arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "The stream's DLQ (modules/sqs_queue: encrypted, 14 days) refuses requests without TLS and allows no one else."
  }
  assert {
    condition = sort([for f in aws_lambda_event_source_mapping.stream[0].filter_criteria[0].filter : f.pattern]) == sort([
      jsonencode({ eventName = ["INSERT", "MODIFY"] }),
      jsonencode({ dynamodb = { NewImage = { status = { S = ["PAID"] } } } }),
    ])
    error_message = "Each filter pattern is passed as its JSON."
  }
  assert {
    condition = {
      for s in jsondecode(output.policy).Statement : s.Sid => [s.Action, s.Resource]
      } == {
      WriteOwnLogs                = [["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/orders-trigger:*"]]
      Tracing                     = [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]]
      ReadTheStream               = [["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"]]
      ListStreams                 = [["dynamodb:ListStreams"], ["*"]]
      SendFailedBatchesToTheQueue = [["sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:orders-trigger-stream-failures"]]
      StartWorkflow               = [["states:StartExecution"], ["arn:aws:states:eu-west-1:123456789012:stateMachine:wf"]]
    }
    error_message = "Every statement is exactly what the function and its mapping need."
  }
}

run "async_consumer_keeps_its_failures" {
  command = plan

  variables {
    async_dlq = true
    function  = { log_level = "DEBUG" }
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this[0].destination_config[0].on_failure[0].destination == module.dlqs.queues["async"].arn && aws_lambda_function_event_invoke_config.this[0].maximum_retry_attempts == 2
    error_message = "Asynchronous invocations failing after Lambda's retries go to the module's queue."
  }
  assert {
    condition     = [for s in jsondecode(output.policy).Statement : s.Resource if s.Sid == "SendFailedAsyncInvocationsToTheQueue"] == [[module.dlqs.queues["async"].arn]]
    error_message = "The role may send to that queue only."
  }
  assert {
    condition     = keys(module.dlqs.policies) == ["async"] && jsondecode(module.dlqs.policies["async"]).Statement[0].Sid == "DenyInsecureTransport"
    error_message = "The async DLQ refuses requests without TLS too."
  }
  assert {
    condition     = aws_lambda_function.this.logging_config[0].application_log_level == "DEBUG" && aws_lambda_function.this.logging_config[0].system_log_level == "WARN"
    error_message = "log_level sets Lambda's application log filter."
  }
}

run "explicit_layer_skips_the_lookup" {
  command = plan

  variables {
    function = {
      powertools_layer_arn = "arn:aws:lambda:eu-west-1:123456789012:layer:powertools:3"
      layers               = ["arn:aws:lambda:eu-west-1:123456789012:layer:extra:1"]
      xray_tracing         = false
      architecture         = "x86_64"
    }
  }

  assert {
    condition     = length(data.aws_ssm_parameter.powertools_layer) == 0 && aws_lambda_function.this.layers == tolist(["arn:aws:lambda:eu-west-1:123456789012:layer:powertools:3", "arn:aws:lambda:eu-west-1:123456789012:layer:extra:1"])
    error_message = "A given layer ARN is used as is, before the extra layers."
  }
  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "PassThrough" && !strcontains(output.policy, "xray")
    error_message = "Without tracing the role has no X-Ray permissions."
  }
}

run "rejects_out_of_range_inputs" {
  command = plan

  variables {
    name              = "has spaces"
    package           = { path = "fn.tar.gz", source_code_hash = "abc" }
    handler           = "handler"
    policy_statements = [{ sid = "All", actions = ["dynamodb:*"], resources = ["*"] }]
  }

  expect_failures = [var.name, var.package, var.handler, var.policy_statements]
}

# One run per function setting, so each validation is shown to fire on its own.
run "rejects_an_old_runtime" {
  command = plan
  variables {
    function = { runtime = "python3.9" }
  }
  expect_failures = [var.function]
}

run "rejects_memory_outside_lambdas_range" {
  command = plan
  variables {
    function = { memory_size = 64 }
  }
  expect_failures = [var.function]
}

run "rejects_a_timeout_below_the_wrapping_modules_minimum" {
  command = plan
  variables {
    function               = { timeout = 29 }
    minimum_timeout        = 30
    minimum_timeout_reason = "one call's worst case"
  }
  expect_failures = [var.function]
}

run "rejects_a_retention_cloudwatch_does_not_offer" {
  command = plan
  variables {
    function = { log_retention_in_days = 10 }
  }
  expect_failures = [var.function]
}

run "rejects_a_package_with_both_a_path_and_an_s3_object" {
  command = plan
  variables {
    package = { path = "fn.zip", s3_bucket = "artifacts", s3_key = "fn.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  }
  expect_failures = [var.package]
}

run "takes_the_package_from_s3" {
  command = plan
  variables {
    package = { s3_bucket = "artifacts", s3_key = "v1/fn.zip", s3_object_version = "3", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  }
  assert {
    condition     = aws_lambda_function.this.s3_bucket == "artifacts" && aws_lambda_function.this.s3_key == "v1/fn.zip" && aws_lambda_function.this.s3_object_version == "3"
    error_message = "An S3 object package deploys from the bucket (a consumer's artifact store), not a local file."
  }
}

run "accepts_the_edges_of_the_aws_ranges" {
  command = plan

  variables {
    event_source = { dynamodb_stream = {
      stream_arn                         = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
      starting_position                  = "TRIM_HORIZON"
      batch_size                         = 10000
      maximum_batching_window_in_seconds = 300
      parallelization_factor             = 10
      maximum_retry_attempts             = -1
      maximum_record_age_in_seconds      = 604800
      filter_patterns                    = [{ a = [1] }, { b = [1] }, { c = [1] }, { d = [1] }, { e = [1] }]
    } }
  }

  assert {
    condition     = aws_lambda_event_source_mapping.stream[0].batch_size == 10000 && aws_lambda_event_source_mapping.stream[0].maximum_retry_attempts == -1
    error_message = "The largest values AWS allows are accepted."
  }
}

run "rejects_stream_arn_outside_aws_range" {
  command = plan
  variables {
    event_source = { dynamodb_stream = { stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders" } }
  }
  expect_failures = [var.event_source]
}

run "rejects_starting_position_outside_aws_range" {
  command = plan
  variables {
    event_source = { dynamodb_stream = { stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000", starting_position = "AT_TIMESTAMP" } }
  }
  expect_failures = [var.event_source]
}

run "rejects_batch_size_outside_aws_range" {
  command = plan
  variables {
    event_source = { dynamodb_stream = { stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000", batch_size = 10001 } }
  }
  expect_failures = [var.event_source]
}

run "rejects_maximum_batching_window_in_seconds_outside_aws_range" {
  command = plan
  variables {
    event_source = { dynamodb_stream = { stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000", maximum_batching_window_in_seconds = 301 } }
  }
  expect_failures = [var.event_source]
}

run "rejects_parallelization_factor_outside_aws_range" {
  command = plan
  variables {
    event_source = { dynamodb_stream = { stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000", parallelization_factor = 11 } }
  }
  expect_failures = [var.event_source]
}

run "rejects_maximum_retry_attempts_outside_aws_range" {
  command = plan
  variables {
    event_source = { dynamodb_stream = { stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000", maximum_retry_attempts = 10001 } }
  }
  expect_failures = [var.event_source]
}

run "rejects_maximum_record_age_in_seconds_outside_aws_range" {
  command = plan
  variables {
    event_source = { dynamodb_stream = { stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000", maximum_record_age_in_seconds = 59 } }
  }
  expect_failures = [var.event_source]
}

run "rejects_filter_patterns_outside_aws_range" {
  command = plan
  variables {
    event_source = { dynamodb_stream = { stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000", filter_patterns = [{ a = 1 }, { b = 1 }, { c = 1 }, { d = 1 }, { e = 1 }, { f = 1 }] } }
  }
  expect_failures = [var.event_source]
}

run "no_powertools_layer_when_the_package_bundles_it" {
  command = plan

  variables {
    function = { powertools_layer = false }
  }

  assert {
    condition     = length(aws_lambda_function.this.layers) == 0 && output.powertools_layer_arn == null && length(data.aws_ssm_parameter.powertools_layer) == 0
    error_message = "powertools_layer = false attaches no layer (the package bundles powertools)."
  }
}

run "a_misspelt_function_setting_is_refused_by_name" {
  command = plan

  variables {
    function          = { memory_sise = 512 }
    function_as_given = { memory_sise = 512, timeout = 30 }
  }

  expect_failures = [aws_lambda_function.this]
}

run "queue_consumer_takes_from_exactly_its_queue" {
  command = plan

  variables {
    event_source = { sqs = {
      queue_arn           = "arn:aws:sqs:eu-west-1:123456789012:orders-work"
      batch_size          = 1
      maximum_concurrency = 5
      kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/work"
    } }
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.queue[0].event_source_arn == "arn:aws:sqs:eu-west-1:123456789012:orders-work" &&
      aws_lambda_event_source_mapping.queue[0].batch_size == 1 &&
      aws_lambda_event_source_mapping.queue[0].scaling_config[0].maximum_concurrency == 5 &&
      aws_lambda_event_source_mapping.queue[0].function_response_types == toset(["ReportBatchItemFailures"]) &&
      length(aws_lambda_event_source_mapping.stream) == 0 && output.event_source_mapping.event_source_arn == "arn:aws:sqs:eu-west-1:123456789012:orders-work"
    )
    error_message = "An SQS source is one mapping with partial batch responses and the concurrency asked for."
  }
  assert {
    condition = [for s in jsondecode(output.policy).Statement : s if startswith(s.Sid, "TakeFromTheQueue") || s.Sid == "DecryptTheQueue"] == [
      { Sid = "TakeFromTheQueue", Effect = "Allow", Action = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], Resource = ["arn:aws:sqs:eu-west-1:123456789012:orders-work"] },
      { Sid = "DecryptTheQueue", Effect = "Allow", Action = ["kms:Decrypt"], Resource = ["arn:aws:kms:eu-west-1:123456789012:key/work"] },
    ]
    error_message = "The role may take from exactly its queue (and decrypt with exactly its key)."
  }
  assert {
    condition     = length(module.dlqs.queues) == 0
    error_message = "An SQS source's failures stay in its queue (its own redrive policy): the module creates no stream DLQ."
  }
}

run "rejects_two_sources" {
  command = plan
  variables {
    event_source = {
      dynamodb_stream = { stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000" }
      sqs             = { queue_arn = "arn:aws:sqs:eu-west-1:123456789012:orders-work" }
    }
  }
  expect_failures = [var.event_source]
}

run "rejects_a_queue_batch_outside_aws_range" {
  command = plan
  variables {
    event_source = { sqs = { queue_arn = "arn:aws:sqs:eu-west-1:123456789012:orders-work", batch_size = 11 } }
  }
  expect_failures = [var.event_source]
}

run "rejects_a_fifo_batch_above_ten" {
  command = plan
  variables {
    event_source = { sqs = { queue_arn = "arn:aws:sqs:eu-west-1:123456789012:orders.fifo", batch_size = 20, maximum_batching_window_in_seconds = 1 } }
  }
  expect_failures = [var.event_source]
}

run "rejects_a_queue_concurrency_outside_aws_range" {
  command = plan
  variables {
    event_source = { sqs = { queue_arn = "arn:aws:sqs:eu-west-1:123456789012:orders-work", maximum_concurrency = 1 } }
  }
  expect_failures = [var.event_source]
}

run "accepts_a_large_standard_batch_with_a_window" {
  command = plan
  variables {
    event_source = { sqs = { queue_arn = "arn:aws:sqs:eu-west-1:123456789012:orders-work", batch_size = 10000, maximum_batching_window_in_seconds = 1, maximum_concurrency = 1000 } }
  }
  assert {
    condition     = aws_lambda_event_source_mapping.queue[0].batch_size == 10000
    error_message = "AWS's largest standard-queue batch is accepted with a window."
  }
}
