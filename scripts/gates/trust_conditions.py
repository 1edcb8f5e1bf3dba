"""Trust policies that AWS honours: a condition on a key the assuming service does not send never matches,
and the role can then never be assumed (every request through it fails, with no error at apply time).

The table below is what each service that assumes one of our roles documents sending in the request
context of its sts:AssumeRole. It is kept by hand, each entry with its source; a trust policy naming a
service missing from it fails the gate until someone looks the service up and adds it.
"""

from __future__ import annotations

from typing import Any

from scripts.gates.finding import Finding

SOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn"})
SENT_CONDITION_KEYS: dict[str, frozenset[str]] = {
    # Step Functions developer guide, "Creating an IAM role for your state machine": "Prevent cross-service
    # confused deputy issue" (aws:SourceArn, aws:SourceAccount in the role's trust policy).
    "states.amazonaws.com": SOURCE_KEYS,
    # EventBridge user guide, "Cross-service confused deputy prevention": for event bus rule targets
    # aws:SourceArn is the rule ARN; aws:SourceAccount the account.
    "events.amazonaws.com": SOURCE_KEYS,
    # EventBridge Scheduler user guide, "Confused deputy prevention": both keys in the execution role's trust.
    "scheduler.amazonaws.com": SOURCE_KEYS,
    # API Gateway documents no confused-deputy keys for an integration's credentials role, and it does not
    # send aws:SourceAccount when assuming one (aws-solutions-library-samples/
    # accelerated-intelligent-document-processing-on-aws#479, confirmed with test-invoke-method).
    "apigateway.amazonaws.com": frozenset(),
    # Lambda documents no confused-deputy keys for an execution role (Lambda developer guide, "Lambda
    # execution role"); the role is passed at CreateFunction by an identity that needs iam:PassRole.
    "lambda.amazonaws.com": frozenset(),
}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_trust_policy(document: dict[str, Any], where: str) -> list[Finding]:
    findings = []
    for index, statement in enumerate(_as_list(document.get("Statement"))):
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if not services:
            continue
        label = f"statement {statement.get('Sid') or f'#{index}'}"
        keys = {key.lower(): key for operator in (statement.get("Condition") or {}).values() for key in operator}
        for service in services:
            sent = SENT_CONDITION_KEYS.get(service)
            if sent is None:
                findings.append(
                    Finding(
                        where,
                        label,
                        f"no documented condition keys for {service}: look them up and add the service to SENT_CONDITION_KEYS",
                    )
                )
                continue
            for lowered, key in sorted(keys.items()):
                if lowered not in sent:
                    findings.append(
                        Finding(
                            where,
                            label,
                            f"{service} does not send {key} when it assumes a role: the role could never be assumed",
                        )
                    )
    return findings
