"""The WebSocket API's routes on one function: $connect, $disconnect, subscribe, unsubscribe and $default.

$connect runs after the authorizer allowed the caller: it records the connection with the caller's identity
(the authorizer's principalId, and its `owner` when owner isolation is on). subscribe and unsubscribe answer
the client on the same connection (the routes are two-way: their route response returns this function's
body); $default answers a JSON error naming the actions there are.

With owner isolation, a subscription to an item of another owner is refused exactly as GET /items/{id}
answers for it: 404 NotFound, the same as for an item that does not exist, so a client learns nothing of
other owners' items.

Environment:
  CONNECTIONS_TABLE   the connections table (live_updates.store)
  ITEMS_TABLE         the items table (read only for an item subscription's owner, with isolation)
  OWNER_ISOLATION     "true" when every caller only sees its own items
  MAX_SUBSCRIPTIONS   subscriptions one connection may hold (default 100)
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from common import aws_clients
from live_updates.store import ConnectionsTable
from live_updates.topics import CONNECTION_TOPIC, SubscriptionError, requested_topic

logger = Logger()
ACTIONS = ("subscribe", "unsubscribe")


@cache
def dynamodb() -> Any:
    return aws_clients.client("dynamodb")


@cache
def table() -> ConnectionsTable:
    return ConnectionsTable(dynamodb(), os.environ["CONNECTIONS_TABLE"])


def isolated() -> bool:
    return os.environ.get("OWNER_ISOLATION", "false") == "true"


def answer(status: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"statusCode": status, "body": "" if body is None else json.dumps(body)}


def on_connect(connection_id: str, authorizer: dict[str, Any]) -> dict[str, Any]:
    owner = authorizer.get("owner") if isolated() else None
    if isolated() and not owner:  # the authorizer vouched for no owner: nothing could be shown to it
        logger.warning("connect refused: no owner", extra={"connectionId": connection_id})
        return answer(403, {"type": "error", "error": "Forbidden", "message": "The token carries no owner claim."})
    table().put(connection_id, CONNECTION_TOPIC, owner, principal=authorizer.get("principalId"))
    return answer(200)


def item_visible(item_id: str, owner: str | None) -> bool:
    """Whether the caller may see this item: it exists and is the caller's (only asked with isolation)."""
    found = dynamodb().get_item(
        TableName=os.environ["ITEMS_TABLE"],
        Key={"id": {"S": item_id}},
        ProjectionExpression="#owner",
        ExpressionAttributeNames={"#owner": "owner"},
    )
    stored = found.get("Item", {}).get("owner", {}).get("S")
    return stored is not None and stored == owner


def on_message(action: str, connection_id: str, body: str | None) -> dict[str, Any]:
    try:
        message = json.loads(body or "")
    except ValueError:
        message = None
    if not isinstance(message, dict):
        return answer(400, SubscriptionError("BadRequest", "The message must be a JSON object.").body())
    connection = table().connection(connection_id)
    if connection is None:
        return answer(410, {"type": "error", "error": "Gone", "message": "This connection is no longer known."})
    owner = connection.get("owner")
    try:
        topic, item_id = requested_topic(message, owner)
        if action == "subscribe":
            subscribe(connection_id, topic, item_id, owner)
        else:
            table().delete(connection_id, topic)
    except SubscriptionError as refused:
        return answer(404 if refused.error == "NotFound" else 400, refused.body())
    subject = {"collection": message["collection"]} if item_id is None else {"id": item_id}
    return answer(200, {"type": f"{action}d", **subject})


def subscribe(connection_id: str, topic: str, item_id: str | None, owner: str | None) -> None:
    if item_id is not None and isolated() and not item_visible(item_id, owner):
        raise SubscriptionError("NotFound", f"No item with id {item_id}.")
    limit = int(os.environ.get("MAX_SUBSCRIPTIONS", "100"))
    if table().subscription_count(connection_id) >= limit:
        raise SubscriptionError("BadRequest", f"A connection holds at most {limit} subscriptions.")
    table().put(connection_id, topic, owner)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event["requestContext"]
    route, connection_id = request["routeKey"], request["connectionId"]
    logger.append_keys(connectionId=connection_id, route=route)
    if route == "$connect":
        return on_connect(connection_id, request.get("authorizer") or {})
    if route == "$disconnect":
        logger.info("disconnected", extra={"rowsDeleted": table().forget(connection_id)})
        return answer(200)
    if route in ACTIONS:
        return on_message(route, connection_id, event.get("body"))
    return answer(
        400,
        {
            "type": "error",
            "error": "BadRequest",
            "message": 'Unknown action: send {"action": "subscribe" or "unsubscribe", "collection": "items"} '
            'or {"action": ..., "id": "<item id>"}.',
        },
    )
