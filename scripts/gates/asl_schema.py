"""State machine definitions checked against AWS's own ASL schema, with cfn-lint.

Why cfn-lint and not the npm `asl-validator`: cfn-lint (pinned in pyproject.toml with the rest of the dev
tools) carries the Step Functions definition schema from AWS's CloudFormation resource specification, which
AWS updates with the service, and it installs from PyPI with the rest of the toolchain (no Node.js step in
`make setup`). Its rule E3601 validates `Definition` of an `AWS::StepFunctions::StateMachine`, so each
definition is wrapped in a minimal template.

The schema does not follow transitions, so a `Next`, `Default` or `StartAt` naming no state of its scope
(which AWS refuses with `SCHEMA_VALIDATION_FAILED` at create time) is checked here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from cfnlint.api import ManualArgs
from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.runner import Runner

from scripts.gates.finding import Finding

TEMPLATE_ROLE = "arn:aws:iam::123456789012:role/asl-gate"


def _scopes(definition: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each state list with its own StartAt: the definition, Parallel branches and Map processors."""
    yield path, definition
    for name, state in definition.get("States", {}).items():
        for index, branch in enumerate(state.get("Branches", [])):
            yield from _scopes(branch, f"{path}.{name}.Branches[{index}]")
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _scopes(state[key], f"{path}.{name}.{key}")


def _targets(state: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    yield "Next", state.get("Next")
    yield "Default", state.get("Default")
    for index, choice in enumerate(state.get("Choices", [])):
        yield f"Choices[{index}].Next", choice.get("Next")
    for index, catcher in enumerate(state.get("Catch", [])):
        yield f"Catch[{index}].Next", catcher.get("Next")


def transition_findings(definition: dict[str, Any], where: str) -> list[Finding]:
    findings = []
    for path, scope in _scopes(definition, "$"):
        names = set(scope.get("States", {}))
        if scope.get("StartAt") not in names:
            findings.append(Finding(where, path, f"StartAt {scope.get('StartAt')!r} names no state of this scope"))
        for name, state in scope.get("States", {}).items():
            for field, target in _targets(state):
                if target is not None and target not in names:
                    findings.append(
                        Finding(where, f"{path}.{name}", f"{field} {target!r} names no state of this scope")
                    )
    return findings


def schema_findings(definition: dict[str, Any], where: str) -> list[Finding]:
    """cfn-lint's findings for the definition (E3601 and any other error on the wrapping resource)."""
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "StateMachine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"RoleArn": TEMPLATE_ROLE, "Definition": definition},
            }
        },
    }
    decoded, errors = decode_str(json.dumps(template))
    matches = errors or list(_runner().validate_template(decoded))
    return [Finding(where, "/".join(str(p) for p in m.path[4:]) or "$", f"{m.rule.id} {m.message}") for m in matches]


@cache
def _runner() -> Runner:
    """cfn-lint's runner with its rules loaded once per process (cfnlint.api.lint compiles its ~4,400 rule
    files again for every template: 0.37 s of the gates' 11 s per state machine)."""
    return Runner(ConfigMixIn(**ManualArgs(regions=["us-east-1"])))


def check_definition(definition: dict[str, Any], where: str) -> list[Finding]:
    return schema_findings(definition, where) + transition_findings(definition, where)
