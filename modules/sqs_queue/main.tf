locals {
  created_dlqs = { for key, queue in var.queues : key => queue if queue.dlq != null && try(queue.dlq.arn, null) == null }
}

# Dead letters of the queues that asked for one: kept the 14 days SQS allows, to inspect and redrive.
resource "aws_sqs_queue" "dlq" {
  for_each = local.created_dlqs

  name                      = "${each.value.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = each.value.kms_key_arn == null ? true : null
  kms_master_key_id         = each.value.kms_key_arn
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  for_each = var.queues

  name                       = each.value.name
  message_retention_seconds  = each.value.retention_seconds
  visibility_timeout_seconds = each.value.visibility_timeout_seconds
  sqs_managed_sse_enabled    = each.value.kms_key_arn == null ? true : null
  kms_master_key_id          = each.value.kms_key_arn
  redrive_policy = each.value.dlq == null ? null : jsonencode({
    deadLetterTargetArn = try(each.value.dlq.arn, null) != null ? each.value.dlq.arn : aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = each.value.dlq.max_receive_count
  })
  tags = var.tags
}

locals {
  # Every queue refuses requests without TLS (AWS Well-Architected SEC09; SQS accepts plain HTTP otherwise);
  # the services named may send, each for its one resource (aws:SourceArn), as roles of the account may.
  deny_insecure_transport = { for key, queue in merge(aws_sqs_queue.this, { for key, dlq in aws_sqs_queue.dlq : "${key}/dlq" => dlq }) : key => {
    Sid       = "DenyInsecureTransport"
    Effect    = "Deny"
    Principal = "*"
    Action    = "sqs:*"
    Resource  = queue.arn
    Condition = { Bool = { "aws:SecureTransport" = "false" } }
  } }
  policies = merge(
    { for key, queue in var.queues : key => jsonencode({
      Version = "2012-10-17"
      Statement = concat([local.deny_insecure_transport[key]], [for index, sender in queue.service_senders : {
        Sid       = "ServiceSends${index}"
        Effect    = "Allow"
        Principal = { Service = sender.service }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.this[key].arn
        Condition = { ArnEquals = { "aws:SourceArn" = sender.source_arn } }
      }])
    }) if queue.manage_policy },
    { for key, dlq in aws_sqs_queue.dlq : "${key}/dlq" => jsonencode({
      Version   = "2012-10-17"
      Statement = [local.deny_insecure_transport["${key}/dlq"]]
    }) },
  )
}

resource "aws_sqs_queue_policy" "this" {
  for_each = { for key, queue in var.queues : key => queue if queue.manage_policy }

  queue_url = aws_sqs_queue.this[each.key].url
  policy    = local.policies[each.key]
}

resource "aws_sqs_queue_policy" "dlq" {
  for_each = aws_sqs_queue.dlq

  queue_url = each.value.url
  policy    = local.policies["${each.key}/dlq"]
}
