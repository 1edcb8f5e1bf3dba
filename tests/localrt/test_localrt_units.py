"""Small pieces of the local runtime and the gates, checked on their own."""

from __future__ import annotations

import collections
import copy
import http.client
import json
import random
import socket
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto.sqs.models import sqs_backends

from scripts.gates.task_permissions import task_calls, uncovered_calls
from scripts.localrt import moto_costs, ports, stepfunctions
from scripts.localrt.apigateway import Request, RestApi, TokenBucket, stage_handler
from scripts.localrt.stepfunctions import json_copy
from scripts.localrt.vtl import Util, json_path
from scripts.tfeval import render_template

pytestmark = pytest.mark.long  # tens of seconds: collected first (tests/conftest.py)

REGION, ACCOUNT = "eu-west-1", "123456789012"


def test_vtl_util_round_trips_as_api_gateway_documents_it() -> None:
    util = Util()
    assert util.urlEncode("a b&c=d/é") == "a+b%26c%3Dd%2F%C3%A9"
    assert util.urlDecode(util.urlEncode("a b&c=d/é")) == "a b&c=d/é"
    assert util.base64Decode(util.base64Encode("héllo")) == "héllo"
    assert util.parseJson('{"a": [1, 2]}') == {"a": [1, 2]}
    assert util.escapeJavaScript(None) == ""


@pytest.mark.parametrize(
    ("path", "expected"),
    [("$", {"a": {"b": [10, 20]}}), ("$.a.b.1", 20), ("$['a']['b']", [10, 20]), ("$.a.b.5", None), ("$.a.x.y", None)],
)
def test_json_path_subset(path: str, expected: Any) -> None:
    assert json_path({"a": {"b": [10, 20]}}, path) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("%{ if x }y%{ endif }", "template directives and escapes are not supported"),
        ("${upper(name)}", "only ${name} placeholders are supported"),
        ("${missing}", "no value for template variable 'missing'"),
    ],
)
def test_template_renderer_refuses_what_it_would_mis_render(tmp_path: Path, text: str, error: str) -> None:
    template = tmp_path / "t.tftpl"
    template.write_text(text)
    with pytest.raises((ValueError, KeyError), match=error.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")):
        render_template(template, {"name": "x"})


def task(resource: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}},
    }


@pytest.mark.parametrize(
    ("resource", "parameters", "action", "arn"),
    [
        (
            "arn:aws:states:::sns:publish",
            {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:t", "Message.$": "$"},
            "sns:Publish",
            f"arn:aws:sns:{REGION}:{ACCOUNT}:t",
        ),
        (
            "arn:aws:states:::events:putEvents",
            {"Entries": [{"EventBusName": "bus", "Detail.$": "$"}]},
            "events:PutEvents",
            f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/bus",
        ),
        (
            "arn:aws:states:::events:putEvents",
            {"Entries": [{"Detail.$": "$"}]},
            "events:PutEvents",
            f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
        ),
        ("arn:aws:states:::events:putEvents", {"Entries.$": "$.entries"}, "events:PutEvents", None),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            {"StateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:m"},
            "states:StartExecution",
            "arn:aws:states:eu-west-1:1:stateMachine:m",
        ),
        (
            "arn:aws:states:::lambda:invoke",
            {"FunctionName": "arn:aws:lambda:eu-west-1:1:function:f"},
            "lambda:InvokeFunction",
            "arn:aws:lambda:eu-west-1:1:function:f",
        ),
        ("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "b", "Key": "k"}, "s3:GetObject", "arn:aws:s3:::b/k"),
        (
            "arn:aws:states:::aws-sdk:dynamodb:query",
            {"TableName": "t", "IndexName.$": "$.index"},
            "dynamodb:Query",
            None,
        ),
        (
            "arn:aws:states:::dynamodb:getItem",
            {"TableName": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t"},
            "dynamodb:GetItem",
            f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t",
        ),
        ("arn:aws:states:::sqs:sendMessage", {"QueueUrl.$": "$.queue"}, "sqs:SendMessage", None),
    ],
)
def test_task_calls_per_integration(resource: str, parameters: dict[str, Any], action: str, arn: str | None) -> None:
    (call,) = task_calls(task(resource, parameters), REGION, ACCOUNT)
    assert (call.action, call.resource) == (action, arn)


def test_states_that_call_nothing_we_derive_are_passed_over() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    task("arn:aws:states:eu-west-1:1:activity:a", {}),
                    task("arn:aws:states:::glue:startJobRun", {}),
                ],
                "Next": "M",
            },
            "M": {"Type": "Map", "ItemProcessor": task("arn:aws:lambda:eu-west-1:1:function:f", {}), "End": True},
        },
    }
    assert task_calls(definition, REGION, ACCOUNT) == []


def test_a_call_decided_at_run_time_needs_the_action_on_some_resource() -> None:
    dynamic = task("arn:aws:states:::sqs:sendMessage", {"QueueUrl.$": "$.queue", "MessageBody.$": "$"})
    statement = {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:*"}
    assert uncovered_calls(dynamic, [{"Statement": [statement]}], "m", REGION, ACCOUNT) == []
    denied = {**statement, "Effect": "Deny"}
    assert [f.reason for f in uncovered_calls(dynamic, [{"Statement": [denied]}], "m", REGION, ACCOUNT)] == [
        "the role allows no sqs:SendMessage on any resource"
    ]


@pytest.fixture
def served_api(crud_definition: dict[str, Any]) -> Iterator[int]:
    """The API emulator's HTTP server on a free port, with a backend that must never be reached."""

    def unreachable(arn: str, input_: str) -> dict[str, Any]:
        raise AssertionError("a refused request reached the state machine")

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), stage_handler(RestApi(crud_definition["openapi"], unreachable), "v1")
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


def send(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type") or "", json.loads(response.read())


@pytest.mark.parametrize(
    "body",
    [b'{"name": "\\xff\\xfe"}'.replace(b"\\xff\\xfe", b"\xff\xfe"), b'{"name": "\\ud800"}'],
    ids=["invalid-utf8", "lone-surrogate"],
)
def test_a_body_that_is_not_unicode_is_a_400_json_answer(served_api: int, body: bytes) -> None:
    status, content_type, answer = send(served_api, "POST", "/v1/items", body)
    # The API's own BAD_REQUEST_BODY gateway response (its OpenAPI document configures the JSON error body).
    assert (status, answer) == (
        400,
        {"error": "ValidationError", "message": "Invalid request body", "details": "the body is not UTF-8"},
    )
    assert content_type.startswith("application/json")


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND"])
def test_an_unknown_method_gets_api_gateways_answer(served_api: int, method: str) -> None:
    """What API Gateway answers for a method or path it has no route for: the API's configured
    MISSING_AUTHENTICATION_TOKEN response, JSON, never http.server's 501 HTML page."""
    no_route = send(served_api, "GET", "/v1/no-such-resource")
    assert send(served_api, method, "/v1/items") == no_route
    assert no_route[0] in (403, 404)
    assert no_route[1].startswith("application/json")


def test_the_stage_throttles_as_a_token_bucket_and_answers_429(crud_definition: dict[str, Any]) -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2.0, burst=3, clock=lambda: now[0])
    api = RestApi(crud_definition["openapi"], lambda arn, payload: {}, stage="v1", throttle=bucket)
    answers = [api.handle(Request("GET", "/nowhere")).status for _ in range(4)]
    assert answers == [404, 404, 404, 429]  # a burst of 3 (no such route: 404), then the empty bucket
    throttled = api.handle(Request("GET", "/nowhere"))
    assert (throttled.status, throttled.json()["message"]) == (429, "Too Many Requests")
    now[0] += 0.5  # one token back at 2 per second
    assert [api.handle(Request("GET", "/nowhere")).status for _ in range(2)] == [404, 429]


def test_the_runtime_refuses_a_resource_type_it_would_silently_leave_out() -> None:
    from scripts.localrt import support
    from scripts.tfeval import Evaluation, Resource

    known = Evaluation("eu-west-1", "123456789012", [Resource("aws_sqs_queue.a", "aws_sqs_queue", {"name": "a"})], {})
    support.check(known)
    unknown = Resource("aws_kinesis_stream.s", "aws_kinesis_stream", {})
    with pytest.raises(support.NotEmulated, match=r"does not emulate aws_kinesis_stream \(aws_kinesis_stream.s\)"):
        support.check(Evaluation("eu-west-1", "123456789012", [unknown], {}))
    fifo = Resource("aws_sqs_queue.f", "aws_sqs_queue", {"name": "f.fifo", "fifo_queue": True})
    with pytest.raises(support.NotEmulated, match=r"aws_sqs_queue.fifo_queue"):
        support.check(Evaluation("eu-west-1", "123456789012", [fifo], {}))


class SucceedsBeforeItsOutput:
    """DescribeExecution as moto may answer it: SUCCEEDED a moment before the output is stored."""

    def __init__(self) -> None:
        self.answers = [
            {"status": "RUNNING"},
            {"status": "SUCCEEDED"},
            {"status": "SUCCEEDED", "output": '{"statusCode": 200, "body": "{}"}'},
        ]

    def start_execution(self, **_: Any) -> dict[str, str]:
        return {"executionArn": "arn:aws:states:eu-west-1:123456789012:execution:m:e"}

    def describe_execution(self, **_: Any) -> dict[str, Any]:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return {"executionArn": "e", "name": "e", "startDate": datetime.now(UTC), **answer}


def test_a_synchronous_answer_waits_for_the_output_of_a_succeeded_execution() -> None:
    answer = stepfunctions.start_sync_execution(SucceedsBeforeItsOutput(), "arn:m", "{}")
    assert (answer["status"], answer["output"]) == ("SUCCEEDED", '{"statusCode": 200, "body": "{}"}')


@pytest.mark.environments
def test_a_synchronous_execution_runs_and_is_awaited_on_the_in_process_backend(aws: None) -> None:
    from scripts.localrt.apigateway import IntegrationError
    from scripts.localrt.stepfunctions import start_sync_in_process
    from tests.conftest import ACCOUNT, REGION, create_state_machine

    echo = create_state_machine(
        "echo", {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}, machine_type="EXPRESS"
    )
    succeeded = start_sync_in_process(ACCOUNT, REGION, echo, '{"name": "é"}')
    assert (succeeded["status"], json.loads(succeeded["output"])) == ("SUCCEEDED", {"name": "é"})
    fails = create_state_machine(
        "fails", {"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "Nope", "Cause": "why"}}}, "EXPRESS"
    )
    failed = start_sync_in_process(ACCOUNT, REGION, fails, "{}")
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "Nope", "why")
    missing = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:missing"
    with pytest.raises(IntegrationError) as refused:
        start_sync_in_process(ACCOUNT, REGION, missing, "{}")
    assert (refused.value.status, refused.value.body["__type"]) == (400, "StateMachineDoesNotExist")


def test_a_synchronous_execution_runs_in_the_callers_thread_and_keeps_every_declared_timeout(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stepfunctions.speed_up_interpreter: a sync execution, its program and its states run in the thread that
    asked for it (no thread started per request), while the integration's timeout and a state machine's own
    TimeoutSeconds still end an execution that runs too long."""
    from scripts.localrt.stepfunctions import start_sync_in_process
    from tests.conftest import ACCOUNT, REGION, create_state_machine

    steps = {
        "Shape": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "Both"},
        "Both": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "Same", "States": {"Same": {"Type": "Pass", "End": True}}}],
            "OutputPath": "$[0]",
            "End": True,
        },
    }
    machine = create_state_machine("inline", {"StartAt": "Shape", "States": steps}, machine_type="EXPRESS")
    start_sync_in_process(ACCOUNT, REGION, machine, '{"n": 0}')  # the deadline watchdog's own thread starts once
    started: list[str] = []
    start = threading.Thread.start

    def counted(self: threading.Thread) -> None:
        started.append(self.name)
        start(self)

    monkeypatch.setattr(threading.Thread, "start", counted)
    answer = start_sync_in_process(ACCOUNT, REGION, machine, '{"n": 1}')
    monkeypatch.undo()
    assert (answer["status"], json.loads(answer["output"])) == ("SUCCEEDED", {"n": 1})
    assert len(started) == 1, f"only the Parallel state's one branch runs on a thread of its own: {started}"

    waits = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 5, "End": True}}}
    slow = create_state_machine("slow", waits, machine_type="EXPRESS")
    assert start_sync_in_process(ACCOUNT, REGION, slow, "{}", timeout=0.3)["status"] == "TIMED_OUT"
    bounded = create_state_machine("bounded", {**waits, "TimeoutSeconds": 1}, machine_type="EXPRESS")
    assert start_sync_in_process(ACCOUNT, REGION, bounded, "{}")["status"] == "TIMED_OUT"


def test_task_calls_reach_the_moto_app_of_this_process_without_a_socket(aws: None) -> None:
    """moto_costs.InProcess: a signed request handed to moto's WSGI app in the calling thread, its answer parsed
    by botocore as one read from a socket; without an app, botocore sends it over the network as before."""
    from botocore.exceptions import EndpointConnectionError
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    transport = moto_costs.InProcess()
    transport.app = DomainDispatcherApplication(create_backend_app)
    sqs = boto3.client("sqs", endpoint_url="http://127.0.0.1:9")  # the discard port: nothing answers there
    sqs.meta.events.register("before-send", transport)
    url = sqs.create_queue(QueueName="in-process", Attributes={"DelaySeconds": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="é", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    received = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert (received["Body"], received["MessageAttributes"]["k"]["StringValue"]) == ("é", "v")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):  # an error answer, as the service sends it
        sqs.get_queue_url(QueueName="missing")
    transport.app = None
    with pytest.raises(EndpointConnectionError):
        sqs.list_queues()


def test_background_work_waits_while_the_api_answers_and_never_longer_than_max_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """priority.py: a background thread checking in while an API request is answered goes on once it is
    answered; a thread not marked as background never waits; a background thread waits MAX_WAIT at most."""
    from scripts.localrt import priority

    lanes = priority.Priority()

    def checks_in(background: bool) -> threading.Event:
        passed = threading.Event()

        def run() -> None:
            priority._thread.background = background
            lanes.yield_to_api()
            passed.set()

        threading.Thread(target=run, daemon=True).start()
        return passed

    monkeypatch.setattr(priority, "MAX_WAIT", 30.0)
    with lanes.answering():
        background, api_work = checks_in(True), checks_in(False)
        assert api_work.wait(10), "work that is not background does not wait for the API"
        assert not background.wait(0.2), "background work waits while the request is answered"
    assert background.wait(10), "and goes on once it is answered"
    monkeypatch.setattr(priority, "MAX_WAIT", 0.05)
    with lanes.answering():
        assert checks_in(True).wait(10), "a request answered for longer than MAX_WAIT holds nothing back for good"


def test_the_stage_answers_each_request_within_answering() -> None:
    from contextlib import contextmanager

    seen: list[str] = []

    class Recording:
        def handle_bytes(self, request: Request, body: bytes | None) -> Any:
            seen.append(f"answer {request.method} {request.path}")
            return SimpleNamespace(status=200, headers={"Content-Type": "application/json"}, body="{}")

    @contextmanager
    def answering() -> Iterator[None]:
        seen.append("begin")
        yield
        seen.append("end")

    server = ThreadingHTTPServer(("127.0.0.1", 0), stage_handler(Recording(), "v1", answering))  # type: ignore[arg-type]
    server.daemon_threads = False  # server_close() then waits for the request's thread, which ends "answering"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        connection.request("POST", "/v1/items", body=b"{}")
        assert connection.getresponse().status == 200
    finally:
        server.shutdown()
        server.server_close()
    assert seen == ["begin", "answer POST /items", "end"]


def test_a_worker_that_does_not_start_is_reported_with_the_end_of_its_log(tmp_path: Path) -> None:
    from scripts.localrt.lambda_workers import LambdaService

    spec_path = tmp_path / "items-trigger.json"
    log = spec_path.with_suffix(".log")
    with log.open("wb") as output:
        exits = subprocess.Popen(
            [sys.executable, "-c", "print('import failed: no module x'); raise SystemExit(1)"], stdout=output
        )
        exits.wait(30)
    service: Any = LambdaService.__new__(LambdaService)  # only its start-up check is exercised here
    service.processes, service.spec_paths = [exits], [spec_path]
    with pytest.raises(RuntimeError, match=r"items-trigger did not start \(exited\).*\n.*import failed: no module x"):
        service._wait_until_ready([0], timeout=5)


def test_executions_are_found_by_name_as_moto_finds_them() -> None:
    """moto_costs: StartExecution's lookup by name, through an index kept up to date as executions are added."""
    from types import SimpleNamespace

    from moto.stepfunctions.exceptions import ExecutionAlreadyExists

    def execution(name: str, status: str = "RUNNING") -> SimpleNamespace:
        return SimpleNamespace(name=name, execution_input="{}", status=status, execution_arn=f"arn:{name}")

    class Machine:  # what the lookup reads of moto's StateMachine
        def __init__(self, executions: list[SimpleNamespace]) -> None:
            self.executions = executions

    machine: Any = Machine([execution("a"), execution("done", "SUCCEEDED")])
    lookup = moto_costs.handle_name_input_idempotency
    assert lookup(machine, "a", "{}") is machine.executions[0], "same name and input while it runs: the same"
    assert lookup(machine, "new", "{}") is None
    machine.executions.append(execution("new"))  # added after the index was built
    assert lookup(machine, "new", "{}") is machine.executions[2]
    with pytest.raises(ExecutionAlreadyExists, match="arn:new"):
        lookup(machine, "new", '{"other": "input"}')
    with pytest.raises(ExecutionAlreadyExists, match="arn:done"):
        lookup(machine, "done", "{}")
    machine.executions = [execution("fresh")]  # a new list: indexed again
    assert lookup(machine, "a", "{}") is None
    assert lookup(machine, "fresh", "{}") is machine.executions[0]


def test_make_local_writes_what_scripts_need_to_reach_the_system(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from scripts.localrt.__main__ import write_outputs

    runtime: Any = SimpleNamespace(
        outputs={"api_url": "http://127.0.0.1:8080/v1", "audit_queue_url": "http://127.0.0.1:4566/1/audit"},
        aws_endpoint="http://127.0.0.1:4566",
        evaluation=SimpleNamespace(region="eu-west-1"),
        operator_credentials={"aws_access_key_id": "AKIAOPERATOR", "aws_secret_access_key": "secret"},
        service_credentials={"localrt_credentials_url": "http://127.0.0.1:9/", "localrt_credentials_token": "t"},
        root=tmp_path,
    )
    written = write_outputs(runtime, {"Authorization": "eyJ.token"})
    assert written == tmp_path / ".local" / "outputs.json"
    assert json.loads(written.read_text()) == {
        "api_url": "http://127.0.0.1:8080/v1",
        "audit_queue_url": "http://127.0.0.1:4566/1/audit",
        "aws_endpoint_url": "http://127.0.0.1:4566",
        "aws_region": "eu-west-1",
        "aws_access_key_id": "AKIAOPERATOR",
        "aws_secret_access_key": "secret",
        "localrt_credentials_url": "http://127.0.0.1:9/",
        "localrt_credentials_token": "t",
        "demo_access_token": "eyJ.token",
    }
    assert not list(written.parent.glob("*.partial")), "written by a rename: no half file is ever visible"


def test_a_definition_is_parsed_once_and_its_executions_share_it(aws: None) -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    from scripts.localrt.stepfunctions import start_sync_in_process
    from tests.conftest import ACCOUNT, REGION, create_state_machine

    definition = {"StartAt": "Count", "States": {"Count": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "End": True}}}
    machine = create_state_machine("counts", definition, machine_type="EXPRESS")
    before = AmazonStateLanguageParser.parse.cache_info()  # type: ignore[attr-defined]
    outputs = [
        json.loads(start_sync_in_process(ACCOUNT, REGION, machine, json.dumps({"n": n}))["output"]) for n in range(3)
    ]
    after = AmazonStateLanguageParser.parse.cache_info()  # type: ignore[attr-defined]
    assert outputs == [{"n": 0}, {"n": 1}, {"n": 2}], "each execution evaluates its own input"
    assert after.hits - before.hits >= 3, "the executions reuse the definition parsed when it was created"


def test_every_command_make_local_prints_uses_only_what_env_sh_exports() -> None:
    """Issue #29: printed commands used $INGEST_BUCKET and the like, which nothing set, and `aws` without
    --endpoint-url, which AWS CLI v1 ignores in AWS_ENDPOINT_URL (it called the real SQS)."""
    import re

    from scripts.localrt.__main__ import environment_variables, try_commands

    outputs = {
        "api_url": "http://127.0.0.1:8080/v1",
        "audit_queue_url": "http://127.0.0.1:4566/1/items-local-audit",
        "ingest_bucket_name": "items-local-ingest-local",
        "results_bucket_name": "items-local-results-local",
        "notifications_queue_url": "http://127.0.0.1:4566/1/items-local-notifications",
        "export_schedule_name": "items-local-export",
        "webhook_url": "http://127.0.0.1:8080/v1/webhooks",
        "webhook_api_key": "k3y",
    }
    credentials = {"Authorization": "eyJ.token", "x-api-key": "key-1"}
    runtime = types.SimpleNamespace(
        outputs=outputs,
        aws_endpoint="http://127.0.0.1:4566",
        evaluation=types.SimpleNamespace(region="us-east-1"),
        operator_credentials={"aws_access_key_id": "AKIA", "aws_secret_access_key": "secret"},
    )
    exported = set(environment_variables(runtime, credentials))  # type: ignore[arg-type]
    commands = try_commands(outputs, credentials, "local")
    used = {name for line in commands for name in re.findall(r"\$([A-Z_]+)", line)}
    assert used <= exported, used - exported
    assert all('--endpoint-url "$AWS_ENDPOINT_URL"' in line for line in commands if line.startswith("aws "))
    assert any("examples/orders.jsonl" in line for line in commands)
    without_pipeline = try_commands({"api_url": outputs["api_url"]}, {}, "local")
    assert not any("INGEST_BUCKET" in line or "TOKEN" in line for line in without_pipeline)


class ScriptedPicks(random.Random):
    """Picks the ports given first, in order, then at random."""

    def __init__(self, *first: int) -> None:
        super().__init__(7)
        self.first, self.picked = first, 0

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        self.picked += 1
        return self.first[self.picked - 1] if self.picked <= len(self.first) else super().randrange(start, stop, step)


def test_a_free_port_is_below_the_kernels_ephemeral_range_and_skips_a_taken_one() -> None:
    """The kernel never hands such a port to another process's port-0 listener or outgoing connection."""
    picks = ScriptedPicks(ports.LOWEST)  # bound below
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", ports.LOWEST))
        port = ports.free_port(picks)
    assert ports.LOWEST < port < ports.ephemeral_low()
    assert picks.picked == 2


def test_a_port_handed_out_and_not_yet_listened_on_is_not_handed_out_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """What listens on a port binds a while after the port is picked, and other ports are picked meanwhile."""
    monkeypatch.setattr(ports, "_issued", collections.deque(maxlen=ports.ISSUED_KEPT))
    picks = ScriptedPicks(ports.LOWEST + 1, ports.LOWEST + 1)
    first, second = ports.free_port(picks), ports.free_port(picks)
    assert first == ports.LOWEST + 1
    assert second != first
    assert picks.picked == 3


def test_queue_attributes_read_one_at_a_time_equal_motos(aws: None) -> None:
    """moto_costs: the same names, values and "true"/"false" strings as moto's Queue.attributes, for a FIFO
    queue with a KMS key, a policy and a redrive policy; GetQueueAttributes still answers all of them."""
    moto_costs.install()
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="dead.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName="work.fifo",
        Attributes={
            "FifoQueue": "true",
            "ContentBasedDeduplication": "true",
            "KmsMasterKeyId": "alias/aws/sqs",
            "Policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}),
        },
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g")
    queue = sqs_backends[ACCOUNT][REGION].queues["work.fifo"]
    lazy = moto_costs.QueueAttributes(queue)
    assert dict(lazy) == moto_costs.MOTO_QUEUE_ATTRIBUTES.fget(queue)  # type: ignore[misc]
    assert lazy["ContentBasedDeduplication"] == "true"
    assert lazy.get("NoSuchAttribute") is None
    answered = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert answered["ApproximateNumberOfMessages"] == "1"
    assert json.loads(answered["RedrivePolicy"])["maxReceiveCount"] == 3


def test_json_copy_is_a_deep_copy_of_json_data() -> None:
    original = {"a": [1, {"b": "c", "d": None}], "e": True, "f": 1.5, "g": {"h": []}, "when": datetime.now(UTC)}
    copied = json_copy(original)
    assert copied == original
    copied["a"][1]["b"] = "changed"
    copied["g"]["h"].append(1)
    assert original["a"][1]["b"] == "c"
    assert original["g"]["h"] == []
    assert copied["when"] is not original["when"]  # anything else is deep-copied as before


def test_a_finished_execution_gets_its_output_and_error_before_its_status() -> None:
    """moto set SUCCEEDED (FAILED) before the output (error and cause): a DescribeExecution in between answered
    a finished execution without them (make test met it once). What each end assigns, in order."""
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramEnded, ProgramError

    class Recorded:
        def __init__(self, ended: Any) -> None:
            program = SimpleNamespace(program_state=lambda: ended, states=SimpleNamespace(get_input=lambda: '{"a":1}'))
            object.__setattr__(self, "exec_worker", SimpleNamespace(env=program))
            object.__setattr__(self, "assigned", [])

        def __setattr__(self, name: str, value: Any) -> None:
            self.assigned.append(name)
            object.__setattr__(self, name, value)

    ended = Recorded(ProgramEnded())
    stepfunctions._reflect_execution_status(SimpleNamespace(execution=ended))  # type: ignore[arg-type]
    assert (ended.assigned, ended.output, ended.exec_status) == (
        ["stop_date", "output", "exec_status"],
        '{"a":1}',
        "SUCCEEDED",
    )
    failed = Recorded(ProgramError({"error": "States.TaskFailed", "cause": "boom"}))
    stepfunctions._reflect_execution_status(SimpleNamespace(execution=failed))  # type: ignore[arg-type]
    assert failed.assigned == ["stop_date", "error", "cause", "exec_status"]
    assert (failed.error, failed.cause, failed.exec_status) == ("States.TaskFailed", "boom", "FAILED")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
)


@given(json_values)
def test_json_copy_equals_deepcopy_with_types_and_key_order_kept(value: Any) -> None:
    copied = json_copy(value)
    assert copied == copy.deepcopy(value)
    assert json.dumps(copied) == json.dumps(value)  # key order, and True stays True (not 1)
    if isinstance(value, dict | list) and value:
        assert copied is not value


def test_stream_records_written_as_json_read_back_as_motos(aws: None) -> None:
    """moto_costs writes GetRecords as JSON itself: every attribute type, the timestamp and binary values read
    back through botocore as they did through moto's serializer."""
    from tests.conftest import create_table

    moto_costs.install()
    create_table("typed")
    item = {
        "id": {"S": "1"},
        "n": {"N": "1.5"},
        "b": {"B": b"\x00\x01binary"},
        "bs": {"BS": [b"\x02", b"\x03"]},
        "l": {"L": [{"S": "x"}, {"NULL": True}]},
        "m": {"M": {"ok": {"BOOL": False}}},
        "ss": {"SS": ["a", "b"]},
    }
    boto3.client("dynamodb").put_item(TableName="typed", Item=item)
    streams = boto3.client("dynamodbstreams")
    arn = boto3.client("dynamodb").describe_table(TableName="typed")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    [record] = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert record["dynamodb"]["NewImage"] == item
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], datetime)


def test_the_threads_of_map_items_and_parallel_branches_are_not_kept_after_the_execution(aws: None) -> None:
    """stepfunctions.forget_finished_threads (issue #28): moto kept every Map item's and Parallel branch's
    Thread in a module-level list, which kept each pthread's stack mapped: ~108 pages of GET /items?limit=100
    exhausted vm.max_map_count. Once an execution has ended, none of its threads is still referenced."""
    import gc
    import weakref

    from scripts.localrt.stepfunctions import start_sync_in_process
    from tests.conftest import ACCOUNT, REGION, create_state_machine

    each = {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}
    branch = {"StartAt": "Same", "States": {"Same": {"Type": "Pass", "End": True}}}
    steps = {
        "Items": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": each,
            "ResultPath": "$.mapped",
            "Next": "Both",
        },
        "Both": {"Type": "Parallel", "Branches": [branch, branch], "End": True},
    }
    machine = create_state_machine("mapped", {"StartAt": "Items", "States": steps}, machine_type="EXPRESS")
    started: list[weakref.ref[threading.Thread]] = []
    start = threading.Thread.start

    def remembered(self: threading.Thread) -> None:
        started.append(weakref.ref(self))
        start(self)

    threading.Thread.start = remembered  # type: ignore[method-assign]
    try:
        for _ in range(3):
            answer = start_sync_in_process(ACCOUNT, REGION, machine, json.dumps({"items": list(range(40))}))
            assert answer["status"] == "SUCCEEDED"
    finally:
        threading.Thread.start = start  # type: ignore[method-assign]
    assert len(started) >= 3 * 42  # a thread per item and per branch
    for reference in started:
        thread = reference()
        if thread is not None:
            thread.join(5)
    gc.collect()
    kept = [t for t in (r() for r in started) if t is not None and t.name != "sync-deadlines"]  # the one watchdog
    assert kept == []


def test_a_state_machine_keeps_its_last_executions_and_still_refuses_every_standard_name(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto_costs.let_go_of_ended_executions (issue #28): the runtime's memory does not grow with executions,
    and a STANDARD name stays taken (the trigger's exactly-once start relies on it)."""
    from moto.stepfunctions.responses import get_backend

    from tests.conftest import ACCOUNT, REGION, create_state_machine

    moto_costs.install()
    monkeypatch.setattr(moto_costs, "KEPT_EXECUTIONS", 10)
    monkeypatch.setattr(moto_costs, "RELEASED_IN_BATCHES_OF", 2)
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    machine = create_state_machine("kept", definition)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    for n in range(40):
        sfn.start_execution(stateMachineArn=machine, name=f"change-{n}", input="{}")
    held = get_backend(ACCOUNT, REGION).describe_state_machine(machine).executions
    assert len(held) <= 10 + 2 + 1
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=machine, name="change-0", input="{}")  # let go of long ago
    assert sfn.start_execution(stateMachineArn=machine, name="change-40", input="{}")["executionArn"]
    # EXPRESS: AWS keeps no history, so neither does the runtime beyond the batch not yet let go of.
    express = create_state_machine("express", definition, "EXPRESS")
    for _ in range(40):
        assert stepfunctions.start_sync_in_process(ACCOUNT, REGION, express, "{}")["status"] == "SUCCEEDED"
    assert len(get_backend(ACCOUNT, REGION).describe_state_machine(express).executions) <= 2 + 1


def test_a_port_a_stopped_server_left_in_time_wait_is_free_and_a_listener_is_named() -> None:
    """Issue #29: stopping make local and starting it again within ~60 s was refused ("port 4566 is in use")
    while nothing listened: the server's closed connections sat in TIME_WAIT and the probe did not set
    SO_REUSEADDR, as the servers themselves do."""
    import os

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server closes first: its side of the connection waits in TIME_WAIT
    with pytest.raises(ports.PortInUse, match=f"port {port} \\(AWS APIs\\) is in use by pid {os.getpid()} "):
        ports.ensure_free(port, "AWS APIs")
    server.close()
    client.close()
    ports.ensure_free(port, "AWS APIs")  # nothing listens any more


def test_an_evaluation_of_unchanged_inputs_is_read_back_and_any_change_evaluates_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #29: a warm make local re-ran both `terraform test` evaluations (~15 s). The cache key covers the
    root's files, the packages and the region (and every module, state machine and mock); other endpoints
    (every start takes free ports) reuse the evaluation with theirs written in."""
    from scripts.tfeval import Endpoints, Evaluation, Resource
    from scripts.tfeval import evaluation as evaluation_module

    runs: list[str] = []

    def evaluated(root: Path, packages: dict[str, Any], endpoints: Endpoints, region: str | None) -> Evaluation:
        runs.append(region or "")
        queue = {"name": "q", "url": f"{endpoints.aws}/123456789012/q"}
        settings = {"WORKFLOWS": json.dumps({"callback": f"{endpoints.api}/v1/items"})}  # an endpoint in a document
        return Evaluation(
            "us-east-1",
            "123456789012",
            [
                Resource("a.b", "aws_sqs_queue", queue),
                Resource("a.c", "aws_lambda_function", {"environment": settings}),
            ],
            {"api_url": f"{endpoints.api}/v1"},
        )

    monkeypatch.setattr(evaluation_module, "_evaluate", evaluated)
    root = tmp_path / "env"
    root.mkdir()
    (root / "main.tf").write_text('module "stack" {}\n')
    endpoints = Endpoints("http://127.0.0.1:4566", "http://127.0.0.1:8080")
    first = evaluation_module.evaluate(root, {"f": {"source_code_hash": "a"}}, endpoints)
    (root / ".terraform.lock.hcl").write_text("# what terraform init writes: not an input\n")
    assert evaluation_module.evaluate(root, {"f": {"source_code_hash": "a"}}, endpoints) == first
    assert len(runs) == 1
    evaluation_module.evaluate(root, {"f": {"source_code_hash": "b"}}, endpoints)  # a rebuilt package
    (root / "terraform.tfvars").write_text('environment = "local"\n')  # a changed setting
    evaluation_module.evaluate(root, {"f": {"source_code_hash": "b"}}, endpoints)
    assert len(runs) == 3
    other = evaluation_module.evaluate(
        root, {"f": {"source_code_hash": "b"}}, Endpoints("http://127.0.0.1:1", "http://h:2")
    )
    assert len(runs) == 3  # another start's ports: the same evaluation
    assert other.resources[0].values["url"] == "http://127.0.0.1:1/123456789012/q"
    assert json.loads(other.resources[1].values["environment"]["WORKFLOWS"]) == {"callback": "http://h:2/v1/items"}
    assert (other.outputs["api_url"], first.outputs["api_url"]) == ("http://h:2/v1", "http://127.0.0.1:8080/v1")


def test_a_root_that_names_no_region_is_refused_before_terraform_runs(tmp_path: Path) -> None:
    """Every ARN of an evaluation is built for one region; a mock's region would be a guess."""
    from scripts.tfeval import Endpoints, TerraformError
    from scripts.tfeval import evaluation as evaluation_module

    (tmp_path / "main.tf").write_text('variable "region" {\n  type = string\n}\n')
    with pytest.raises(TerraformError, match=r"declares no region: set `region` in its terraform\.tfvars"):
        evaluation_module.evaluate(tmp_path, {}, Endpoints("http://127.0.0.1:1", "http://127.0.0.1:2"))
    assert not (tmp_path / ".terraform").exists()


def test_an_unsigned_request_to_the_aws_port_is_a_json_403_while_iam_is_enforced() -> None:
    """Issue #29: an unsigned request to :4566 answered an HTML 500 after a 60-line traceback (moto's IAM check
    read a missing Authorization header)."""
    from scripts.localrt import iam

    served: list[str] = []

    def moto(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        served.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"{}"]

    app = iam.refuse_unsigned(moto)
    answered: list[str] = []
    iam.set_enforcement(True)
    try:
        body = app({"PATH_INFO": "/", "QUERY_STRING": ""}, lambda status, headers: answered.append(status))
        app({"PATH_INFO": "/", "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=..."}, lambda *_: None)
        app({"PATH_INFO": "/b/k", "QUERY_STRING": "X-Amz-Signature=abc"}, lambda *_: None)  # a presigned URL
        jwks = "/us-east-1_abc/.well-known/jwks.json"  # public on AWS: the authorizer reads it unsigned
        app({"PATH_INFO": jwks, "QUERY_STRING": ""}, lambda *_: None)
    finally:
        iam.set_enforcement(False)
    assert answered == ["403 Forbidden"]
    assert json.loads(b"".join(body))["__type"] == "MissingAuthenticationTokenException"
    assert served == ["/", "/b/k", jwks]
    app({"PATH_INFO": "/", "QUERY_STRING": ""}, lambda *_: None)  # not enforced: moto's own answer
    assert served == ["/", "/b/k", jwks, "/"]


def test_receive_and_delete_cost_what_they_take_not_the_queues_depth_and_answer_as_moto_does(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto_costs.VisibleMessages and delete_message (issue #28: a large import's 10,000 audit events drained at
    ~3 a second because each ReceiveMessage and DeleteMessage walked the whole queue)."""
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Message, Queue, sqs_backends

    from tests.conftest import ACCOUNT, REGION

    moto_costs.install()
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="deep")["QueueUrl"]
    for start in range(0, 2000, 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"m{start + n}"} for n in range(10)]
        )
    visible_reads = 0
    visible = Message.visible

    def counted(self: Message) -> bool:
        nonlocal visible_reads
        visible_reads += 1
        return bool(visible.fget(self))  # type: ignore[attr-defined]

    monkeypatch.setattr(Message, "visible", property(counted))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert len(received) == 10
    assert visible_reads < 50  # it was every message of the queue, twice
    monkeypatch.undo()
    entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(received)]
    assert sqs.delete_message_batch(QueueUrl=url, Entries=entries).get("Failed", []) == []
    assert sqs.delete_message_batch(QueueUrl=url, Entries=entries).get("Failed", []) == []  # again: no harm
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "1990"
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=0)["Messages"][0]
    first_handle = again["ReceiptHandle"]
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)  # received again: a new handle
    queue: Queue = sqs_backends[ACCOUNT][REGION].get_queue("deep")
    queue.delete_message(first_handle)  # an older handle of the message still deletes it, as in moto
    with pytest.raises(ReceiptHandleIsInvalid):
        queue.delete_message("not-a-handle")
    assert len(queue.messages) == 1989  # the same message both times (visibility 0), deleted once
    assert {m["Body"] for m in received}.isdisjoint(m.body for m in queue._messages)


def test_make_local_stops_on_a_sigterm_that_make_passes_on_a_second_time() -> None:
    """The SIGTERM handler set an Event: `make` passes its own SIGTERM on to the runtime, the second signal arrived
    while the first handler held the Event's lock, and make local never stopped (make bench's first_start)."""
    import os
    import signal

    from scripts.localrt.__main__ import wait_until_stopped

    previous = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}

    def twice() -> None:
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)

    sender = threading.Thread(target=twice)
    sender.start()
    try:
        wait_until_stopped()  # returns; a deadlock would hang here
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN  # nothing interrupts the stop that follows
    finally:
        sender.join()
        for number, handler in previous.items():
            signal.signal(number, handler)


def test_stream_iterators_expire_after_fifteen_minutes_and_leave_memory(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto_costs.ExpiringIterators (issue #28): moto kept every shard iterator it issued, one per GetRecords,
    for the life of the process; AWS lets one expire 15 minutes after issuing it."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    from tests.conftest import ACCOUNT, REGION, create_table

    moto_costs.install()
    table = create_table("iterated")
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = table.latest_stream_arn
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    first = iterator
    clock = [time.monotonic()]
    monkeypatch.setattr(moto_costs.time, "monotonic", lambda: clock[0])
    for _ in range(600):  # a quiet shard polled for ten minutes
        iterator = streams.get_records(ShardIterator=iterator)["NextShardIterator"]
        clock[0] += 1.0
    assert streams.get_records(ShardIterator=first)["Records"] == []  # ten minutes old: still valid
    clock[0] += 6 * 60
    with pytest.raises(streams.exceptions.ExpiredIteratorException):
        streams.get_records(ShardIterator=first)
    for _ in range(600):  # ten more minutes: the first ten's iterators have all expired
        iterator = streams.get_records(ShardIterator=iterator)["NextShardIterator"]
        clock[0] += 1.0
    held = dynamodbstreams_backends[ACCOUNT][REGION].shard_iterators
    assert len(held) < 900  # at most the last 15 minutes' (and a batch not yet let go of), not all 1,201


def test_moto_patches_refuse_a_moto_missing_what_they_replace_naming_the_patch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue #30: every change to moto is installed by one function that first checks moto's version and that
    each attribute it replaces exists; a patch of a renamed attribute would otherwise be a silent no-op."""
    from moto.sqs.models import SQSBackend

    from scripts.localrt import moto_patches

    moto_patches.check()  # the moto this project pins: every target exists
    assert {patch.home for patch in moto_patches.PATCHES} == {
        "limits.py", "stepfunctions.py", "moto_costs.py", "priority.py", "iam.py", "lambda_workers.py", "eventbridge.py"
    }  # fmt: skip
    with pytest.raises(moto_patches.MotoPatchError, match=r"moto 6\.0\.0 is installed; .* written for moto 5\.2\.x"):
        moto_patches.check("6.0.0")
    monkeypatch.delattr(SQSBackend, "send_message_batch")  # as a moto that renamed it
    with pytest.raises(
        moto_patches.MotoPatchError,
        match=r"has no moto\.sqs\.models:SQSBackend\.send_message_batch: the patch 'SQS message size' \(limits\.py\)",
    ):
        moto_patches.check()


def test_moto_keeps_no_model_it_has_let_go_of(aws: None) -> None:
    """moto_costs.untracked_new (issue #28): moto appended every object of every model to a class-level list
    for its dashboard, so no item version, message or iterator ever left memory (52 KB a soak request)."""
    import gc
    import weakref

    from moto.dynamodb.models.dynamo_type import Item

    from tests.conftest import REGION, create_table

    moto_costs.install()
    create_table("versions")
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for version in range(50):
        dynamodb.put_item(TableName="versions", Item={"id": {"S": "one"}, "v": {"N": str(version)}})
    assert Item.instances_tracked == []  # type: ignore[attr-defined]
    replaced = Item("one", None, {"id": {"S": "two"}})
    gone = weakref.ref(replaced)
    del replaced
    gc.collect()
    assert gone() is None


def test_user_pools_sign_with_moto_bundled_key_imported_once(aws: None) -> None:
    """moto_costs.BundledKey: every pool imported moto's one bundled private key again (0.11 s of CPU each);
    the pools share one import of it, and it is still the key moto's JWKS publishes."""
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.utilities.utils import load_resource

    from tests.conftest import ACCOUNT, REGION

    moto_costs.install()
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pools = cognitoidp_backends[ACCOUNT][REGION].user_pools
    first, second = (cognito.create_user_pool(PoolName=name)["UserPool"]["Id"] for name in ("a", "b"))
    assert pools[first].json_web_key is pools[second].json_web_key
    [published] = load_resource("cognitoidp/resources/jwks-public.json")["keys"]
    public = pools[first].json_web_key.as_dict(private=False)
    assert (public["n"], public["e"]) == (published["n"], published["e"])


def fake_launch(serve: str, launched: list[Path] | None = None) -> Callable[[Path, str], subprocess.Popen[bytes]]:
    """LambdaService._launch for a fake worker: the Python source `serve` run with the spec's path, its output
    in the log beside the spec as worker.py's; each spec launched is added to `launched`."""

    def launch(path: Path, mode: str) -> subprocess.Popen[bytes]:
        if launched is not None:
            launched.append(path)
        log = path.with_suffix(".log").open(mode)
        return subprocess.Popen([sys.executable, "-c", serve, str(path)], stdout=log, stderr=subprocess.STDOUT)

    return launch


def test_a_worker_whose_port_was_taken_starts_again_on_another(tmp_path: Path) -> None:
    """Two runtimes side by side (the suite runs e2e and the bench at once) can choose the same free port for a
    worker; the one that loses the bind starts again on another port instead of failing the start."""
    from scripts.localrt import lambda_workers

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    spec_path = tmp_path / "items-local-trigger.json"
    spec_path.write_text(json.dumps({"invoke_port": busy.getsockname()[1]}))
    # What a worker does with its port: bind it, then say "ready" in its log (or die as worker.py would).
    serve = (
        "import json, socket, sys; spec = json.load(open(sys.argv[1])); s = socket.socket(); "
        "s.bind(('127.0.0.1', spec['invoke_port'])); print(json.dumps({'message': 'ready'}), flush=True)"
    )

    service = object.__new__(lambda_workers.LambdaService)
    service.invoke_ports = {"arn:aws:lambda:us-east-1:123456789012:function:items-local-trigger": busy.getsockname()[1]}
    service.spec_paths = [spec_path]

    service._launch = fake_launch(serve)  # type: ignore[method-assign]
    service.processes = [service._launch(spec_path, "wb")]
    try:
        service._wait_until_ready([0], timeout=20)
        [port] = service.invoke_ports.values()
        assert port != busy.getsockname()[1]
        assert json.loads(spec_path.read_text())["invoke_port"] == port
    finally:
        busy.close()
        for process in service.processes:
            process.wait(5)


def test_a_function_with_nothing_to_poll_gets_its_worker_at_its_first_invocation_once(tmp_path: Path) -> None:
    """Cold start: no worker until the first invocation, which waits for it; concurrent first invocations
    share the one worker started."""
    from concurrent.futures import ThreadPoolExecutor

    from scripts.localrt import lambda_workers

    arn = "arn:aws:lambda:us-east-1:123456789012:function:items-local-import-planner"
    port = ports.free_port()
    spec_path = tmp_path / "items-local-import-planner.json"
    spec_path.write_text(json.dumps({"invoke_port": port}))
    # What a worker does: serve invocations on its port, then say "ready" in its log.
    serve = (
        "import json, sys, http.server; spec = json.load(open(sys.argv[1]))\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_POST(self):\n"
        "        body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))\n"
        "        answer = json.dumps({'result': {'planned': body['n']}}).encode()\n"
        "        self.send_response(200); self.send_header('Content-Length', str(len(answer))); self.end_headers()\n"
        "        self.wfile.write(answer)\n"
        "server = http.server.ThreadingHTTPServer(('127.0.0.1', spec['invoke_port']), H)\n"
        "print(json.dumps({'message': 'ready'}), flush=True); server.serve_forever()\n"
    )
    service = object.__new__(lambda_workers.LambdaService)
    service.invoke_ports, service.dormant = {arn: port}, {arn: spec_path}
    service.processes, service.spec_paths, service._waking = [], [], threading.Lock()
    launched: list[Path] = []
    service._launch = fake_launch(serve, launched)  # type: ignore[method-assign]
    try:
        assert service.processes == []
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda n: service.invoke(arn, {"n": n}), range(4)))
        assert answers == [{"planned": n} for n in range(4)]
        assert (launched, service.spec_paths, service.dormant) == ([spec_path], [spec_path], {})
        assert service.invoke(arn, {"n": 9}) == {"planned": 9}
        assert launched == [spec_path]
    finally:
        for process in service.processes:
            process.kill()
            process.wait(5)


def test_a_disabled_mapping_is_listed_disabled_and_its_worker_reads_nothing(tmp_path: Path) -> None:
    """ListEventSourceMappings answers for the mappings our workers run (make status reads it); a mapping
    Terraform disabled is not polled, as on AWS (the worker used to read it anyway)."""
    from scripts.localrt.lambda_workers import LambdaService
    from scripts.tfeval import Evaluation, Resource

    arn = "arn:aws:lambda:us-east-1:123456789012:function:items-trigger"
    stream = "arn:aws:dynamodb:us-east-1:123456789012:table/items/stream/localrt"
    function = {"function_name": "items-trigger", "arn": arn, "handler": "h.handler", "role": "r", "filename": "f.zip"}
    mappings = [
        Resource("module.a.aws_lambda_event_source_mapping.stream[0]", "aws_lambda_event_source_mapping",
                 {"function_name": arn, "event_source_arn": stream, "enabled": False, "batch_size": 100}),
    ]  # fmt: skip
    evaluation = Evaluation(
        "us-east-1", "123456789012", [Resource("f", "aws_lambda_function", function), *mappings], {}
    )
    credentials = SimpleNamespace(url=lambda role: f"http://creds/{role}", token="t")
    service = LambdaService(
        evaluation, tmp_path, tmp_path, "http://aws", credentials,  # type: ignore[arg-type]
        {}, {stream: f"{stream[:-7]}2026-12-06T00:00:00.000"}, lambda arn: None,
    )  # fmt: skip
    [spec] = service.specs()
    assert [s["kind"] for s in spec["sources"]] == []  # nothing to poll
    [listed] = service.mappings("items-trigger", None)
    assert (listed["State"], listed["EventSourceArn"], listed["FunctionArn"]) == (
        "Disabled", f"{stream[:-7]}2026-12-06T00:00:00.000", arn
    )  # fmt: skip
    assert service.mappings("other", None) == []


def test_an_index_query_answers_as_moto_does_from_sorted_partitions_kept_current_by_the_stream(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto_costs' index patches (matches sorted by plain values; the partition's reachable stretch handed to
    moto's own query) answer every query exactly as moto does: pages, order, bounds, both directions, and after
    each kind of write (the stream's position tells the partitions are stale)."""
    from moto.dynamodb.models.table import Table

    from tests.conftest import create_table

    declared = {
        "global_secondary_indexes": {
            "by_amount": {"hash_key": "p", "range_key": "s", "projection_type": "INCLUDE", "non_key_attributes": ["x"]}
        },
        "attributes": {"p": "S", "s": "N"},
    }
    table = create_table("sorted", None, declared)

    def fill() -> None:  # the same 80 items each time
        rng = random.Random(7)
        for n in range(80):
            amount = Decimal(rng.choice(["-5", "0", "2.5", "10", "100", "1E+20"]))
            table.put_item(Item={"id": f"i{rng.randrange(1000):03}-{n}", "p": rng.choice("ab"), "s": amount, "x": n})

    fill()
    conditions = [
        ("p = :p", {}),
        ("p = :p AND s BETWEEN :lo AND :hi", {":lo": Decimal("0"), ":hi": Decimal("10")}),
        ("p = :p AND s >= :lo", {":lo": Decimal("2.5")}),
        ("p = :p AND s < :hi", {":hi": Decimal("100")}),
    ]

    def pages(forward: bool, condition: str, values: dict[str, Any], limit: int) -> list[Any]:
        found, start = [], None
        while True:
            page = table.query(
                IndexName="by_amount", KeyConditionExpression=condition, ExpressionAttributeValues={":p": "a", **values},
                ScanIndexForward=forward, Limit=limit, **({"ExclusiveStartKey": start} if start else {}),
            )  # fmt: skip
            found.append([(item["id"], item["s"], item.get("x")) for item in page["Items"]])
            found.append(page.get("LastEvaluatedKey"))
            if "LastEvaluatedKey" not in page:
                return found
            start = page["LastEvaluatedKey"]

    def every_answer() -> list[Any]:
        return [
            pages(forward, condition, values, limit)
            for forward in (True, False)
            for condition, values in conditions
            for limit in (1, 7, 100)
        ]

    def writes(step: int) -> None:
        table.put_item(Item={"id": f"new-{step}", "p": "a", "s": Decimal("2.5"), "x": -step})
        table.update_item(
            Key={"id": f"new-{step}"}, UpdateExpression="SET s = :s", ExpressionAttributeValues={":s": Decimal(step)}
        )
        victim = table.scan(Limit=1)["Items"][0]["id"]
        table.delete_item(Key={"id": victim})

    moto_answers = []
    for step in range(3):
        moto_answers.append(every_answer())
        writes(step)
    for item in table.scan()["Items"]:
        table.delete_item(Key={"id": item["id"]})
    fill()
    monkeypatch.setattr(Table, "sorted_items", moto_costs.sorted_items)
    monkeypatch.setattr(Table, "query", moto_costs.indexed_query(Table.query))
    monkeypatch.setattr(Table, "all_items", moto_costs.all_items(Table.all_items))
    for step in range(3):
        assert every_answer() == moto_answers[step], f"after {step} rounds of writes"
        writes(step)
    assert sum(len(page) for page in moto_answers[0][0][::2]) > 20
    assert len(moto_costs.INDEX_PARTITIONS.built) == 1, "the answers came from the partitions"


def test_the_api_port_is_held_from_the_start_and_a_failed_start_lets_it_go(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Another process's runtime cannot take the API port while this one evaluates and deploys; a start that fails
    on the way stops without waiting for a stage that never served."""
    from scripts.localrt import runtime as runtime_module

    port = ports.free_port()
    taken_while_evaluating: list[bool] = []

    def evaluate(*_: Any) -> Any:
        with socket.socket() as other:
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                other.bind(("127.0.0.1", port))
            except OSError:
                taken_while_evaluating.append(True)
        raise RuntimeError("stopped after the evaluation")

    monkeypatch.setattr(runtime_module, "evaluate", evaluate)
    monkeypatch.setattr(runtime_module, "lambda_packages", lambda _root: {})
    started = runtime_module.LocalRuntime(api_port=port, log_dir=tmp_path)
    with pytest.raises(RuntimeError, match="stopped after the evaluation"):
        started.start()
    stopper = threading.Thread(target=started.stop, daemon=True)
    stopper.start()
    stopper.join(10)
    assert not stopper.is_alive(), "stop() waited for a stage that never served"
    assert taken_while_evaluating == [True]
    ports.ensure_free(port, "the API")  # let go
