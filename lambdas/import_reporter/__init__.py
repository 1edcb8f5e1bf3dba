"""S3 import, step 3: the report and the notification from the chunks' results."""
