output "queues" {
  description = "Each queue by key: its arn, url and name, its visibility timeout and retention in seconds, and the receives after which a message moves to its DLQ (null without one)."
  value = { for key, queue in aws_sqs_queue.this : key => {
    arn                        = queue.arn
    url                        = queue.url
    name                       = queue.name
    visibility_timeout_seconds = queue.visibility_timeout_seconds
    retention_seconds          = queue.message_retention_seconds
    max_receive_count          = try(var.queues[key].dlq.max_receive_count, null)
  } }
}

output "dlqs" {
  description = "Each queue's dead-letter queue by the queue's key (the one created or the one given; queues without one are absent): its arn, url (null when given) and name."
  value = { for key, queue in var.queues : key => (
    contains(keys(aws_sqs_queue.dlq), key)
    ? { arn = aws_sqs_queue.dlq[key].arn, url = aws_sqs_queue.dlq[key].url, name = aws_sqs_queue.dlq[key].name }
    : { arn = queue.dlq.arn, url = null, name = element(split(":", queue.dlq.arn), 5) }
  ) if queue.dlq != null }
}

output "policies" {
  description = "The queue policy documents this module writes, by queue key (a created DLQ's as \"<key>/dlq\"), as JSON: for exact assertions."
  value       = local.policies
}
