# local: LocalStack (see envs/README.md), as cheap as dev.
environment = "local"

settings = {
  deletion_protection    = false
  point_in_time_recovery = false
  log_retention_in_days  = 1
  archive_retention_days = 0
  alarms_enabled         = false
  xray_tracing           = false
  # LocalStack has no public SSM parameters to resolve the layer from: name it. This is the public layer of
  # aws-lambda-powertools 3.23.0 (version 27), which LocalStack Pro fetches from AWS.
  powertools_layer_arn = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"
}
