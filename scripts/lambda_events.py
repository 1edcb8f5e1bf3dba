"""What the Lambda service gives a handler, for running our handlers outside AWS (the local runtime, the bench
and the functions' unit tests, which therefore need nothing of the runtime): a context object, stream and SQS
records in the shape Lambda delivers them, and the record of a failed asynchronous invocation."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class LambdaContext:
    function_name: str = "local-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:local-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_seconds: float = 60.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _lambda_json(value: Any) -> Any:
    # Lambda serialises stream records to JSON: timestamps as epoch seconds, binary as base64 text.
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(type(value).__name__)


def stream_record(sdk_record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A record from DynamoDB Streams' GetRecords (boto3 types) as Lambda delivers it to a function."""
    return {**json.loads(json.dumps(sdk_record, default=_lambda_json)), "eventSourceARN": stream_arn}


def async_failure_record(function_arn: str, event: Any, error: BaseException, attempts: int) -> dict[str, Any]:
    """The message Lambda sends to an on-failure destination after the retries of an asynchronous invocation."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function_arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": type(error).__name__, "errorMessage": str(error)},
    }


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A message from SQS's ReceiveMessage as Lambda's SQS event source mapping delivers it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "dataType": value.get("DataType"),
                "stringListValues": [],
                "binaryListValues": [],
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def stream_failure_record(
    function_arn: str, stream_arn: str, records: list[dict[str, Any]], condition: str, shard_id: str | None = None
) -> dict[str, Any]:
    """The message a stream mapping sends to its on-failure destination when it gives up on a batch: which
    records (the stream's sequence numbers), not the records themselves (Lambda Developer Guide, "Retaining
    discarded records for a DynamoDB event source")."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    return {
        "requestContext": {"functionArn": function_arn, "condition": condition},
        "timestamp": datetime.now(UTC).isoformat(),
        "DDBStreamBatchInfo": {
            **({"shardId": shard_id} if shard_id else {}),
            "streamArn": stream_arn,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "batchSize": len(records),
        },
    }
