"""`make watch`: item changes as they happen, over the live-updates WebSocket API (modules/live_updates).

Connects to the environment's `live_updates_url` with the caller's token (?token=, as the REST API takes it in
Authorization), subscribes to the collection or to one item, and prints each message as one JSON line until
FOR seconds have passed or Ctrl-C.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI
from websockets.sync.client import connect


class NotWatched(Exception):
    """Why the watch cannot start, in one line."""


def subject(item_id: str) -> dict[str, str]:
    return {"id": item_id} if item_id else {"collection": "items"}


def watch(
    url: str,
    token: str | None,
    item_id: str = "",
    seconds: float | None = None,
    show: Callable[[dict[str, Any]], bool | None] = lambda message: print(json.dumps(message), flush=True),
) -> int:
    """Messages received; returns when `seconds` pass (None: until the connection closes or Ctrl-C), or when
    `show` answers True for a message. The subscription's own answer is shown first."""
    address = f"{url}?token={token}" if token else url
    try:
        client = connect(address, open_timeout=10)
    except InvalidStatus as refused:
        status = refused.response.status_code
        hint = " (an expired token? export TOKEN=$(make -s token ENV=<env>))" if status in (401, 403) else ""
        raise NotWatched(f"the WebSocket API refused the connection: {status}{hint}") from None
    except (InvalidURI, OSError) as error:
        raise NotWatched(f"cannot connect to {url}: {error}") from None
    received = 0
    deadline = None if seconds is None else time.monotonic() + seconds
    with client:
        client.send(json.dumps({"action": "subscribe", **subject(item_id)}))
        try:
            while deadline is None or time.monotonic() < deadline:
                try:
                    text = client.recv(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    break
                message = json.loads(text)
                if message.get("type") == "error":
                    raise NotWatched(f"{message.get('error')}: {message.get('message')}")
                received += message.get("type") != "subscribed"
                if show(message):
                    break
        except ConnectionClosed:
            pass  # API Gateway ends a connection after 2 hours: the watch ends with it
    return received
