terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 6.0" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

locals {
  # Zips built by build_lambdas.py --output lambdas; a zip in S3 works too: { s3_bucket, s3_key, source_code_hash }.
  packages = { for name, zip in jsondecode(file("${path.module}/lambdas/manifest.json")).functions :
    name => { path = "${path.module}/lambdas/${zip.path}", source_code_hash = zip.source_code_hash }
  }
}

module "table" {
  source = "git::https://example.com/your-org/serverless-event-modules.git//modules/dynamodb_table?ref=v0.1.0"
  name   = "orders"
}

module "api" {
  source = "git::https://example.com/your-org/serverless-event-modules.git//modules/crud_api?ref=v0.1.0"
  name   = "orders"
  table  = module.table.table_arn # or its name
}

module "workflow" {
  source     = "git::https://example.com/your-org/serverless-event-modules.git//modules/state_machine?ref=v0.1.0"
  name       = "orders-paid"
  definition = jsonencode({ StartAt = "Done", States = { Done = { Type = "Succeed" } } })
}

module "trigger" {
  source     = "git::https://example.com/your-org/serverless-event-modules.git//modules/stream_trigger?ref=v0.1.0"
  name       = "orders-trigger"
  stream_arn = module.table.stream_arn
  package    = local.packages.stream_trigger
  workflows  = { paid = { state_machine_arn = module.workflow.state_machine_arn, event_names = ["MODIFY"] } }
  function   = { memory_size = 512, log_level = "DEBUG" } # modules/lambda_function's settings object
}

module "bus" {
  source = "git::https://example.com/your-org/serverless-event-modules.git//modules/event_bus?ref=v0.1.0"
  name   = "orders-bus"
}

module "fanout" {
  source        = "git::https://example.com/your-org/serverless-event-modules.git//modules/stream_fanout?ref=v0.1.0"
  name          = "orders-fanout"
  stream_arn    = module.table.stream_arn
  event_bus_arn = module.bus.event_bus_arn
  claim_check   = { bucket_arn = module.bus.claim_check_bucket_arn }
  package       = local.packages.stream_fanout
}

module "consumer" {
  source    = "git::https://example.com/your-org/serverless-event-modules.git//modules/lambda_function?ref=v0.1.0"
  name      = "orders-consumer"
  package   = local.packages.event_consumer
  handler   = "event_consumer.handler.handler"
  async_dlq = true
}

module "alarms" {
  source    = "git::https://example.com/your-org/serverless-event-modules.git//modules/alarms?ref=v0.1.0"
  name      = "orders"
  dlq_names = { fanout = module.fanout.function.dlq_name, trigger = module.trigger.function.dlq_name }
}

module "imports" { # S3 imports written as the API writes items, scheduled exports, notifications
  source        = "git::https://example.com/your-org/serverless-event-modules.git//modules/pipeline?ref=v0.1.0"
  name          = "orders"
  table         = { name = module.table.table_name, arn = module.table.table_arn }
  item_contract = module.api.item_contract
  packages      = local.packages
}

module "archive_bucket" { # a private, encrypted, TLS-only bucket of your own
  source          = "git::https://example.com/your-org/serverless-event-modules.git//modules/s3_bucket?ref=v0.1.0"
  name_prefix     = "orders-archive"
  versioning      = true
  lifecycle_rules = { archive = { expiration_days = 365 } }
}

module "api_gateway_logging" { # once per account and region (envs/bootstrap does it for the stack)
  source = "git::https://example.com/your-org/serverless-event-modules.git//modules/api_gateway_account?ref=v0.1.0"
}

# A rule of your own on the module's bus, delivering to a queue of your own.
resource "aws_cloudwatch_event_rule" "shipped" {
  name           = "orders-shipped"
  event_bus_name = module.bus.event_bus_name
  event_pattern  = jsonencode({ source = ["app.items"], "detail-type" = ["item.updated"] })
}

module "shipping_queues" { # encrypted, TLS-only; its DLQ after 5 receives; the rule may send to it
  source = "git::https://example.com/your-org/serverless-event-modules.git//modules/sqs_queue?ref=v0.1.0"
  queues = {
    shipped = {
      name            = "orders-shipped"
      dlq             = { max_receive_count = 5 }
      service_senders = [{ service = "events.amazonaws.com", source_arn = aws_cloudwatch_event_rule.shipped.arn }]
    }
  }
}

resource "aws_cloudwatch_event_target" "shipped" {
  rule           = aws_cloudwatch_event_rule.shipped.name
  event_bus_name = module.bus.event_bus_name
  arn            = module.shipping_queues.queues["shipped"].arn
}

# The same rule also starts the workflow, with a role EventBridge may assume for this rule only.
data "aws_caller_identity" "current" {}

module "rule_roles" {
  source = "git::https://example.com/your-org/serverless-event-modules.git//modules/iam_role?ref=v0.1.0"
  roles = {
    shipped = {
      name           = "orders-shipped-workflow"
      service        = "events.amazonaws.com"
      source_account = data.aws_caller_identity.current.account_id
      source_arn     = aws_cloudwatch_event_rule.shipped.arn
      policy_name    = "start-workflow"
      statements     = [{ sid = "StartTheWorkflow", actions = ["states:StartExecution"], resources = [module.workflow.state_machine_arn] }]
    }
  }
}

resource "aws_cloudwatch_event_target" "shipped_workflow" {
  rule           = aws_cloudwatch_event_rule.shipped.name
  event_bus_name = module.bus.event_bus_name
  arn            = module.workflow.state_machine_arn
  role_arn       = module.rule_roles.roles["shipped"].arn
}

module "live" { # clients subscribe to orders over a WebSocket (IAM-signed connects, as the API above)
  source                  = "git::https://example.com/your-org/serverless-event-modules.git//modules/live_updates?ref=v0.1.0"
  name                    = "orders"
  package                 = local.packages.live_updates
  items_table_arn         = module.table.table_arn
  authorization           = { type = "AWS_IAM" }
  claim_check_objects_arn = module.bus.claim_check_objects_arn
}

# Every item change on the bus goes to the live-updates broadcaster.
resource "aws_cloudwatch_event_rule" "live" {
  name           = "orders-live"
  event_bus_name = module.bus.event_bus_name
  event_pattern  = jsonencode({ source = ["app.items"], "detail-type" = ["item.created", "item.updated", "item.deleted"] })
}

resource "aws_cloudwatch_event_target" "live" {
  rule           = aws_cloudwatch_event_rule.live.name
  event_bus_name = module.bus.event_bus_name
  arn            = module.live.broadcaster_function.function_arn
}

resource "aws_lambda_permission" "live" {
  action        = "lambda:InvokeFunction"
  function_name = module.live.broadcaster_function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.live.arn
}

module "system" {
  source          = "git::https://example.com/your-org/serverless-event-modules.git//modules/stack?ref=v0.1.0"
  name            = "orders-sys"
  lambda_packages = local.packages
}
