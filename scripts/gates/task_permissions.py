"""Does a state machine's role allow every call its Task states make?

Step Functions calls AWS with the state machine's role, so a Task whose action or resource the role's
policies do not allow fails only at run time, on AWS (moto does not check it). This reads each Task of an
ASL definition (optimised integrations and `aws-sdk:` tasks), derives the IAM action and the ARN it will act
on (a DynamoDB query with `IndexName` acts on the index ARN, not the table's), and looks for an Allow
statement whose action and resource patterns cover it. Parameters given by path (`TableName.$`) are only
known at run time: their action must then be allowed on any resource the role names for it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scripts.gates.finding import Finding

OPTIMISED = {  # resource suffix after arn:aws:states::: -> IAM action (service integrations)
    "dynamodb:putItem": "dynamodb:PutItem",
    "dynamodb:getItem": "dynamodb:GetItem",
    "dynamodb:updateItem": "dynamodb:UpdateItem",
    "dynamodb:deleteItem": "dynamodb:DeleteItem",
    "sqs:sendMessage": "sqs:SendMessage",
    "sns:publish": "sns:Publish",
    "events:putEvents": "events:PutEvents",
    "states:startExecution": "states:StartExecution",
    "lambda:invoke": "lambda:InvokeFunction",
}
SDK = re.compile(r"^aws-sdk:(?P<service>[\w-]+):(?P<action>\w+)$")


@dataclass(frozen=True)
class Call:
    state: str
    action: str
    resource: str | None  # None: decided at run time


def _states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in definition.get("States", {}).items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _states(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _states(state[key])


def _parameter(parameters: dict[str, Any], name: str) -> str | None:
    """A static parameter value; None when it is given by path or is an unrendered template placeholder."""
    value = parameters.get(name)
    return value if isinstance(value, str) and "${" not in value else None


def _resource_of(action: str, parameters: dict[str, Any], region: str, account: str) -> str | None:
    service = action.split(":")[0]
    if service == "dynamodb":
        table = _parameter(parameters, "TableName")
        if table is None:
            return None
        arn = table if table.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{table}"
        index = parameters.get("IndexName")
        if "IndexName.$" in parameters:
            return None
        return f"{arn}/index/{index}" if isinstance(index, str) else arn
    if service == "sqs":
        url = _parameter(parameters, "QueueUrl")
        if url is None:
            return None
        queue_account, queue = url.rstrip("/").split("/")[-2:]
        return f"arn:aws:sqs:{region}:{queue_account}:{queue}"
    if service == "sns":
        return _parameter(parameters, "TopicArn")
    if service == "events":
        entries = parameters.get("Entries")
        buses = {e.get("EventBusName", "default") for e in entries} if isinstance(entries, list) else set()
        if len(buses) != 1 or not isinstance(next(iter(buses)), str):
            return None
        bus = next(iter(buses))
        return bus if bus.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{bus}"
    if service == "states":
        return _parameter(parameters, "StateMachineArn")
    if service == "lambda":
        return _parameter(parameters, "FunctionName")
    if service == "s3":
        bucket, key = _parameter(parameters, "Bucket"), _parameter(parameters, "Key")
        return None if bucket is None or key is None else f"arn:aws:s3:::{bucket}/{key}"
    return None


FUNCTION = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$")


def task_calls(definition: dict[str, Any], region: str, account: str) -> list[Call]:
    """Every AWS call the definition's Task states make, with the ARN each acts on where it is static."""
    calls = []
    for name, state in _states(definition):
        if state.get("Type") != "Task":
            continue
        resource = str(state.get("Resource", ""))
        if FUNCTION.match(resource):  # a Lambda function ARN as the resource: Step Functions invokes it
            calls.append(Call(name, "lambda:InvokeFunction", resource))
            continue
        prefix, _, integration = resource.partition(":::")
        if not (prefix.startswith("arn:aws") and prefix.endswith(":states")):
            continue  # an activity: not an integration we derive
        api = integration.split(".")[0]  # without .sync / .waitForTaskToken
        sdk = SDK.match(api)
        if api in OPTIMISED:
            action = OPTIMISED[api]
        elif sdk is not None:
            action = f"{sdk.group('service')}:{sdk.group('action')[0].upper()}{sdk.group('action')[1:]}"
        else:
            continue
        parameters = state.get("Parameters") or state.get("Arguments") or {}
        calls.append(Call(name, action, _resource_of(action, parameters, region, account)))
    return calls


def _allows(statement: dict[str, Any], action: str, resource: str | None) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    actions = statement.get("Action", [])
    actions = actions if isinstance(actions, list) else [actions]
    if not any(fnmatch.fnmatchcase(action.lower(), str(a).lower()) for a in actions):
        return False
    resources = statement.get("Resource", [])
    resources = resources if isinstance(resources, list) else [resources]
    if resource is None:
        return bool(resources)
    return any(fnmatch.fnmatchcase(resource, str(r)) for r in resources)


def uncovered_calls(
    definition: dict[str, Any], policies: list[dict[str, Any]], where: str, region: str, account: str
) -> list[Finding]:
    """A finding for each Task call that no statement of the role's policies allows."""
    statements = [s for p in policies for s in (p.get("Statement") or [])]
    return [
        Finding(
            where,
            f"state {call.state!r}",
            f"the role allows no {call.action} on {call.resource or 'any resource'}",
        )
        for call in task_calls(definition, region, account)
        if not any(_allows(s, call.action, call.resource) for s in statements)
    ]
