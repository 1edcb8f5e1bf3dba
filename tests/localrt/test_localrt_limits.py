"""The local runtime counts payload limits as AWS does (scripts/localrt/limits.py), where moto does not."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts.localrt import limits, stepfunctions
from tests.conftest import create_state_machine


@pytest.fixture
def strict_aws(aws: None) -> None:
    limits.install()
    stepfunctions.show_execution_ends_whole()  # run_execution reads the output once the status says SUCCEEDED


def run_execution(arn: str, payload: object) -> Any:
    sfn = boto3.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, name=f"e{time.monotonic_ns()}", input=json.dumps(payload))
    while (described := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] == "RUNNING":
        time.sleep(0.02)
    return described


def test_state_payloads_are_counted_in_utf8_bytes(strict_aws: None) -> None:
    doubled = create_state_machine(
        "doubles",
        {
            "StartAt": "Copy",
            "States": {"Copy": {"Type": "Pass", "Parameters": {"a.$": "$.text", "b.$": "$.text"}, "End": True}},
        },
    )
    # 100,000 x 'é' is 200,000 bytes of UTF-8 (600,000 as moto measured it, with \u00e9 escapes): accepted.
    fits = run_execution(doubled, {"text": "é" * 50_000})
    assert fits["status"] == "SUCCEEDED"
    assert len(json.loads(str(fits["output"]))["a"]) == 50_000
    # Doubled, 140,000 x 'é' is 280,000 bytes: over 256 KiB, the state fails as on AWS.
    over = run_execution(doubled, {"text": "é" * 70_000})
    assert (over["status"], over.get("error")) == ("FAILED", "States.DataLimitExceeded")


def test_sqs_counts_bytes_against_the_queues_maximum(strict_aws: None) -> None:
    sqs = boto3.client("sqs")
    default = sqs.create_queue(QueueName="default")["QueueUrl"]
    sqs.send_message(QueueUrl=default, MessageBody="é" * 500_000)  # 1,000,000 bytes: under 1 MiB
    with pytest.raises(ClientError) as refused:
        sqs.send_message(QueueUrl=default, MessageBody="é" * 600_000)  # 1,200,000 bytes
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    small = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    with pytest.raises(ClientError):
        sqs.send_message(QueueUrl=small, MessageBody="é" * 600)  # 600 characters, 1,200 bytes
    with pytest.raises(ClientError):  # the attribute counts too
        sqs.send_message(
            QueueUrl=small,
            MessageBody="x" * 1000,
            MessageAttributes={"note": {"DataType": "String", "StringValue": "y" * 100}},
        )


def test_put_events_counts_the_entries_size_as_eventbridge_documents(strict_aws: None) -> None:
    events = boto3.client("events")
    detail = json.dumps({"text": "é" * 300_000}, ensure_ascii=False)
    large: Any = {"Source": "app.items", "DetailType": "item.created", "Detail": detail}
    assert events.put_events(Entries=[large])["FailedEntryCount"] == 0  # ~600 KB: one fits
    with pytest.raises(ClientError) as refused:
        events.put_events(Entries=[large, large])  # ~1.2 MB in one request
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == "Total size of the entries in the request is over the limit."
