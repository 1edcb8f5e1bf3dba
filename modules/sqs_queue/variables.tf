variable "queues" {
  description = "Standard queues by key. Each is encrypted (SQS-managed SSE, or `kms_key_arn`), refuses requests without TLS, and keeps messages `retention_seconds`. `service_senders`: AWS services that may send to it for one resource each (e.g. an EventBridge rule's dead letters, an SNS topic's deliveries). `manage_policy = false` when another module writes the queue's policy (the event bus writes its SQS targets'). `dlq`: after `max_receive_count` receives a message moves to the queue at `arn`, or to `<name>-dlq`, which this module creates (encrypted, TLS-only, 14 days) when `arn` is null."
  type = map(object({
    name                       = string
    retention_seconds          = optional(number, 1209600)
    visibility_timeout_seconds = optional(number, 30)
    kms_key_arn                = optional(string)
    service_senders            = optional(list(object({ service = string, source_arn = string })), [])
    manage_policy              = optional(bool, true)
    dlq = optional(object({
      max_receive_count = number
      arn               = optional(string)
    }))
  }))
  validation {
    # SQS: a queue name has 1-80 alphanumerics, hyphens and underscores (CreateQueue, QueueName); a created
    # DLQ's name adds "-dlq".
    condition = alltrue([for key, queue in var.queues : can(regex("^[A-Za-z0-9_-]{1,80}$", queue.name)) && can(regex("^[A-Za-z0-9_-]+$", key)) && (
      queue.dlq == null || try(queue.dlq.arn, null) != null || length(queue.name) <= 76
    )])
    error_message = "queues: each name must be 1-80 letters, digits, '-' or '_' (SQS's rule), and at most 76 when the module creates its DLQ (<name>-dlq)."
  }
  validation {
    # SQS: MessageRetentionPeriod 60 s to 1,209,600 s (14 days); VisibilityTimeout 0 to 43,200 s (12 hours).
    condition = alltrue([for queue in var.queues : (
      queue.retention_seconds >= 60 && queue.retention_seconds <= 1209600 && floor(queue.retention_seconds) == queue.retention_seconds &&
      queue.visibility_timeout_seconds >= 0 && queue.visibility_timeout_seconds <= 43200 && floor(queue.visibility_timeout_seconds) == queue.visibility_timeout_seconds
    )])
    error_message = "queues: retention_seconds must be a whole number from 60 to 1209600 (14 days) and visibility_timeout_seconds from 0 to 43200 (12 hours), SQS's limits."
  }
  validation {
    # SQS: a redrive policy's maxReceiveCount is 1 to 1,000.
    condition = alltrue([for queue in var.queues : queue.dlq == null || (
      try(queue.dlq.max_receive_count >= 1 && queue.dlq.max_receive_count <= 1000 && floor(queue.dlq.max_receive_count) == queue.dlq.max_receive_count, false) &&
      (try(queue.dlq.arn, null) == null || can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}$", try(queue.dlq.arn, ""))))
    )])
    error_message = "queues: dlq.max_receive_count must be a whole number from 1 to 1000 (SQS's limit) and dlq.arn null or an SQS queue ARN."
  }
  validation {
    condition = alltrue([for queue in var.queues : (
      (queue.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(queue.kms_key_arn, "-")))) &&
      alltrue([for sender in queue.service_senders : can(regex("^[a-z0-9.-]+\\.amazonaws\\.com$", sender.service)) && can(regex("^arn:aws", sender.source_arn))])
    )])
    error_message = "queues: kms_key_arn must be null or a KMS key ARN, and each service_senders entry a service principal (<service>.amazonaws.com) with the ARN it sends for."
  }
}

variable "tags" {
  description = "Tags for every queue of this module."
  type        = map(string)
  default     = {}
}
