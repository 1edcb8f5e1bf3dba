output "table_name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the table (its indexes are \"<table_arn>/index/*\")."
  value       = aws_dynamodb_table.this.arn
}

output "stream_arn" {
  description = "ARN of the table's stream (null when the stream is off). A shard serves at most two concurrent readers."
  value       = var.stream_view_type == null ? null : aws_dynamodb_table.this.stream_arn
}

output "hash_key" {
  description = "Partition key attribute name."
  value       = aws_dynamodb_table.this.hash_key
}

output "global_secondary_indexes" {
  description = "The table's global secondary indexes by name: {hash_key, range_key, projection_type, non_key_attributes} (for callers that query them and grant dynamodb:Query on <table_arn>/index/<name>)."
  value = { for index in aws_dynamodb_table.this.global_secondary_index : index.name => {
    hash_key           = index.hash_key
    range_key          = index.range_key
    projection_type    = index.projection_type
    non_key_attributes = index.non_key_attributes
  } }
}

output "kms_key_arn" {
  description = "The customer managed key encrypting the table, or null (DynamoDB's AWS owned key)."
  value       = var.kms_key_arn
}
