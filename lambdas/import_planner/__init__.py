"""S3 import, step 1: checks an uploaded object and splits it into chunks of lines for the workers."""
