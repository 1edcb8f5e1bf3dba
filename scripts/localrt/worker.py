"""One Lambda function of the local runtime, in its own process: `python -m scripts.localrt.worker SPEC.json`.

A process per function gives each handler its own environment and cold start, as Lambda does. The worker
unpacks the function's built zip (the bytes Terraform would deploy) into a task folder, as Lambda does into
/var/task (extension modules such as orjson's cannot be imported from inside a zip), imports the handler from
there, and plays the part of Lambda's pollers for the function's event sources:

- a DynamoDB stream (event source mapping): batches of up to `batch_size` records in shard order, gathered
  for up to `maximum_batching_window_in_seconds`; a reported or raised failure retries the batch from the
  first failed record, up to `maximum_retry_attempts` times, then sends Lambda's failure metadata to the
  on-failure queue and moves on. With `bisect_batch_on_function_error`, a batch whose invocation raised is
  split in two and retried half by half (a split is not a retry), so one poison record ends alone in the
  destination and the others are processed. A record older than `maximum_record_age_in_seconds` is sent to
  the destination unprocessed. Batches of a shard run one at a time (a `parallelization_factor` above 1
  would run several, keeping order per key: here order is kept for the whole shard). What is done
  is checkpointed per shard in a file, so a worker that dies (and is restarted by the runtime) resumes after
  the last record it settled, as a mapping does: nothing read but not settled is lost;
- an SQS queue (event source mapping): long polls with the execution role's credentials, batches of up to
  `batch_size` messages; what succeeded (everything but the reported `batchItemFailures`, nothing when the
  handler raised) is deleted, the rest becomes visible again after the queue's visibility timeout, and SQS
  (moto applies the queue's redrive policy) moves a message to its DLQ after maxReceiveCount receives.
  Invocations run one at a time (a mapping's `maximum_concurrency` is not emulated);
- asynchronous invocations (EventBridge rule targets, schedules and `Invoke` with InvocationType Event,
  delivered to a queue the runtime puts in between): each event is retried twice, then sent to the
  on-failure destination if the function has one;
- synchronous invocations on a local port (`invoke_port`): API Gateway's Lambda authorizers, Step Functions'
  Lambda tasks and any `Invoke` (the runtime routes moto's Lambda Invoke there).

A mapping's filter criteria are applied as Lambda applies them: a record matching none of the patterns
(EventBridge pattern syntax, evaluated by moto's matcher) is skipped and never delivered.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import shutil
import sys
import threading
import time
import traceback
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3

from scripts.lambda_events import (
    LambdaContext,
    async_failure_record,
    sqs_record,
    stream_failure_record,
    stream_record,
)

# Lambda polls each shard of a DynamoDB stream at a base rate of four times a second (Lambda developer guide,
# "Using AWS Lambda with Amazon DynamoDB", section "Polling and batching streams").
POLL_SECONDS = 0.25
SHARD_DISCOVERY_SECONDS = 5.0  # new shards (a split) are looked for this often, not on every poll
# After 10 s without records a quiet shard is polled once a second (each poll is a signed request moto checks:
# at 4 a second per shard the idle system used ~8% of a core, make bench); the first change after a quiet
# spell may then wait up to 0.75 s longer than on AWS.
QUIET_AFTER_POLLS = 40
QUIET_POLL_SECONDS = 1.0


def log(name: str, message: str, **fields: Any) -> None:
    print(json.dumps({"localrt": name, "message": message, **fields}, default=str), flush=True)


class Function:
    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.name = spec["name"]
        task_root = spec["task_root"]
        shutil.rmtree(task_root, ignore_errors=True)  # a fresh environment on every start, as a cold start
        with zipfile.ZipFile(spec["zip_path"]) as archive:
            archive.extractall(task_root)
        os.environ["LAMBDA_TASK_ROOT"] = task_root
        sys.path.insert(0, task_root)
        module_name, attribute = spec["handler"].rsplit(".", 1)
        self.handler = getattr(importlib.import_module(module_name), attribute)
        self.lock = threading.Lock()  # one invocation at a time per source, like a shard or a small concurrency

    def invoke(self, event: Any) -> Any:
        context = LambdaContext(
            function_name=self.name,
            invoked_function_arn=self.spec["arn"],
            memory_limit_in_mb=self.spec.get("memory_size", 256),
            timeout_seconds=self.spec.get("timeout", 60),
        )
        with self.lock:
            return self.handler(event, context)


def clients(spec: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The stream and destination clients, with the execution role's session as Lambda's event source mappings
    use it (the container credentials in the environment), and a client for the queue that stands in for
    Lambda's internal asynchronous-invocation queue, with the runtime's own identity. One session: a second
    would load botocore's models again (0.06 s of each worker's start)."""
    session = boto3.session.Session(region_name=spec["region"])
    internal = session.client("sqs", **spec.get("service_credentials", {}))
    return session.client("dynamodbstreams"), session.client("sqs"), internal


@functools.cache
def _pattern(text: str) -> Any:
    from moto.events.models import EventPattern  # here, not at the top: moto's import costs a worker ~0.3 s, and
    # only a mapping with filter patterns needs it

    return EventPattern.load(text)


def matches_filters(record: dict[str, Any], patterns: list[str]) -> bool:
    """Whether an event source mapping with these filter patterns delivers the record (no patterns: all)."""
    return not patterns or any(_pattern(pattern).matches_event(record) for pattern in patterns)


class Checkpoints:
    """The mapping's position per shard (the last settled sequence number), kept in a file across restarts.

    `since` is when the mapping first started: a shard with nothing settled yet is reread from its start after
    a restart, skipping records older than that (with LATEST, what was written before the mapping existed)."""

    def __init__(self, path: str | None, clock: Any = time.time) -> None:
        self.path = Path(path) if path else None
        state = json.loads(self.path.read_text()) if self.path and self.path.exists() else {}
        self.restarted = bool(state)
        self.since: float = state.get("since", clock())
        self.shards: dict[str, str] = state.get("shards", {})
        self.rewound: set[str] = set()  # shards reread from their start on a restart: skip what predates `since`
        self._write()

    def settle(self, records: list[tuple[str, dict[str, Any]]]) -> None:
        for shard_id, record in records:
            self.shards[shard_id] = record["dynamodb"]["SequenceNumber"]
        self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"since": self.since, "shards": self.shards}))
        os.replace(temporary, self.path)  # atomic: a kill never leaves half a checkpoint


def open_shards(
    source: dict[str, Any], streams: Any, iterators: dict[str, str | None], checkpoints: Checkpoints | None = None
) -> None:
    """Adds an iterator for every shard not seen yet: after its checkpoint, else at the mapping's starting
    position (from the shard's start when restarting a mapping that had settled nothing there yet)."""
    stream_arn = source["stream_arn"]
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        shard_id = shard["ShardId"]
        if shard_id in iterators:
            continue
        position: dict[str, str] = {"ShardIteratorType": source["starting_position"]}
        if checkpoints is not None and shard_id in checkpoints.shards:
            position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": checkpoints.shards[shard_id]}
        elif checkpoints is not None and checkpoints.restarted and source["starting_position"] == "LATEST":
            position = {"ShardIteratorType": "TRIM_HORIZON"}
            checkpoints.rewound.add(shard_id)
        iterators[shard_id] = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id, **position)[
            "ShardIterator"
        ]


class StreamPoller:
    """Lambda's side of one stream mapping: read, filter, batch, invoke, checkpoint, retry, give up."""

    def __init__(
        self,
        function: Function,
        source: dict[str, Any],
        streams: Any,
        sqs: Any,
        iterators: dict[str, str | None],
        sleep: Any = time.sleep,
        checkpoints: Checkpoints | None = None,
        clock: Any = time.time,
    ):
        self.function, self.source, self.streams, self.sqs = function, source, streams, sqs
        self.iterators = iterators
        self.sleep, self.clock = sleep, clock
        self.checkpoints = checkpoints or Checkpoints(None)
        self.pending: list[tuple[str, dict[str, Any]]] = []  # (shard id, record), in shard order
        self.attempts = 0
        self.batch_limit = int(source["batch_size"])  # halved by bisection, back to batch_size after a success
        self.gathering_since: float | None = None  # when the batching window of the pending records opened
        self.discovered_at = float("-inf")  # when the stream's shards were last listed

    def read(self) -> None:
        if not self.iterators or self.clock() - self.discovered_at >= SHARD_DISCOVERY_SECONDS:
            open_shards(self.source, self.streams, self.iterators, self.checkpoints)
            self.discovered_at = self.clock()
        for shard_id, iterator in list(self.iterators.items()):
            if iterator is None:
                continue
            page = self.streams.get_records(ShardIterator=iterator, Limit=self.source["batch_size"])
            self.iterators[shard_id] = page.get("NextShardIterator")
            records = (stream_record(record, self.source["stream_arn"]) for record in page["Records"])
            self.pending.extend(
                (shard_id, r)
                for r in records
                if self._after_start(shard_id, r) and matches_filters(r, self.source.get("filter_patterns", []))
            )

    def _after_start(self, shard_id: str, record: dict[str, Any]) -> bool:
        """Whether a record of a shard reread from its start came after the mapping first started (with LATEST,
        the older ones were never the mapping's to deliver)."""
        if shard_id not in self.checkpoints.rewound:
            return True
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        return not isinstance(created, int | float) or created >= int(self.checkpoints.since)

    def _expire(self) -> None:
        """Records older than maximum_record_age_in_seconds go to the destination without being processed."""
        age = self.source.get("maximum_record_age_in_seconds", -1)
        if age is None or age < 0:
            return
        oldest_allowed = self.clock() - age
        expired = 0
        while expired < len(self.pending) and _created(self.pending[expired][1]) < oldest_allowed:
            expired += 1
        if expired:
            entries = self.pending[:expired]
            give_up(self.function, self.source, [r for _, r in entries], self.sqs, "RecordAgeExceeded", entries[0][0])
            self.checkpoints.settle(entries)
            del self.pending[:expired]

    def _gathering(self) -> bool:
        """Whether the mapping still waits for a full batch (its batching window is open)."""
        window = float(self.source.get("maximum_batching_window_in_seconds") or 0)
        if len(self.pending) >= self.source["batch_size"] or window <= 0:
            return False
        if self.gathering_since is None:
            self.gathering_since = self.clock()
        return bool(self.clock() - self.gathering_since < window)

    def step(self) -> bool:
        """One poll and at most one invocation; False when there was nothing to deliver (yet)."""
        if len(self.pending) < self.source["batch_size"]:
            self.read()
        self._expire()
        if not self.pending or self._gathering():
            return False
        self.gathering_since = None
        entries = self.pending[: self.batch_limit]
        batch = [record for _, record in entries]
        failed_from, raised = deliver_batch(self.function, batch)
        if failed_from is None:
            self.checkpoints.settle(entries)
            del self.pending[: len(batch)]
            self.attempts, self.batch_limit = 0, int(self.source["batch_size"])
            return True
        if raised and self.source.get("bisect_batch_on_function_error") and len(batch) > 1:
            self.batch_limit = len(batch) // 2  # split; the halves are retried without counting a retry
            log(self.function.name, "batch split after a function error", size=self.batch_limit)
            return True
        self.attempts += 1
        if 0 <= self.source["maximum_retry_attempts"] < self.attempts:
            give_up(self.function, self.source, batch[failed_from:], self.sqs, shard_id=entries[failed_from][0])
            self.checkpoints.settle(entries)
            del self.pending[: len(batch)]
            self.attempts, self.batch_limit = 0, int(self.source["batch_size"])
        else:
            # Lambda checkpoints what succeeded and retries from the first failure.
            self.checkpoints.settle(entries[:failed_from])
            del self.pending[:failed_from]
            self.sleep(min(2.0, 0.1 * 2**self.attempts))
        return True


def _created(record: dict[str, Any]) -> float:
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    return float(created) if isinstance(created, int | float) else float("inf")


def run_stream(
    function: Function,
    source: dict[str, Any],
    streams: Any,
    sqs: Any,
    iterators: dict[str, str | None],
    checkpoints: Checkpoints,
) -> None:
    poller = StreamPoller(function, source, streams, sqs, iterators, checkpoints=checkpoints)
    idle_polls = 0
    while True:
        if poller.step():
            idle_polls = 0
            continue
        idle_polls += 1
        time.sleep(POLL_SECONDS if idle_polls < QUIET_AFTER_POLLS else QUIET_POLL_SECONDS)


def deliver_batch(function: Function, batch: list[dict[str, Any]]) -> tuple[int | None, bool]:
    """Invokes the function: (None when the whole batch is done, else the index to retry from; whether the
    invocation raised, a function error, rather than reporting item failures)."""
    try:
        response = function.invoke({"Records": batch})
    except Exception as error:  # the handler raised: the whole batch failed
        log(function.name, "invocation failed", error=repr(error), trace=traceback.format_exc(limit=5))
        return 0, True
    failures = (response or {}).get("batchItemFailures") or []
    if not failures:
        return None, False
    sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
    failed = [sequence_numbers.index(f["itemIdentifier"]) for f in failures if f["itemIdentifier"] in sequence_numbers]
    log(function.name, "batch item failures", count=len(failures))
    return (min(failed) if failed else 0), False


def give_up(
    function: Function,
    source: dict[str, Any],
    records: list[dict[str, Any]],
    sqs: Any,
    condition: str = "RetryAttemptsExhausted",
    shard_id: str | None = None,
) -> None:
    log(function.name, "records dropped from the stream", condition=condition, count=len(records))
    if not source.get("on_failure_queue_url"):
        return
    record = stream_failure_record(function.spec["arn"], source["stream_arn"], records, condition, shard_id)
    sqs.send_message(QueueUrl=source["on_failure_queue_url"], MessageBody=json.dumps(record))


ASYNC_ATTEMPTS = 3  # the invocation and Lambda's 2 retries


def invoke_async(function: Function, event: Any, source: dict[str, Any], sqs: Any) -> None:
    """One asynchronous invocation with Lambda's retries; a still-failing event goes to the on-failure queue."""
    for attempt in range(1, ASYNC_ATTEMPTS + 1):
        try:
            function.invoke(event)
            return
        except Exception as error:
            log(function.name, "invocation failed", attempt=attempt, error=repr(error))
            last_error = error
    if source.get("on_failure_queue_url"):
        record = async_failure_record(function.spec["arn"], event, last_error, attempts=ASYNC_ATTEMPTS)
        sqs.send_message(QueueUrl=source["on_failure_queue_url"], MessageBody=json.dumps(record))


def run_async(function: Function, source: dict[str, Any], sqs: Any, invocations: Any) -> None:
    while True:
        # A long poll (SQS's longest): moto wakes it when an event arrives, and an idle wait costs nothing.
        messages = invocations.receive_message(QueueUrl=source["queue_url"], MaxNumberOfMessages=10, WaitTimeSeconds=20)
        for message in messages.get("Messages", []):
            invoke_async(function, json.loads(message["Body"]), source, sqs)
            invocations.delete_message(QueueUrl=source["queue_url"], ReceiptHandle=message["ReceiptHandle"])


def run_queue(function: Function, source: dict[str, Any], sqs: Any) -> None:
    """An SQS event source mapping (see the module's docstring)."""
    while True:
        received = sqs.receive_message(
            QueueUrl=source["queue_url"],
            MaxNumberOfMessages=min(10, int(source.get("batch_size") or 10)),
            WaitTimeSeconds=20,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = received.get("Messages", [])
        if not messages:
            continue
        records = [sqs_record(m, source["queue_arn"], function.spec["region"]) for m in messages]
        try:
            response = function.invoke({"Records": records})
            failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures") or []}
        except Exception as error:  # the handler raised: every message of the batch failed
            log(function.name, "invocation failed", error=repr(error), trace=traceback.format_exc(limit=5))
            failed = {m["MessageId"] for m in messages}
        if failed:
            log(function.name, "batch item failures", count=len(failed))
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=source["queue_url"], ReceiptHandle=message["ReceiptHandle"])


def supervise(name: str, target: Any, *args: Any) -> threading.Thread:
    def loop() -> None:
        while True:
            try:
                target(*args)
            except Exception as error:  # keep polling: a dead poller would silently stop the flow
                log(name, "poller error, restarting", error=repr(error))
                time.sleep(1)

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread


def serve_invocations(function: Function, port: int) -> threading.Thread:
    """Synchronous invocations (RequestResponse), as API Gateway invokes a Lambda authorizer: POST the event,
    get {"result": ...} or, when the handler raised, {"errorType", "errorMessage"} (Lambda's function error)."""

    class Invocations(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            event = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
            try:
                answer: dict[str, Any] = {"result": function.invoke(event)}
            except Exception as error:
                log(function.name, "invocation failed", error=repr(error))
                answer = {"errorType": type(error).__name__, "errorMessage": str(error)}
            body = json.dumps(answer, default=str).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Invocations)
    thread = threading.Thread(target=server.serve_forever, name=f"{function.name}-invocations", daemon=True)
    thread.start()
    return thread


def exit_with_parent() -> None:
    """A worker outlives nothing: when the runtime that started it is gone (even killed), it stops too."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(spec_path: str) -> int:
    exit_with_parent()
    spec = json.loads(Path(spec_path).read_text())
    os.environ.update(spec["environment"])
    function = Function(spec)
    streams, sqs, invocations = clients(spec)
    threads = []
    for source in spec["sources"]:
        if source["kind"] == "stream":
            # Positioned before "ready": with LATEST, what is written after the runtime started is seen.
            iterators: dict[str, str | None] = {}
            checkpoints = Checkpoints(source.get("checkpoint_path"))
            open_shards(source, streams, iterators, checkpoints)
            threads.append(supervise(function.name, run_stream, function, source, streams, sqs, iterators, checkpoints))
        elif source["kind"] == "queue":
            threads.append(supervise(function.name, run_queue, function, source, sqs))
        else:
            threads.append(supervise(function.name, run_async, function, source, sqs, invocations))
    if spec.get("invoke_port"):
        threads.append(serve_invocations(function, int(spec["invoke_port"])))
    log(function.name, "ready", sources=[s["kind"] for s in spec["sources"]])
    for thread in threads:
        thread.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
