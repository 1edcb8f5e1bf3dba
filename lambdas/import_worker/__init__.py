"""S3 import, step 2: writes one chunk of lines as items, exactly as the API stores them, and answers the orchestrator."""
