"""DynamoDB stream -> EventBridge custom bus, with retries of failed entries and an SQS dead-letter queue."""
