"""Stream records as Lambda delivers them, read back from moto's DynamoDB Streams after real writes."""

from __future__ import annotations

import base64
import importlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

import boto3

from tests.conftest import REGION


def _lambda_json(value: Any) -> Any:
    # Lambda serialises the stream record to JSON: timestamps as epoch seconds, binary as base64 text.
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(type(value).__name__)


def read_stream_batch(table_name: str) -> dict[str, Any]:
    """Every record of the table's stream so far, in order, as one Lambda event ({"Records": [...]})."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    stream_arn = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]:
            records.append({**json.loads(json.dumps(record, default=_lambda_json)), "eventSourceARN": stream_arn})
    return {"Records": records}


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    timeout_seconds: float = 60.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(module_name: str) -> ModuleType:
    """(Re)imports a handler module so it reads the environment again, as a cold start does."""
    return importlib.reload(importlib.import_module(module_name))


def wait_for_executions(state_machine_arn: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Every execution of the state machine, once none is RUNNING (oldest first)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    deadline = time.monotonic() + timeout
    while True:
        listed = sfn.list_executions(stateMachineArn=state_machine_arn)["executions"]
        if all(e["status"] != "RUNNING" for e in listed) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    described = [sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]
    return sorted(described, key=lambda e: e["startDate"])


def drain_queue(queue_url: str) -> list[Any]:
    """Every message body on the queue (JSON-decoded), deleting as it goes."""
    sqs = boto3.client("sqs", region_name=REGION)
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies
