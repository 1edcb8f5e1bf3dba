# API Gateway's account-level settings for one account and region: the CloudWatch Logs role every REST API
# stage of the region uses to write access and execution logs. Without it, creating a stage with
# access_log_settings fails with "CloudWatch Logs role ARN must be set in account settings to enable logging"
# (API Gateway developer guide, "Set up CloudWatch logging for REST APIs"). The setting is a singleton per
# account and region (CloudFormation's AWS::ApiGateway::Account: "only one ... per region per account"), so it
# lives here, applied once by envs/bootstrap, and never in a per-environment stack.

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.region
  role_name  = coalesce(var.role_name, "apigateway-cloudwatch-logs-${data.aws_region.current.region}")
  log_groups = "arn:${data.aws_partition.current.partition}:logs:${local.region}:${data.aws_caller_identity.current.account_id}:log-group:*"
}

# The actions of AWS's AmazonAPIGatewayPushToCloudWatchLogs managed policy, limited to this account's log
# groups in this region (the managed policy grants them on every resource).
module "role" {
  source = "../iam_role"
  roles = {
    cloudwatch = {
      name        = local.role_name
      service     = "apigateway.amazonaws.com" # no confused-deputy condition: API Gateway documents none for this role
      policy_name = "push-to-cloudwatch-logs"
      statements = [
        {
          sid = "WriteApiLogs"
          actions = [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents",
            "logs:GetLogEvents", "logs:FilterLogEvents",
          ]
          resources = [local.log_groups]
        },
        {
          sid       = "ListLogGroups" # no resource-level permissions
          actions   = ["logs:DescribeLogGroups"]
          resources = ["*"]
        },
      ]
    }
  }
  tags = var.tags
}

moved {
  from = aws_iam_role.cloudwatch
  to   = module.role.aws_iam_role.this["cloudwatch"]
}

moved {
  from = aws_iam_role_policy.cloudwatch
  to   = module.role.aws_iam_role_policy.this["cloudwatch"]
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = module.role.roles["cloudwatch"].arn

  # The role must be able to write logs before API Gateway accepts it ("The role ARN does not have required
  # permissions configured"): wait for the policy, not only the role.
  depends_on = [module.role]
}
