resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

locals {
  # arn:<partition>:ec2:<region>:<account>, read off the log group's ARN (no extra data sources).
  ec2_arn_prefix = join(":", concat(slice(split(":", aws_cloudwatch_log_group.this.arn), 0, 2), ["ec2"], slice(split(":", aws_cloudwatch_log_group.this.arn), 3, 5)))
  module_statements = concat(
    [{
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
    }],
    var.function.xray_tracing ? [{
      Sid      = "Tracing"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = ["*"]
    }] : [],
    local.stream_consumer ? [
      {
        Sid      = "ReadTheStream"
        Effect   = "Allow"
        Action   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
        Resource = [local.stream.stream_arn]
      },
      {
        # ListStreams has no resource-level permissions.
        Sid      = "ListStreams"
        Effect   = "Allow"
        Action   = ["dynamodb:ListStreams"]
        Resource = ["*"]
      },
      {
        Sid      = "SendFailedBatchesToTheQueue"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [module.dlqs.queues["stream"].arn]
      },
    ] : [],
    local.queue == null ? [] : [{
      # What Lambda's poller calls with the function's role (Lambda Developer Guide, services-sqs-configure).
      Sid      = "TakeFromTheQueue"
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      Resource = [local.queue.queue_arn]
    }],
    try(local.queue.kms_key_arn, null) == null ? [] : [{
      Sid      = "DecryptTheQueue"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = [local.queue.kms_key_arn]
    }],
    var.function.environment_kms_key_arn == null ? [] : [{
      Sid      = "DecryptOwnEnvironment"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = [var.function.environment_kms_key_arn]
    }],
    local.stream_consumer && var.dlq_kms_key_arn != null ? [{
      Sid      = "EncryptForTheFailureQueue"
      Effect   = "Allow"
      Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource = [var.dlq_kms_key_arn]
    }] : [],
    var.function.vpc_config == null ? [] : [
      {
        # Lambda creates and removes the function's network interfaces in these subnets and groups.
        Sid    = "NetworkInterfacesInTheVpc"
        Effect = "Allow"
        Action = ["ec2:CreateNetworkInterface"]
        Resource = concat(
          ["${local.ec2_arn_prefix}:network-interface/*"],
          [for id in var.function.vpc_config.subnet_ids : "${local.ec2_arn_prefix}:subnet/${id}"],
          [for id in var.function.vpc_config.security_group_ids : "${local.ec2_arn_prefix}:security-group/${id}"],
        )
      },
      {
        Sid      = "ManageOwnNetworkInterfaces"
        Effect   = "Allow"
        Action   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
        Resource = ["${local.ec2_arn_prefix}:network-interface/*"]
      },
      {
        # Describe* have no resource-level permissions.
        Sid      = "DescribeTheVpc"
        Effect   = "Allow"
        Action   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
        Resource = ["*"]
      },
    ],
    var.async_dlq ? [{
      Sid      = "SendFailedAsyncInvocationsToTheQueue"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = [module.dlqs.queues["async"].arn]
    }] : [],
  )
  caller_statements = [for s in var.policy_statements : {
    Sid      = s.sid
    Effect   = "Allow"
    Action   = s.actions
    Resource = s.resources
  }]
}

resource "aws_iam_role_policy" "this" {
  name = "least-privilege"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(local.module_statements, local.caller_statements)
  })
}
