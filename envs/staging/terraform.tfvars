# staging: production's shape (alarms, tracing, PITR) with shorter retention and no deletion protection.
environment = "staging"

settings = {
  table  = { deletion_protection = false }
  logs   = { retention_in_days = 30 }
  events = { archive_retention_days = 7 }
  alarms = { dashboard = false }
}
