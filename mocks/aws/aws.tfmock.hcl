# Valid-looking computed values for every module of this repository under terraform test's mock_provider
# (the modules validate ARN shapes, which a plain mock's random strings do not have). Published for
# consumers: `mock_provider "aws" { source = "./.terraform/modules/<module call>/mocks/aws" }` (README,
# "Reusing a module"); also used by modules/stack's tests, every envs/<env>/tests and the local runtime's
# evaluation. A stable path: it moves only with a major version.

mock_data "aws_region" {
  defaults = { name = "eu-west-1", region = "eu-west-1" }
}

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws" }
}

mock_data "aws_ssm_parameter" {
  defaults = { value = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:30" }
}

mock_data "aws_dynamodb_table" {
  defaults = { hash_key = "id", range_key = null, attribute = [{ name = "id", type = "S" }] }
}

mock_resource "aws_dynamodb_table" {
  defaults = {
    arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/items"
    stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/items/stream/2026-01-01T00:00:00.000"
  }
}

mock_resource "aws_sfn_state_machine" {
  defaults = { arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:items" }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:items-queue"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/items-queue"
  }
}

mock_resource "aws_lambda_function" {
  defaults = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:items-function" }
}

mock_resource "aws_cloudwatch_event_bus" {
  defaults = { arn = "arn:aws:events:eu-west-1:123456789012:event-bus/items-bus" }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = { arn = "arn:aws:events:eu-west-1:123456789012:rule/items-bus/items-rule" }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:items" }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/items-role" }
}

mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:items-alarms" }
}

mock_resource "aws_apigatewayv2_api" {
  defaults = { api_endpoint = "wss://abc123.execute-api.eu-west-1.amazonaws.com" } # the library's only v2 API: WebSocket
}

mock_resource "aws_api_gateway_stage" {
  defaults = { invoke_url = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/" }
}

mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::items-claims-test", id = "items-claims-test", bucket = "items-claims-test" }
}

mock_resource "aws_cognito_user_pool" {
  defaults = {
    id       = "eu-west-1_Mock00001"
    arn      = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Mock00001"
    endpoint = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Mock00001"
  }
}

mock_resource "aws_cognito_user_pool_client" {
  defaults = { id = "mock0client0id00000000000a" }
}
