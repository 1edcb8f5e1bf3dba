"""Every resource the provider tags can be tagged, and its tags read back, by the generated deployer policy.

The provider sends the environment's `default_tags` with the create call of every resource type whose schema
has `tags_all`, and reads the tags back on every refresh: a deployer without the tag actions on that
resource's ARN fails the first apply at that resource and every later plan (issue #27: the event source
mappings). This gate evaluates each environment's deployer policy as IAM would (wildcards, the account
variable resolved) for each such resource and each of its service's tag actions.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from scripts import deployer_policy
from scripts.gates.finding import Finding
from scripts.tfeval import Evaluation

ACCOUNT_VARIABLE = "${aws:PrincipalAccount}"


def allows(document: dict[str, Any], action: str, arn: str, account: str) -> bool:
    """An Allow statement of the document names the action and a resource pattern matching the ARN."""
    for statement in document.get("Statement", []):
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") != "Allow" or action not in actions:
            continue
        if any(fnmatch.fnmatchcase(arn, r.replace(ACCOUNT_VARIABLE, account)) for r in resources):
            return True
    return False


def untaggable(evaluation: Evaluation, document: dict[str, Any], where: str) -> list[Finding]:
    """A finding per tagged resource whose tag actions the document does not allow on its ARN."""
    context = deployer_policy.context_of(evaluation)
    findings = []
    tagged = deployer_policy.tagged_types()
    for resource in evaluation.resources:
        if resource.type not in tagged:
            continue
        actions, arns = deployer_policy.tag_grant(deployer_policy.tagged_arn(resource, context))
        for arn in arns:
            example = arn.replace("*", "x0")  # an id known only after create
            missing = [a for a in actions if not allows(document, a, example, evaluation.account)]
            if missing:
                reason = f"the deployer policy cannot tag or read the tags of {arn}: {', '.join(missing)} missing"
                findings.append(Finding(where, resource.address, reason))
    return findings


def check(evaluation: Evaluation, env: str, where: str) -> list[Finding]:
    """The environment's generated deployer policy, checked."""
    data = [(d.type, d.values) for d in evaluation.data]
    document = deployer_policy.policy(evaluation, data, name_prefix=deployer_policy.environment_prefix(env))
    return untaggable(evaluation, document, where)
