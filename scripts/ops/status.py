"""One screen of what needs attention in an environment: every DLQ with its depth and the age of its oldest
message, the executions of the STANDARD state machines that failed, timed out or were aborted in the last
24 hours, the stream readers' mappings (a Disabled one reads nothing), the alarms in ALARM (the stream
readers' iterator age among them) and the last import's report.
Anything there but a clean import means work the system parked or could not finish; the exit code says so
(for cron and CI). Reads the environment's outputs; never changes anything (a DLQ's messages are taken for a
moment and released, as make dlq does)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from scripts.ops import parked

DAY = datetime.timedelta(hours=24)
# ListExecutions serves STANDARD state machines only (AWS Step Functions API Reference, ListExecutions): the
# EXPRESS CRUD machine's failures are its ExecutionsFailed metric, which the alarms watch.
STANDARD_MACHINES = ("workflow_state_machine_arn", "import_state_machine_arn")
UNFINISHED = ("FAILED", "TIMED_OUT", "ABORTED")


@dataclass
class Queue:
    kind: str
    name: str
    messages: int
    in_flight: int
    oldest_age_seconds: float | None


@dataclass
class Execution:
    machine: str
    name: str
    status: str
    stopped: str


@dataclass
class Alarm:
    name: str
    reason: str
    since: str


@dataclass
class Mapping:
    function: str
    source: str
    state: str
    last_result: str

    @property
    def healthy(self) -> bool:
        """Reading its source: Enabled (or on its way there), and its last batch no problem."""
        reading = self.state in ("Enabled", "Enabling", "Updating", "Creating")
        return reading and not self.last_result.startswith("PROBLEM")


@dataclass
class Import:
    report: str  # s3://bucket/key
    status: str  # SUCCEEDED | PARTIAL (some lines refused) | FAILED
    imported: int
    rejected: int
    failed_chunks: int
    written: str


@dataclass
class Report:
    queues: list[Queue] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)
    last_import: Import | None = None
    mappings: list[Mapping] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        # Refused lines are the data's fault and are in the report; failed chunks are the system's.
        failed_import = self.last_import is not None and (
            self.last_import.status == "FAILED" or self.last_import.failed_chunks > 0
        )
        parked = any(q.messages or q.in_flight for q in self.queues)
        stopped = any(not m.healthy for m in self.mappings)
        return parked or bool(self.executions) or bool(self.alarms) or failed_import or stopped

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "needs_attention": self.needs_attention}


def _oldest_age(sqs: Any, url: str, now: datetime.datetime) -> float | None:
    """The age of the oldest of up to ten messages seen, without taking them (make dlq's walk)."""
    sent = [datetime.datetime.fromisoformat(p.sent) for p in parked.walk(sqs, url, 10)]
    return round((now - min(sent)).total_seconds(), 1) if sent else None


def queues(outputs: dict[str, Any], sqs: Any, now: datetime.datetime) -> list[Queue]:
    """Every DLQ's depth and oldest message, one thread per DLQ (a walk ends on a long poll's wait)."""
    dlqs = {kind: q for kind, q in (outputs.get("dlqs") or {}).items() if q and q.get("url")}
    return parked.each_queue(lambda kind: _queue(kind, dlqs[kind], sqs, now), sorted(dlqs))


def _queue(kind: str, queue: dict[str, Any], sqs: Any, now: datetime.datetime) -> Queue:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue["url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    messages = int(attributes.get("ApproximateNumberOfMessages", 0))
    in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
    age = _oldest_age(sqs, queue["url"], now) if messages else None
    return Queue(kind, queue["name"], messages, in_flight, age)


def executions(outputs: dict[str, Any], sfn: Any, now: datetime.datetime) -> list[Execution]:
    found = []
    for output in STANDARD_MACHINES:
        arn = outputs.get(output)
        if not arn:
            continue
        for status in UNFINISHED:
            pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=arn, statusFilter=status)
            for page in pages:
                for execution in page["executions"]:
                    stopped = execution.get("stopDate") or execution["startDate"]
                    if now - stopped <= DAY:
                        found.append(Execution(arn.rsplit(":", 1)[-1], execution["name"], status, stopped.isoformat()))
    return found


def alarms(outputs: dict[str, Any], cloudwatch: Any) -> list[Alarm]:
    names = sorted(set((outputs.get("alarm_names") or {}).values()))
    found = []
    for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
        for alarm in cloudwatch.describe_alarms(AlarmNames=names[start : start + 100], StateValue="ALARM").get(
            "MetricAlarms", []
        ):
            if alarm.get("StateValue") != "ALARM":  # (moto answers every named alarm whatever the filter)
                continue
            since = alarm.get("StateUpdatedTimestamp")
            found.append(Alarm(alarm["AlarmName"], alarm.get("StateReason", ""), since.isoformat() if since else ""))
    return found


REPORTS_PREFIX = "reports/"  # where the import pipeline writes each import's report (import_planner)


def last_import(outputs: dict[str, Any], s3: Any) -> Import | None:
    """The newest import report of the results bucket (none before the first import)."""
    bucket = outputs.get("results_bucket_name")
    if not bucket:
        return None
    newest = None
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=REPORTS_PREFIX):
        for listed in page.get("Contents", []):
            if newest is None or listed["LastModified"] > newest["LastModified"]:
                newest = listed
    if newest is None:
        return None
    report = json.loads(s3.get_object(Bucket=bucket, Key=newest["Key"])["Body"].read())
    return Import(
        f"s3://{bucket}/{newest['Key']}",
        str(report.get("status")),
        int(report.get("imported") or 0),
        int(report.get("rejectedCount") or 0),
        len(report.get("failedChunks") or []),
        newest["LastModified"].isoformat(),
    )


def mappings(outputs: dict[str, Any], lam: Any) -> list[Mapping]:
    """The stream readers' mappings (the functions the DLQs name): a Disabled one reads nothing, and its
    changes wait in the stream for at most 24 hours. Iterator age is an alarm (the alarms above)."""
    found = []
    for function in sorted(
        {str(q["function_name"]) for q in (outputs.get("dlqs") or {}).values() if q.get("function_name")}
    ):
        listed = lam.list_event_source_mappings(FunctionName=function).get("EventSourceMappings", [])
        if not listed:
            found.append(Mapping(function, "-", "missing", "PROBLEM: the function has no event source mapping"))
        for mapping in listed:
            found.append(
                Mapping(
                    function,
                    str(mapping.get("EventSourceArn", "")),
                    str(mapping.get("State", "")),
                    str(mapping.get("LastProcessingResult") or ""),
                )
            )
    return found


def status(outputs: dict[str, Any], client: Callable[[str], Any], now: datetime.datetime | None = None) -> Report:
    now = now or datetime.datetime.now(datetime.UTC)
    return Report(
        queues(outputs, client("sqs"), now),
        executions(outputs, client("stepfunctions"), now),
        alarms(outputs, client("cloudwatch")),
        last_import(outputs, client("s3")),
        mappings(outputs, client("lambda")),
    )


def render(report: Report) -> str:
    lines = ["DLQ                   messages  in flight  oldest"]
    for q in report.queues:
        age = "-" if q.oldest_age_seconds is None else f"{q.oldest_age_seconds:.0f} s"
        mark = "  <- parked work" if q.messages or q.in_flight else ""
        lines.append(f"{q.kind:<21} {q.messages:>8}  {q.in_flight:>9}  {age}{mark}")
    lines.append("")
    if report.executions:
        lines.append(f"Executions that did not succeed in the last 24 h: {len(report.executions)}")
        lines += [f"  {e.machine} {e.name} {e.status} at {e.stopped}" for e in report.executions[:20]]
        if len(report.executions) > 20:
            lines.append(f"  ... and {len(report.executions) - 20} more (--json lists them all)")
    else:
        lines.append("Executions that did not succeed in the last 24 h: none")
    lines.append("")
    for m in report.mappings:
        mark = "" if m.healthy else "  <- not reading"
        result = f", last: {m.last_result}" if m.last_result else ""
        lines.append(f"Stream mapping of {m.function}: {m.state}{result}{mark}")
    lines.append("")
    lines.append(f"Alarms in ALARM: {len(report.alarms) or 'none'}")
    lines += [f"  {a.name} since {a.since}: {a.reason[:160]}" for a in report.alarms]
    lines.append("")
    if report.last_import is None:
        lines.append("Last import: none yet")
    else:
        last = report.last_import
        lines.append(
            f"Last import: {last.status} at {last.written}: {last.imported} imported, {last.rejected} lines refused, "
            f"{last.failed_chunks} chunks failed ({last.report})"
        )
    lines.append("")
    lines.append("Needs attention." if report.needs_attention else "Nothing parked, nothing failed.")
    return "\n".join(lines)
