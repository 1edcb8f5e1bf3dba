"""DynamoDB stream -> filtered changes -> one Step Functions execution per matching change."""
