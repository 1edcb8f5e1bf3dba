# The built zips make plan|apply pass (build/lambdas/manifest.json), as every environment's tests read them.
lambda_packages = {
  stream_trigger  = { path = "../../build/lambdas/stream_trigger.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  stream_fanout   = { path = "../../build/lambdas/stream_fanout.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  event_consumer  = { path = "../../build/lambdas/event_consumer.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  import_planner  = { path = "../../build/lambdas/import_planner.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  import_worker   = { path = "../../build/lambdas/import_worker.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  import_reporter = { path = "../../build/lambdas/import_reporter.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  table_exporter  = { path = "../../build/lambdas/table_exporter.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  live_updates    = { path = "../../build/lambdas/live_updates.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
}
