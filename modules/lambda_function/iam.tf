locals {
  # arn:<partition>:ec2:<region>:<account>, read off the log group's ARN (no extra data sources).
  ec2_arn_prefix = join(":", concat(slice(split(":", aws_cloudwatch_log_group.this.arn), 0, 2), ["ec2"], slice(split(":", aws_cloudwatch_log_group.this.arn), 3, 5)))
  module_statements = concat(
    [{
      sid       = "WriteOwnLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
    }],
    var.function.xray_tracing ? [{
      sid       = "Tracing"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }] : [],
    local.stream_consumer ? [
      {
        sid       = "ReadTheStream"
        actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
        resources = [local.stream.stream_arn]
      },
      {
        # ListStreams has no resource-level permissions.
        sid       = "ListStreams"
        actions   = ["dynamodb:ListStreams"]
        resources = ["*"]
      },
      {
        sid       = "SendFailedBatchesToTheQueue"
        actions   = ["sqs:SendMessage"]
        resources = [module.dlqs.queues["stream"].arn]
      },
    ] : [],
    local.queue == null ? [] : [{
      # What Lambda's poller calls with the function's role (Lambda Developer Guide, services-sqs-configure).
      sid       = "TakeFromTheQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [local.queue.queue_arn]
    }],
    try(local.queue.kms_key_arn, null) == null ? [] : [{
      sid       = "DecryptTheQueue"
      actions   = ["kms:Decrypt"]
      resources = [local.queue.kms_key_arn]
    }],
    var.function.environment_kms_key_arn == null ? [] : [{
      sid       = "DecryptOwnEnvironment"
      actions   = ["kms:Decrypt"]
      resources = [var.function.environment_kms_key_arn]
    }],
    local.stream_consumer && var.dlq_kms_key_arn != null ? [{
      sid       = "EncryptForTheFailureQueue"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.dlq_kms_key_arn]
    }] : [],
    var.function.vpc_config == null ? [] : [
      {
        # Lambda creates and removes the function's network interfaces in these subnets and groups.
        sid     = "NetworkInterfacesInTheVpc"
        actions = ["ec2:CreateNetworkInterface"]
        resources = concat(
          ["${local.ec2_arn_prefix}:network-interface/*"],
          [for id in var.function.vpc_config.subnet_ids : "${local.ec2_arn_prefix}:subnet/${id}"],
          [for id in var.function.vpc_config.security_group_ids : "${local.ec2_arn_prefix}:security-group/${id}"],
        )
      },
      {
        sid       = "ManageOwnNetworkInterfaces"
        actions   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
        resources = ["${local.ec2_arn_prefix}:network-interface/*"]
      },
      {
        # Describe* have no resource-level permissions.
        sid       = "DescribeTheVpc"
        actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
        resources = ["*"]
      },
    ],
    var.async_dlq ? [{
      sid       = "SendFailedAsyncInvocationsToTheQueue"
      actions   = ["sqs:SendMessage"]
      resources = [module.dlqs.queues["async"].arn]
    }] : [],
  )
}

module "role" {
  source = "../iam_role"
  roles = {
    execution = {
      name        = var.name
      service     = "lambda.amazonaws.com" # Lambda documents no confused-deputy keys for an execution role
      policy_name = "least-privilege"
      statements  = concat(local.module_statements, var.policy_statements)
    }
  }
  tags = var.tags
}

moved {
  from = aws_iam_role.this
  to   = module.role.aws_iam_role.this["execution"]
}

moved {
  from = aws_iam_role_policy.this
  to   = module.role.aws_iam_role_policy.this["execution"]
}
