"""Live updates (issue #32): clients subscribed over the WebSocket API see every change of an item as it happens,
and the example page shows them in a browser.

Against the running system (modules/live_updates' wire contract): connect with the REST API's token in
?token=, subscribe, change items through the REST API, read what arrives. Latency is measured by
`make bench` (live_updates), not asserted here.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from scripts.ops import watch
from tests.e2e.system import System, role_of, statement_removed

pytestmark = pytest.mark.long  # tens of seconds: collected first (tests/conftest.py)

RECEIVE_TIMEOUT = 15.0  # generous: this checks what arrives and in what order, never how fast


def live_url(system: System) -> str:
    url = system.outputs.get("live_updates_url")
    if not url:
        pytest.skip("this environment serves no live updates (settings.live_updates is off)")
    return str(url)


@contextmanager
def subscribed(system: System, *subjects: dict[str, str], token: str | None = None) -> Iterator[ClientConnection]:
    """A connection with the caller's token, subscribed to each subject ({"collection": "items"} or {"id": ...})."""
    token = token or system.credentials["Authorization"]
    with connect(f"{live_url(system)}?token={token}", open_timeout=10) as client:
        for subject in subjects:
            client.send(json.dumps({"action": "subscribe", **subject}))
            assert json.loads(client.recv(timeout=RECEIVE_TIMEOUT)) == {"type": "subscribed", **subject}
        yield client


def received(client: ClientConnection, until: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    """Messages until `until(all so far)` holds (or RECEIVE_TIMEOUT passes without one)."""
    messages: list[dict[str, Any]] = []
    while not until(messages):
        try:
            messages.append(json.loads(client.recv(timeout=RECEIVE_TIMEOUT)))
        except TimeoutError:
            break
    return messages


def of_item(item_id: str) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    return lambda messages: [m for m in messages if m.get("id") == item_id]


def test_a_subscriber_sees_create_update_and_delete_in_order(system: System) -> None:
    with subscribed(system, {"collection": "items"}) as client:
        status, created = system.request("POST", "/items", {"name": "live", "status": "PENDING", "amount": 5})
        assert status == 201
        mine = of_item(created["id"])
        [first] = received(client, lambda got: len(mine(got)) >= 1)
        assert first == {"type": "item.created", "id": created["id"], "version": 1, "item": created}

        with subscribed(system, {"id": created["id"]}) as item_client:
            status, paid = system.request(
                "PUT", f"/items/{created['id']}", {"name": "live", "status": "PAID", "amount": 5}, {"If-Match": '"1"'}
            )
            assert status == 200
            assert system.request("DELETE", f"/items/{created['id']}")[0] == 204
            changes = mine(received(client, lambda got: len(mine(got)) >= 2))
            item_changes = received(item_client, lambda got: len(got) >= 2)

    expected = [
        {"type": "item.updated", "id": created["id"], "version": 2, "item": paid},
        {"type": "item.deleted", "id": created["id"], "version": 2},
    ]
    assert changes == expected
    assert item_changes == expected  # the item's own subscribers see the same, and nothing of other items


def test_a_collection_subscriber_sees_every_items_changes(system: System) -> None:
    names = [f"many-{uuid.uuid4().hex[:6]}" for _ in range(3)]
    with subscribed(system, {"collection": "items"}) as client:
        ids = [
            system.request("POST", "/items", {"name": name, "status": "PENDING", "amount": 1})[1]["id"]
            for name in names
        ]
        got = received(client, lambda messages: set(ids) <= {m.get("id") for m in messages})
    assert {m["id"] for m in got if m["type"] == "item.created"} >= set(ids)


def test_connects_without_a_valid_token_are_refused(system: System) -> None:
    url = live_url(system)
    token = system.credentials["Authorization"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for query in ("", "?token=", "?token=not-a-token", f"?token={forged}"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{url}{query}", open_timeout=10).close()
        assert refused.value.response.status_code == 401, query


def test_a_message_the_api_does_not_know_is_answered_with_what_it_takes(system: System) -> None:
    with subscribed(system) as client:
        for sent in ('{"action": "shout"}', "not json"):
            client.send(sent)
            answer = json.loads(client.recv(timeout=RECEIVE_TIMEOUT))
            assert answer["type"] == "error"
            assert '"subscribe"' in answer["message"]
        client.send(json.dumps({"action": "subscribe", "collection": "orders"}))
        assert json.loads(client.recv(timeout=RECEIVE_TIMEOUT))["error"] == "BadRequest"


def test_a_connection_gone_without_disconnect_is_forgotten_at_its_next_message(system: System) -> None:
    """API Gateway delivers $disconnect on a best-effort basis: a connection can vanish with its rows left. The
    next change posted to it answers GoneException, and the broadcaster deletes its rows."""
    if system.runtime is None:
        pytest.skip("writes the connections table directly: needs the local runtime")
    assert system.runtime.evaluation is not None
    [table] = [
        t.values["name"]
        for t in system.runtime.evaluation.of_type("aws_dynamodb_table")
        if t.values["name"].endswith("-connections")
    ]
    dynamodb = system.client("dynamodb")
    ghost = f"ghost{uuid.uuid4().hex[:8]}="
    for topic in ("$connection", "items"):
        dynamodb.put_item(TableName=table, Item={"connectionId": {"S": ghost}, "topic": {"S": topic}})
    with subscribed(system, {"collection": "items"}) as client:
        created = system.request("POST", "/items", {"name": "ghost", "status": "PENDING", "amount": 1})[1]
        received(client, lambda got: len(of_item(created["id"])(got)) >= 1)  # the change was broadcast

    deadline = time.monotonic() + RECEIVE_TIMEOUT
    rows: list[Any] = [None]
    while rows and time.monotonic() < deadline:
        rows = dynamodb.query(
            TableName=table,
            KeyConditionExpression="connectionId = :c",
            ExpressionAttributeValues={":c": {"S": ghost}},
            ConsistentRead=True,
        )["Items"]
        time.sleep(0.2)
    assert rows == []


def test_make_watch_prints_each_change(system: System) -> None:
    """`make watch` (scripts/ops/watch.py): subscribes, then shows each change as it arrives."""
    shown: list[dict[str, Any]] = []
    created: dict[str, Any] = {}

    def show(message: dict[str, Any]) -> bool:
        shown.append(message)
        if message["type"] == "subscribed":  # now a change cannot be missed: make one
            created.update(system.request("POST", "/items", {"name": "watched", "status": "NEW", "amount": 2})[1])
        return message.get("id") == created.get("id")

    changes = watch.watch(live_url(system), system.credentials.get("Authorization"), seconds=RECEIVE_TIMEOUT, show=show)
    assert shown[0] == {"type": "subscribed", "collection": "items"}
    assert shown[-1] == {"type": "item.created", "id": created["id"], "version": 1, "item": created}
    assert changes == len(shown) - 1


def test_make_watch_refuses_a_bad_token_in_one_line(system: System) -> None:
    with pytest.raises(watch.NotWatched, match="refused the connection: 401"):
        watch.watch(live_url(system), "not-a-token", seconds=1)


def test_a_change_the_broadcaster_could_not_post_is_redriven_to_its_subscribers(system: System) -> None:
    """live-updates-async: a change still failing after Lambda's retries; make redrive invokes the broadcaster
    again with the same event, and the subscriber receives it."""
    from scripts.ops import redrive

    live_url(system)
    dlq = system.outputs["dlqs"]["live-updates-async"]
    broadcaster = dlq["name"].removesuffix("-async-failures")  # lambda_function names it so
    region, account = system.outputs["workflow_state_machine_arn"].split(":")[3:5]
    with subscribed(system, {"collection": "items"}) as client:
        item_id = f"parked-{uuid.uuid4().hex[:8]}"
        event = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "item.updated", "source": "app.items",
            "account": account, "time": "2026-12-06T10:00:00Z", "region": region, "resources": [],
            "detail": {"eventName": "MODIFY", "keys": {"id": item_id}, "newImage": {"id": item_id, "version": 3}},
        }  # fmt: skip
        system.client("sqs").send_message(
            QueueUrl=dlq["url"],
            MessageBody=json.dumps({
                "requestContext": {"functionArn": f"arn:aws:lambda:{region}:{account}:function:{broadcaster}:$LATEST"},
                "requestPayload": event,
                "responsePayload": {"errorType": "RuntimeError", "errorMessage": "1 posts failed"},
            }),
        )  # fmt: skip
        summary = redrive.redrive(system.outputs, system.client, "live-updates-async", 50)
        assert [r.outcome for r in summary.results] == ["redriven"]
        got = of_item(item_id)(received(client, lambda messages: len(of_item(item_id)(messages)) >= 1))
    assert got == [{"type": "item.updated", "id": item_id, "version": 3, "item": {"id": item_id, "version": 3}}]


def test_a_broadcaster_without_manage_connections_parks_the_change_and_redrive_delivers_it(system: System) -> None:
    """@connections is authorized as on AWS (SigV4, execute-api:ManageConnections on the connection): without the
    statement every post is refused, Lambda's retries fail too, and the change waits in live-updates-async; once
    the statement is back, make redrive delivers it to the subscriber."""
    from scripts.ops import redrive

    if not system.moto_engine:
        pytest.skip("removes a statement from a role of the local runtime (moto's IAM)")
    dlq = system.outputs["dlqs"]["live-updates-async"]
    role = role_of(system, "aws_lambda_function", "-live-broadcaster")
    with subscribed(system, {"collection": "items"}) as client:
        with statement_removed(system, role, "PostToConnections"):
            created = system.request("POST", "/items", {"name": "refused", "status": "NEW", "amount": 3})[1]
            parked = system.messages(dlq["url"], until=lambda got: len(got) >= 1, timeout=60)
            assert [m["requestPayload"]["detail"]["keys"] for m in parked] == [{"id": created["id"]}]
            assert "ForbiddenException" in parked[0]["responsePayload"]["errorMessage"]
            system.client("sqs").send_message(QueueUrl=dlq["url"], MessageBody=json.dumps(parked[0]))  # put back
        summary = redrive.redrive(system.outputs, system.client, "live-updates-async", 50)
        assert [r.outcome for r in summary.results] == ["redriven"]
        got = of_item(created["id"])(received(client, lambda messages: len(of_item(created["id"])(messages)) >= 1))
    assert [m["type"] for m in got] == ["item.created"]


# --- the example page (examples/live) in a real browser: Debian's chromium, headless, driven by selenium ---

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# As the machine notes say: without the background-networking switches chromium keeps dialling Google's hosts.
SWITCHES = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.skip("Debian's chromium and chromium-driver are not installed (make setup installs them as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for switch in SWITCHES:
        options.add_argument(switch)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_page_shows_a_new_item_without_a_reload(system: System, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    if system.runtime is None or not system.outputs.get("live_updates_url"):
        pytest.skip("the page is served by make local, with live updates on")
    assert isinstance(browser, WebDriver)
    browser.get(system.runtime.live_page_url)
    wait = WebDriverWait(browser, 20)
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "status"), "live"))
    name = f"page-{uuid.uuid4().hex[:8]}"
    before = browser.execute_script("return performance.timeOrigin")

    status, created = system.request("POST", "/items", {"name": name, "status": "PENDING", "amount": 7})
    assert status == 201
    row = wait.until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, f'tr[data-id="{created["id"]}"]'))
    )
    assert [cell.text for cell in row.find_elements(By.TAG_NAME, "td")] == [created["id"], name, "PENDING", "7", "1"]

    status, _ = system.request(
        "PUT", f"/items/{created['id']}", {"name": name, "status": "PAID", "amount": 7}, {"If-Match": '"1"'}
    )
    assert status == 200
    wait.until(lambda _: row.get_attribute("data-version") == "2")
    assert row.find_elements(By.TAG_NAME, "td")[2].text == "PAID"
    assert browser.execute_script("return performance.timeOrigin") == before  # the same page: never reloaded
