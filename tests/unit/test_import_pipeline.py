"""The pipeline's functions: planner, worker, reporter and exporter, on moto.

That a line is imported exactly when the API would accept it, and stored as the API stores it, is a contract
test (tests/contract/test_import_agrees_with_api.py): it needs the API as the local runtime serves it.
"""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from import_planner.planner import Settings, line_ends, looks_like_json_lines, plan
from import_reporter.report import refused, status, summarize
from import_worker.chunk import import_chunk, item_id
from import_worker.items import ItemContract, LineRejected, characters, depth, parse
from table_exporter import export as table_export

from scripts.lambda_events import LambdaContext
from tests.conftest import REGION, create_table
from tests.unit.streams import load_handler

NOW = datetime(2026, 11, 27, 5, 0, 0, 123000, tzinfo=UTC)
SETTINGS = Settings(
    imports_prefix="imports/",
    reports_prefix="reports/",
    max_object_bytes=1 << 20,
    max_lines=1000,
    chunk_lines=10,
    chunk_bytes=1 << 16,
    content_types=("application/x-ndjson", "text/plain"),
    max_reported_rejections=20,
)


@pytest.fixture(scope="session")
def contract(crud_definition: dict[str, Any]) -> ItemContract:
    return ItemContract.from_json(crud_definition["item_contract"])


def upload(
    body: bytes, key: str = "imports/orders.jsonl", content_type: str = "application/x-ndjson", **extra: Any
) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name=REGION)
    if "ingest" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket="ingest", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket="ingest", VersioningConfiguration={"Status": "Enabled"})
    put = s3.put_object(Bucket="ingest", Key=key, Body=body, ContentType=content_type, **extra)
    return {"bucket": {"name": "ingest"}, "object": {"key": key, "size": len(body), "version-id": put["VersionId"]}}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not json", "not JSON"),
        ("NaN", "NaN is not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"name": "\\ud800"}', "lone surrogate"),
        ('{"name": 1}', "data.name must be string"),
    ],
)
def test_a_rejected_line_says_why(contract: ItemContract, line: str, reason: str) -> None:
    with pytest.raises(LineRejected, match=reason):
        parse(contract, line)


def test_sizes_are_counted_as_api_gateway_counts_them(contract: ItemContract) -> None:
    assert characters("😀é") == 3  # UTF-16 units
    assert depth({"a": [{"b": []}]}) == 4
    longest = json.dumps({"name": "n", "attributes": {"s": "x" * (contract.max_body_chars - 40)}})
    padded = longest[:-2] + " " * (contract.max_body_chars - len(longest)) + longest[-2:]
    assert parse(contract, padded)[1] == contract.max_body_chars
    with pytest.raises(LineRejected, match="longer than"):
        parse(contract, padded + " ")


# --- the planner --------------------------------------------------------------------------------------------


@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30), st.booleans())
@settings(max_examples=60)
def test_line_ends_mark_every_line_whatever_the_read_size(lines: list[bytes], trailing_newline: bool) -> None:
    body = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")

    class Pieces(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(random.Random(len(body)).randint(1, 7))

    ends = list(line_ends(Pieces(body)))
    starts = [0, *ends][: len(ends)]
    expected = body.split(b"\n")[:-1] if body.endswith(b"\n") else body.split(b"\n") if body else []
    assert [body[a:b].removesuffix(b"\n") for a, b in zip(starts, ends, strict=True)] == expected


def test_an_upload_is_cut_into_chunks_on_line_boundaries(aws: None) -> None:
    lines = [json.dumps({"name": f"n{i}"}).encode() for i in range(25)]
    detail = upload(b"\n".join(lines) + b"\n")
    planned = plan(SETTINGS, detail, boto3.client("s3", region_name=REGION))
    assert planned["accepted"]
    assert (planned["name"], planned["reportKey"], planned["lines"]) == ("orders", "reports/orders.json", 25)
    assert [(c["firstLine"], c["lines"]) for c in planned["chunks"]] == [(1, 10), (11, 10), (21, 5)]
    body = b"\n".join(lines) + b"\n"
    assert [body[c["start"] : c["end"]].count(b"\n") for c in planned["chunks"]] == [10, 10, 5]
    assert all(c["reportLimit"] == 6 for c in planned["chunks"])  # 20 reported rejections over 3 chunks


@pytest.mark.parametrize(
    ("body", "key", "content_type", "reason"),
    [
        (b'{"name": "a"}\n', "imports/a.csv", "application/x-ndjson", "does not end in .jsonl"),
        (b'{"name": "a"}\n', "imports/a.jsonl", "image/png", "content type image/png"),
        (b"", "imports/a.jsonl", "application/x-ndjson", "the object is empty"),
        (b"x" * (2 << 20), "imports/a.jsonl", "application/x-ndjson", "larger than"),
        (b'{"name": "a"}\n' * 1001, "imports/a.jsonl", "application/x-ndjson", "more than 1000 lines"),
        (b"\xff\xfe\x00garbage\n" * 4, "imports/a.jsonl", "application/x-ndjson", "not JSON lines"),
        (b"name,amount\nx,1\n", "imports/a.jsonl", "text/plain", "none of its first lines is JSON"),
    ],
)
def test_an_object_that_cannot_be_imported_is_refused_with_its_reason(
    aws: None, body: bytes, key: str, content_type: str, reason: str
) -> None:
    planned = plan(SETTINGS, upload(body, key, content_type), boto3.client("s3", region_name=REGION))
    assert not planned["accepted"]
    assert reason in planned["reason"]
    assert planned["reportKey"] == f"reports/{key.removeprefix('imports/').removesuffix('.jsonl')}.json"


def test_an_object_deleted_before_its_import_is_refused_not_retried(aws: None) -> None:
    detail = upload(b'{"name": "a"}\n', "imports/gone.jsonl")
    s3 = boto3.client("s3", region_name=REGION)
    s3.delete_object(Bucket="ingest", Key="imports/gone.jsonl", VersionId=detail["object"]["version-id"])
    planned = plan(SETTINGS, detail, s3)
    assert (planned["accepted"], planned["reason"]) == (False, "the object no longer exists (or may not be read)")


class BrokenS3:
    def head_object(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "HeadObject")


def test_a_failing_s3_fails_the_plan_so_step_functions_retries_it() -> None:
    detail = {"bucket": {"name": "ingest"}, "object": {"key": "imports/a.jsonl", "version-id": "v"}}
    with pytest.raises(ClientError, match="SlowDown"):
        plan(SETTINGS, detail, BrokenS3())


def test_under_owner_isolation_the_upload_names_the_owner(aws: None) -> None:
    owned = Settings(**{**SETTINGS.__dict__, "owner_metadata_key": "owner"})
    s3 = boto3.client("s3", region_name=REGION)
    assert not plan(owned, upload(b'{"name": "a"}\n'), s3)["accepted"]
    assert plan(owned, upload(b'{"name": "a"}\n', Metadata={"owner": "user-1"}), s3)["owner"] == "user-1"


def test_a_sample_of_json_lines_with_a_bad_first_line_is_still_json_lines() -> None:
    assert looks_like_json_lines(b'not json\n{"name": "a"}\n') is None
    assert looks_like_json_lines(b"\n\n") is None
    assert looks_like_json_lines(b'{"name": "a"}\n{"name": "\xc3') is None  # a line cut by the read size


def test_the_planner_handler_reads_its_limits_from_the_environment(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "MAX_OBJECT_BYTES": "1000",
        "MAX_LINES": "5",
        "CHUNK_LINES": "2",
        "CHUNK_BYTES": "65536",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CONTENT_TYPES", "application/x-ndjson, text/plain")
    handler = load_handler("import_planner.handler")
    detail = upload(b'{"name": "a"}\n{"name": "b"}\n{"name": "c"}\n')
    planned = handler.handler({"detail": detail}, LambdaContext())
    assert [c["lines"] for c in planned["chunks"]] == [2, 1]


# --- the worker ---------------------------------------------------------------------------------------------


def chunk_message(detail: dict[str, Any], chunk: dict[str, Any]) -> dict[str, Any]:
    source = {"bucket": "ingest", "key": detail["object"]["key"], "versionId": detail["object"]["version-id"]}
    return {"taskToken": "token", "source": source, "owner": None, "chunk": chunk}


def test_a_chunk_writes_valid_lines_once_and_reports_the_rest_by_line_number(aws: None, contract: ItemContract) -> None:
    create_table("items")
    lines = [b'{"name": "a"}', b"", b"oops", b'{"name": "b"}\r', b"\xff", b'{"name": ""}']
    detail = upload(b"\n".join(lines))
    planned = plan(SETTINGS, detail, boto3.client("s3", region_name=REGION))
    [chunk] = planned["chunks"]
    s3, dynamodb = boto3.client("s3", region_name=REGION), boto3.client("dynamodb", region_name=REGION)
    result = import_chunk(chunk_message(detail, chunk), contract, "items", s3, dynamodb, clock=lambda: NOW)
    assert result["imported"] == 2
    assert [(r["line"], r["error"][:12]) for r in result["rejected"]] == [
        (3, "not JSON (Ex"),
        (5, "not UTF-8 te"),
        (6, "data.name mu"),
    ]
    items = dynamodb.scan(TableName="items")["Items"]
    assert sorted(i["createdAt"]["S"] for i in items) == ["2026-11-27T05:00:00.123Z"] * 2
    source = chunk_message(detail, chunk)["source"]
    assert {i["id"]["S"] for i in items} == {item_id(source, 1), item_id(source, 4)}

    dynamodb.update_item(
        TableName="items",
        Key={"id": {"S": item_id(source, 1)}},
        UpdateExpression="SET version = :v",
        ExpressionAttributeValues={":v": {"N": "7"}},
    )
    again = import_chunk(chunk_message(detail, chunk), contract, "items", s3, dynamodb, clock=lambda: NOW)
    assert again["imported"] == 2  # already there counts as imported...
    assert len(dynamodb.scan(TableName="items")["Items"]) == 2
    assert dynamodb.get_item(TableName="items", Key={"id": {"S": item_id(source, 1)}})["Item"]["version"] == {
        "N": "7"
    }  # ...and is not overwritten


def test_rejections_listed_are_capped_but_all_counted(aws: None, contract: ItemContract) -> None:
    create_table("items")
    detail = upload(b"x\n" * 9)
    chunk = {"index": 0, "firstLine": 1, "lines": 9, "start": 0, "end": 18, "reportLimit": 4}
    s3, dynamodb = boto3.client("s3", region_name=REGION), boto3.client("dynamodb", region_name=REGION)
    result = import_chunk(chunk_message(detail, chunk), contract, "items", s3, dynamodb)
    assert (result["rejectedCount"], len(result["rejected"])) == (9, 4)


class FailingTable:
    def put_item(self, **_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "PutItem"
        )


def test_a_failing_table_fails_the_chunk_so_sqs_retries_it(aws: None, contract: ItemContract) -> None:
    detail = upload(b'{"name": "a"}\n')
    chunk = {"index": 0, "firstLine": 1, "lines": 1, "start": 0, "end": 14}
    with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        import_chunk(
            chunk_message(detail, chunk), contract, "items", boto3.client("s3", region_name=REGION), FailingTable()
        )


class StepFunctions:
    def __init__(self, error: str | None = None) -> None:
        self.error, self.answers = error, []

    def send_task_success(self, taskToken: str, output: str) -> None:
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "no"}}, "SendTaskSuccess")
        self.answers.append((taskToken, json.loads(output)))


def sqs_event(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": "m1",
                "body": json.dumps(message),
                "receiptHandle": "r",
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:work",
                "awsRegion": REGION,
                "md5OfBody": "",
            }
        ]
    }


@pytest.mark.parametrize(
    ("error", "failures"), [(None, []), ("TaskTimedOut", []), ("AccessDeniedException", [{"itemIdentifier": "m1"}])]
)
def test_the_worker_answers_the_task_token_and_fails_only_what_can_succeed_later(
    aws: None, monkeypatch: pytest.MonkeyPatch, crud_definition: dict[str, Any], error: str | None, failures: list[Any]
) -> None:
    create_table("items")
    monkeypatch.setenv("TABLE_NAME", "items")
    monkeypatch.setenv("ITEM_CONTRACT", crud_definition["item_contract"])
    handler = load_handler("import_worker.handler")
    states = StepFunctions(error)
    clients = {
        "s3": boto3.client("s3", region_name=REGION),
        "dynamodb": boto3.client("dynamodb", region_name=REGION),
        "stepfunctions": states,
    }
    monkeypatch.setattr(handler, "client", clients.__getitem__)
    detail = upload(b'{"name": "a"}\n')
    message = chunk_message(detail, {"index": 0, "firstLine": 1, "lines": 1, "start": 0, "end": 14})
    assert handler.handler(sqs_event(message), LambdaContext())["batchItemFailures"] == failures
    assert states.answers == (
        [] if error else [("token", {"index": 0, "imported": 1, "rejectedCount": 0, "rejected": []})]
    )


# --- the reporter -------------------------------------------------------------------------------------------


def test_the_report_counts_every_chunk_and_sorts_rejections() -> None:
    planned = {
        "source": {"bucket": "ingest", "key": "imports/a.jsonl"},
        "reportKey": "reports/a.json",
        "lines": 30,
        "chunks": [
            {"index": 0, "firstLine": 1, "lines": 10},
            {"index": 1, "firstLine": 11, "lines": 10},
            {"index": 2, "firstLine": 21, "lines": 10},
        ],
    }
    results = [
        {"index": 1, "imported": 9, "rejectedCount": 1, "rejected": [{"line": 15, "error": "e"}]},
        {
            "index": 0,
            "imported": 8,
            "rejectedCount": 2,
            "rejected": [{"line": 9, "error": "e"}, {"line": 2, "error": "e"}],
        },
        {"index": 2, "failed": True, "error": "States.Timeout"},
    ]
    summary = summarize(planned, results, "results")
    report = summary["report"]
    assert (report["status"], report["imported"], report["rejectedCount"]) == ("PARTIAL", 17, 3)
    assert [r["line"] for r in report["rejected"]] == [2, 9, 15]
    assert report["failedChunks"] == [{"firstLine": 21, "lines": 10, "error": "States.Timeout"}]
    assert summary["notification"]["report"] == "s3://results/reports/a.json"
    assert summary["notification"]["failedChunks"] == 1


def test_statuses() -> None:
    assert [status(5, 0, 0), status(5, 1, 0), status(0, 3, 0), status(0, 0, 1), status(0, 0, 0)] == [
        "SUCCEEDED",
        "PARTIAL",
        "FAILED",
        "FAILED",
        "SUCCEEDED",
    ]


def test_an_object_refused_as_a_whole_is_reported_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    planned = {
        "accepted": False,
        "reason": "the object is not JSON lines",
        "source": {"key": "imports/a.jsonl"},
        "reportKey": "reports/a.json",
    }
    assert refused(planned, "results")["report"]["status"] == "FAILED"
    handler = load_handler("import_reporter.handler")
    summary = handler.handler({"plan": planned, "bucket": "results"}, LambdaContext())
    assert summary["notification"]["error"] == "the object is not JSON lines"


# --- the exporter -------------------------------------------------------------------------------------------


class Uploads:
    """S3 as the exporter sees it, recording parts; the completion fails on demand."""

    def __init__(self, fail: bool = False) -> None:
        self.fail, self.parts, self.aborted, self.completed = fail, [], False, False

    def create_multipart_upload(self, **_: Any) -> dict[str, str]:
        return {"UploadId": "u"}

    def upload_part(self, PartNumber: int, Body: bytes, **_: Any) -> dict[str, str]:
        self.parts.append(len(Body))
        return {"ETag": f"e{PartNumber}"}

    def complete_multipart_upload(self, **_: Any) -> None:
        if self.fail:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "no"}}, "CompleteMultipartUpload")
        self.completed = True

    def abort_multipart_upload(self, **_: Any) -> None:
        self.aborted = True


class Table:
    def scan(self, **arguments: Any) -> dict[str, Any]:
        start = int(arguments.get("ExclusiveStartKey", {"id": {"S": "0"}})["id"]["S"])
        items = [
            {"id": {"S": str(i)}, "document": {"S": json.dumps({"name": "x" * 100})}}
            for i in range(start, min(start + 100, 1000))
        ]
        return {"Items": items, **({"LastEvaluatedKey": {"id": {"S": str(start + 100)}}} if start + 100 < 1000 else {})}


@pytest.mark.parametrize("fail", [False, True])
def test_a_large_export_goes_up_in_parts_and_a_failed_one_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, fail: bool
) -> None:
    monkeypatch.setattr(table_export, "PART_BYTES", 40_000)
    uploads = Uploads(fail)
    if fail:
        with pytest.raises(ClientError):
            table_export.export(Table(), uploads, "items", "results", "exports/x.jsonl")
        assert uploads.aborted
        return
    assert table_export.export(Table(), uploads, "items", "results", "exports/x.jsonl") == 1000
    assert uploads.completed
    assert len(uploads.parts) > 2
    assert all(size >= 40_000 for size in uploads.parts[:-1])


def test_the_exporter_names_the_export_after_its_scheduled_day_and_notifies(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_table("items")
    s3, sns, sqs = (boto3.client(s, region_name=REGION) for s in ("s3", "sns", "sqs"))
    s3.create_bucket(Bucket="results", CreateBucketConfiguration={"LocationConstraint": REGION})
    topic = sns.create_topic(Name="notifications")["TopicArn"]
    queue = sqs.create_queue(QueueName="notifications")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    for name, value in {"TABLE_NAME": "items", "RESULTS_BUCKET": "results", "NOTIFICATIONS_TOPIC_ARN": topic}.items():
        monkeypatch.setenv(name, value)
    handler = load_handler("table_exporter.handler")
    answer = handler.handler({"scheduledTime": "2026-11-27T02:00:00Z"}, LambdaContext())
    assert answer == {
        "kind": "export",
        "status": "SUCCEEDED",
        "export": "s3://results/exports/2026-11-27.jsonl",
        "items": 0,
    }
    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(message["Body"]) == answer


DEEP_LINE = '{"name": "n", "attributes": {"a": ' + "[" * 12_000 + "]" * 12_000 + "}}"


def test_a_line_nested_thousands_deep_is_rejected_by_itself(contract: ItemContract) -> None:
    """Issue #28, finding 4: 12,000 nested arrays (24 KB, under the item limit) raised RecursionError, which
    failed the whole chunk (up to 1,000 lines) instead of rejecting the line with its number."""
    with pytest.raises(LineRejected, match="nest more than 32 levels deep"):
        parse(contract, DEEP_LINE)


def test_a_deep_first_line_does_not_stop_the_planner() -> None:
    assert looks_like_json_lines(DEEP_LINE.encode() + b'\n{"name": "a"}\n') is None


def test_a_failed_chunk_is_logged_with_where_and_why(
    aws: None, monkeypatch: pytest.MonkeyPatch, crud_definition: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Issue #28, finding 8: the worker's log said only "batch item failures count 1"."""
    monkeypatch.setenv("TABLE_NAME", "missing-table")
    monkeypatch.setenv("ITEM_CONTRACT", crud_definition["item_contract"])
    handler = load_handler("import_worker.handler")
    monkeypatch.setattr(
        handler, "client", {"s3": boto3.client("s3", region_name=REGION), "dynamodb": FailingTable()}.__getitem__
    )
    detail = upload(b'{"name": "a"}\n')
    message = chunk_message(detail, {"index": 3, "firstLine": 1, "lines": 1, "start": 0, "end": 14})
    assert handler.handler(sqs_event(message), LambdaContext())["batchItemFailures"] == [{"itemIdentifier": "m1"}]
    [failed] = [r for r in caplog.records if r.getMessage().startswith("chunk failed")]
    assert failed.exc_info is not None
    assert "ProvisionedThroughputExceededException" in str(failed.exc_info[1])
    assert getattr(failed, "index", None) == 3
