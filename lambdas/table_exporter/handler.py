"""The scheduled export (an EventBridge Scheduler schedule invokes it with {"scheduledTime": "<ISO time>"}):
`exports/<date>.jsonl` in the results bucket, then a notification on the pipeline's topic.

Environment (set by modules/pipeline):
  TABLE_NAME, RESULTS_BUCKET, EXPORTS_PREFIX, NOTIFICATIONS_TOPIC_ARN
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from common import aws_clients
from table_exporter.export import export

logger = Logger()


@cache
def client(service: str) -> Any:
    return aws_clients.client(service)


def export_key(event: dict[str, Any]) -> str:
    scheduled = str(event.get("scheduledTime") or datetime.now(UTC).isoformat())
    return f"{os.environ.get('EXPORTS_PREFIX', 'exports/')}{scheduled[:10]}.jsonl"


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bucket, key = os.environ["RESULTS_BUCKET"], export_key(event)
    count = export(client("dynamodb"), client("s3"), os.environ["TABLE_NAME"], bucket, key)
    message = {"kind": "export", "status": "SUCCEEDED", "export": f"s3://{bucket}/{key}", "items": count}
    client("sns").publish(
        TopicArn=os.environ["NOTIFICATIONS_TOPIC_ARN"],
        Message=json.dumps(message),
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "export"}},
    )
    logger.info("table exported", extra=message)
    return message
