"""The CRUD API's rendered definition served by the local runtime's API Gateway stage over moto: the contract
tests speak HTTP-ish to it (template -> ASL -> DynamoDB -> template), as a client of the deployed API would."""

from __future__ import annotations

import json
from typing import Any

import boto3

from scripts.localrt.apigateway import Request, Response, RestApi
from scripts.localrt.stepfunctions import start_sync_or_error
from tests.conftest import REGION, create_state_machine, create_table


def moto_start_sync(state_machine_arn: str, input_: str) -> dict[str, Any]:
    return start_sync_or_error(boto3.client("stepfunctions", region_name=REGION), state_machine_arn, input_)


class CrudClient:
    """Speaks HTTP-ish to the emulated stage: every call goes template -> ASL -> DynamoDB -> template."""

    def __init__(self, api: RestApi, table: Any, state_machine_arn: str, definition: dict[str, Any]):
        self.api = api
        self.table = table
        self.state_machine_arn = state_machine_arn
        self.definition = definition

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Response:
        text = raw if raw is not None else (None if body is None else json.dumps(body, ensure_ascii=False))
        all_headers = {"Content-Type": "application/json"} if text is not None else {}
        all_headers.update(headers or {})
        return self.api.handle(Request(method, path, all_headers, query or {}, text))

    def stored(self) -> list[dict[str, Any]]:
        return self.table.scan(ConsistentRead=True)["Items"]


def lambda_authorizer(function_arn: str, result_ttl_in_seconds: int) -> dict[str, Any]:
    """crud_definition's custom_authorizer for a Lambda REQUEST authorizer of the Authorization header."""
    return {
        "uri": f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{function_arn}/invocations",
        "identity_sources": ["method.request.header.Authorization"],
        "result_ttl_in_seconds": result_ttl_in_seconds,
    }


def build_crud(definition: dict[str, Any], start_sync: Any = moto_start_sync, authorizers: Any = None) -> CrudClient:
    variables = definition["variables"]
    table = create_table(
        variables["table_name"],
        variables.get("owner_index_name") if variables.get("owner_claim") else None,
        definition.get("table_indexes"),
    )
    name = variables["state_machine_arn"].rsplit(":", 1)[-1]
    arn = create_state_machine(name, definition["asl"], "EXPRESS")
    assert arn == variables["state_machine_arn"], "the rendered API must point at the state machine under test"
    return CrudClient(
        RestApi(definition["openapi"], start_sync, stage="v1", domain="api.example.test", authorizers=authorizers),
        table,
        arn,
        definition,
    )
