"""Pieces of the local runtime that the end-to-end suite does not reach on its own."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from scripts.localrt.ports import PortInUse, ensure_free
from scripts.localrt.worker import matches_filters
from tests.conftest import create_table
from tests.unit.streams import read_stream_batch


def test_mapping_filters_deliver_only_matching_records(aws: None) -> None:
    table: Any = create_table("orders")
    table.put_item(Item={"id": "o-1", "status": "PENDING"})
    table.put_item(Item={"id": "o-1", "status": "PAID"})
    table.delete_item(Key={"id": "o-1"})
    inserted, modified, removed = read_stream_batch("orders")["Records"]
    paid = json.dumps({"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"status": {"S": ["PAID"]}}}})
    removals = json.dumps({"eventName": ["REMOVE"]})

    assert [matches_filters(r, [paid]) for r in (inserted, modified, removed)] == [False, True, False]
    assert [matches_filters(r, [paid, removals]) for r in (inserted, modified, removed)] == [False, True, True]
    assert all(matches_filters(r, []) for r in (inserted, modified, removed)), "no filter: every record"


def test_a_taken_port_is_refused_in_one_sentence() -> None:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(PortInUse, match=f"^port {port} \\(the API\\) is in use"):
            ensure_free(port, "the API")


class ScriptedFunction:
    """Stands in for a worker's Function: answers each invocation with the next scripted outcome."""

    def __init__(self, *outcomes: Any):
        self.outcomes = list(outcomes)
        self.batches: list[list[str]] = []
        self.spec = {"arn": "arn:aws:lambda:eu-west-1:123456789012:function:f"}
        self.name = "f"

    def invoke(self, event: dict[str, Any]) -> Any:
        self.batches.append([r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]])
        outcome = self.outcomes.pop(0) if self.outcomes else {"batchItemFailures": []}
        if isinstance(outcome, Exception):
            raise outcome
        if callable(outcome):
            return outcome(event)
        return outcome


def poller_for(function: ScriptedFunction, **source: Any) -> Any:
    import boto3

    from scripts.localrt.worker import StreamPoller, open_shards
    from tests.conftest import REGION

    stream_arn = boto3.client("dynamodb", region_name=REGION).describe_table(TableName="orders")["Table"][
        "LatestStreamArn"
    ]
    sqs = boto3.client("sqs", region_name=REGION)
    settings = {
        "stream_arn": stream_arn,
        "starting_position": "TRIM_HORIZON",
        "batch_size": 10,
        "maximum_retry_attempts": 2,
    }
    settings.update(source)
    iterators: dict[str, str | None] = {}
    open_shards(settings, boto3.client("dynamodbstreams", region_name=REGION), iterators)
    return StreamPoller(
        function, settings, boto3.client("dynamodbstreams", region_name=REGION), sqs, iterators, sleep=lambda _: None
    )


def test_a_reported_failure_is_retried_from_that_record(aws: None) -> None:
    table: Any = create_table("orders")
    for key in ("a", "b", "c"):
        table.put_item(Item={"id": key})

    def fail_b(event: dict[str, Any]) -> dict[str, Any]:
        failed = [r for r in event["Records"] if r["dynamodb"]["Keys"]["id"]["S"] == "b"]
        return {"batchItemFailures": [{"itemIdentifier": failed[0]["dynamodb"]["SequenceNumber"]}]}

    function = ScriptedFunction(fail_b)
    poller = poller_for(function)
    while poller.step():
        pass

    assert function.batches == [["a", "b", "c"], ["b", "c"]]


def test_a_record_failing_past_its_retries_goes_to_the_on_failure_queue(aws: None) -> None:
    import boto3

    from tests.conftest import REGION
    from tests.unit.streams import drain_queue

    table: Any = create_table("orders")
    table.put_item(Item={"id": "poison"})
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="stream-failures")["QueueUrl"]
    function = ScriptedFunction(RuntimeError("boom"), RuntimeError("boom"), RuntimeError("boom"))
    poller = poller_for(function, on_failure_queue_url=queue)
    while poller.step():
        pass

    assert function.batches == [["poison"]] * 3, "the invocation and its 2 retries"
    [failure] = drain_queue(queue)
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1


def test_make_local_refuses_a_taken_port_with_one_line_and_exit_2() -> None:
    import os
    import socket
    import subprocess
    import sys

    from scripts.localrt.runtime import ROOT

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "scripts.localrt", "--aws-port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"make local: port {port} (AWS APIs) is in use by pid {os.getpid()} (python): stop it or choose another port "
        "(make local AWS_PORT=... API_PORT=... LIVE_PORT=...)."
    ]


class AsyncFunction:
    """Stands in for a worker's Function on asynchronous invocations: fails the first `failures` calls."""

    name = "f"

    def __init__(self, failures: int):
        self.spec = {"arn": "arn:aws:lambda:eu-west-1:123456789012:function:f"}
        self.failures = failures
        self.calls: list[Any] = []

    def invoke(self, event: Any) -> None:
        self.calls.append(event)
        if len(self.calls) <= self.failures:
            raise RuntimeError(f"failure {len(self.calls)}")


def test_an_async_event_failing_three_times_goes_to_the_on_failure_queue(aws: None) -> None:
    import boto3

    from scripts.localrt.worker import invoke_async
    from tests.conftest import REGION
    from tests.unit.streams import drain_queue

    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="async-failures")["QueueUrl"]
    event = {"detail-type": "item.updated", "detail": {"keys": {"id": "o-1"}}}
    function = AsyncFunction(failures=3)

    invoke_async(function, event, {"on_failure_queue_url": queue}, sqs)  # type: ignore[arg-type]

    assert function.calls == [event] * 3, "the invocation and Lambda's 2 retries"
    [failure] = drain_queue(queue)
    assert failure["requestPayload"] == event
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["responsePayload"] == {"errorType": "RuntimeError", "errorMessage": "failure 3"}


def test_an_async_event_that_succeeds_on_retry_is_not_dead_lettered(aws: None) -> None:
    import boto3

    from scripts.localrt.worker import invoke_async
    from tests.conftest import REGION
    from tests.unit.streams import drain_queue

    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="async-failures")["QueueUrl"]
    function = AsyncFunction(failures=1)

    invoke_async(function, {"id": 1}, {"on_failure_queue_url": queue}, sqs)  # type: ignore[arg-type]

    assert len(function.calls) == 2
    assert drain_queue(queue) == []


def restartable_poller(function: ScriptedFunction, checkpoint: Any, **source: Any) -> Any:
    """A poller as a (re)started worker builds it: positioned by its checkpoint file."""
    import boto3

    from scripts.localrt.worker import Checkpoints, StreamPoller, open_shards
    from tests.conftest import REGION

    streams = boto3.client("dynamodbstreams", region_name=REGION)
    stream_arn = boto3.client("dynamodb", region_name=REGION).describe_table(TableName="orders")["Table"][
        "LatestStreamArn"
    ]
    settings = {"stream_arn": stream_arn, "starting_position": "LATEST", "batch_size": 2, "maximum_retry_attempts": 2}
    settings.update(source)
    checkpoints, iterators = Checkpoints(str(checkpoint)), {}
    open_shards(settings, streams, iterators, checkpoints)
    sqs = boto3.client("sqs", region_name=REGION)
    return StreamPoller(function, settings, streams, sqs, iterators, sleep=lambda _: None, checkpoints=checkpoints)


def test_a_restarted_worker_resumes_after_the_last_settled_record(aws: None, tmp_path: Any) -> None:
    """A worker killed with records read but not delivered loses none of them (Lambda's mapping keeps its
    position; the local worker keeps it in a checkpoint file)."""
    table: Any = create_table("orders")
    checkpoint = tmp_path / "fanout-0.json"
    first = ScriptedFunction()
    poller = restartable_poller(first, checkpoint)
    for key in ("a", "b", "c", "d"):
        table.put_item(Item={"id": key})
    assert poller.step()  # delivers a, b; c and d may be read too, then the worker dies
    poller.read()
    assert [r["dynamodb"]["Keys"]["id"]["S"] for _, r in poller.pending] == ["c", "d"], "read, not settled"
    table.put_item(Item={"id": "e"})  # written while the worker is down

    second = ScriptedFunction()
    restarted = restartable_poller(second, checkpoint)
    while restarted.step():
        pass
    assert first.batches == [["a", "b"]]
    assert second.batches == [["c", "d"], ["e"]]


def test_a_worker_restarted_before_settling_anything_rereads_what_came_after_it_started(
    aws: None, tmp_path: Any
) -> None:
    import time

    table: Any = create_table("orders")
    table.put_item(Item={"id": "before"})  # older than the mapping: LATEST never delivers it
    time.sleep(1.1)  # stream timestamps have one-second precision
    checkpoint = tmp_path / "fanout-0.json"
    restartable_poller(ScriptedFunction(), checkpoint)  # started, then killed before any delivery
    table.put_item(Item={"id": "while-down"})

    function = ScriptedFunction()
    restarted = restartable_poller(function, checkpoint)
    while restarted.step():
        pass
    assert function.batches == [["while-down"]]


def test_a_poison_record_is_bisected_out_and_every_other_record_processed(aws: None) -> None:
    """bisect_batch_on_function_error: a raising batch is split until the poison record is alone; it goes to
    the destination after the configured retries, the other seven are processed."""
    import boto3

    from tests.conftest import REGION
    from tests.unit.streams import drain_queue

    table: Any = create_table("orders")
    for key in "abcdefgh":
        table.put_item(Item={"id": key})
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="stream-failures")["QueueUrl"]
    processed: list[str] = []

    def raise_on_e(event: dict[str, Any]) -> dict[str, Any]:
        keys = [r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]]
        if "e" in keys:
            raise RuntimeError("poison")
        processed.extend(keys)
        return {"batchItemFailures": []}

    function = ScriptedFunction(*[raise_on_e] * 20)
    poller = poller_for(function, on_failure_queue_url=queue, bisect_batch_on_function_error=True)
    while poller.step():
        pass

    assert sorted(processed) == list("abcdfgh")
    assert function.batches.count(["e"]) == 3, "alone, the invocation and its 2 retries"
    [failure] = drain_queue(queue)
    assert (failure["requestContext"]["condition"], failure["DDBStreamBatchInfo"]["batchSize"]) == (
        "RetryAttemptsExhausted",
        1,
    )


def test_the_batching_window_waits_for_a_full_batch(aws: None) -> None:
    table: Any = create_table("orders")
    table.put_item(Item={"id": "first"})
    now = [1_000_000.0]
    function = ScriptedFunction()
    poller = poller_for(function, batch_size=2, maximum_batching_window_in_seconds=5)
    poller.clock = lambda: now[0]
    assert not poller.step(), "one record of two, the window open: nothing yet"
    now[0] += 5
    assert poller.step()
    assert function.batches == [["first"]], "the window closed: the partial batch goes"


def test_a_record_older_than_the_maximum_age_goes_to_the_destination_unprocessed(aws: None) -> None:
    import boto3

    from tests.conftest import REGION
    from tests.unit.streams import drain_queue

    table: Any = create_table("orders")
    table.put_item(Item={"id": "stale"})
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="stream-failures")["QueueUrl"]
    function = ScriptedFunction()
    poller = poller_for(function, on_failure_queue_url=queue, maximum_record_age_in_seconds=60)
    poller.clock = lambda: time.time() + 3600  # an hour later
    while poller.step():
        pass
    assert function.batches == []
    [failure] = drain_queue(queue)
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
