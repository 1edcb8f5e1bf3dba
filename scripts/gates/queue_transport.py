"""Every SQS queue refuses requests without TLS.

SQS accepts plain-HTTP requests unless the queue's policy denies them: AWS's "Amazon SQS security best
practices" (SQS Developer Guide, "Enforce encryption of data in transit") ask for a statement denying requests
whose `aws:SecureTransport` is false. A queue has one policy, so the deny sits in whichever policy the queue
has: the module's own TLS-only policy, or the delivery policy that lets EventBridge write to a target queue.
"""

from __future__ import annotations

import json
from typing import Any

from scripts.gates.finding import Finding
from scripts.tfeval import Evaluation

INSECURE = {"Bool": {"aws:SecureTransport": "false"}}


def _denies_insecure_transport(statement: dict[str, Any]) -> bool:
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    return (
        statement.get("Effect") == "Deny"
        and statement.get("Principal") in ("*", {"AWS": "*"})
        and "sqs:*" in actions
        and statement.get("Condition") == INSECURE
    )


def queues_without_tls_guard(evaluation: Evaluation) -> list[Finding]:
    guarded: set[str] = set()
    for resource in evaluation.of_type("aws_sqs_queue_policy"):
        document = json.loads(resource.values["policy"])
        for statement in document.get("Statement", []):
            if _denies_insecure_transport(statement):
                targets = statement.get("Resource")
                guarded.update(targets if isinstance(targets, list) else [targets])
    return [
        Finding(queue.address, "policy", "no statement denies sqs:* without TLS (aws:SecureTransport = false)")
        for queue in evaluation.of_type("aws_sqs_queue")
        if queue.values["arn"] not in guarded
    ]
