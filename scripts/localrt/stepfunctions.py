"""StartSyncExecution for EXPRESS state machines where the backend lacks it (moto).

Starts a named execution and waits for it, returning the real StartSyncExecution response shape,
so callers (the API Gateway emulator, tests) cannot tell the difference: over the API with a client
(`start_sync_execution`, polling DescribeExecution), or, where moto runs in this process (the local runtime),
on moto's backend itself (`start_sync_in_process`: no HTTP round trips, the execution awaited in memory).
"""

from __future__ import annotations

import threading
import time
import uuid
from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError
from moto.core.exceptions import JsonRESTError
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
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


_parse_cache_installed = threading.Lock()


def install_parse_cache() -> None:
    """moto's ASL interpreter parses a state machine's definition on every execution: ~100 ms for the CRUD
    state machine, a third of a local API request (make bench). Each definition is parsed once instead. The
    parsed program does not change while it runs: an execution keeps its state in its own environment, keyed
    per component (EvalComponent.heap_key), so executions, concurrent ones too, can share it. Once per process."""
    if not _parse_cache_installed.acquire(blocking=False):
        return
    parse = lru_cache(maxsize=128)(AmazonStateLanguageParser.parse)
    AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]
