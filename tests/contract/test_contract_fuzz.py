"""Contract fuzzing of the CRUD API (schemathesis, every check it has) through the local stage's HTTP server.

Schemathesis reads the OpenAPI document exactly as Terraform renders it, generates valid and invalid
requests for every operation, sends them to the local runtime's stage (its HTTP handler, the API Gateway
emulator, the real crud.asl.json in moto) and checks each response: no 5xx, a status the operation
declares, a body and headers that match the declared schemas, valid data accepted and invalid data refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance, unsupported_method

from scripts.localrt.apigateway import stage_handler
from scripts.tfeval import crud_definition
from tests.contract.crud_client import CrudClient, build_crud

# Rendered once at import: schemathesis builds one test per operation from the document.
DEFINITION = crud_definition(table_name="items")
SCHEMA = schemathesis.openapi.from_dict(DEFINITION["openapi"])
# API Gateway ignores query parameters and headers an operation does not declare (as HTTP servers do), so a
# request carrying extra ones is not invalid data here; everything else schemathesis generates is.
SCHEMA.config.generation.update(allow_extra_parameters=False)
EXAMPLES_PER_OPERATION = 25  # 5 operations: 125 generated cases, plus schemathesis's explicit ones: ~300 requests a run

# Refusals of schema-valid requests that JSON Schema cannot express, each documented in crud_api's README:
# a cursor this API did not sign (400), an If-Match naming another version (412), a body over max_body_chars
# (413) or nested deeper than 32 levels (400).
SCHEMA_VALID_REFUSALS = {
    ("GET", "/items"): {400},
    ("POST", "/items"): {400, 413},
    ("GET", "/items/{id}"): set(),
    ("PUT", "/items/{id}"): {400, 412, 413},
    ("DELETE", "/items/{id}"): {412},
}


@pytest.fixture(scope="module")
def stage_url() -> Iterator[dict[str, Any]]:
    """A running stage, whose API the per-test fixture points at the current moto backend."""
    holder: dict[str, Any] = {}

    class Dispatch:
        def __getattr__(self, name: str) -> Any:
            return getattr(holder["api"], name)

    server = ThreadingHTTPServer(("127.0.0.1", 0), stage_handler(Dispatch(), "v1"))  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    holder["url"] = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield holder
    finally:
        server.shutdown()


@pytest.fixture
def stage(aws: None, stage_url: dict[str, Any]) -> CrudClient:
    crud = build_crud(DEFINITION)
    stage_url["api"] = crud.api
    return crud


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_response_honours_the_document(case: Case, stage: CrudClient, stage_url: dict[str, Any]) -> None:
    response = case.call(base_url=stage_url["url"])
    # API Gateway answers a method a resource does not have as it answers an unknown route (403 Missing
    # Authentication Token; this API maps it to a JSON 404), never 405: the local stage does the same.
    excluded = [unsupported_method]
    if response.status_code in SCHEMA_VALID_REFUSALS.get((case.method.upper(), case.path), set()):
        # A documented answer to a request the schema cannot tell apart from a good one: every other check
        # still applies (status declared, body and headers as documented).
        excluded.append(positive_data_acceptance)
    case.validate_response(response, excluded_checks=excluded)
