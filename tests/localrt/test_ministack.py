"""The ministack engine (scripts/localrt/ministack.py): what we adapt on our side, and a minimal reproduction of
each gap of ministack 1.5.33 that README's engine table lists.

A gap test asserts the gap as ministack shows it today, beside what AWS does. When one fails, ministack has
closed the gap: remove the adaptation or skip it names, and its README row.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from scripts.localrt import ministack
from scripts.localrt.deployer import RULE_STATES
from scripts.localrt.ports import free_port

ACCOUNT, REGION = "123456789012", "eu-west-1"
TLS_ONLY = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sqs:*",
    "Resource": "arn:aws:sqs:eu-west-1:123456789012:q",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


# --- what we adapt (no engine needed) ---------------------------------------------------------------------


def test_the_deployment_names_sqs_batch_actions_beside_the_actions_aws_authorizes_them_as() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Dlq", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "arn:q"},
            {"Sid": "Work", "Effect": "Allow", "Action": "sqs:DeleteMessage", "Resource": "arn:w"},
            {"Sid": "Deny", "Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "arn:x"},
            {"Sid": "Bus", "Effect": "Allow", "Action": "events:PutEvents", "Resource": "arn:b"},
        ],
    }
    statements = json.loads(ministack.engine_policy(json.dumps(document)))["Statement"]
    assert [s["Action"] for s in statements] == [
        ["sqs:SendMessage", "sqs:SendMessageBatch"],
        ["sqs:DeleteMessage", "sqs:DeleteMessageBatch"],
        "sqs:SendMessage",  # a Deny is left as it is
        "events:PutEvents",
    ]


def test_a_resource_policy_loses_only_its_tls_only_statement_over_http() -> None:
    sender = {"Sid": "ServiceSends", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}}
    document = {"Version": "2012-10-17", "Statement": [TLS_ONLY, {**sender, "Resource": TLS_ONLY["Resource"]}]}
    assert json.loads(ministack.over_http(json.dumps(document)))["Statement"] == [document["Statement"][1]]
    assert ministack.resource_of(json.dumps(document)) == TLS_ONLY["Resource"]


def test_a_rule_target_is_given_to_ministack_as_put_targets_takes_it() -> None:
    values = {
        "target_id": "orchestrator",
        "arn": "arn:aws:states:eu-west-1:123456789012:stateMachine:import",
        "role_arn": "arn:aws:iam::123456789012:role/start",
        "input_path": "kpk79k65",  # a mock's filler for an unset attribute
        "retry_policy": [{"maximum_retry_attempts": 185, "maximum_event_age_in_seconds": 3600}],
    }
    assert ministack.native_target(values, "arn:aws:sqs:eu-west-1:123456789012:dlq") == {
        "Id": "orchestrator",
        "Arn": values["arn"],
        "RoleArn": values["role_arn"],
        "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 3600},
        "DeadLetterConfig": {"Arn": "arn:aws:sqs:eu-west-1:123456789012:dlq"},
    }


def test_a_stream_mapping_keeps_its_knobs_and_an_sqs_mapping_takes_none_of_them() -> None:
    stream = "arn:aws:dynamodb:eu-west-1:123456789012:table/items/stream/2026"
    values = {
        "function_name": "fanout",
        "batch_size": 100,
        "function_response_types": ["ReportBatchItemFailures"],
        "starting_position": "TRIM_HORIZON",
        "maximum_batching_window_in_seconds": 1,
        "bisect_batch_on_function_error": True,
        "maximum_retry_attempts": 5,
        "maximum_record_age_in_seconds": 3600,
        "destination_config": [{"on_failure": [{"destination_arn": "arn:aws:sqs:eu-west-1:123456789012:dlq"}]}],
        "filter_criteria": [{"filter": [{"pattern": '{"eventName": ["INSERT"]}'}]}],
    }
    mapping = ministack._mapping(values, stream)
    assert mapping["BisectBatchOnFunctionError"] is True
    assert (mapping["MaximumRetryAttempts"], mapping["MaximumRecordAgeInSeconds"]) == (5, 3600)
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": "arn:aws:sqs:eu-west-1:123456789012:dlq"}}
    assert mapping["FilterCriteria"] == {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]}
    queue = ministack._mapping(values, "arn:aws:sqs:eu-west-1:123456789012:work")
    assert set(queue) == {"EventSourceArn", "FunctionName", "BatchSize", "FunctionResponseTypes"}


# --- gaps, reproduced on the engine -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ministack.Ministack]:
    started = ministack.Ministack(free_port(), Path(tmp_path_factory.mktemp("ministack")) / "ministack.log")
    try:
        started.start()
    except ministack.EngineMissing as missing:
        pytest.skip(f"ministack engine: {missing}")
    try:
        yield started
    finally:
        started.stop()


def client(engine: ministack.Ministack, service: str, **credentials: str) -> Any:
    keys = credentials or {"aws_access_key_id": ACCOUNT, "aws_secret_access_key": "local"}  # the account's root
    config = botocore.config.Config(inject_host_prefix=False)  # StartSyncExecution would go to sync-<host>
    return boto3.client(service, endpoint_url=engine.endpoint, region_name=REGION, config=config, **keys)  # type: ignore[call-overload]


def role(engine: ministack.Ministack, service: str, actions: list[str]) -> str:
    """A role the service (and the account's root) may assume, allowed `actions` on everything."""
    name = f"r-{uuid.uuid4().hex[:8]}"
    principals = {"Service": f"{service}.amazonaws.com", "AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principals, "Action": "sts:AssumeRole"}],
    }
    iam = client(engine, "iam")
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
    if actions:
        allowed = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(allowed))
    return arn


def express(engine: ministack.Ministack, states: dict[str, Any], role_arn: str) -> str:
    definition = json.dumps({"StartAt": next(iter(states)), "States": states})
    created = client(engine, "stepfunctions").create_state_machine(
        name=f"m-{uuid.uuid4().hex[:8]}", definition=definition, roleArn=role_arn, type="EXPRESS"
    )
    return str(created["stateMachineArn"])


def test_gap_the_object_created_event_of_a_versioned_bucket_has_no_version_id(engine: ministack.Ministack) -> None:
    """AWS: detail.object.version-id is present when the bucket is versioned (S3 User Guide, "EventBridge event
    message structure"). ministack leaves it out; the import planner then reads the object's latest version."""
    s3, events, sqs = client(engine, "s3"), client(engine, "events"), client(engine, "sqs")
    bucket = f"ingest-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
    url = sqs.create_queue(QueueName=bucket)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name=bucket, EventPattern=json.dumps({"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}})
    )
    events.put_targets(Rule=bucket, Targets=[{"Id": "q", "Arn": arn}])
    version = s3.put_object(Bucket=bucket, Key="imports/a.jsonl", Body=b"{}\n")["VersionId"]
    assert version
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    detail = json.loads(messages[0]["Body"])["detail"]
    assert detail["object"]["key"] == "imports/a.jsonl"
    assert "version-id" not in detail["object"]


def test_gap_step_functions_has_no_aws_sdk_s3_put_object_task(engine: ministack.Ministack) -> None:
    """The pipeline writes its reports with this task (AWS SDK service integrations cover every S3 action)."""
    s3 = client(engine, "s3")
    bucket = f"results-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
        "Parameters": {"Bucket": bucket, "Key": "reports/a.json", "Body": "{}"},
        "End": True,
    }
    machine = express(engine, {"WriteReport": task}, role(engine, "states", ["s3:PutObject"]))
    result = client(engine, "stepfunctions").start_sync_execution(stateMachineArn=machine, input="{}")
    assert (result["status"], result["error"]) == ("FAILED", "States.Runtime")
    assert "aws-sdk:s3:putObject is not yet implemented" in result["cause"]


def test_gap_step_functions_tasks_do_not_act_as_the_state_machines_role(engine: ministack.Ministack) -> None:
    """AWS signs a task's call with the state machine's role: without dynamodb:PutItem the write fails with
    AccessDenied (the moto engine does the same). ministack writes anyway, even with AUTH on."""
    dynamodb = client(engine, "dynamodb")
    table = f"items-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {"TableName": table, "Item": {"id": {"S": "1"}}},
        "End": True,
    }
    machine = express(engine, {"Write": task}, role(engine, "states", []))  # a role without any policy
    result = client(engine, "stepfunctions").start_sync_execution(stateMachineArn=machine, input="{}")
    assert result["status"] == "SUCCEEDED"
    assert dynamodb.get_item(TableName=table, Key={"id": {"S": "1"}})["Item"]["id"] == {"S": "1"}


def test_gap_sqs_batch_calls_are_authorized_as_actions_of_their_own_name(engine: ministack.Ministack) -> None:
    """AWS authorizes SendMessageBatch as sqs:SendMessage; ministack asks for sqs:SendMessageBatch (adapted on
    our side: ministack.engine_policy)."""
    url = client(engine, "sqs").create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    assumed = client(engine, "sts").assume_role(
        RoleArn=role(engine, "lambda", ["sqs:SendMessage"]), RoleSessionName="test"
    )
    keys = assumed["Credentials"]
    sqs = client(
        engine,
        "sqs",
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
    sqs.send_message(QueueUrl=url, MessageBody="one")
    with pytest.raises(ClientError, match="sqs:SendMessageBatch"):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "two"}])


def test_gap_put_rule_takes_any_state(engine: ministack.Ministack) -> None:
    """AWS takes ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (PutRule); ministack stores any
    string and then never matches the rule (adapted on our side: the deployer sends a real State)."""
    events = client(engine, "events")
    name = f"rule-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["app"]}), State="kpk79k65")
    state = events.describe_rule(Name=name)["State"]
    assert state == "kpk79k65"
    assert state not in RULE_STATES


def test_gap_no_256_kib_limit_on_a_state_machines_input(engine: ministack.Ministack) -> None:
    """AWS refuses an execution input over 256 KiB (Step Functions quotas); ministack runs it. Only the moto
    engine counts state payloads as AWS does (scripts/localrt/limits.py)."""
    machine = express(engine, {"Done": {"Type": "Pass", "End": True}}, role(engine, "states", []))
    result = client(engine, "stepfunctions").start_sync_execution(
        stateMachineArn=machine, input=json.dumps({"body": "x" * 300_000})
    )
    assert result["status"] == "SUCCEEDED"


def test_gap_a_rest_api_cannot_be_defined_by_an_openapi_body(engine: ministack.Ministack) -> None:
    """crud_api defines its REST API by an OpenAPI body (Terraform: CreateRestApi, then PutRestApi). ministack's
    ImportRestApi keeps only "/" and PutRestApi is an unknown path, so our API Gateway emulator serves the API
    on this engine too, and `terraform apply` of crud_api against ministack would fail."""
    spec = {
        "openapi": "3.0.1",
        "info": {"title": "items", "version": "1"},
        "paths": {
            "/items": {
                "get": {
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "responses": {"default": {"statusCode": "200"}},
                    },
                }
            }
        },
    }
    apigateway = client(engine, "apigateway")
    imported = apigateway.import_rest_api(body=json.dumps(spec).encode())
    assert [r["path"] for r in apigateway.get_resources(restApiId=imported["id"])["items"]] == ["/"]
    created = apigateway.create_rest_api(name=f"items-{uuid.uuid4().hex[:8]}")
    with pytest.raises(ClientError, match="NotFoundException"):
        apigateway.put_rest_api(restApiId=created["id"], mode="overwrite", body=json.dumps(spec).encode())


def test_gap_a_stream_mapping_retries_a_failing_batch_without_end(engine: ministack.Ministack) -> None:
    """AWS gives up on a batch after MaximumRetryAttempts and sends its on-failure record to the mapping's
    destination (Lambda Developer Guide, "Retaining discarded records for a DynamoDB event source"); ministack
    retries it on and on and sends nothing, so a stream reader's changes are never parked there (the incident
    test, tests/e2e/test_incident.py, runs on the moto engine only)."""
    table = f"t-{uuid.uuid4().hex[:8]}"
    dynamodb = client(engine, "dynamodb")
    stream = dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]["LatestStreamArn"]
    sqs = client(engine, "sqs")
    failures = sqs.create_queue(QueueName=f"f-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    failures_arn = sqs.get_queue_attributes(QueueUrl=failures, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("fails.py", "def handler(event, context):\n    raise RuntimeError('always')\n")
    lam = client(engine, "lambda")
    function = lam.create_function(
        FunctionName=f"f-{uuid.uuid4().hex[:8]}", Runtime="python3.12", Handler="fails.handler",
        Role=role(engine, "lambda", ["dynamodb:*", "sqs:*"]), Code={"ZipFile": package.getvalue()},
    )["FunctionArn"]  # fmt: skip
    lam.create_event_source_mapping(
        FunctionName=function, EventSourceArn=stream, StartingPosition="TRIM_HORIZON", BatchSize=1,
        MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": failures_arn}},
    )  # fmt: skip
    dynamodb.put_item(TableName=table, Item={"id": {"S": "a"}})
    group = f"/aws/lambda/{function.rsplit(':', 1)[-1]}"
    logs, invocations, deadline = client(engine, "logs"), 0, time.monotonic() + 20
    while invocations < 2 and time.monotonic() < deadline:  # on AWS there is never a second one
        time.sleep(0.5)
        with contextlib.suppress(logs.exceptions.ResourceNotFoundException):
            invocations = sum("always" in e["message"] for e in logs.filter_log_events(logGroupName=group)["events"])
    assert invocations >= 2  # invoked again and again, MaximumRetryAttempts 0
    parked = sqs.receive_message(QueueUrl=failures, WaitTimeSeconds=1).get("Messages", [])
    assert parked == []  # AWS: one on-failure record after the first failed invocation


def test_gap_a_terminated_ministack_leaves_its_functions_unpacked_in_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ministack unpacks a function's package into a folder of the temporary directory when it starts the
    function's worker and removes it when it retires the worker, not when it is terminated: each run of the
    engine would leave ~13 MB a function behind (powertools is bundled). Our side: ministack gets a temporary
    folder of its own, which Ministack.stop() removes, and its functions write no bytecode beside their code
    (Lambda's code folder is read-only), which a function starting as ministack ended wrote into the removed
    folder, making it again."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)  # the engine's own setting, not the caller's
    engine = ministack.Ministack(free_port(), tmp_path / "ministack.log")
    try:
        engine.start()
    except ministack.EngineMissing as missing:
        pytest.skip(f"ministack engine: {missing}")
    try:
        package = io.BytesIO()
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr(
                "ok.py", "import sys\n\ndef handler(event, context):\n    return sys.dont_write_bytecode\n"
            )
        lam = client(engine, "lambda")
        name = f"f-{uuid.uuid4().hex[:8]}"
        lam.create_function(
            FunctionName=name, Runtime="python3.12", Handler="ok.handler", Role=role(engine, "lambda", []),
            Code={"ZipFile": package.getvalue()},
        )  # fmt: skip
        assert lam.invoke(FunctionName=name)["Payload"].read() == b"true"  # no bytecode written beside the code
        scratch = engine.scratch
        assert scratch is not None
        engine.terminate()
        assert [p.name.rsplit("-", 1)[0] for p in scratch.glob("ministack-lambda-*")] == [f"ministack-lambda-{name}"]
    finally:
        engine.stop()
    assert not scratch.exists()
