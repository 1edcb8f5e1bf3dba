mock_provider "aws" {
  source          = "../../mocks/aws" # the published mocks; the blocks below override them for this module
  override_during = plan              # the mocks' values are known at plan: no run needs an apply (nor its teardown)

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:123456789012:orders-fanout-stream-failures"
      url = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-fanout-stream-failures"
    }
  }
}

variables {
  name          = "orders-fanout"
  stream_arn    = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
  event_bus_arn = "arn:aws:events:eu-west-1:123456789012:event-bus/orders"
  claim_check   = { bucket_arn = "arn:aws:s3:::orders-claims-abc" }
  package = {
    path             = "build/lambdas/stream_fanout.zip"
    source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
  }
}

run "publisher_is_scoped_to_its_bus_dlq_and_claims" {
  command = plan

  assert {
    condition     = [for s in jsondecode(output.function.policy).Statement : s.Sid] == ["WriteOwnLogs", "Tracing", "ReadTheStream", "ListStreams", "SendFailedBatchesToTheQueue", "PublishToTheBus", "StoreLargeChanges"]
    error_message = "Nothing beyond logs, tracing, its stream, its DLQ, its bus and its claim-check objects."
  }
  assert {
    condition     = jsondecode(output.function.policy).Statement[5] == { Sid = "PublishToTheBus", Effect = "Allow", Action = ["events:PutEvents"], Resource = [var.event_bus_arn] }
    error_message = "events:PutEvents on this bus only."
  }
  assert {
    condition     = jsondecode(output.function.policy).Statement[4].Resource == [output.function.dlq_arn]
    error_message = "The function writes dead letters to its own DLQ only."
  }
  assert {
    condition     = jsondecode(output.function.policy).Statement[6] == { Sid = "StoreLargeChanges", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::orders-claims-abc/claims/*"] }
    error_message = "The fan-out may only write claim-check objects."
  }
  assert {
    condition = output.function.environment_variables == tomap({
      EVENT_BUS_NAME          = "orders"
      DLQ_URL                 = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-fanout-stream-failures"
      EVENT_SOURCE            = "app.items"
      ENTITY                  = "item"
      MAX_ATTEMPTS            = "5"
      MAX_ENTRY_BYTES         = "1048576"
      MAX_REQUEST_BYTES       = "1048576"
      DLQ_MAX_MESSAGE_BYTES   = "262144"
      POWERTOOLS_SERVICE_NAME = "orders-fanout"
      CLAIM_CHECK_BUCKET      = "orders-claims-abc"
    })
    error_message = "The bus name, the DLQ, the claim-check bucket and the event contract reach the function."
  }
  assert {
    condition     = output.function.event_source_mapping.event_source_arn == var.stream_arn && output.function.event_source_mapping.maximum_retry_attempts == 5 && output.function.event_source_mapping.maximum_record_age_in_seconds == 3600 && output.function.event_source_mapping.bisect_batch_on_function_error
    error_message = "The fan-out reads the stream with the same safe mapping defaults as the trigger."
  }
  assert {
    condition     = output.function.dlq_url == output.function.environment_variables.DLQ_URL && output.function.dlq_name == "orders-fanout-stream-failures"
    error_message = "One DLQ holds the mapping's failed batches and the function's own dead letters, as in stream_trigger."
  }
}

run "without_a_claim_check_bucket_large_changes_go_to_the_dlq" {
  command = plan

  variables {
    claim_check   = { bucket_arn = null, kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/abc" }
    event_bus_arn = "arn:aws:events:eu-west-1:123456789012:event-bus/aws.partner/acme/orders"
  }

  assert {
    condition     = !contains(keys(output.function.environment_variables), "CLAIM_CHECK_BUCKET") && !contains([for s in jsondecode(output.function.policy).Statement : s.Sid], "StoreLargeChanges") && !contains([for s in jsondecode(output.function.policy).Statement : s.Sid], "EncryptLargeChanges")
    error_message = "No bucket: no claim check and no S3 or KMS grant."
  }
  assert {
    condition     = output.function.environment_variables.EVENT_BUS_NAME == "aws.partner/acme/orders"
    error_message = "A bus name with slashes (partner buses) is read whole from its ARN."
  }
}

run "a_kms_encrypted_claim_check_bucket_gets_its_key_grant" {
  command = plan

  variables {
    claim_check = { bucket_arn = "arn:aws:s3:::orders-claims-abc", kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/abc" }
  }

  assert {
    condition     = jsondecode(output.function.policy).Statement[7] == { Sid = "EncryptLargeChanges", Effect = "Allow", Action = ["kms:GenerateDataKey"], Resource = ["arn:aws:kms:eu-west-1:123456789012:key/abc"] }
    error_message = "kms:GenerateDataKey on the bucket's key only."
  }
}

run "rejects_out_of_range_inputs" {
  command = plan
  variables {
    name                  = "orders fanout"
    event_source          = "aws.dynamodb"
    max_attempts          = 0
    max_request_bytes     = 100
    max_entry_bytes       = 2097152
    dlq_max_message_bytes = 10
    stream_arn            = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
    event_bus_arn         = "orders"
    claim_check           = { bucket_arn = "orders-claims" }
  }
  expect_failures = [
    var.name, var.event_source, var.max_attempts, var.max_request_bytes, var.max_entry_bytes, var.dlq_max_message_bytes,
    var.stream_arn, var.event_bus_arn, var.claim_check,
  ]
}

run "rejects_a_timeout_with_no_room_to_publish" {
  command = plan

  variables {
    function = { timeout = 25 }
  }

  expect_failures = [var.function]
}
