"""What the fan-out benchmark (scripts/bench.py) and its peers' comparison feed the publisher: realistic
changes and in-memory EventBridge and SQS stubs (EventBridge's can throttle a share of the entries)."""

from __future__ import annotations

import random
from typing import Any

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
