mock_provider "aws" {
  source          = "../../mocks/aws"
  override_during = plan # the mocks' values are known at plan: no run needs an apply (nor its teardown)
}

variables {
  queues = {
    work = { name = "items-dev-work", visibility_timeout_seconds = 120, retention_seconds = 86400, dlq = { max_receive_count = 3 } }
    dlq = {
      name            = "items-dev-dlq"
      service_senders = [{ service = "events.amazonaws.com", source_arn = "arn:aws:events:eu-west-1:123456789012:rule/items-dev-imports" }]
    }
    given  = { name = "items-dev-given", dlq = { max_receive_count = 5, arn = "arn:aws:sqs:eu-west-1:123456789012:items-dev-elsewhere" } }
    target = { name = "items-dev-audit", manage_policy = false, kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }
}

run "every_queue_encrypted_tls_only_with_its_dlq" {
  command = plan

  assert {
    condition     = alltrue([for key, queue in aws_sqs_queue.this : queue.sqs_managed_sse_enabled == (key != "target")]) && aws_sqs_queue.this["target"].kms_master_key_id == var.queues.target.kms_key_arn
    error_message = "Every queue is encrypted at rest: SQS-managed SSE, or the KMS key given."
  }
  assert {
    condition     = aws_sqs_queue.this["dlq"].message_retention_seconds == 1209600 && aws_sqs_queue.this["work"].message_retention_seconds == 86400 && aws_sqs_queue.this["work"].visibility_timeout_seconds == 120
    error_message = "Retention defaults to SQS's 14 days; a queue's own retention and visibility timeout are kept."
  }
  assert {
    condition     = keys(aws_sqs_queue.dlq) == ["work"] && aws_sqs_queue.dlq["work"].name == "items-dev-work-dlq" && aws_sqs_queue.dlq["work"].message_retention_seconds == 1209600
    error_message = "A DLQ is created, named <name>-dlq and kept 14 days, only for a queue that asks for one without giving its ARN."
  }
  assert {
    condition = jsondecode(aws_sqs_queue.this["work"].redrive_policy) == { deadLetterTargetArn = aws_sqs_queue.dlq["work"].arn, maxReceiveCount = 3 } && jsondecode(aws_sqs_queue.this["given"].redrive_policy) == {
      deadLetterTargetArn = "arn:aws:sqs:eu-west-1:123456789012:items-dev-elsewhere", maxReceiveCount = 5
    }
    error_message = "A queue redrives to the DLQ created for it or given to it, after max_receive_count receives."
  }
  assert {
    condition = alltrue([for key, policy in output.policies : contains([
      for statement in jsondecode(policy).Statement : statement.Sid if statement.Effect == "Deny" && statement.Principal == "*" && statement.Action == "sqs:*" && try(statement.Condition.Bool["aws:SecureTransport"], null) == "false"
    ], "DenyInsecureTransport")]) && toset(keys(output.policies)) == toset(["dlq", "given", "work", "work/dlq"])
    error_message = "Every policy the module writes (each queue's but the target's, whose policy another module writes, and the created DLQ's) denies requests without TLS."
  }
  assert {
    condition = jsondecode(output.policies["dlq"]).Statement[1] == {
      Sid       = "ServiceSends0"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.this["dlq"].arn
      Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:events:eu-west-1:123456789012:rule/items-dev-imports" } }
    } && length(jsondecode(output.policies["work"]).Statement) == 1
    error_message = "A service sender may SendMessage for its one resource only; a queue without senders allows nothing."
  }
  assert {
    condition     = keys(aws_sqs_queue_policy.this) == ["dlq", "given", "work"] && keys(aws_sqs_queue_policy.dlq) == ["work"]
    error_message = "A queue whose policy another module writes gets none from here."
  }
  assert {
    condition     = output.dlqs["given"] == { arn = "arn:aws:sqs:eu-west-1:123456789012:items-dev-elsewhere", url = null, name = "items-dev-elsewhere" } && output.dlqs["work"].name == "items-dev-work-dlq" && !contains(keys(output.dlqs), "dlq")
    error_message = "dlqs names each queue's DLQ, created or given."
  }
}

run "a_name_sqs_refuses" {
  command = plan
  variables {
    queues = { bad = { name = "has space" } }
  }
  expect_failures = [var.queues]
}

run "a_created_dlq_name_over_80_characters" {
  command = plan
  variables {
    queues = { long = { name = "q${join("", [for i in range(76) : "x"])}", dlq = { max_receive_count = 3 } } }
  }
  expect_failures = [var.queues]
}

run "retention_beyond_fourteen_days" {
  command = plan
  variables {
    queues = { long = { name = "q", retention_seconds = 1209601 } }
  }
  expect_failures = [var.queues]
}

run "max_receive_count_beyond_a_thousand" {
  command = plan
  variables {
    queues = { q = { name = "q", dlq = { max_receive_count = 1001 } } }
  }
  expect_failures = [var.queues]
}

run "a_sender_that_is_not_a_service" {
  command = plan
  variables {
    queues = { q = { name = "q", service_senders = [{ service = "123456789012", source_arn = "arn:aws:events:eu-west-1:123456789012:rule/r" }] } }
  }
  expect_failures = [var.queues]
}
