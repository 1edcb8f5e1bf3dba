"""A Lambda authorizer of the environment runs in its worker and is invoked synchronously, as API Gateway does."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.localrt.authorizers import AuthorizerUnauthorized
from scripts.localrt.lambda_workers import (
    FunctionError,
    LambdaService,
    authorizer_functions,
    authorizer_invoker,
)
from scripts.localrt.ports import free_port
from scripts.localrt.runtime import ROOT

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:authz"
URI = f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{ARN}/invocations"
HANDLER = """
def handler(event, context):
    if event["headers"].get("authorization") == "boom":
        raise ValueError("broken")
    if event["headers"].get("authorization") != "letmein":
        raise Exception("Unauthorized")
    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": event["methodArn"]}
    return {"principalId": "ada", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
            "context": {"owner": "ada", "function": context.function_name}}
"""


@pytest.fixture
def authorizer(tmp_path: Path) -> Iterator[LambdaService]:
    package = tmp_path / "authz.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("authz/__init__.py", "")
        archive.writestr("authz/handler.py", HANDLER)
    port = free_port()
    spec = {
        "name": "authz",
        "arn": ARN,
        "handler": "authz.handler.handler",
        "zip_path": str(package),
        "timeout": 3,
        "region": "eu-west-1",
        "environment": {"AWS_DEFAULT_REGION": "eu-west-1"},
        "sources": [],
        "task_root": str(tmp_path / "task"),
        "invoke_port": port,
    }
    spec_path = tmp_path / "authz.json"
    spec_path.write_text(json.dumps(spec))
    log = spec_path.with_suffix(".log")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.localrt.worker", str(spec_path)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while '"message": "ready"' not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        service: Any = LambdaService.__new__(LambdaService)  # only its invocation side is exercised here
        service.invoke_ports, service.dormant = {ARN: port}, {}  # its worker is the one started above
        yield service
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_authorizer_runs_in_its_worker_and_unauthorized_is_a_401(authorizer: LambdaService) -> None:
    invoke = authorizer_invoker(authorizer)
    event = {"headers": {"authorization": "letmein"}, "methodArn": "arn:aws:execute-api:eu-west-1:1:api/v1/GET/items"}
    answer = invoke(URI, event)
    assert answer["principalId"] == "ada"
    assert answer["context"] == {"owner": "ada", "function": "authz"}
    with pytest.raises(AuthorizerUnauthorized):
        invoke(URI, {**event, "headers": {"authorization": "wrong"}})
    with pytest.raises(FunctionError, match="ValueError: broken"):  # API Gateway answers 500 (authorizers.py)
        invoke(URI, {**event, "headers": {"authorization": "boom"}})


def test_the_authorizer_functions_of_a_document_are_found_by_their_uri() -> None:
    document = {
        "components": {
            "securitySchemes": {
                "custom": {
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {"authorizerUri": URI},
                },
                "cognito": {"x-amazon-apigateway-authtype": "cognito_user_pools"},
            }
        }
    }
    assert authorizer_functions(document) == frozenset({ARN})
