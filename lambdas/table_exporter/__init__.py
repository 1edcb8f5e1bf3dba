"""Scheduled export: every item of the table as JSON lines into the results bucket, then a notification."""
