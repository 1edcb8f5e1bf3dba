"""scripts/localrt/websocket.py on its own: $connect authorization, routing, two-way answers, throttling and
@connections, with stand-in functions (the e2e tests run the real ones)."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from scripts.localrt.lambda_workers import FunctionError
from scripts.localrt.ports import PortInUse, ensure_free, free_port
from scripts.localrt.websocket import LocalWebSocketApi, Route, WebSocketApi, signed

ROUTES = "arn:aws:lambda:eu-west-1:123456789012:function:routes"
AUTHORIZER = "arn:aws:lambda:eu-west-1:123456789012:function:authorizer"


def api(authorization: str = "CUSTOM", rate: float | None = None, burst: int | None = None) -> WebSocketApi:
    routes = {
        key: Route(key, ROUTES, authorization if key == "$connect" else "NONE", key in ("echo", "$default"))
        for key in ("$connect", "$disconnect", "echo", "$default")
    }
    return WebSocketApi(
        "a1b2c3d4e5",
        "live",
        routes,
        AUTHORIZER if authorization == "CUSTOM" else None,
        ("route.request.querystring.token",) if authorization == "CUSTOM" else (),
        rate,
        burst,
    )


class Functions:
    """The routes function and the authorizer as the server invokes them, recording each event."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, arn: str, event: dict[str, Any]) -> Any:
        self.events.append((arn, event))
        if arn == AUTHORIZER:
            token = event["queryStringParameters"]["token"]
            if token == "bad":
                raise FunctionError("Exception", "Unauthorized")
            effect = "Deny" if token == "denied" else "Allow"
            statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            return {"principalId": "u-1", "policyDocument": {"Statement": [statement]}, "context": {"owner": "u-1"}}
        route = event["requestContext"]["routeKey"]
        if route == "echo":
            return {"statusCode": 200, "body": json.dumps({"echo": json.loads(event["body"])["text"]})}
        if route == "$default":
            raise FunctionError("RuntimeError", "boom")
        return {"statusCode": 200}


@pytest.fixture
def served() -> Iterator[Callable[..., tuple[LocalWebSocketApi, Functions]]]:
    started: list[LocalWebSocketApi] = []

    def serve(spec: WebSocketApi) -> tuple[LocalWebSocketApi, Functions]:
        functions = Functions()
        server = LocalWebSocketApi(spec, functions, "eu-west-1", "123456789012", free_port(), free_port())
        server.start()
        started.append(server)
        return server, functions

    yield serve
    for server in started:
        server.stop()


def status_of(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=5).close()
    return refused.value.response.status_code


def test_connect_is_authorized_as_api_gateway_answers(served: Callable[..., Any]) -> None:
    server, functions = served(api())
    assert status_of(server.url) == 401  # no identity source: the authorizer does not run
    assert functions.events == []
    assert status_of(f"{server.url}?token=bad") == 401
    assert status_of(f"{server.url}?token=denied") == 403
    assert status_of(f"ws://127.0.0.1:{server.port}/other?token=good") == 403  # not the stage
    with connect(f"{server.url}?token=good", open_timeout=5):
        pass
    [authorizer_event] = [
        e for a, e in functions.events if a == AUTHORIZER and e["queryStringParameters"]["token"] == "good"
    ]
    assert authorizer_event["methodArn"] == "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/live/$connect"
    connected = [e for a, e in functions.events if a == ROUTES and e["requestContext"]["routeKey"] == "$connect"]
    assert connected[-1]["requestContext"]["authorizer"] == {"owner": "u-1", "principalId": "u-1"}


def test_messages_are_routed_by_action_and_two_way_routes_answer(served: Callable[..., Any]) -> None:
    server, functions = served(api())
    with connect(f"{server.url}?token=good", open_timeout=5) as client:
        client.send(json.dumps({"action": "echo", "text": "hi"}))
        assert json.loads(client.recv(timeout=5)) == {"echo": "hi"}
        client.send("not json")  # $default, whose function fails: API Gateway's own answer
        failed = json.loads(client.recv(timeout=5))
        assert failed["message"] == "Internal server error"
        assert set(failed) == {"message", "connectionId", "requestId"}
    disconnects: list[dict[str, Any]] = []
    deadline = time.monotonic() + 5  # the server runs $disconnect once it has seen the close
    while not disconnects and time.monotonic() < deadline:
        time.sleep(0.01)
        disconnects = [e for a, e in functions.events if e["requestContext"]["routeKey"] == "$disconnect"]
    assert len(disconnects) == 1
    assert disconnects[0]["requestContext"]["disconnectStatusCode"] == 1000


def test_an_aws_iam_connect_needs_a_signature(served: Callable[..., Any]) -> None:
    server, functions = served(api("AWS_IAM"))
    assert status_of(server.url) == 403
    assert functions.events == []


def test_the_stage_throttles_messages(served: Callable[..., Any]) -> None:
    server, _ = served(api("NONE", rate=0.001, burst=2))
    with connect(server.url, open_timeout=5) as client:  # the connect takes one token of two
        client.send(json.dumps({"action": "echo", "text": "1"}))
        assert json.loads(client.recv(timeout=5)) == {"echo": "1"}
        client.send(json.dumps({"action": "echo", "text": "2"}))
        assert json.loads(client.recv(timeout=5))["message"] == "Too Many Requests"


def test_connections_api_refuses_unsigned_calls_and_unknown_connections(served: Callable[..., Any]) -> None:
    server, _ = served(api("NONE"))
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.connections_port}/live/@connections/nobody%3D", data=b"{}", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert (refused.value.code, refused.value.headers["x-amzn-ErrorType"]) == (403, "ForbiddenException")
    status, _, error_type = server.manage("POST", "/live/@connections/x", {}, b"")
    assert (status, error_type) == (403, "ForbiddenException")
    status, _, error_type = server.manage("POST", "/other/@connections/x", {}, b"")
    assert (status, error_type) == (404, "NotFoundException")


def test_on_ministack_a_connections_call_needs_a_signature_only() -> None:
    server = LocalWebSocketApi(api("NONE"), Functions(), "eu-west-1", "123456789012", 1, 2, signed)
    assert server.manage("POST", "/live/@connections/x", {}, b"")[0] == 403
    signature = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=000000000000/20261206/eu-west-1/execute-api/aws4_request"
    }
    assert server.manage("POST", "/live/@connections/x", signature, b"")[:3:2] == (410, "GoneException")


def test_the_ports_are_held_from_listen_and_a_stop_that_never_served_lets_them_go() -> None:
    """The runtime binds both ports before it starts the Lambda workers; another process's runtime cannot take
    them meanwhile, and a client that connects before start() waits in the backlog instead of being refused."""
    port, connections_port = free_port(), free_port()
    server = LocalWebSocketApi(api("NONE"), Functions(), "eu-west-1", "123456789012", port, connections_port)
    server.listen()
    for held in (port, connections_port):
        with pytest.raises(PortInUse):
            ensure_free(held, "a later runtime")
    other = LocalWebSocketApi(api("NONE"), Functions(), "eu-west-1", "123456789012", port, free_port())
    with pytest.raises(PortInUse, match=rf"port {port} \(the WebSocket API\) is in use"):
        other.listen()
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    server.stop()
    for released in (port, connections_port):
        ensure_free(released, "a later runtime")
