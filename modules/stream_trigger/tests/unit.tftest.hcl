mock_provider "aws" {
  source = "../../mocks/aws" # the published mocks; the blocks below override them for this module

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/orders-trigger" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:orders-trigger-stream-failures" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders-trigger" }
  }
}

variables {
  name       = "orders-trigger"
  stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
  workflows = {
    fulfil = { state_machine_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-workflow" }
  }
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
      StartTheWorkflows           = [["states:StartExecution"], ["arn:aws:states:eu-west-1:123456789012:stateMachine:orders-workflow"]]
    }
    error_message = "Least privilege: its stream, its DLQ, its log group and StartExecution on its workflow only."
  }
  assert {
    condition = (
      module.function.event_source_mapping_uuid != null &&
      output.function.dlq_arn == "arn:aws:sqs:eu-west-1:123456789012:orders-trigger-stream-failures"
    )
    error_message = "The function consumes the stream and owns a DLQ."
  }
  assert {
    condition = output.function.environment_variables == tomap({
      WORKFLOWS               = jsonencode({ fulfil = { stateMachineArn = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-workflow", eventNames = ["INSERT", "MODIFY", "REMOVE"] } })
      POWERTOOLS_SERVICE_NAME = "orders-trigger"
      SDK_MAX_ATTEMPTS        = "3"
      DLQ_URL                 = module.function.dlq_url
    })
    error_message = "Without conditions or input the function is told its workflow, the event names and its retry budget."
  }
  assert {
    condition     = module.function.environment_variables.DLQ_URL == module.function.dlq_url
    error_message = "The function dead-letters into the queue the mapping's failures go to."
  }
}

run "passes_conditions_filters_and_mapping_settings_through" {
  command = apply

  variables {
    document_attribute = "document"
    workflows = {
      fulfil = {
        state_machine_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-workflow"
        event_names       = ["MODIFY"]
        conditions = jsonencode([
          { field = "status", changedFrom = "PENDING", changedTo = "PAID" },
          { all = [{ eventName = ["MODIFY"] }, { field = "amount", greaterThan = 100 }] },
        ])
        input = { orderId = "keys.id", status = "newImage.status" }
      }
      audit = { state_machine_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-audit", event_names = ["REMOVE"] }
    }
    event_source_mapping = {
      batch_size                         = 25
      maximum_batching_window_in_seconds = 5
      parallelization_factor             = 4
      maximum_retry_attempts             = 2
      filter_patterns                    = [{ eventName = ["MODIFY"] }]
    }
  }

  assert {
    condition = jsondecode(output.function.environment_variables.WORKFLOWS).fulfil.conditions == [
      { field = "status", changedFrom = "PENDING", changedTo = "PAID" },
      { all = [{ eventName = ["MODIFY"] }, { field = "amount", greaterThan = 100 }] },
    ]
    error_message = "Conditions reach the function as JSON, unchanged."
  }
  assert {
    condition     = jsondecode(output.function.environment_variables.WORKFLOWS).fulfil.input == { orderId = "keys.id", status = "newImage.status" } && jsondecode(output.function.environment_variables.WORKFLOWS).audit.eventNames == ["REMOVE"] && output.function.environment_variables.DOCUMENT_ATTRIBUTE == "document"
    error_message = "Each workflow's event names and input mapping, and the document attribute, reach the function."
  }
  assert {
    condition     = one([for s in jsondecode(module.function.policy).Statement : s.Resource if s.Sid == "StartTheWorkflows"]) == ["arn:aws:states:eu-west-1:123456789012:stateMachine:orders-audit", "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-workflow"]
    error_message = "One reader may start exactly the state machines of its workflows."
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
    name       = "a-name-that-is-far-too-long-for-a-queue-prefix-xyz"
    stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
    workflows = {
      "bad name" = { state_machine_arn = "orders-workflow", event_names = ["UPSERT"], conditions = "status == PAID", input = { x = "item.status" } }
    }
    sdk_max_attempts = 0
    dlq_kms_key_arn  = "alias/orders"
  }

  expect_failures = [
    var.name, var.stream_arn, var.workflows, var.sdk_max_attempts, var.dlq_kms_key_arn,
  ]
}

run "kms_for_the_dlq_and_a_vpc" {
  command = apply

  variables {
    dlq_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    function        = { vpc_config = { subnet_ids = ["subnet-0a1b2c"], security_group_ids = ["sg-0d1e2f"] } }
  }

  assert {
    condition     = one([for s in jsondecode(module.function.policy).Statement : s.Resource if s.Sid == "EncryptForTheFailureQueue"]) == [var.dlq_kms_key_arn]
    error_message = "Sending to a KMS-encrypted DLQ needs the key, and only that key."
  }
  assert {
    condition = one([for s in jsondecode(module.function.policy).Statement : s.Resource if s.Sid == "NetworkInterfacesInTheVpc"]) == [
      "arn:aws:ec2:eu-west-1:123456789012:network-interface/*",
      "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0a1b2c",
      "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0d1e2f",
    ]
    error_message = "Network interfaces may be created only in the given subnets and security groups."
  }
}

run "rejects_a_timeout_shorter_than_one_calls_worst_case" {
  command = plan

  variables {
    function         = { timeout = 29 } # 3 attempts: 21 s of timeouts + 3 s of backoff + 1 s reserve + 5 s of work = 30
    sdk_max_attempts = 3
  }

  expect_failures = [var.function]
}

run "accepts_the_shortest_timeout_that_leaves_room" {
  command = plan

  variables {
    function         = { timeout = 15 }
    sdk_max_attempts = 1
  }

  assert {
    condition     = module.function.environment_variables.SDK_MAX_ATTEMPTS == "1"
    error_message = "One attempt (7 s worst case) fits a 15 s timeout."
  }
}
