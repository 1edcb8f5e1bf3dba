#!/usr/bin/env python3
"""Benchmark of the fan-out publisher (lambdas/stream_fanout/publisher.py): prints figures, asserts nothing.

One 10,000-record batch (default) of realistic changes against an in-memory EventBridge stub, once with no
failures and once with 5% of entries throttled. Prints records per second, PutEvents calls per record and
the peak memory the publish allocated.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lambdas"))

from stream_fanout.publisher import Publisher, PublisherSettings

STREAM_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"


class StubEventBridge:
    def __init__(self, throttle_rate: float, rng: random.Random):
        self.throttle_rate = throttle_rate
        self.rng = rng
        self.calls = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        results = [
            {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}
            if self.rng.random() < self.throttle_rate
            else {"EventId": "x"}
            for _ in Entries
        ]
        return {"FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results}


class StubSqs:
    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}


def changes(count: int) -> list[dict[str, Any]]:
    return [
        {
            "eventId": f"{i:032x}",
            "eventName": "MODIFY",
            "tableName": "orders",
            "keys": {"id": f"o-{i}"},
            "newImage": {"id": f"o-{i}", "status": "PAID", "amount": 150 + i % 7, "lines": [{"sku": "A", "qty": 2}]},
            "oldImage": {"id": f"o-{i}", "status": "PENDING", "amount": 150 + i % 7, "lines": [{"sku": "A", "qty": 2}]},
            "changedFields": ["status"],
            "sequenceNumber": f"{i:021d}",
            "approximateCreationTime": "2026-11-26T10:00:00.000Z",
        }
        for i in range(count)
    ]


def publish_once(count: int, throttle_rate: float) -> tuple[float, int]:
    batch = changes(count)
    events = StubEventBridge(throttle_rate, random.Random(1))
    publisher = Publisher(
        PublisherSettings("orders-bus"),
        events,
        StubSqs(),
        "https://sqs/dlq",
        remaining_seconds=lambda: 900.0,
        sleep=lambda _: None,
        rng=random.Random(2),
    )
    started = time.perf_counter()
    outcome = publisher.publish((c["sequenceNumber"], c, STREAM_ARN) for c in batch)
    elapsed = time.perf_counter() - started
    assert len(outcome.published) + len(outcome.dead_lettered) == count
    return elapsed, events.calls


def run(count: int, throttle_rate: float, repeats: int = 3) -> dict[str, float]:
    # Timing runs without tracemalloc (it slows allocation-heavy code several-fold); one more run measures memory.
    best, calls = min(publish_once(count, throttle_rate) for _ in range(repeats))
    tracemalloc.start()
    publish_once(count, throttle_rate)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "records": count,
        "throttle_rate": throttle_rate,
        "records_per_second": round(count / best),
        "put_events_calls_per_record": round(calls / count, 4),
        "peak_memory_mib": round(peak / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args(argv)
    for throttle_rate in (0.0, 0.05):
        print(json.dumps(run(args.records, throttle_rate)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
