"""StartSyncExecution for EXPRESS state machines where the backend lacks it (moto).

Starts a named execution and waits for it, returning the real StartSyncExecution response shape,
so callers (the API Gateway emulator, tests) cannot tell the difference: over the API with a client
(`start_sync_execution`, polling DescribeExecution), or, where moto runs in this process (the local runtime),
on moto's backend itself (`start_sync_in_process`: no HTTP round trips, the execution awaited in memory).
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from functools import lru_cache
from typing import Any

import jsonpath_ng.ext
from botocore.exceptions import ClientError
from moto.core.exceptions import JsonRESTError
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.eval.states import States
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.responses import get_backend

from scripts.localrt.apigateway import IntegrationError


def start_sync_execution(
    client: Any, state_machine_arn: str, input_: str, name: str | None = None, timeout: float = 30.0
) -> dict[str, Any]:
    # Unnamed executions in moto get ARNs ending in ":None" and the second one collides.
    name = name or uuid.uuid4().hex
    arn = client.start_execution(stateMachineArn=state_machine_arn, name=name, input=input_)["executionArn"]
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        described = client.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            client.stop_execution(executionArn=arn, error="States.Timeout", cause="Timed out waiting for the execution")
            described = {**described, "status": "TIMED_OUT"}
            break
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    return _sync_response(described, state_machine_arn, input_)


def start_sync_or_error(client: Any, state_machine_arn: str, input_: str) -> dict[str, Any]:
    """start_sync_execution as API Gateway's AWS integration sees it: a service error is an integration error."""
    try:
        return start_sync_execution(client, state_machine_arn, input_)
    except ClientError as error:
        raise IntegrationError(
            error.response["ResponseMetadata"]["HTTPStatusCode"], dict(error.response["Error"])
        ) from error


def _sync_response(described: dict[str, Any], state_machine_arn: str, input_: str) -> dict[str, Any]:
    response = {
        "executionArn": described["executionArn"],
        "stateMachineArn": state_machine_arn,
        "name": described["name"],
        "startDate": described["startDate"].timestamp(),
        "status": str(getattr(described["status"], "value", described["status"])),  # moto's enum or a string
        "input": input_,
        "inputDetails": {"included": True},
        "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
    }
    if described.get("stopDate"):
        response["stopDate"] = described["stopDate"].timestamp()
    if response["status"] == "SUCCEEDED":
        response["output"] = described.get("output", "null")
        response["outputDetails"] = {"included": True}
    else:
        response["error"] = described.get("error", "States.Runtime")
        response["cause"] = described.get("cause", "")
    return response


def start_sync_in_process(
    account: str, region: str, state_machine_arn: str, input_: str, timeout: float = 30.0
) -> dict[str, Any]:
    """StartSyncExecution on the moto running in this process. A refusal (no such state machine, bad input)
    is an integration error, as the service's answer is to API Gateway."""
    backend: Any = get_backend(account, region)  # the parser backend (moto runs the ASL)
    try:
        execution = backend.start_execution(state_machine_arn, name=uuid.uuid4().hex, execution_input=input_)
    except JsonRESTError as error:  # moto's service errors (AWSError): the code and status the service answers
        raise IntegrationError(int(error.code), {"__type": error.error_type, "message": error.message}) from error
    deadline = time.monotonic() + timeout
    while execution.exec_status == ExecutionStatus.RUNNING:
        if time.monotonic() > deadline:
            timed_out = {**execution.to_describe_output(), "status": "TIMED_OUT", "error": "States.Timeout"}
            return _sync_response(timed_out, state_machine_arn, input_)
        time.sleep(0.001)  # in memory: a millisecond's wait costs nothing like a DescribeExecution call
    return _sync_response(dict(execution.to_describe_output()), state_machine_arn, input_)


_speedups_installed = threading.Lock()
IMMUTABLE = (str, int, float, bool, type(None))


def json_copy(value: Any) -> Any:
    """copy.deepcopy for JSON data, several times faster: dicts and lists rebuilt, immutable leaves shared,
    anything else deep-copied as before."""
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    if kind in IMMUTABLE:
        return value
    return copy.deepcopy(value)


def _extract(query: str | None, data: Any) -> Any:
    """moto's States._extract (a state reading its input or context), with json_copy for its deepcopy."""
    return json_copy(data if query is None else json_path.extract_json(query, data))


def speed_up_interpreter() -> None:
    """moto's ASL interpreter parses a state machine's definition on every execution: ~100 ms for the CRUD
    state machine, a third of a local API request (make bench). Each definition is parsed once instead. The
    parsed program does not change while it runs: an execution keeps its state in its own environment, keyed
    per component (EvalComponent.heap_key), so executions, concurrent ones too, can share it. Once per process."""
    if not _speedups_installed.acquire(blocking=False):
        return
    parse = lru_cache(maxsize=128)(AmazonStateLanguageParser.parse)
    AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]
    # It also parses every JSONPath again each time a state reads one, and jsonpath-ng builds a PLY parser per
    # parse (~4 ms of CPU: half of a quiet POST's time went there, yappi over 40 requests). A parsed path is a
    # read-only tree (find() and update_or_create() change the data, never the path): one per distinct path.
    # moto's EventBridge does the same for every input path of every target (it imports jsonpath_ng.ext.parse
    # inside the function, so the module's own name is the one to replace).
    ext_parse = lru_cache(maxsize=4096)(getattr(jsonpath_ng.ext, "parse"))  # noqa: B009  (not re-exported for mypy)
    setattr(jsonpath_ng.ext, "parse", ext_parse)  # noqa: B010
    setattr(json_path, "parse", ext_parse)  # noqa: B010
    setattr(result_path, "parse", lru_cache(maxsize=4096)(getattr(result_path, "parse")))  # noqa: B009, B010
    # And it deep-copies a state's whole input each time the state reads a path of it (14,000 times over 200
    # POSTs and their workflows, a third of the interpreter's CPU).
    States._extract = staticmethod(_extract)  # type: ignore[method-assign]
