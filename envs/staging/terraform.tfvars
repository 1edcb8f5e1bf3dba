# staging: production's shape (alarms, tracing, PITR) with shorter retention and no deletion protection.
environment = "staging"

settings = {
  deletion_protection    = false
  log_retention_in_days  = 30
  archive_retention_days = 7
  dashboard              = false
}
