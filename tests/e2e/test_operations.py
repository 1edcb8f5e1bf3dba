"""What an operator sees of the running system (issue #31: make status), against the same deployment as the
other end-to-end tests."""

from __future__ import annotations

import json

from scripts.ops import status
from tests.e2e.system import System

KINDS = {"trigger-stream", "fanout", "workflow-failures", "consumer-async", "import-work", "pipeline", "export-async"}


def test_status_sees_every_dlq_and_a_parked_change(system: System) -> None:
    dlqs = system.outputs["dlqs"]
    assert set(dlqs) >= KINDS
    assert {kind for kind in dlqs if kind.startswith("rule-")} == {"rule-audit", "rule-paid"}
    sqs = system.client("sqs")
    fanout = dlqs["fanout"]["url"]
    before = {q.kind: q.messages for q in status.status(system.outputs, system.client).queues}
    assert set(before) == set(dlqs)  # every queue the output names exists and was read
    sqs.send_message(QueueUrl=fanout, MessageBody=json.dumps({"parked": "by the test"}))
    try:
        report = status.status(system.outputs, system.client)
        assert report.needs_attention
        [seen] = [q for q in report.queues if q.kind == "fanout"]
        assert seen.messages == before["fanout"] + 1
        assert seen.oldest_age_seconds is not None
    finally:
        for message in sqs.receive_message(QueueUrl=fanout, MaxNumberOfMessages=10).get("Messages", []):
            if json.loads(message["Body"]) == {"parked": "by the test"}:
                sqs.delete_message(QueueUrl=fanout, ReceiptHandle=message["ReceiptHandle"])
