"""The system under test: the local runtime started here on free ports, or a deployed environment named by
E2E_OUTPUTS (`terraform output -json > outputs.json`, with AWS credentials, and AWS_ENDPOINT_URL for LocalStack,
in the environment). Each test module gets its own (pytest runs modules on two workers)."""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import localstack_client.session
import pytest

from scripts.localrt import ministack
from scripts.localrt.__main__ import caller_headers
from scripts.localrt.runtime import LocalRuntime


@dataclass
class System:
    outputs: dict[str, Any]
    client: Callable[[str], Any]
    log_dir: Path | None = None  # function logs, when our workers run the functions (the moto engine)
    credentials: dict[str, str] = field(default_factory=dict)  # headers every request carries (token, API key)
    runtime: LocalRuntime | None = None  # when the system runs here

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        anonymous: bool = False,
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **({} if anonymous else self.credentials), **(headers or {})}
        request = urllib.request.Request(
            f"{self.outputs['api_url']}{path}", data=data, headers=all_headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read().decode() or "null")

    @property
    def moto_engine(self) -> bool:
        """The local runtime on moto, with our workers and IAM enforced (not ministack, not a deployment)."""
        return self.runtime is not None and self.runtime.engine == "moto"

    def skip_on_engine_gap(self, gap: str) -> None:
        """Skips on ministack, naming a gap of that engine (README's engine table; tests/localrt/test_ministack.py
        reproduces each and fails once ministack closes it)."""
        if self.runtime is not None and self.runtime.engine == "ministack":
            pytest.skip(f"ministack gap: {gap}")

    def function_log(self, function_name: str) -> str:
        """A function's log: the worker's file on the moto engine, else CloudWatch Logs (ministack, AWS)."""
        if self.log_dir is not None:
            path = self.log_dir / f"{function_name}.log"
            return path.read_text() if path.exists() else ""
        logs = self.client("logs")
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function_name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return ""
        return "\n".join(event["message"].strip() for event in events)

    def messages(self, queue_url: str, until: Callable[[list[Any]], bool], timeout: float = 30.0) -> list[Any]:
        """Receives (and deletes) messages until `until(all so far)` holds or time runs out."""
        sqs, received = self.client("sqs"), []
        deadline = time.monotonic() + timeout
        while not until(received) and time.monotonic() < deadline:
            for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                "Messages", []
            ):
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return received

    def executions(self, arn: str, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            listed = sfn.list_executions(stateMachineArn=arn)["executions"]
            done = [e for e in listed if e["status"] != "RUNNING"]
            if len(done) >= count or time.monotonic() > deadline:
                return [sfn.describe_execution(executionArn=e["executionArn"]) for e in done]
            time.sleep(0.2)


def deployed_clients() -> Callable[[str], Any]:
    """Clients for a deployed environment: localstack-client's for LocalStack (make e2e TARGET=localstack sets
    E2E_TARGET and AWS_ENDPOINT_URL, which it honours), boto3's default chain for AWS."""
    if os.environ.get("E2E_TARGET") == "localstack":
        session = localstack_client.session.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=os.environ["AWS_DEFAULT_REGION"]
        )
        return lambda service: session.client(service)
    return lambda service: boto3.client(service)


def started_system(tmp_path_factory: pytest.TempPathFactory, engine: str = "moto") -> Iterator[System]:
    outputs_file = os.environ.get("E2E_OUTPUTS")
    if outputs_file:
        raw = json.loads(Path(outputs_file).read_text())
        outputs = {name: value.get("value", value) if isinstance(value, dict) else value for name, value in raw.items()}
        # A deployed COGNITO API: E2E_ID_TOKEN holds an ID token of its user pool (sign in with the app client).
        token = os.environ.get("E2E_ID_TOKEN")
        yield System(outputs, deployed_clients(), credentials={"Authorization": token} if token else {})
        return
    # Its own runtime (tests run on two workers), on the engine asked for.
    runtime = LocalRuntime(log_dir=tmp_path_factory.mktemp(f"e2e-{engine}"), engine=engine)
    try:
        runtime.start()
    except ministack.EngineMissing as missing:
        runtime.stop()
        pytest.skip(f"ministack engine: {missing}")
    except Exception:
        runtime.stop()
        raise
    try:
        yield System(
            runtime.outputs,
            runtime.client,
            runtime.log_dir if runtime.engine == "moto" else None,  # ministack's function logs: CloudWatch Logs
            credentials=caller_headers(runtime),
            runtime=runtime,
        )
    finally:
        runtime.stop()


def dead_letter_keys(message: dict[str, Any]) -> Any:
    """The item keys of a fan-out dead letter (the whole change, or its keys when the change was too large)."""
    return message.get("keys") or message.get("change", {}).get("keys")


@contextlib.contextmanager
def statement_removed(system: System, role: str, sid: str) -> Iterator[None]:
    """The role's inline policy without one statement, restored afterwards."""
    iam = system.client("iam")
    [policy_name] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    stored = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    document = stored if isinstance(stored, dict) else json.loads(stored)
    without = {**document, "Statement": [s for s in document["Statement"] if s.get("Sid") != sid]}
    assert len(without["Statement"]) == len(document["Statement"]) - 1, f"{role} has no statement {sid}"
    iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(without))
    try:
        yield
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(document))


def function_named(system: System, name_suffix: str) -> str:
    """The name of the environment's function whose name ends with name_suffix."""
    assert system.runtime is not None
    assert system.runtime.evaluation is not None
    functions = system.runtime.evaluation.of_type("aws_lambda_function")
    [name] = [f.values["function_name"] for f in functions if f.values["function_name"].endswith(name_suffix)]
    return str(name)


def role_of(system: System, kind: str, name_suffix: str) -> str:
    """The role name of the environment's function or state machine whose name ends with name_suffix."""
    assert system.runtime is not None
    assert system.runtime.evaluation is not None
    name_field = "function_name" if kind == "aws_lambda_function" else "name"
    [values] = [r.values for r in system.runtime.evaluation.of_type(kind) if r.values[name_field].endswith(name_suffix)]
    return str(values["role"] if kind == "aws_lambda_function" else values["role_arn"]).rsplit("/", 1)[-1]
