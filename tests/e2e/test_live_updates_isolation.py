"""Live updates under owner isolation (issue #32): a connection only ever receives its owner's items.

envs/local keeps owner isolation off, so this module runs the local runtime (moto) on envs/local with
`settings.api.owner_claim = "sub"` added: a root written under build/ from envs/local's own files, nothing
copied into the repository.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.localrt import cognito
from scripts.localrt.__main__ import caller_headers
from scripts.localrt.runtime import LocalRuntime
from tests.e2e.system import System
from tests.e2e.test_live_updates import RECEIVE_TIMEOUT, of_item, received, subscribed

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "envs" / "local"


def isolated_root() -> Path:
    """envs/local with owner isolation on; under build/ so its evaluation is cached between runs."""
    root = ROOT / "build" / "e2e-roots" / "local-owner-isolation"
    root.mkdir(parents=True, exist_ok=True)
    modules = os.path.relpath(ROOT / "modules", root)
    for tf in sorted(LOCAL.glob("*.tf")):
        text = tf.read_text().replace('"../../modules/', f'"{modules}/')
        if not (root / tf.name).exists() or (root / tf.name).read_text() != text:
            (root / tf.name).write_text(text)
    tfvars = (LOCAL / "terraform.tfvars").read_text()
    assert "\nsettings = {\n" in tfvars, "envs/local/terraform.tfvars sets its settings in one object"
    isolated = tfvars.replace("\nsettings = {\n", '\nsettings = {\n  api = { owner_claim = "sub" }\n', 1)
    if not (root / "terraform.tfvars").exists() or (root / "terraform.tfvars").read_text() != isolated:
        (root / "terraform.tfvars").write_text(isolated)
    return root


@pytest.fixture(scope="module")
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    if os.environ.get("E2E_OUTPUTS") or os.environ.get("E2E_ENGINE", "moto") != "moto":
        pytest.skip("starts a local runtime of its own on moto (owner isolation on)")
    runtime = LocalRuntime(log_dir=tmp_path_factory.mktemp("e2e-isolated"), environment_root=isolated_root())
    try:
        runtime.start()
        yield System(runtime.outputs, runtime.client, runtime.log_dir, caller_headers(runtime), runtime)
    finally:
        runtime.stop()


def token_of(system: System, username: str) -> str:
    outputs = system.outputs
    tokens = cognito.sign_in(
        system.client("cognito-idp"), outputs["user_pool_id"], outputs["user_pool_client_id"], username
    )
    return tokens["IdToken"]


def test_a_connection_receives_nothing_of_another_owners_items(isolated: System) -> None:
    assert isolated.outputs["api_authorization"]["type"] == "COGNITO"
    other = token_of(isolated, f"other-{uuid.uuid4().hex[:6]}@example.com")
    with subscribed(isolated, {"collection": "items"}) as mine:
        status, theirs = isolated.request(
            "POST", "/items", {"name": "theirs", "status": "PENDING", "amount": 1}, {"Authorization": other}
        )
        assert status == 201
        status, own = isolated.request("POST", "/items", {"name": "mine", "status": "PENDING", "amount": 1})
        assert status == 201
        got = received(mine, lambda messages: len(of_item(own["id"])(messages)) >= 1)

        # Subscribing to their item is refused as GET answers for it: 404, the same as for no item at all.
        mine.send(json.dumps({"action": "subscribe", "id": theirs["id"]}))
        refused = json.loads(mine.recv(timeout=RECEIVE_TIMEOUT))
        mine.send(json.dumps({"action": "subscribe", "id": str(uuid.uuid4())}))
        missing = json.loads(mine.recv(timeout=RECEIVE_TIMEOUT))
    assert isolated.request("GET", f"/items/{theirs['id']}")[0] == 404
    assert refused == {"type": "error", "error": "NotFound", "message": f"No item with id {theirs['id']}."}
    assert missing["error"] == "NotFound"
    # Their change came first on the bus; the owner's own arrived, theirs never did.
    assert [m["id"] for m in got] == [own["id"]]


def test_their_own_subscription_sees_their_item(isolated: System) -> None:
    other = token_of(isolated, f"owner-{uuid.uuid4().hex[:6]}@example.com")
    with subscribed(isolated, {"collection": "items"}, token=other) as theirs:
        status, created = isolated.request(
            "POST", "/items", {"name": "theirs", "status": "PENDING", "amount": 1}, {"Authorization": other}
        )
        assert status == 201
        [message] = of_item(created["id"])(received(theirs, lambda got: len(of_item(created["id"])(got)) >= 1))
    assert message["type"] == "item.created"
    assert "owner" not in message["item"]  # the owner is the table's, never part of the item as sent
