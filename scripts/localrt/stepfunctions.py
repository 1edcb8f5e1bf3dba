"""StartSyncExecution for EXPRESS state machines where the backend lacks it (moto).

Starts a named execution and waits for it, returning the real StartSyncExecution response shape,
so callers (the API Gateway emulator, tests) cannot tell the difference.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from botocore.exceptions import ClientError

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
    response = {
        "executionArn": arn,
        "stateMachineArn": state_machine_arn,
        "name": name,
        "startDate": described["startDate"].timestamp(),
        "status": described["status"],
        "input": input_,
        "inputDetails": {"included": True},
        "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
    }
    if "stopDate" in described:
        response["stopDate"] = described["stopDate"].timestamp()
    if described["status"] == "SUCCEEDED":
        response["output"] = described.get("output", "null")
        response["outputDetails"] = {"included": True}
    else:
        response["error"] = described.get("error", "States.Runtime")
        response["cause"] = described.get("cause", "")
    return response


def start_sync_or_error(client: Any, state_machine_arn: str, input_: str) -> dict[str, Any]:
    """start_sync_execution as API Gateway's AWS integration sees it: a service error is an integration error."""
    try:
        return start_sync_execution(client, state_machine_arn, input_)
    except ClientError as error:
        raise IntegrationError(
            error.response["ResponseMetadata"]["HTTPStatusCode"], dict(error.response["Error"])
        ) from error
