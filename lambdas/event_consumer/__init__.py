"""An example EventBridge consumer: logs each item event and counts it as a CloudWatch metric."""
