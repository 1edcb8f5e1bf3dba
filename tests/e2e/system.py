"""The system under test: the local runtime started here on free ports, or a deployed environment named by
E2E_OUTPUTS (`terraform output -json > outputs.json`, with AWS credentials, and AWS_ENDPOINT_URL for LocalStack,
in the environment). Each test module gets its own (pytest runs modules on two workers)."""

from __future__ import annotations

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

from scripts.localrt.__main__ import caller_headers
from scripts.localrt.runtime import LocalRuntime


@dataclass
class System:
    outputs: dict[str, Any]
    client: Callable[[str], Any]
    log_dir: Path | None = None  # function logs, when the functions run locally
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


def started_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    outputs_file = os.environ.get("E2E_OUTPUTS")
    if outputs_file:
        raw = json.loads(Path(outputs_file).read_text())
        outputs = {name: value.get("value", value) if isinstance(value, dict) else value for name, value in raw.items()}
        # A deployed COGNITO API: E2E_ID_TOKEN holds an ID token of its user pool (sign in with the app client).
        token = os.environ.get("E2E_ID_TOKEN")
        yield System(outputs, deployed_clients(), credentials={"Authorization": token} if token else {})
        return
    runtime = LocalRuntime(log_dir=tmp_path_factory.mktemp("e2e-runtime"))  # its own: tests run on two workers
    try:
        runtime.start()
    except Exception:
        runtime.stop()
        raise
    try:
        yield System(
            runtime.outputs, runtime.client, runtime.log_dir, credentials=caller_headers(runtime), runtime=runtime
        )
    finally:
        runtime.stop()
