"""What live updates mean, without AWS: topics a connection subscribes to, and the message a change becomes.

A connection subscribes to the collection (every item's changes) or to one item. Each subscription is a row
of the connections table keyed by (connectionId, topic); the table's topic index finds a topic's
subscribers. With owner isolation the collection is one topic per owner, so a change only ever reaches the
connections of its item's owner:

    items            the collection (no owner isolation)
    items@<owner>    the collection as one owner sees it
    item:<id>        one item

A change becomes one JSON message, `{"type": "item.created|item.updated|item.deleted", "id", "version",
"item"?}`. API Gateway refuses a message over 128 KB (its WebSocket quotas: "Message payload size 128 KB"),
so an item too large for one is sent without its body and `"truncated": true`: the client GETs it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

CONNECTION_TOPIC = "$connection"  # the row holding the connection itself (who it is), not a subscription
COLLECTION = "items"
MESSAGE_MAX_BYTES = 128 * 1024
# Attributes the table keeps for itself: never part of an item as the REST API returns it.
INTERNAL_ATTRIBUTES = frozenset({"cost", "owner", "document"})
TYPES = {"INSERT": "created", "MODIFY": "updated", "REMOVE": "deleted"}


class SubscriptionError(ValueError):
    """A subscribe or unsubscribe message the API refuses, with what was wrong."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"type": "error", "error": self.error, "message": self.message}


def collection_topic(owner: str | None) -> str:
    return COLLECTION if owner is None else f"{COLLECTION}@{owner}"


def item_topic(item_id: str) -> str:
    return f"item:{item_id}"


def requested_topic(message: Mapping[str, Any], owner: str | None) -> tuple[str, str | None]:
    """The topic a subscribe/unsubscribe message asks for, and the item id when it names one."""
    collection, item_id = message.get("collection"), message.get("id")
    if (collection is None) == (item_id is None):
        raise SubscriptionError(
            "BadRequest", 'Send either "collection": "items" or "id": "<item id>" (exactly one of them).'
        )
    if collection is not None:
        if collection != COLLECTION:
            raise SubscriptionError("BadRequest", f'No collection {collection!r}: the only collection is "items".')
        return collection_topic(owner), None
    if not isinstance(item_id, str) or not 1 <= len(item_id) <= 128:
        raise SubscriptionError("BadRequest", '"id" must be an item id: a string of 1 to 128 characters.')
    return item_topic(item_id), item_id


def change_topics(item_id: str, owner: str | None, isolated: bool) -> list[str]:
    """The topics whose subscribers see a change of this item."""
    return [collection_topic(owner if isolated else None), item_topic(item_id)]


def plain_item(image: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in image.items() if name not in INTERNAL_ATTRIBUTES}


def message_of(detail_type: str, change: Mapping[str, Any]) -> dict[str, Any]:
    """The message a change (common.change's shape, the bus event's detail) becomes for its subscribers."""
    image = change.get("newImage") or change.get("oldImage") or {}
    keys = change.get("keys") or {}
    message: dict[str, Any] = {
        "type": detail_type,
        "id": keys.get("id", image.get("id")),
        "version": image.get("version"),
    }
    if change.get("eventName") != "REMOVE" and change.get("newImage"):
        message["item"] = plain_item(change["newImage"])
    return message


def encoded(message: dict[str, Any]) -> bytes:
    """The message as sent: without its item when the whole would exceed API Gateway's message limit."""
    data = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) <= MESSAGE_MAX_BYTES:
        return data
    slim = {name: value for name, value in message.items() if name != "item"} | {"truncated": True}
    return json.dumps(slim, separators=(",", ":"), ensure_ascii=False).encode()


def owner_of(change: Mapping[str, Any]) -> str | None:
    image = change.get("newImage") or change.get("oldImage") or {}
    owner = image.get("owner")
    return owner if isinstance(owner, str) else None
