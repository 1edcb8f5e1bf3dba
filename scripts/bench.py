#!/usr/bin/env python3
"""`make bench`: figures, never pass/fail. Prints a table and writes build/bench.json.

Sections (each can be chosen with --only):
- packages: each Lambda zip's size (build/lambdas/manifest.json).
- imports: each handler's cold import time as a ratio to a bare `import boto3`, median of N fresh interpreters
  in the same run (so the machine's speed cancels out).
- fanout: the fan-out handler (normalisation and publisher) on a batch of MODIFY records with stub clients
  (µs per record, peak MiB, PutEvents calls per record), beside a naive publisher written for the comparison
  (one PutEvents per record of the raw DynamoDB JSON, as the public peers do).
- trigger: the stream trigger's handler over Lambda-shaped stream records with a stub Step Functions client,
  beside a naive one-call-per-record, stop-at-first-failure trigger written for the comparison.
- pipeline: the import worker's cost per line (parse, the API's checks, the item, PutItem) with stub clients.
- first_start: `make local` in a fresh clone of the last commit (a new user's first start, with this machine's
  package caches), then a second start: seconds to "The system is running".
- runtime: the local runtime (`make local`'s system): start-up time (first, then a second start with warm
  caches), the share of a core it uses while idle
  (5 s, the runtime's process and its workers), p50/p99 of sequential POST and GET (sent from another
  process, as a caller's are, within the stage's throttling rate), and the throughput of one
  S3 import (lines per second from the upload to its notification).
- soak: the local runtime under a long mixed workload (--soak-requests: creates, lists at page sizes 1, 20 and
  100, gets, replaces, deletes, webhooks, misses) from another process: its process's RSS, threads and memory
  mappings before and after (growth per request, goal flat), every answer's status (a reset counts as
  "connection error"), then one large import (--soak-import-lines) waited on until every item's workflow has
  started and its audit event arrived: lines/s, seconds to quiescence, and what is missing (goal: nothing).
- e2e: wall time of the end-to-end suite (tests/e2e) against a local runtime it starts.
- test_stages: the stage times of the last `make test` on this checkout (build/test-stages.json).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import logging
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from scripts.bench_fanout import STREAM_ARN, StubEventBridge, StubSqs, changes
from scripts.lambda_events import LambdaContext

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
HANDLERS = {
    "stream_fanout": "stream_fanout.handler",
    "stream_trigger": "stream_trigger.handler",
    "event_consumer": "event_consumer.handler",
}
HANDLER_ENVIRONMENT = {  # what each handler's cold start validates
    "EVENT_BUS_NAME": "items-bus",
    "DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/items-dlq",
    "WORKFLOWS": '{"items-workflow": {"stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:items-workflow"}}',
    "AWS_DEFAULT_REGION": "eu-west-1",
    "POWERTOOLS_SERVICE_NAME": "bench",
}
STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:items-workflow"


def package_sizes() -> dict[str, int]:
    manifest = json.loads((BUILD / "lambdas" / "manifest.json").read_text())
    return {name: int(meta["size"]) for name, meta in sorted(manifest["functions"].items())}


def _import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    # As in Lambda: LAMBDA_TASK_ROOT and the function name switch the Tracer on, and make the X-Ray SDK pick its
    # Lambda sampler (elsewhere it builds two X-Ray clients at import, ~200 ms that Lambda never pays).
    lambda_environment = {"LAMBDA_TASK_ROOT": str(ROOT / "lambdas"), "AWS_LAMBDA_FUNCTION_NAME": "bench"}
    env = {**os.environ, **HANDLER_ENVIRONMENT, **lambda_environment, "PYTHONPATH": str(ROOT / "lambdas")}
    result = subprocess.run([sys.executable, "-c", code], env=env, text=True, capture_output=True, check=True)
    return float(result.stdout.strip())


def import_ratios(repeats: int) -> dict[str, Any]:
    """Median cold import of each handler over a bare `import boto3`, interleaved so drift hits both alike."""
    samples: dict[str, list[float]] = {"boto3": [], **{name: [] for name in HANDLERS}}
    for _ in range(repeats):
        samples["boto3"].append(_import_seconds("import boto3"))
        for name, module in HANDLERS.items():
            samples[name].append(_import_seconds(f"import {module}"))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "boto3_ms": round(medians["boto3"] * 1000, 1),
        **{f"{name}_ratio": round(medians[name] / medians["boto3"], 2) for name in HANDLERS},
    }


class NaivePublisher:
    """The peers' way, written for the comparison: one PutEvents call per stream record, the raw DynamoDB JSON
    as detail (no normalisation), failures not retried."""

    def __init__(self, events: StubEventBridge, bus: str) -> None:
        self.events, self.bus = events, bus

    def publish(self, records: Iterable[dict[str, Any]]) -> int:
        failed = 0
        for record in records:
            detail = json.dumps(record["dynamodb"])
            entry = {
                "Source": "app.items",
                "DetailType": record["eventName"],
                "Detail": detail,
                "EventBusName": self.bus,
            }
            failed += self.events.put_events(Entries=[entry])["FailedEntryCount"]
        return failed


def _measure(run: Callable[[], int], count: int, repeats: int) -> dict[str, float]:
    """Median-of-N µs per record (without tracemalloc, which slows allocation), then one run for peak memory."""
    samples, calls = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        calls = run()
        samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "us_per_record": round(median / count * 1e6, 1),
        "peak_mib": round(peak / 2**20, 1),
        "put_events_calls_per_record": round(calls / count, 4),
    }


def fanout(count: int, repeats: int) -> dict[str, Any]:
    """The fan-out handler over Lambda-shaped stream records (normalisation included) with stub clients."""
    quiet_handler_logs()
    from stream_fanout import handler as fanout_handler

    event = stream_records(count)

    def ours() -> int:
        events = StubEventBridge(0.0, random.Random(1))
        fanout_handler.events_client = lambda: events  # type: ignore[assignment]  # stubs instead of boto3 clients
        fanout_handler.sqs_client = lambda: StubSqs()  # type: ignore[assignment]
        fanout_handler.handler(event, LambdaContext(timeout_seconds=900))
        return events.calls

    def naive() -> int:
        events = StubEventBridge(0.0, random.Random(1))
        NaivePublisher(events, "items-bus").publish(event["Records"])
        return events.calls

    mine, theirs = _measure(ours, count, repeats), _measure(naive, count, repeats)
    return {
        "records": count,
        "ours": mine,
        "naive": theirs,
        "us_per_record_ratio_to_naive": round(mine["us_per_record"] / theirs["us_per_record"], 2),
    }


class StubStepFunctions:
    def __init__(self) -> None:
        self.calls = 0

    def start_execution(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        return {"executionArn": f"{STATE_MACHINE_ARN}:{self.calls}", "startDate": 0}


def stream_records(count: int) -> dict[str, Any]:
    """Lambda-shaped DynamoDB stream records (MODIFY, new and old images) of the same changes."""
    serializer = TypeSerializer()

    def serialize(value: Any) -> Any:  # DynamoDB numbers are decimals, never floats
        return serializer.serialize(
            json.loads(json.dumps(value, default=sorted), parse_float=Decimal) if not isinstance(value, set) else value
        )

    records = []
    for change in changes(count):
        records.append(
            {
                "eventID": change["eventId"],
                "eventName": change["eventName"],
                "eventSource": "aws:dynamodb",
                "eventSourceARN": STREAM_ARN,
                "dynamodb": {
                    "Keys": {k: serialize(v) for k, v in change["keys"].items()},
                    "NewImage": {k: serialize(v) for k, v in change["newImage"].items()},
                    "OldImage": {k: serialize(v) for k, v in change["oldImage"].items()},
                    "SequenceNumber": change["sequenceNumber"],
                    "ApproximateCreationDateTime": 1764151200,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
            }
        )
    return {"Records": records}


def quiet_handler_logs() -> None:
    """The handlers' environment, with their per-batch INFO lines off (they would flood the table)."""
    os.environ.update({**HANDLER_ENVIRONMENT, "POWERTOOLS_LOG_LEVEL": "WARNING"})


def naive_trigger(records: list[dict[str, Any]], stepfunctions: StubStepFunctions) -> int:
    """The peer's way, written for the comparison: deserialize each record, one StartExecution with the new
    image, stop at the first failure (the rest of the batch is retried)."""
    deserialize = TypeDeserializer().deserialize
    for index, record in enumerate(records):
        image = {k: deserialize(v) for k, v in record["dynamodb"].get("NewImage", {}).items()}
        try:
            stepfunctions.start_execution(
                stateMachineArn=STATE_MACHINE_ARN, name=record["eventID"], input=json.dumps(image, default=str)
            )
        except Exception:
            return index
    return len(records)


def trigger(count: int, repeats: int) -> dict[str, Any]:
    """The trigger's handler (normalisation, rules, input, starter) with a stub Step Functions client."""
    quiet_handler_logs()
    from stream_trigger import handler as trigger_handler

    event = stream_records(count)
    stub = StubStepFunctions()
    trigger_handler.stepfunctions = lambda: stub  # type: ignore[assignment]  # the stub instead of boto3's client
    timings: list[float] = []
    naive_timings: list[float] = []
    for _ in range(repeats):
        stub.calls = 0
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the per-batch embedded-metric lines
            trigger_handler.handler(event, LambdaContext(timeout_seconds=900))
        timings.append(time.perf_counter() - started)
    calls = stub.calls
    for _ in range(repeats):
        started = time.perf_counter()
        naive_trigger(event["Records"], StubStepFunctions())
        naive_timings.append(time.perf_counter() - started)
    best, naive_best = statistics.median(timings), statistics.median(naive_timings)
    return {
        "records": count,
        "us_per_record": round(best / count * 1e6, 1),
        "naive_us_per_record": round(naive_best / count * 1e6, 1),
        "us_per_record_ratio_to_naive": round(best / naive_best, 2),
        "start_execution_calls_per_record": round(calls / count, 4),
    }


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) of this process and of the given child processes (Linux /proc)."""
    total = time.process_time()
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime and stime (fields 14 and 15 of stat)
    return total


def idle_cpu_percent(runtime: Any, settle: float, seconds: float = 5.0) -> float:
    """Share of one core the running system uses while nobody calls it (runtime, moto and the workers), over
    `seconds` after `settle` seconds of quiet (stream pollers slow down after 10 s without records)."""
    time.sleep(settle)
    pids = [worker.pid for worker in runtime.lambdas.processes] if runtime.lambdas else []
    before, started = _cpu_seconds(pids), time.perf_counter()
    time.sleep(seconds)
    return round(100 * (_cpu_seconds(pids) - before) / (time.perf_counter() - started), 1)


class StubObjects:
    """S3 as the import worker reads a chunk: the byte range of one body held in memory."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def get_object(self, Range: str, **_: Any) -> dict[str, Any]:
        start, end = (int(n) for n in Range.removeprefix("bytes=").split("-"))
        return {"Body": io.BytesIO(self.body[start : end + 1])}


class StubTable:
    def __init__(self) -> None:
        self.writes = 0

    def put_item(self, **_: Any) -> None:
        self.writes += 1


INVALID_LINE = b"not json"


def import_lines(count: int) -> list[bytes]:
    """Lines of an import: items of the API's default schema, ~200 bytes each, one in 50 invalid."""
    return [
        INVALID_LINE if i % 50 == 49 else json.dumps({"name": f"imported order {i}", "status": "PAID", "amount": i * 1.5,
        "tags": ["bench", "import"], "attributes": {"customer": f"c-{i % 97}", "lines": [1, 2, 3]}}).encode()
        for i in range(count)
    ]  # fmt: skip


def pipeline(count: int, repeats: int) -> dict[str, Any]:
    """The import worker's cost per line with stub clients (parse, the API's checks, the item, PutItem)."""
    from import_worker.chunk import import_chunk
    from import_worker.items import ItemContract

    from scripts.tfeval import crud_definition

    contract = ItemContract.from_json(crud_definition(table_name="items")["item_contract"])
    body = b"\n".join(import_lines(count)) + b"\n"
    message = {
        "source": {"bucket": "ingest", "key": "imports/bench.jsonl", "versionId": "v1"},
        "owner": None,
        "chunk": {"index": 0, "firstLine": 1, "lines": count, "start": 0, "end": len(body), "reportLimit": 100},
    }
    objects = StubObjects(body)

    def run() -> int:
        return int(import_chunk(message, contract, "items", objects, StubTable())["imported"])

    measured = _measure(run, count, repeats)
    return {"lines": count, "worker_us_per_line": measured["us_per_record"], "worker_peak_mib": measured["peak_mib"]}


def import_throughput(runtime: Any, lines: int) -> dict[str, Any]:
    """One upload of `lines` lines through the running system: S3 -> EventBridge -> orchestrator -> work queue
    -> worker -> table, until the notification arrives."""
    outputs, s3, sqs = runtime.outputs, runtime.client("s3"), runtime.client("sqs")
    body = b"\n".join(import_lines(lines)) + b"\n"
    started = time.perf_counter()
    s3.put_object(
        Bucket=outputs["ingest_bucket_name"], Key="imports/bench.jsonl", Body=body, ContentType="application/x-ndjson"
    )
    deadline = started + 600
    while time.perf_counter() < deadline:
        received = sqs.receive_message(QueueUrl=outputs["notifications_queue_url"], WaitTimeSeconds=1).get(
            "Messages", []
        )
        if received:
            notification = json.loads(received[0]["Body"])
            seconds = time.perf_counter() - started
            return {
                "import_lines": lines,
                "import_status": notification["status"],
                "import_seconds": round(seconds, 1),
                "import_lines_per_second": round(lines / seconds, 1),
            }
    return {"import_lines": lines, "import_status": "no notification within 600 s"}


@contextlib.contextmanager
def own_log_dir() -> Iterator[Path]:
    """Function logs and stream checkpoints of the bench's runtime (never a `make local`'s of the same env), in a
    temporary folder removed afterwards; when the measurement fails, the folder stays and stderr names it."""
    folder = Path(tempfile.mkdtemp(prefix="bench-runtime-"))
    try:
        yield folder
    except BaseException:
        print(f"bench: the runtime's logs are kept in {folder}", file=sys.stderr)
        raise
    shutil.rmtree(folder, ignore_errors=True)


def local_runtime(
    requests: int, idle_settle: float, warm_start: bool, lines: int = 2000, pause: float = 5.0
) -> dict[str, Any]:
    from scripts.localrt.__main__ import caller_headers
    from scripts.localrt.runtime import LocalRuntime

    started = time.perf_counter()
    with contextlib.ExitStack() as folders:  # removed once the runtime has stopped
        runtime = LocalRuntime(log_dir=folders.enter_context(own_log_dir()))
        warm = None
        try:
            runtime.start()
            startup = time.perf_counter() - started
            if warm_start:  # again, with Terraform's and Python's caches warm, as a second make local starts
                runtime.stop()
                started, runtime = time.perf_counter(), LocalRuntime(log_dir=folders.enter_context(own_log_dir()))
                runtime.start()
                warm = round(time.perf_counter() - started, 1)
            idle = idle_cpu_percent(runtime, idle_settle, pause)
            throttle = runtime.stage_throttle()
            posts, gets = client_process(
                "--latency-client",  # the API's authorization mode, verified as on AWS
                [runtime.outputs["api_url"], str(requests)],
                caller_headers(runtime),
                throttle.rate if throttle else None,
            )
            imported = import_throughput(runtime, lines) if lines else {}
        finally:
            runtime.stop()

    def ms(seconds: float) -> float:
        return round(seconds * 1000, 1)

    return {
        "requests": requests,
        "startup_s": round(startup, 1),
        "startup_warm_s": warm,
        "idle_cpu_percent_of_a_core": idle,
        "post_p50_ms": ms(_percentile(posts, 0.5)),
        "post_p99_ms": ms(_percentile(posts, 0.99)),
        "get_p50_ms": ms(_percentile(gets, 0.5)),
        "get_p99_ms": ms(_percentile(gets, 0.99)),
        **imported,
    }


def client_process(option: str, arguments: list[str], credentials: dict[str, str], rate: float | None) -> Any:
    """A client of the bench run as `python -m scripts.bench <option> <arguments>` in its own process (a caller in
    the runtime's process would wait for its GIL, and the wait would count as latency), the caller's credentials
    on stdin, paced at `rate` a second when given; its JSON answer."""
    client = subprocess.run(
        [sys.executable, "-m", "scripts.bench", option, *arguments] + ([f"--rate={rate}"] if rate else []),
        input=json.dumps(credentials),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if client.returncode:
        raise RuntimeError(f"the bench's {option} failed:\n{client.stderr[-3000:]}")
    return json.loads(client.stdout)


def latency_client(
    api: str, requests: int, credentials: dict[str, str], rate: float | None = None
) -> tuple[list[float], list[float]]:
    """`requests` sequential POSTs of new items, then a GET of each: the seconds each took. With the stage's
    throttling `rate`, requests start at most `rate` a second, as a client within the stage's limit sends them
    (faster, the stage answers 429 as API Gateway does)."""
    posts, gets, ids = [], [], []
    interval, next_start = (1 / rate if rate else 0.0), time.perf_counter()

    def paced() -> None:
        nonlocal next_start
        time.sleep(max(0.0, next_start - time.perf_counter()))
        next_start = max(next_start, time.perf_counter()) + interval

    for i in range(requests):
        paced()
        body = json.dumps({"name": f"bench-{i}", "status": "PENDING", "amount": i}).encode()
        headers = {"Content-Type": "application/json", **credentials}
        request = urllib.request.Request(f"{api}/items", body, headers, method="POST")
        t = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            ids.append(json.loads(response.read())["id"])
        posts.append(time.perf_counter() - t)
    for item_id in ids:
        paced()
        t = time.perf_counter()
        read = urllib.request.Request(f"{api}/items/{item_id}", headers=credentials)
        with urllib.request.urlopen(read, timeout=30) as response:
            response.read()
        gets.append(time.perf_counter() - t)
    return posts, gets


def live_updates(subscriber_counts: tuple[int, ...], changes: int) -> dict[str, Any]:
    """Live updates on the local runtime: for 1, 100 and 1,000 subscribers of the collection, the time from the
    API's answer to a POST until each subscriber has the change (p50/p99 over every subscriber and change: the
    stream, the fan-out, the bus and the broadcaster), the broadcast alone (from the broadcaster's first post of
    a change to its last answered, its log's postMs), and the broadcaster worker's CPU per change and per post. The subscribers and the caller are another process
    (--live-client), as clients are; connects and messages keep within the stage's throttling."""
    from scripts.localrt.runtime import LocalRuntime

    with contextlib.ExitStack() as folders:  # removed once the runtime has stopped
        runtime = LocalRuntime(log_dir=folders.enter_context(own_log_dir()))
        figures: dict[str, Any] = {"changes_per_count": changes}
        try:
            runtime.start()
            assert runtime.lambdas is not None
            assert runtime.live_updates is not None
            [pid] = [
                process.pid
                for process, spec in zip(runtime.lambdas.processes, runtime.lambdas.spec_paths, strict=True)
                if spec.stem.endswith("-live-broadcaster")
            ]
            throttle = runtime.live_updates.throttle
            assert runtime.log_dir is not None
            [log] = [
                spec.with_suffix(".log")
                for spec in runtime.lambdas.spec_paths
                if spec.stem.endswith("-live-broadcaster")
            ]
            for count in subscriber_counts:
                logged = log.stat().st_size if log.exists() else 0
                cpu_before = _cpu_seconds([pid]) - time.process_time()
                measured = client_process(
                    "--live-client",
                    [runtime.live_updates.url, runtime.outputs["api_url"], str(count), str(changes)],
                    runtime.caller_headers(),
                    throttle.rate * 0.9 if throttle else None,
                )
                cpu = _cpu_seconds([pid]) - time.process_time() - cpu_before
                latencies = measured["latencies"]
                with log.open("rb") as lines:  # the broadcaster's own line per change: its posts, from first to last
                    lines.seek(logged)
                    broadcasts = [
                        float(line["postMs"])
                        for line in map(json.loads, filter(lambda raw: raw.startswith(b"{"), lines))
                        if line.get("message") == "broadcast" and line.get("sent") == count
                    ]
                figures[f"subscribers_{count}"] = {
                    "api_answer_to_subscriber_p50_ms": round(_percentile(latencies, 0.5) * 1000, 1),
                    "api_answer_to_subscriber_p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
                    "broadcast_p50_ms": round(_percentile(broadcasts, 0.5), 1) if broadcasts else None,
                    "broadcast_p99_ms": round(_percentile(broadcasts, 0.99), 1) if broadcasts else None,
                    "received": len(latencies),
                    "missing": measured["missing"],
                    "broadcaster_cpu_ms_per_change": round(cpu / changes * 1000, 1),
                    "broadcaster_cpu_ms_per_post": round(cpu / max(1, len(latencies)) * 1000, 2),
                }
        finally:
            runtime.stop()
    return figures


def live_client(
    url: str, api: str, count: int, changes: int, credentials: dict[str, str], rate: float | None
) -> dict[str, Any]:
    """`count` subscribers of the collection, then `changes` POSTs one after the other, each once every
    subscriber has the previous one: seconds from each POST's answer to each subscriber's message."""
    import asyncio

    from websockets.asyncio.client import connect

    token = credentials.get("Authorization")
    address = f"{url}?token={token}" if token else url
    pause = 1 / rate if rate else 0.0
    arrivals: dict[str, list[float]] = {}

    def post(index: int) -> tuple[str, float]:
        body = json.dumps({"name": f"live-{index}", "status": "PENDING", "amount": index}).encode()
        headers = {"Content-Type": "application/json", **credentials}
        request = urllib.request.Request(f"{api}/items", body, headers, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            item_id = str(json.loads(response.read())["id"])
        return item_id, time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine

    async def run() -> dict[str, Any]:
        connections = []
        for _ in range(count):
            await asyncio.sleep(pause)  # the connect and the subscribe each count against the stage's rate
            connection = await connect(address, max_size=None, ping_interval=None)
            await asyncio.sleep(pause)
            await connection.send(json.dumps({"action": "subscribe", "collection": "items"}))
            await connection.recv()
            connections.append(connection)

        async def read(connection: Any) -> None:
            async for text in connection:
                message = json.loads(text)
                if message.get("type") == "item.created":
                    arrivals.setdefault(message["id"], []).append(time.monotonic())

        readers = [asyncio.create_task(read(c)) for c in connections]
        answered, missing = {}, 0
        for index in range(changes):
            item_id, at = await asyncio.to_thread(post, index)
            answered[item_id] = at
            deadline = time.monotonic() + 30
            while len(arrivals.get(item_id, [])) < count and time.monotonic() < deadline:
                await asyncio.sleep(0.002)
            missing += count - len(arrivals.get(item_id, []))
            await asyncio.sleep(pause)
        for connection in connections:
            await connection.close()
        for reader in readers:
            reader.cancel()
        latencies = [at - answered[item] for item, times in arrivals.items() if item in answered for at in times]
        return {"latencies": latencies, "missing": missing}

    return asyncio.run(run())


def queries(sizes: tuple[int, ...], requests: int) -> dict[str, Any]:
    """A filtered page, GET /items?status=PAID&sort=-createdAt (the default page size), through the local
    stage's template, the CRUD state machine in moto's interpreter and moto's DynamoDB, with 1,000 and 100,000
    items written straight into the table in the API's layout (their index keys included; one in five PAID).
    In process, with moto patched as the local runtime patches it (moto_costs: index partitions kept sorted),
    and with no stream reader: the figure is the request path's, not the runtime's consumers'. A query reads one
    page of the index whatever the table holds: `items_read_per_page` (what the state machine's Query calls
    returned) and the latency should not grow with the table."""
    import boto3
    from import_worker.items import ItemContract
    from moto import mock_aws

    from scripts.localrt import moto_costs
    from scripts.localrt.apigateway import RestApi
    from scripts.localrt.stepfunctions import speed_up_interpreter, start_sync_in_process
    from scripts.tfeval import crud_definition, table_arguments, table_values

    definition = crud_definition(table_name="items")
    contract = ItemContract.from_json(definition["item_contract"])
    region = definition["variables"]["region"]
    speed_up_interpreter()
    moto_costs.install()  # as the local runtime runs moto
    logging.getLogger("moto").setLevel(logging.CRITICAL)  # IsPresent on an absent path is logged as an error
    figures: dict[str, Any] = {"requests": requests}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        dynamodb = boto3.client("dynamodb", region_name=region)
        dynamodb.create_table(**table_arguments(table_values("items", definition["table_indexes"])))
        machine = definition["variables"]["state_machine_arn"]
        sfn = boto3.client("stepfunctions", region_name=region)
        sfn.create_state_machine(
            name=machine.rsplit(":", 1)[-1],
            definition=json.dumps(definition["asl"]),
            roleArn="arn:aws:iam::123456789012:role/bench",
            type="EXPRESS",
        )
        account = machine.split(":")[4]
        api = RestApi(definition["openapi"], lambda arn, text: start_sync_in_process(account, region, arn, text))
        filled = 0
        for size in sorted(sizes):
            started = time.perf_counter()
            fill_items(dynamodb, contract, filled, size)
            filled = size
            fill_s = time.perf_counter() - started
            query = {"status": "PAID", "sort": "-createdAt"}
            page_size = definition["variables"]["default_page_size"]
            with items_returned_by_queries() as returned:
                filtered = page_timings(api, query, requests, page_size, returned)
            listed = page_timings(api, {}, requests, page_size)
            figures[f"items_{size}"] = {
                "fill_s": round(fill_s, 1),
                "items_read_per_page": max(returned) if returned else 0,
                "page_p50_ms": round(_percentile(filtered, 0.5) * 1000, 1),
                "page_p99_ms": round(_percentile(filtered, 0.99) * 1000, 1),
                "unfiltered_page_p50_ms": round(_percentile(listed, 0.5) * 1000, 1),
            }
    smallest, largest = min(sizes), max(sizes)
    figures["p50_ratio_largest_to_smallest"] = round(
        figures[f"items_{largest}"]["page_p50_ms"] / figures[f"items_{smallest}"]["page_p50_ms"], 2
    )
    return figures


@contextlib.contextmanager
def items_returned_by_queries() -> Iterator[list[int]]:
    """Per request of the block, the items moto's Table.query returned to the state machine (both its Query
    calls: the keys and costs, then the page): what DynamoDB reads for the page, whatever the table holds."""
    from moto.dynamodb.models.table import Table

    per_request: list[int] = []
    original = Table.query

    def counted(self: Any, *arguments: Any, **keywords: Any) -> Any:
        results = original(self, *arguments, **keywords)
        per_request[-1] += len(results[0])
        return results

    Table.query = counted  # type: ignore[method-assign]
    try:
        yield per_request
    finally:
        Table.query = original  # type: ignore[method-assign]


def page_timings(
    api: Any, query: dict[str, str], requests: int, page_size: int, counting: list[int] | None = None
) -> list[float]:
    """Seconds each of `requests` first pages of GET /items?<query> took; each must be a full page."""
    from scripts.localrt.apigateway import Request

    timings = []
    for _ in range(requests):
        if counting is not None:
            counting.append(0)
        started = time.perf_counter()
        answer = api.handle(Request("GET", "/items", {}, query, None))
        timings.append(time.perf_counter() - started)
        if answer.status != 200 or len(json.loads(answer.body)["items"]) != page_size:
            raise RuntimeError(f"GET /items?{query} answered {answer.status}: {answer.body[:200]}")
    return timings


def fill_items(dynamodb: Any, contract: Any, start: int, end: int) -> None:
    """Items `start`..`end` in the API's layout (import_worker.items.attribute_values), 25 a call."""
    from import_worker.items import attribute_values

    statuses = ["PAID", "NEW", "PENDING", "SHIPPED", "CANCELLED"]
    batch: list[dict[str, Any]] = []
    for n in range(start, end):
        body = {"name": f"order-{n}", "status": statuses[n % 5], "amount": n % 1000}
        created = f"2026-{1 + n % 12:02}-{1 + n % 28:02}T{n % 24:02}:{n % 60:02}:{(n // 60) % 60:02}.{n % 1000:03}Z"
        item = attribute_values(contract, body, f"bench-{n:07}", created, len(json.dumps(body)), None)
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25 or n == end - 1:
            dynamodb.batch_write_item(RequestItems={"items": batch})
            batch = []


def process_resources() -> dict[str, float]:
    """This process's resident memory, threads and memory mappings (Linux /proc), where moto and the stage run."""
    status = Path("/proc/self/status").read_text()
    rss_kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    with open("/proc/self/maps") as maps:
        mappings = sum(1 for _ in maps)
    return {"rss_mb": round(rss_kb / 1024, 1), "threads": threads, "memory_mappings": mappings}


SOAK_PAGE_SIZES = (1, 20, 100)


def soak_client(
    api: str, webhook: str, webhook_key: str, requests: int, credentials: dict[str, str], rate: float | None
) -> dict[str, int]:
    """`requests` requests of a mixed workload (create, list at each page size, get, replace, delete, a webhook, a
    missing item), paced within the stage's throttling: the count of each answer's status."""
    statuses: dict[str, int] = {}
    ids: list[str] = []
    interval, next_start = (1 / rate if rate else 0.0), time.perf_counter()

    def send(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        nonlocal next_start
        time.sleep(max(0.0, next_start - time.perf_counter()))
        next_start = max(next_start, time.perf_counter()) + interval
        data = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(credentials if headers is None else headers)}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data, sent, method=method), timeout=30) as answer:
                status, text = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        except OSError as error:  # a reset or a timeout: what the soak is there to catch
            status, text = 0, str(error).encode()
        key = str(status) if status else "connection error"
        statuses[key] = statuses.get(key, 0) + 1
        return json.loads(text) if status in (200, 201) else None

    for i in range(requests):
        step = i % 10
        if step in (0, 1, 2) or not ids:
            created = send("POST", f"{api}/items", {"name": f"soak-{i}", "status": "PENDING", "amount": i})
            if created:
                ids.append(created["id"])
        elif step == 3:
            send("GET", f"{api}/items?limit={SOAK_PAGE_SIZES[(i // 10) % len(SOAK_PAGE_SIZES)]}")
        elif step == 4:
            send("GET", f"{api}/items/{ids[-1]}")
        elif step == 5:
            send("PUT", f"{api}/items/{ids[-1]}", {"name": f"soak-{i}", "status": "PAID", "amount": i})
        elif step == 6:
            send("DELETE", f"{api}/items/{ids.pop(0)}")
        elif step == 7 and webhook:
            send("POST", f"{webhook}/soak", {"n": i}, {"x-api-key": webhook_key})
        else:
            send("GET", f"{api}/items/not-an-item-{i}")
    return statuses


def large_import(runtime: Any, lines: int, timeout: float = 3600) -> dict[str, Any]:
    """One upload of `lines` lines, until every item's workflow has started and every item's audit event has
    arrived (the system quiet again): lines/s to the notification, seconds to quiescence, what is missing."""
    from moto.stepfunctions.responses import get_backend

    from scripts.localrt import moto_costs

    outputs, sqs = runtime.outputs, runtime.client("sqs")
    evaluation = runtime.evaluation
    workflow = get_backend(evaluation.account, evaluation.region).describe_state_machine(
        outputs["workflow_state_machine_arn"]
    )
    workflows_before = moto_costs.started_executions(workflow)
    audit = outputs["audit_queue_url"]
    sqs.purge_queue(QueueUrl=audit)
    notified = import_throughput(runtime, lines)
    started, created, deadline = time.perf_counter(), 0, time.perf_counter() + timeout
    shown = started
    expected = sum(1 for line in import_lines(lines) if line != INVALID_LINE)  # each valid line: one item
    print(
        f"soak: {lines}-line import notified {notified.get('import_status')}; waiting for workflows and events",
        file=sys.stderr,
    )
    while time.perf_counter() < deadline:
        received = sqs.receive_message(QueueUrl=audit, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        for message in received:
            created += json.loads(message["Body"]).get("detail-type") == "item.created"
        if received:
            sqs.delete_message_batch(
                QueueUrl=audit,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(received)],
            )
        workflows = moto_costs.started_executions(workflow) - workflows_before
        if created >= expected and workflows >= expected:
            break
        if time.perf_counter() - shown > 10:
            shown = time.perf_counter()
            print(f"soak: {created}/{expected} audit events, {workflows}/{expected} workflows", file=sys.stderr)
    return {
        **{f"large_{k}": v for k, v in notified.items()},
        "large_import_seconds_to_quiescence": round(
            notified.get("import_seconds", 0) + time.perf_counter() - started, 1
        ),
        "large_import_items": expected,
        "large_import_audit_events_missing": max(0, expected - created),
        "large_import_workflows_missing": max(
            0, expected - (moto_costs.started_executions(workflow) - workflows_before)
        ),
    }


def soak_half(runtime: Any, requests: int) -> dict[str, int]:
    """`requests` of the soak's workload from another process, as a caller sends them: their statuses."""
    from scripts.localrt.__main__ import caller_headers

    outputs = runtime.outputs
    throttle = runtime.stage_throttle()
    statuses: dict[str, int] = client_process(
        "--soak-client",
        [
            outputs["api_url"],
            outputs.get("webhook_url") or "",
            str(outputs.get("webhook_api_key") or ""),
            str(requests),
        ],
        caller_headers(runtime),
        throttle.rate if throttle else None,
    )
    print(f"soak: {requests} requests answered {statuses}", file=sys.stderr)
    return statuses


def soak(requests: int, import_lines_count: int, pause: float = 5.0) -> dict[str, Any]:
    """The local runtime under a long mixed workload: its process's memory, threads and mappings before and after
    (goal: flat), every answer's status, and a large import waited on until nothing is missing."""
    from scripts.localrt.runtime import LocalRuntime

    with contextlib.ExitStack() as folders:  # removed once the runtime has stopped
        runtime = LocalRuntime(log_dir=folders.enter_context(own_log_dir()))
        try:
            runtime.start()
            gc.collect()
            before = process_resources()
            # The first half warms the caches up (parsed definitions, JSONPaths, clients, the executions kept);
            # growth is measured over the second.
            statuses = soak_half(runtime, requests // 2)
            time.sleep(pause)
            gc.collect()
            warm = process_resources()
            for status, count in soak_half(runtime, requests - requests // 2).items():
                statuses[status] = statuses.get(status, 0) + count
            time.sleep(pause)  # the workflows and events the last requests caused
            gc.collect()
            after = process_resources()
            imported = large_import(runtime, import_lines_count) if import_lines_count else {}
            gc.collect()
            after_import = process_resources()
        finally:
            runtime.stop()
    second_half = max(requests - requests // 2, 1)
    return {
        "soak_requests": requests,
        "soak_statuses": statuses,
        **{f"start_{k}": v for k, v in before.items()},
        **{f"warm_{k}": v for k, v in warm.items()},
        **{f"end_{k}": v for k, v in after.items()},
        "rss_kb_per_request_when_warm": round((after["rss_mb"] - warm["rss_mb"]) * 1024 / second_half, 2),
        "threads_per_request_when_warm": round((after["threads"] - warm["threads"]) / second_half, 4),
        "mappings_per_request_when_warm": round((after["memory_mappings"] - warm["memory_mappings"]) / second_half, 4),
        **imported,
        **{f"after_import_{k}": v for k, v in after_import.items()},
    }


def started_make_local(clone: Path, ports: tuple[int, int], timeout: float = 600) -> float:
    """Seconds from `make local` in `clone` to its "The system is running", then stopped with SIGTERM."""
    started = time.perf_counter()
    log = clone / "make-local.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["make", "local", f"AWS_PORT={ports[0]}", f"API_PORT={ports[1]}"],
            cwd=clone, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        while "The system is running" not in log.read_text():
            if process.poll() is not None or time.perf_counter() - started > timeout:
                raise RuntimeError(f"make local did not start in {clone}:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        return time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def first_start() -> dict[str, Any]:
    """A new user's first hour: `make local` in a fresh clone of this repository's last commit (its .venv
    created, Terraform's providers and the functions' packages from scratch; pip's cache as this machine has it),
    then a second start. Issue #29's goals: 90 s and 5 s."""
    from scripts.localrt.ports import free_port

    clone = Path(tempfile.mkdtemp(prefix="bench-clone-")) / "repo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    print(f"first_start: make local in a fresh clone ({clone})", file=sys.stderr)
    ports = (free_port(), free_port())  # the same both times, as a user's make local uses 4566 and 8080
    first = started_make_local(clone, ports)
    second = started_make_local(clone, ports)  # right after the stop: its ports may wait in TIME_WAIT
    shutil.rmtree(clone.parent, ignore_errors=True)
    return {"first_make_local_s": round(first, 1), "second_make_local_s": round(second, 1)}


def test_stages() -> dict[str, Any]:
    path = BUILD / "test-stages.json"
    return json.loads(path.read_text()) if path.exists() else {"note": "no make test has run on this checkout yet"}


def flat(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested figures as (dotted name, value) pairs."""
    if not isinstance(value, dict):
        return [(prefix, value)]
    return [pair for key, inner in value.items() for pair in flat(inner, f"{prefix}.{key}" if prefix else key)]


def table(figures: dict[str, Any]) -> str:
    return "\n".join(f"  {name:<48} {value}" for name, value in flat(figures))


DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    """What measured: cores, processor, memory, Python (figures from another machine are not comparable)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    names = [line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")]
    cpu = names[0] if names else platform.processor() or "unknown processor"
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"MemTotal:\s+(\d+)", meminfo)
    gib = int(memory.group(1)) / 1024 / 1024 if memory else 0
    return f"{os.cpu_count()} cores, {cpu}, {gib:.0f} GiB, Python {platform.python_version()}"


def merged(figures: dict[str, Any], previous: Path) -> dict[str, Any]:
    """This run's sections over the previous file's: a run of some sections keeps the others' figures. When and
    where each section was measured is kept beside them, under "measured"."""
    kept: dict[str, Any] = json.loads(previous.read_text()) if previous.exists() else {}
    measured = dict(kept.get("measured") or {})
    stamp = {"at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine()}
    for name, section in figures.items():
        kept[name], measured[name] = section, stamp
    return {**{name: kept[name] for name in SECTIONS if name in kept}, "measured": measured}


def benchmarks_doc(figures: dict[str, Any]) -> str:
    """docs/benchmarks.md: every figure of build/bench.json, by section, with when and where it was measured.
    The only place measured figures are written down; prose elsewhere links here."""
    out = [
        "# Benchmarks",
        "",
        "Written by `make bench` from `build/bench.json` (never edited by hand). Figures, not pass/fail: each",
        "section says when and on what it was measured; `scripts/bench.py` says what each figure is.",
    ]
    measured = figures.get("measured") or {}
    for name in (n for n in SECTIONS if n in figures):
        stamp = measured.get(name) or {}
        out += [
            "",
            f"## {name}",
            "",
            f"Measured {stamp.get('at', '(unknown)')} on {stamp.get('machine', '(unknown)')}.",
            "",
        ]
        out += ["| figure | value |", "|---|---|", *(f"| {n} | {v} |" for n, v in flat(figures[name]))]
    return "\n".join(out) + "\n"


def e2e_suite() -> dict[str, Any]:
    """Wall time of the end-to-end suite against the local runtime it starts (tests/e2e, as make e2e runs it)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/e2e"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return {"wall_s": round(time.perf_counter() - started, 1), "passed": result.returncode == 0}


SECTIONS = (
    "packages", "imports", "fanout", "trigger", "pipeline", "first_start", "runtime", "live_updates", "queries", "soak",
    "e2e", "test_stages",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing (the median is reported)")
    parser.add_argument("--import-repeats", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1_000, help="sequential POSTs, then as many GETs")
    parser.add_argument(
        "--import-lines", type=int, default=2_000, help="lines of the upload imported through the runtime"
    )
    parser.add_argument("--idle-settle", type=float, default=12.0, help="quiet seconds before idle CPU is measured")
    parser.add_argument("--no-warm-start", action="store_true", help="start the local runtime once, not twice")
    parser.add_argument(
        "--pause",
        type=float,
        default=5.0,
        help="runtime, soak: seconds idle CPU is measured over, and of quiet after each soak half",
    )
    parser.add_argument("--only", nargs="*", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--output", type=Path, default=BUILD / "bench.json")
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown page of every figure (--no-doc: none)")
    parser.add_argument("--no-doc", dest="doc", action="store_const", const=None)
    parser.add_argument("--latency-client", nargs=2, metavar=("API_URL", "REQUESTS"), help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, help=argparse.SUPPRESS)  # the latency client's pace
    parser.add_argument("--soak-requests", type=int, default=10_000, help="requests of the soak's mixed workload")
    parser.add_argument(
        "--soak-import-lines", type=int, default=50_000, help="lines of the soak's large import (0: none)"
    )
    parser.add_argument("--soak-client", nargs=4, metavar=("API", "WEBHOOK", "KEY", "N"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--live-subscribers", type=int, nargs="*", default=[1, 100, 1000], help="live_updates: subscriber counts"
    )
    parser.add_argument("--live-changes", type=int, default=20, help="live_updates: changes per subscriber count")
    parser.add_argument(
        "--query-items", type=int, nargs="*", default=[1_000, 100_000], help="queries: items in the table"
    )
    parser.add_argument("--query-requests", type=int, default=100, help="queries: filtered pages per table size")
    parser.add_argument("--live-client", nargs=4, metavar=("URL", "API", "N", "CHANGES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.live_client:  # the live_updates section's subscribers and caller, in their own process
        url, api, count, changes = args.live_client
        credentials = json.loads(sys.stdin.read())
        print(json.dumps(live_client(url, api, int(count), int(changes), credentials, args.rate)))
        return 0
    if args.soak_client:  # the soak's caller, in its own process (credentials on stdin)
        api, webhook, key, count = args.soak_client
        print(json.dumps(soak_client(api, webhook, key, int(count), json.loads(sys.stdin.read()), args.rate)))
        return 0
    if args.latency_client:  # the runtime section's caller, in its own process (credentials on stdin)
        api, requests = args.latency_client
        print(json.dumps(latency_client(api, int(requests), json.loads(sys.stdin.read()), args.rate)))
        return 0
    sys.path.insert(0, str(ROOT / "lambdas"))
    sections: dict[str, Callable[[], Any]] = {
        "packages": package_sizes,
        "imports": lambda: import_ratios(args.import_repeats),
        "fanout": lambda: fanout(args.records, args.repeats),
        "trigger": lambda: trigger(args.records, args.repeats),
        "pipeline": lambda: pipeline(args.records, args.repeats),
        "runtime": lambda: local_runtime(
            args.requests, args.idle_settle, not args.no_warm_start, args.import_lines, args.pause
        ),
        "live_updates": lambda: live_updates(tuple(args.live_subscribers), args.live_changes),
        "queries": lambda: queries(tuple(args.query_items), args.query_requests),
        "soak": lambda: soak(args.soak_requests, args.soak_import_lines, args.pause),
        "first_start": first_start,
        "e2e": e2e_suite,
        "test_stages": test_stages,
    }
    figures = {name: sections[name]() for name in SECTIONS if name in args.only}
    print(table(figures))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    everything = merged(figures, args.output)
    args.output.write_text(json.dumps(everything, indent=2) + "\n")
    print(f"(written to {args.output})")
    if args.doc is not None:
        args.doc.write_text(benchmarks_doc(everything))
        print(f"(and {args.doc.relative_to(ROOT) if args.doc.is_relative_to(ROOT) else args.doc})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
