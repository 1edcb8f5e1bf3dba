"""Posts each item change on the bus to the connections subscribed to it (an EventBridge rule target).

For one event: the change (read back from S3 when the fan-out claim-checked it), the topics it concerns
(live_updates.topics.change_topics), their subscribers from the connections table's topic index, and one
post per connection through API Gateway's @connections API, `MAX_PARALLEL_POSTS` at a time. A connection
that answers GoneException is gone (closed without $disconnect reaching us, or expired): its rows are
deleted. Any other failure of a post fails the invocation, so Lambda retries it and, after its retries,
parks the event in the function's async DLQ (a connection may then see a change twice, never lose one).

Environment:
  CONNECTIONS_TABLE     the connections table
  CONNECTIONS_ENDPOINT  https://<api id>.execute-api.<region>.amazonaws.com/<stage> (the @connections API)
  OWNER_ISOLATION       "true": a collection subscriber only sees its owner's items
  MAX_PARALLEL_POSTS    posts in flight at once (default 32)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from common import aws_clients
from common.claim_check import resolve
from live_updates.connections_api import ConnectionsApi
from live_updates.store import ConnectionsTable, Subscriber
from live_updates.topics import change_topics, encoded, message_of, owner_of

logger = Logger()


@dataclass
class Delivery:
    sent: int = 0
    gone: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def recipients(subscribers: Iterable[Subscriber], owner: str | None, isolated: bool) -> list[str]:
    """Each subscribed connection once; with isolation only the item owner's (a second guard beside topics)."""
    chosen: dict[str, None] = {}
    for subscriber in subscribers:
        if isolated and subscriber.owner != owner:
            continue
        chosen.setdefault(subscriber.connection_id)
    return list(chosen)


def deliver(connection_ids: list[str], post: Callable[[str], None], parallel: int) -> Delivery:
    """Post to every connection, at most `parallel` at once; sort the answers into sent, gone and failed."""
    delivery = Delivery()

    def attempt(connection_id: str) -> tuple[str, str | None]:
        try:
            post(connection_id)
        except ClientError as error:
            return connection_id, error.response.get("Error", {}).get("Code", "ClientError")
        return connection_id, None

    if not connection_ids:
        return delivery
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(connection_ids)))) as pool:
        for connection_id, error in pool.map(attempt, connection_ids):
            if error is None:
                delivery.sent += 1
            elif error == "GoneException":
                delivery.gone.append(connection_id)
            else:
                delivery.failed.append((connection_id, error))
    return delivery


@cache
def table() -> ConnectionsTable:
    return ConnectionsTable(aws_clients.client("dynamodb"), os.environ["CONNECTIONS_TABLE"])


@cache
def connections_api() -> ConnectionsApi:
    session = aws_clients.session()
    return ConnectionsApi(
        os.environ["CONNECTIONS_ENDPOINT"], session.get_config_variable("region"), session.get_credentials()
    )


@cache
def s3() -> Any:
    return aws_clients.client("s3")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event.get("detail") or {}
    change = resolve(detail, s3()) if "payload" in detail else dict(detail)
    isolated = os.environ.get("OWNER_ISOLATION", "false") == "true"
    message = message_of(event["detail-type"], change)
    owner = owner_of(change)
    subscribers = [
        s for topic in change_topics(str(message["id"]), owner, isolated) for s in table().subscribers(topic)
    ]
    data = encoded(message)
    api = connections_api()
    started = time.perf_counter()
    delivery = deliver(
        recipients(subscribers, owner, isolated),
        lambda connection_id: api.post_to_connection(ConnectionId=connection_id, Data=data),
        int(os.environ.get("MAX_PARALLEL_POSTS", "32")),
    )
    for connection_id in delivery.gone:
        table().forget(connection_id)
    summary = {
        "id": message["id"],
        "sent": delivery.sent,
        "gone": len(delivery.gone),
        "bytes": len(data),
        "postMs": round((time.perf_counter() - started) * 1000, 1),  # every post of the change, answered
    }
    logger.info("broadcast", extra=summary | {"failed": len(delivery.failed)})
    if delivery.failed:
        raise RuntimeError(f"{len(delivery.failed)} posts failed, e.g. {delivery.failed[0]}: retried by Lambda")
    return summary
