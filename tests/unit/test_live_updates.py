"""lambdas/live_updates: the routes, the token check and the broadcaster, on moto's DynamoDB and real bus events."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import rsa
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st
from live_updates import authorizer, broadcaster, connections, topics
from live_updates.store import TOPIC_INDEX, ConnectionsTable, Subscriber

from scripts.lambda_events import LambdaContext
from tests.conftest import REGION, create_table
from tests.unit.streams import published_event

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test"
KEY_ID = "k1"


def create_connections_table(name: str = "live-connections") -> str:
    """The connections table with the key schema and topic index live_updates.store reads."""
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "connectionId", "KeyType": "HASH"},
            {"AttributeName": "topic", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "connectionId", "AttributeType": "S"},
            {"AttributeName": "topic", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": TOPIC_INDEX,
                "KeySchema": [
                    {"AttributeName": "topic", "KeyType": "HASH"},
                    {"AttributeName": "connectionId", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["owner"]},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture
def live(aws: None, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """Routes a message as API Gateway hands it to the routes function; owner isolation on."""
    monkeypatch.setenv("CONNECTIONS_TABLE", create_connections_table())
    monkeypatch.setenv("ITEMS_TABLE", "items")
    monkeypatch.setenv("OWNER_ISOLATION", "true")
    monkeypatch.setenv("MAX_SUBSCRIPTIONS", "3")
    for cached in (connections.dynamodb, connections.table, broadcaster.table):
        cached.cache_clear()
    create_table("items")

    def route(route_key: str, connection_id: str, body: Any = None, owner: str | None = "alice") -> dict[str, Any]:
        event = {
            "requestContext": {
                "routeKey": route_key,
                "connectionId": connection_id,
                "authorizer": {"principalId": f"user-{owner}", "owner": owner},
            },
            "body": body if body is None or isinstance(body, str) else json.dumps(body),
        }
        answer = connections.handler(event, LambdaContext())
        return {"status": answer["statusCode"], "body": json.loads(answer["body"]) if answer["body"] else None}

    return route


def put_item(item_id: str, owner: str) -> None:
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName="items", Item={"id": {"S": item_id}, "owner": {"S": owner}, "version": {"N": "1"}}
    )


def runs_in_a_fresh_interpreter(script: str) -> None:
    """`script` passes in a new Python that has only lambdas/ on its path (what a function's cold start loads)."""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env={"PYTHONPATH": "lambdas"}, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_connection_subscribes_to_the_collection_and_to_its_own_items(live: Callable[..., dict[str, Any]]) -> None:
    put_item("o-1", "alice")
    assert live("$connect", "c1")["status"] == 200

    assert live("subscribe", "c1", {"action": "subscribe", "collection": "items"}) == {
        "status": 200,
        "body": {"type": "subscribed", "collection": "items"},
    }
    assert live("subscribe", "c1", {"action": "subscribe", "id": "o-1"})["body"] == {"type": "subscribed", "id": "o-1"}

    table = ConnectionsTable(boto3.client("dynamodb", region_name=REGION), "live-connections")
    assert [s.connection_id for s in table.subscribers("items@alice")] == ["c1"]
    assert [s.connection_id for s in table.subscribers("item:o-1")] == ["c1"]
    assert live("unsubscribe", "c1", {"action": "unsubscribe", "id": "o-1"})["body"] == {
        "type": "unsubscribed",
        "id": "o-1",
    }
    assert list(table.subscribers("item:o-1")) == []


def test_another_owners_item_is_refused_as_a_missing_one(live: Callable[..., dict[str, Any]]) -> None:
    put_item("o-2", "bob")
    live("$connect", "c1")

    other = live("subscribe", "c1", {"action": "subscribe", "id": "o-2"})
    missing = live("subscribe", "c1", {"action": "subscribe", "id": "o-404"})

    assert other["status"] == missing["status"] == 404
    assert other["body"] == {"type": "error", "error": "NotFound", "message": "No item with id o-2."}
    assert missing["body"]["message"] == "No item with id o-404."


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("not json", "JSON object"),
        ({"action": "subscribe"}, "exactly one"),
        ({"action": "subscribe", "collection": "orders"}, "only collection"),
        ({"action": "subscribe", "id": ""}, "1 to 128"),
    ],
)
def test_a_bad_message_gets_a_400_saying_what_was_wrong(
    live: Callable[..., dict[str, Any]], body: Any, says: str
) -> None:
    live("$connect", "c1")
    answer = live("subscribe", "c1", body)
    assert answer["status"] == 400
    assert answer["body"]["type"] == "error"
    assert says in answer["body"]["message"]


def test_unknown_actions_are_answered_with_the_ones_there_are(live: Callable[..., dict[str, Any]]) -> None:
    live("$connect", "c1")
    answer = live("$default", "c1", {"action": "shout"})
    assert answer["status"] == 400
    assert '"subscribe"' in answer["body"]["message"]


def test_subscriptions_per_connection_are_bounded(live: Callable[..., dict[str, Any]]) -> None:
    live("$connect", "c1")
    for index in range(3):
        put_item(f"o-{index}", "alice")
        assert live("subscribe", "c1", {"action": "subscribe", "id": f"o-{index}"})["status"] == 200
    put_item("o-9", "alice")
    refused = live("subscribe", "c1", {"action": "subscribe", "id": "o-9"})
    assert refused["status"] == 400
    assert "at most 3" in refused["body"]["message"]


def test_a_connect_without_an_owner_is_refused_under_isolation(live: Callable[..., dict[str, Any]]) -> None:
    assert live("$connect", "c1", owner=None)["status"] == 403


def test_disconnect_forgets_the_connection_and_every_subscription(live: Callable[..., dict[str, Any]]) -> None:
    put_item("o-1", "alice")
    live("$connect", "c1")
    live("subscribe", "c1", {"action": "subscribe", "collection": "items"})
    live("subscribe", "c1", {"action": "subscribe", "id": "o-1"})
    live("$disconnect", "c1")
    rows = boto3.client("dynamodb", region_name=REGION).scan(TableName="live-connections")["Items"]
    assert rows == []
    assert live("subscribe", "c1", {"action": "subscribe", "collection": "items"})["status"] == 410


# The broadcaster -----------------------------------------------------------------------------------------


class FakeConnectionsApi:
    """@connections as API Gateway answers it: 410 GoneException for a connection that is no longer there."""

    def __init__(self, gone: set[str]):
        self.gone = gone
        self.posted: dict[str, list[dict[str, Any]]] = {}

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        if ConnectionId in self.gone:
            raise ClientError({"Error": {"Code": "GoneException", "Message": "gone"}}, "PostToConnection")
        self.posted.setdefault(ConnectionId, []).append(json.loads(Data))


def test_a_change_reaches_its_subscribers_and_gone_connections_are_forgotten(
    live: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    put_item("o-1", "alice")
    for connection_id, owner in (("c-alice", "alice"), ("c-gone", "alice"), ("c-bob", "bob")):
        live("$connect", connection_id, owner=owner)
        live("subscribe", connection_id, {"action": "subscribe", "collection": "items"}, owner=owner)
    live("subscribe", "c-alice", {"action": "subscribe", "id": "o-1"})
    api = FakeConnectionsApi(gone={"c-gone"})
    monkeypatch.setattr(broadcaster, "connections_api", lambda: api)
    event = published_event(monkeypatch)  # orders/o-1 created, as the fan-out publishes it
    event["detail"]["newImage"]["owner"] = "alice"

    summary = broadcaster.handler(event, LambdaContext())

    assert summary["sent"] == 1  # subscribed twice (collection and item), sent once
    assert api.posted == {
        "c-alice": [{"type": "item.created", "id": "o-1", "version": None, "item": {"id": "o-1", "status": "PAID"}}]
    }
    assert summary["gone"] == 1
    remaining = boto3.client("dynamodb", region_name=REGION).scan(TableName="live-connections")["Items"]
    assert "c-gone" not in {row["connectionId"]["S"] for row in remaining}


def test_a_failed_post_fails_the_invocation_so_lambda_retries_it(
    live: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    live("$connect", "c1")
    live("subscribe", "c1", {"action": "subscribe", "collection": "items"})

    class Throttled(FakeConnectionsApi):
        def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
            raise ClientError({"Error": {"Code": "LimitExceededException", "Message": "slow down"}}, "Post")

    monkeypatch.setattr(broadcaster, "connections_api", lambda: Throttled(set()))
    event = published_event(monkeypatch)
    event["detail"]["newImage"]["owner"] = "alice"
    with pytest.raises(RuntimeError, match="retried by Lambda"):
        broadcaster.handler(event, LambdaContext())


@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.sampled_from(["alice", "bob", None])), max_size=30))
def test_recipients_are_each_subscriber_once_and_only_the_owners_under_isolation(
    subscribed: list[tuple[str, str | None]],
) -> None:
    subscribers = [Subscriber(connection_id, owner) for connection_id, owner in subscribed]
    chosen = broadcaster.recipients(subscribers, "alice", isolated=True)
    assert len(chosen) == len(set(chosen))
    assert set(chosen) == {c for c, owner in subscribed if owner == "alice"}
    assert set(broadcaster.recipients(subscribers, "alice", isolated=False)) == {c for c, _ in subscribed}


def test_delivery_keeps_at_most_the_bound_in_flight() -> None:
    in_flight, peak = 0, 0

    def post(connection_id: str) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        time.sleep(0.005)
        in_flight -= 1

    delivery = broadcaster.deliver([f"c{i}" for i in range(40)], post, parallel=4)
    assert delivery.sent == 40
    assert 1 <= peak <= 4


def test_an_item_too_large_for_one_message_is_sent_without_its_body() -> None:
    small = topics.message_of(
        "item.updated", {"eventName": "MODIFY", "keys": {"id": "a"}, "newImage": {"id": "a", "version": 2, "cost": 3}}
    )
    assert json.loads(topics.encoded(small)) == {
        "type": "item.updated",
        "id": "a",
        "version": 2,
        "item": {"id": "a", "version": 2},
    }
    large = topics.message_of(
        "item.updated",
        {"eventName": "MODIFY", "keys": {"id": "a"}, "newImage": {"id": "a", "version": 3, "text": "x" * 140_000}},
    )
    sent = topics.encoded(large)
    assert len(sent) < 200
    assert json.loads(sent) == {"type": "item.updated", "id": "a", "version": 3, "truncated": True}
    deleted = topics.message_of(
        "item.deleted", {"eventName": "REMOVE", "keys": {"id": "a"}, "oldImage": {"id": "a", "version": 3}}
    )
    assert deleted == {"type": "item.deleted", "id": "a", "version": 3}


# The authorizer ------------------------------------------------------------------------------------------

PUBLIC, PRIVATE = rsa.newkeys(1024)  # small and quick: the check is the same for Cognito's 2048-bit keys


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(claims: dict[str, Any], key: rsa.PrivateKey = PRIVATE, kid: str = KEY_ID, alg: str = "RS256") -> str:
    signing_input = f"{b64(json.dumps({'alg': alg, 'kid': kid}).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(rsa.sign(signing_input.encode(), key, 'SHA-256'))}"


def id_token(**overrides: Any) -> str:
    claims = {"sub": "u-1", "iss": ISSUER, "token_use": "id", "exp": time.time() + 600} | overrides
    return token({k: v for k, v in claims.items() if v is not None})


def connect_event(value: str) -> dict[str, Any]:
    return {"queryStringParameters": {"token": value}, "methodArn": "arn:aws:execute-api:eu-west-1:1:api/live/$connect"}


@pytest.fixture
def pool_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISSUER", ISSUER)
    monkeypatch.setenv("JWKS_URL", "https://keys.invalid/jwks.json")
    monkeypatch.setenv("OWNER_CLAIM", "sub")
    monkeypatch.setattr(authorizer, "keys", lambda url: {KEY_ID: PUBLIC})


def test_a_pool_token_is_allowed_this_connect_with_its_owner(pool_keys: None) -> None:
    decision = authorizer.authorize(connect_event(id_token()), time.time())
    assert decision["principalId"] == "u-1"
    assert decision["context"] == {"owner": "u-1"}
    assert decision["policyDocument"]["Statement"] == [
        {
            "Action": "execute-api:Invoke",
            "Effect": "Allow",
            "Resource": "arn:aws:execute-api:eu-west-1:1:api/live/$connect",
        }
    ]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: id_token(exp=time.time() - 1), "expired"),
        (lambda: id_token(iss="https://cognito-idp.eu-west-1.amazonaws.com/other"), "another pool"),
        (lambda: id_token(token_use="access"), "not an ID token"),
        (lambda: id_token(sub=None), "no sub claim"),
        (
            lambda: token({"sub": "u", "iss": ISSUER, "token_use": "id", "exp": time.time() + 60}, kid="k2"),
            "key the pool",
        ),
        (
            lambda: token(
                {"sub": "u", "iss": ISSUER, "token_use": "id", "exp": time.time() + 60}, key=rsa.newkeys(512)[1]
            ),
            "bad signature",
        ),
        (lambda: id_token()[:-4] + "AAAA", "bad signature"),
        (lambda: token({"sub": "u"}, alg="none"), "RS256"),
        (lambda: "not-a-jwt", "not a JWT"),
    ],
)
def test_anything_else_is_unauthorized(pool_keys: None, make: Callable[[], str], reason: str) -> None:
    with pytest.raises(authorizer.Unauthorized, match="Unauthorized") as refused:
        authorizer.authorize(connect_event(make()), time.time())
    assert reason in refused.value.reason


def test_the_token_check_needs_no_pyasn1(tmp_path: Any) -> None:
    """lambdas/requirements.txt packages rsa without pyasn1: the check must not import it."""

    script = (
        "import sys; sys.modules['pyasn1'] = None\n"
        "import base64, rsa\n"
        "from live_updates import authorizer\n"
        "public, private = rsa.newkeys(512)\n"
        "signature = rsa.sign(b'a.b', private, 'SHA-256')\n"
        "assert rsa.verify(b'a.b', signature, authorizer.public_key({'n': base64.urlsafe_b64encode(public.n.to_bytes(64, 'big')).decode(), 'e': 'AQAB'})) == 'SHA-256'\n"
    )
    runs_in_a_fresh_interpreter(script)


# The @connections client ---------------------------------------------------------------------------------


class ConnectionsServer:
    """@connections as API Gateway answers it, one answer per post in the order given, recording each request."""

    def __init__(self, answers: list[tuple[int, str | None]]):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.answers, self.requests = list(answers), []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append((self.path, dict(self.headers.items()), body))
                status, error_type = server.answers.pop(0)
                self.send_response(status)
                if error_type:
                    self.send_header("x-amzn-ErrorType", error_type)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        import threading

        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.http.server_address[1]}/live"


@pytest.fixture
def credentials() -> Any:
    from botocore.credentials import Credentials

    return Credentials("AKIDEXAMPLE", "secret", "session-token")


def test_a_post_is_signed_for_execute_api_and_sent_to_the_connections_path(credentials: Any) -> None:
    from live_updates.connections_api import ConnectionsApi

    server = ConnectionsServer([(200, None), (200, None)])
    api = ConnectionsApi(server.endpoint, "eu-west-1", credentials)
    api.post_to_connection(ConnectionId="L0SM9cOFvHcCIhw=", Data=b'{"type":"item.created"}')
    api.post_to_connection(ConnectionId="other=", Data=b"{}")  # on the same keep-alive connection
    (path, headers, body), _ = server.requests
    assert path == "/live/@connections/L0SM9cOFvHcCIhw%3D"
    assert body == b'{"type":"item.created"}'
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "session-token"


def test_gone_is_a_gone_exception_and_throttling_is_retried(credentials: Any) -> None:
    from live_updates.connections_api import ConnectionsApi

    server = ConnectionsServer([(410, "GoneException"), (429, "LimitExceededException"), (200, None)])
    api = ConnectionsApi(server.endpoint, "eu-west-1", credentials)
    with pytest.raises(ClientError) as gone:
        api.post_to_connection(ConnectionId="a=", Data=b"{}")
    assert gone.value.response["Error"]["Code"] == "GoneException"
    api.post_to_connection(ConnectionId="b=", Data=b"{}")  # 429, then sent
    assert len(server.requests) == 3


def test_each_entry_point_loads_only_its_own_module() -> None:
    """One zip, three functions: a cold start imports what that function runs."""

    script = (
        "import sys\n"
        "import live_updates.handler\n"
        "assert not {'live_updates.authorizer', 'live_updates.broadcaster', 'live_updates.connections', 'rsa'}"
        " & set(sys.modules), sorted(m for m in sys.modules if m.startswith(('live_updates', 'rsa')))\n"
    )
    runs_in_a_fresh_interpreter(script)
