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
