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


def order(i: int, status: str) -> dict[str, Any]:
    """An order item of about 550 bytes of JSON: strings, integers, decimals, a set, a map and a list."""
    return {
        "id": f"o-{i}",
        "status": status,
        "amount": 150 + i % 7,
        "price": 19.99 + i % 5,
        "customer": {"id": f"c-{i % 97}", "name": "Ada Lovelace", "email": "ada@example.org", "tier": "gold"},
        "lines": [{"sku": f"SKU-{n}", "qty": n + 1, "unit": 4.5 + n} for n in range(4)],
        "tags": {"priority", "gift", "eu"},
        "note": "Leave at the door; ring twice. " * 3,
        "createdAt": "2026-11-26T09:58:12.345Z",
        "version": 3,
    }


def changes(count: int) -> list[dict[str, Any]]:
    """MODIFY changes of about 1.2 KB of JSON each (both images), the size the issue's figures used."""
    return [
        {
            "eventId": f"{i:032x}",
            "eventName": "MODIFY",
            "tableName": "orders",
            "keys": {"id": f"o-{i}"},
            "newImage": order(i, "PAID"),
            "oldImage": order(i, "PENDING"),
            "changedFields": ["status"],
            "sequenceNumber": f"{i:021d}",
            "approximateCreationTime": "2026-11-26T10:00:00.000Z",
        }
        for i in range(count)
    ]
