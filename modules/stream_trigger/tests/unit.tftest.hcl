mock_provider "aws" {
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/orders-trigger" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:orders-trigger-stream-failures" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders-trigger" }
  }
  mock_data "aws_ssm_parameter" {
    defaults = { value = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:30" }
  }
}

variables {
  name              = "orders-trigger"
  stream_arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
  state_machine_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-workflow"
  package = {
    path             = "build/lambdas/stream_trigger.zip"
    source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
  }
}

run "reads_its_stream_and_starts_only_its_workflow" {
  command = apply

  assert {
    condition = {
      for s in jsondecode(module.function.policy).Statement : s.Sid => [s.Action, s.Resource]
      } == {
      WriteOwnLogs                = [["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/orders-trigger:*"]]
      Tracing                     = [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]]
      ReadTheStream               = [["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], [var.stream_arn]]
      ListStreams                 = [["dynamodb:ListStreams"], ["*"]]
      SendFailedBatchesToTheQueue = [["sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:orders-trigger-stream-failures"]]
      StartTheWorkflow            = [["states:StartExecution"], [var.state_machine_arn]]
    }
    error_message = "Least privilege: its stream, its DLQ, its log group and StartExecution on its workflow only."
  }
  assert {
    condition = (
      module.function.event_source_mapping_uuid != null &&
      output.dlq_arn == "arn:aws:sqs:eu-west-1:123456789012:orders-trigger-stream-failures"
    )
    error_message = "The function consumes the stream and owns a DLQ."
  }
  assert {
    condition = output.environment_variables == {
      STATE_MACHINE_ARN       = var.state_machine_arn
      EVENT_NAMES             = "INSERT,MODIFY,REMOVE"
      POWERTOOLS_SERVICE_NAME = "orders-trigger"
      SDK_MAX_ATTEMPTS        = "5"
    }
    error_message = "Without conditions the function is told only its target, the event names and its retry budget."
  }
}

run "passes_conditions_filters_and_mapping_settings_through" {
  command = apply

  variables {
    event_names        = ["MODIFY"]
    document_attribute = "document"
    conditions = [
      { field = "status", changedFrom = "PENDING", changedTo = "PAID" },
      { all = [{ eventName = ["MODIFY"] }, { field = "amount", greaterThan = 100 }] },
    ]
    event_source_mapping = {
      batch_size                         = 25
      maximum_batching_window_in_seconds = 5
      parallelization_factor             = 4
      maximum_retry_attempts             = 2
      filter_patterns                    = [{ eventName = ["MODIFY"] }]
    }
  }

  assert {
    condition = jsondecode(output.environment_variables.CONDITIONS) == [
      { field = "status", changedFrom = "PENDING", changedTo = "PAID" },
      { all = [{ eventName = ["MODIFY"] }, { field = "amount", greaterThan = 100 }] },
    ]
    error_message = "Conditions reach the function as JSON, unchanged."
  }
  assert {
    condition     = output.environment_variables.EVENT_NAMES == "MODIFY" && output.environment_variables.DOCUMENT_ATTRIBUTE == "document"
    error_message = "Event names and the document attribute reach the function."
  }
  assert {
    condition = (
      module.function.event_source_mapping.batch_size == 25 &&
      module.function.event_source_mapping.maximum_batching_window_in_seconds == 5 &&
      module.function.event_source_mapping.parallelization_factor == 4 &&
      module.function.event_source_mapping.maximum_retry_attempts == 2 &&
      module.function.event_source_mapping.maximum_record_age_in_seconds == 3600 &&
      module.function.event_source_mapping.bisect_batch_on_function_error
    )
    error_message = "Given mapping settings are applied; the others keep their safe defaults."
  }
  assert {
    condition     = [for f in module.function.event_source_mapping.filter_criteria[0].filter : f.pattern] == ["{\"eventName\":[\"MODIFY\"]}"]
    error_message = "The filter pattern reaches the mapping as JSON."
  }
  assert {
    condition     = module.function.event_source_mapping.event_source_arn == var.stream_arn && module.function.event_source_mapping.function_name == "arn:aws:lambda:eu-west-1:123456789012:function:orders-trigger"
    error_message = "The mapping connects this stream to this function."
  }
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    name              = "a-name-that-is-far-too-long-for-a-queue-prefix-xyz"
    stream_arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
    state_machine_arn = "orders-workflow"
    event_names       = ["UPSERT"]
    conditions        = "status == PAID"
    sdk_max_attempts  = 0
    log_level         = "TRACE"
  }

  expect_failures = [
    var.name, var.stream_arn, var.state_machine_arn, var.event_names, var.conditions, var.sdk_max_attempts, var.log_level,
  ]
}
