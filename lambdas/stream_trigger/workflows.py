"""The workflows one stream reader starts: which changes each takes and what input each receives.

WORKFLOWS is JSON, checked at cold start (a bad value fails the init naming its path):

    {"<name>": {"stateMachineArn": "arn:aws:states:...:stateMachine:orders",
                "eventNames": ["INSERT", "MODIFY"],              # default: all three
                "conditions": {"field": "status", "changedTo": "PAID"},   # see conditions.py; default: all
                "input": {"orderId": "keys.id", "status": "newImage.status", "changed": "changedFields"}}}

`input` maps workflow-input keys to dotted paths into the change (its top-level fields: eventId, eventName,
tableName, keys, newImage, oldImage, changedFields, sequenceNumber, approximateCreationTime). A path that
does not resolve for a change gives null. Without `input` the workflow receives the whole change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from common.change import EVENT_NAMES
from common.settings import ConfigurationError
from stream_trigger.conditions import ConditionError, Predicate, parse_conditions

STATE_MACHINE_ARN = re.compile(r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$")
WORKFLOW_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CHANGE_FIELDS = frozenset(
    {
        "eventId",
        "eventName",
        "tableName",
        "keys",
        "newImage",
        "oldImage",
        "changedFields",
        "sequenceNumber",
        "approximateCreationTime",
    }
)
KNOWN_SETTINGS = frozenset({"stateMachineArn", "eventNames", "conditions", "input"})


@dataclass(frozen=True)
class Workflow:
    name: str
    state_machine_arn: str
    event_names: frozenset[str]
    matches: Predicate
    input_paths: tuple[tuple[str, tuple[str, ...]], ...] | None  # None: the whole change

    def wants(self, change: Mapping[str, Any]) -> bool:
        return change["eventName"] in self.event_names and self.matches(change)

    def input_for(self, change: Mapping[str, Any]) -> Any:
        if self.input_paths is None:
            return change
        return {key: _resolve(change, path) for key, path in self.input_paths}


def _resolve(value: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _parse_input(mapping: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    if mapping is None:
        return None
    if not isinstance(mapping, dict) or not mapping:
        raise ConfigurationError(f"{where}: must be a non-empty object of input key -> change path")
    parsed = []
    for key, path in mapping.items():
        if not isinstance(path, str) or not all(path.split(".")):
            raise ConfigurationError(f"{where}.{key}: must be a dotted path such as newImage.status, got {path!r}")
        parts = tuple(path.split("."))
        if parts[0] not in CHANGE_FIELDS:
            raise ConfigurationError(
                f"{where}.{key}: {parts[0]!r} is not a field of a change ({', '.join(sorted(CHANGE_FIELDS))})"
            )
        parsed.append((key, parts))
    return tuple(parsed)


def _parse_workflow(name: str, settings: Any) -> Workflow:
    where = f"WORKFLOWS.{name}"
    if not WORKFLOW_NAME.match(name):
        raise ConfigurationError(f"{where}: a workflow name is 1-64 letters, digits, '-' or '_'")
    if not isinstance(settings, dict):
        raise ConfigurationError(f"{where}: must be an object")
    unknown = sorted(set(settings) - KNOWN_SETTINGS)
    if unknown:
        raise ConfigurationError(f"{where}: unknown setting(s) {unknown}")
    arn = settings.get("stateMachineArn", "")
    if not isinstance(arn, str) or not STATE_MACHINE_ARN.match(arn):
        raise ConfigurationError(f"{where}.stateMachineArn: must be a state machine ARN, got {arn!r}")
    names = settings.get("eventNames", list(EVENT_NAMES))
    if not isinstance(names, list) or not names or not set(names) <= set(EVENT_NAMES):
        raise ConfigurationError(f"{where}.eventNames: must be a non-empty subset of {list(EVENT_NAMES)}")
    try:
        matches = parse_conditions(None if settings.get("conditions") is None else json.dumps(settings["conditions"]))
    except ConditionError as error:
        raise ConfigurationError(f"{where}.{str(error).replace('CONDITIONS', 'conditions', 1)}") from error
    return Workflow(name, arn, frozenset(names), matches, _parse_input(settings.get("input"), f"{where}.input"))


def parse_workflows(text: str | None) -> tuple[Workflow, ...]:
    """The workflows of WORKFLOWS, in a stable order (by name)."""
    if not text:
        raise ConfigurationError("WORKFLOWS: required (JSON object of workflow name -> settings)")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ConfigurationError(f"WORKFLOWS: not JSON ({error})") from error
    if not isinstance(document, dict) or not document:
        raise ConfigurationError("WORKFLOWS: must be a non-empty JSON object of workflow name -> settings")
    return tuple(_parse_workflow(name, document[name]) for name in sorted(document))
