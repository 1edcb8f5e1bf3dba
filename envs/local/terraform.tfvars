# local: LocalStack (see envs/README.md), as cheap as dev.
environment = "local"
region      = "us-east-1" # LocalStack's default region

settings = {
  table   = { deletion_protection = false, point_in_time_recovery = false }
  logs    = { retention_in_days = 1 }
  events  = { archive_retention_days = 1 } # a day of the bus's events, so make replay works locally
  alarms  = { enabled = false }
  tracing = false
  # LocalStack's free image can neither resolve the public SSM parameter nor fetch a layer of another account:
  # `make apply ENV=local` builds the packages with powertools inside (build_lambdas.py --bundle-powertools).
  functions = { powertools_bundled = true }
  # The local runtime does not run schedules: make fire SCHEDULE=... runs one now (README, "The pipeline").
  pipeline = { export_schedule = { enabled = false } }
}
