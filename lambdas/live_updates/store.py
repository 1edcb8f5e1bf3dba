"""The connections table: one row per connection (topic `$connection`) and one per subscription.

Key: connectionId (partition) and topic (sort). The topic index (partition topic, sort connectionId, with
`owner` projected) finds a topic's subscribers. Every row expires (TTL attribute `expiresAt`) a little after
API Gateway's longest connection (2 hours, its WebSocket quotas), so a connection whose $disconnect never ran
leaves nothing behind for long; the broadcaster deletes it sooner when a post answers GoneException.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from live_updates.topics import CONNECTION_TOPIC

TOPIC_INDEX = "topic-index"
CONNECTION_LIFETIME_SECONDS = 2 * 3600 + 300
BATCH_WRITE_MAX = 25  # DynamoDB BatchWriteItem takes at most 25 requests


@dataclass
class Subscriber:
    connection_id: str
    owner: str | None


@dataclass
class ConnectionsTable:
    client: Any  # botocore DynamoDB client
    name: str

    def _expires_at(self) -> dict[str, str]:
        return {"N": str(int(time.time()) + CONNECTION_LIFETIME_SECONDS)}

    def put(self, connection_id: str, topic: str, owner: str | None, principal: str | None = None) -> None:
        item: dict[str, Any] = {
            "connectionId": {"S": connection_id},
            "topic": {"S": topic},
            "expiresAt": self._expires_at(),
        }
        if owner is not None:
            item["owner"] = {"S": owner}
        if principal is not None:
            item["principal"] = {"S": principal}
        self.client.put_item(TableName=self.name, Item=item)

    def connection(self, connection_id: str) -> dict[str, Any] | None:
        answer = self.client.get_item(
            TableName=self.name,
            Key={"connectionId": {"S": connection_id}, "topic": {"S": CONNECTION_TOPIC}},
            ConsistentRead=True,
        )
        item = answer.get("Item")
        if item is None:
            return None
        return {name: next(iter(value.values())) for name, value in item.items()}

    def subscription_count(self, connection_id: str) -> int:
        answer = self.client.query(
            TableName=self.name,
            KeyConditionExpression="connectionId = :c",
            ExpressionAttributeValues={":c": {"S": connection_id}},
            Select="COUNT",
        )
        return max(int(answer["Count"]) - 1, 0)  # the connection's own row is not a subscription

    def delete(self, connection_id: str, topic: str) -> None:
        self.client.delete_item(TableName=self.name, Key={"connectionId": {"S": connection_id}, "topic": {"S": topic}})

    def forget(self, connection_id: str) -> int:
        """Delete the connection and its subscriptions; how many rows went."""
        topics = list(self._topics_of(connection_id))
        for start in range(0, len(topics), BATCH_WRITE_MAX):
            requests = [
                {"DeleteRequest": {"Key": {"connectionId": {"S": connection_id}, "topic": {"S": topic}}}}
                for topic in topics[start : start + BATCH_WRITE_MAX]
            ]
            pending: dict[str, Any] = {self.name: requests}
            while pending:  # unprocessed deletes are retried: a forgotten row would keep receiving
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return len(topics)

    def _topics_of(self, connection_id: str) -> Iterator[str]:
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.name,
            KeyConditionExpression="connectionId = :c",
            ExpressionAttributeValues={":c": {"S": connection_id}},
            ProjectionExpression="topic",
            ConsistentRead=True,
        ):
            for item in page["Items"]:
                yield item["topic"]["S"]

    def subscribers(self, topic: str) -> Iterator[Subscriber]:
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.name,
            IndexName=TOPIC_INDEX,
            KeyConditionExpression="topic = :t",
            ExpressionAttributeValues={":t": {"S": topic}},
        ):
            for item in page["Items"]:
                owner = item.get("owner", {}).get("S")
                yield Subscriber(item["connectionId"]["S"], owner)
