"""make redrive: each parked message back where it was going, by what it is (the shapes scripts/ops/parked.py
reads), deleted only once that succeeded; what cannot go back stays, with the reason.

- a stream mapping's on-failure record (trigger-stream, fanout): the records of that shard and sequence range,
  re-read while the stream holds them (24 hours, DynamoDB Developer Guide, "Change data capture for DynamoDB
  Streams"), handed to the same function as one batch (Invoke, RequestResponse); a range the stream no longer
  holds stays, reported with its range;
- a stream reader's own dead letter (a change it settled as undeliverable, with its sequence number): that
  record, re-read the same way, to the same function. The trigger names each execution after its change, so
  a workflow already started is not started again (ExecutionAlreadyExists: StartExecution is idempotent by
  name for STANDARD workflows); a change that fails for good again is parked again by the function, as new;
- an asynchronous invocation's on-failure record (consumer-async, export-async, live-updates-async): the original event to the
  same function (Invoke, RequestResponse, so a failure is seen and the message stays);
- an event a rule's target could not take (rule-<rule>, pipeline): the event to that target (TARGET_ARN, as
  EventBridge sets it), with the target's InputPath; a Step Functions target gets an execution named after the
  event and the target, so a second redrive of the same event answers ExecutionAlreadyExists ("already done");
- the item workflow's failure record (workflow-failures): a new execution of the same state machine with the
  failed one's input, named after it (again "already done" the second time);
- a message of a queue's own DLQ (import-work): back onto that queue (SendMessage, attributes kept).

A message is deleted only after its redrive succeeded; a failed one is released at once (visible again) and
the reason printed. Running redrive twice does no harm: what went back is gone from the DLQ, and what failed
is still there. Between a successful redrive and its delete (a crash, a lost connection), the message stays
and a second run sends it again: every destination above is idempotent by name or by the change's version,
except an SQS or SNS target, which may see it twice (at least once, as EventBridge delivers).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TextColumn

from scripts.lambda_events import stream_record
from scripts.ops import parked
from scripts.ops.parked import describe

# How long a message is taken while a run lasts (released at its end; after this if the run dies).
REDRIVE_SECONDS = 900
GET_RECORDS_LIMIT = 1000
MAX_ATTEMPTS = 10  # executions a message may be redriven as before it is left for a person to look at  # DynamoDB Streams GetRecords: at most 1000 records a call
EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


class NotRedriven(Exception):
    """Why a message stays in its DLQ, in one line."""


@dataclass
class Result:
    queue: str
    what: str
    outcome: str  # redriven | already done | would redrive | left
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Summary:
    results: list[Result] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def left(self) -> int:
        return self.count("left")

    def as_json(self) -> dict[str, Any]:
        counts = {o: self.count(o) for o in ("redriven", "already done", "would redrive", "left")}
        return {"counts": counts, "results": [r.as_json() for r in self.results]}


def execution_name(*parts: str) -> str:
    """A valid execution name (letters, digits, '-', '_', at most 80) that is the same for the same parts."""
    readable = "-".join(parts)
    if EXECUTION_NAME.match(readable):
        return readable
    return "redrive-" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:40]


class Redriver:
    """One DLQ's messages back where they were going. `client(name)` gives a boto3 client of the environment."""

    def __init__(self, client: Callable[[str], Any], dry_run: bool = False) -> None:
        self.client = client
        self.dry_run = dry_run
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()  # queues are redriven one thread each; boto3's clients are thread-safe

    def _c(self, name: str) -> Any:
        with self._lock:
            if name not in self._clients:
                self._clients[name] = self.client(name)
            return self._clients[name]

    # --- the queue ------------------------------------------------------------------------------------------

    def batches(self, url: str, limit: int) -> Iterator[list[dict[str, Any]]]:
        """Up to `limit` messages in batches, each taken for REDRIVE_SECONDS (released as soon as it stays)."""
        taken = 0
        while taken < limit:
            batch = parked.receive(self._c("sqs"), url, min(10, limit - taken), REDRIVE_SECONDS, ["All"])
            if not batch:
                return
            taken += len(batch)
            yield batch

    def redrive_queue(
        self, kind: str, queue: dict[str, Any], limit: int, summary: Summary, advance: Callable[[], None]
    ) -> None:
        """Each message once: taken for the whole run, deleted when it went back; the ones that stay, and on
        an interruption every one taken and not yet settled, are released at the end (visible again at once),
        so a second run finds all of them. A message interrupted between its redrive and its delete is
        redriven again by the next run (named destinations answer "already done"; see the module's doc)."""
        sqs, release = self._c("sqs"), []
        # What a redrive parks again during this run (a run that failed once more) waits for the next run: a run
        # takes each message it found once, and never chases its own output.
        started_ms = int(time.time() * 1000)
        try:
            for batch in self.batches(queue["url"], limit):
                unsettled = [m["ReceiptHandle"] for m in batch]
                try:
                    for message in batch:
                        if int((message.get("Attributes") or {}).get("SentTimestamp", 0)) >= started_ms:
                            release.append(message["ReceiptHandle"])
                            unsettled.remove(message["ReceiptHandle"])
                            continue
                        outcome = self._one(kind, queue, message, summary)
                        if outcome in ("redriven", "already done"):
                            sqs.delete_message(QueueUrl=queue["url"], ReceiptHandle=message["ReceiptHandle"])
                        else:
                            release.append(message["ReceiptHandle"])
                        unsettled.remove(message["ReceiptHandle"])
                        advance()
                finally:
                    release += unsettled
        finally:
            parked.release(sqs, queue["url"], release)

    def _one(self, kind: str, queue: dict[str, Any], message: dict[str, Any], summary: Summary) -> str:
        what = describe(message).what
        try:
            action = self.action(kind, queue, message)
            if self.dry_run:
                summary.results.append(Result(kind, what, "would redrive", action.describe))
                return "would redrive"
            outcome, detail = action.run()
        except NotRedriven as reason:
            outcome, detail = "left", str(reason)
        except (ClientError, BotoCoreError) as error:
            outcome, detail = "left", f"{type(error).__name__}: {error}"
        summary.results.append(Result(kind, what, outcome, detail))
        return outcome

    # --- what each message is -------------------------------------------------------------------------------

    def action(self, kind: str, queue: dict[str, Any], message: dict[str, Any]) -> Action:
        try:
            body = json.loads(message.get("Body", ""))
        except ValueError:
            body = None
        attributes = {n: v.get("StringValue") for n, v in (message.get("MessageAttributes") or {}).items()}
        if queue.get("source_queue_url"):
            return Action(
                f"back onto {queue['source_queue_url'].rsplit('/', 1)[-1]}",
                lambda: self._resend(queue["source_queue_url"], message),
            )
        if not isinstance(body, dict):
            raise NotRedriven("not a shape this system writes")
        if "DDBStreamBatchInfo" in body:
            batch, context = body["DDBStreamBatchInfo"], body.get("requestContext") or {}
            function = str(context.get("functionArn") or queue.get("function_name") or "")
            if not function:
                raise NotRedriven("the record names no function")
            return Action(
                f"re-read {batch.get('startSequenceNumber')}..{batch.get('endSequenceNumber')} to {function}",
                lambda: self._stream_batch(
                    function,
                    batch["streamArn"],
                    batch.get("shardId"),
                    batch["startSequenceNumber"],
                    batch["endSequenceNumber"],
                ),
            )
        if "requestPayload" in body:
            function = str((body.get("requestContext") or {}).get("functionArn") or "")
            if not function:
                raise NotRedriven("the record names no function")
            return Action(f"invoke {function}", lambda: self._invoke(function, body["requestPayload"]))
        if "reason" in body and queue.get("function_name") and queue.get("stream_arn"):
            change: dict[str, Any] = body["change"] if isinstance(body.get("change"), dict) else body
            sequence = str(change.get("sequenceNumber") or "")
            if not sequence:
                raise NotRedriven("the dead letter names no sequence number")
            function, stream = queue["function_name"], queue["stream_arn"]
            return Action(
                f"re-read {sequence} to {function}",
                lambda: self._stream_batch(function, stream, None, sequence, sequence),
            )
        if "executionArn" in body and "error" in body:
            return Action(
                f"run again {body['executionArn'].rsplit(':', 1)[-1]}",
                lambda: self._execution_again(body["executionArn"]),
            )
        if queue.get("state_machine_arn") and "detail-type" in body and not attributes.get("TARGET_ARN"):
            # The input its state machine parked (the import orchestrator's dead-letter path: the event as came).
            machine = str(queue["state_machine_arn"])
            name = execution_name("redrive", str(body.get("id")))
            return Action(
                f"run {machine.rsplit(':', 1)[-1]} again", lambda: self._start(machine, name, json.dumps(body))
            )
        if attributes.get("TARGET_ARN") and "detail-type" in body:
            target = attributes["TARGET_ARN"]
            return Action(f"deliver to {target}", lambda: self._deliver(target, attributes.get("RULE_ARN"), body))
        raise NotRedriven("not a shape this system writes")

    # --- where it goes back ---------------------------------------------------------------------------------

    def _resend(self, url: str, message: dict[str, Any]) -> tuple[str, str]:
        attributes = {
            name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
            for name, value in (message.get("MessageAttributes") or {}).items()
        }
        extra = {"MessageAttributes": attributes} if attributes else {}
        self._c("sqs").send_message(QueueUrl=url, MessageBody=message["Body"], **extra)
        return "redriven", ""

    def _invoke(self, function: str, payload: Any) -> tuple[str, str]:
        parts = function.split(":")  # a qualified ARN (Lambda's records name :$LATEST) as name and qualifier
        qualifier = {"Qualifier": parts[7]} if len(parts) == 8 else {}
        answer = self._c("lambda").invoke(
            FunctionName=":".join(parts[:7]) if qualifier else function,
            InvocationType="RequestResponse",
            Payload=json.dumps(payload).encode(),
            **qualifier,
        )
        text = answer["Payload"].read().decode() if answer.get("Payload") is not None else ""
        if answer.get("FunctionError"):
            raise NotRedriven(f"the function failed again: {text[:240]}")
        try:
            response = json.loads(text) if text else None
        except ValueError:
            response = None
        failures = (response or {}).get("batchItemFailures") if isinstance(response, dict) else None
        if failures:
            raise NotRedriven(f"the function failed {len(failures)} record(s) again")
        return "redriven", ""

    def _shard(self, stream_arn: str, shard_id: str | None, start: str, end: str) -> str:
        if shard_id:
            return shard_id
        streams, kwargs = self._c("dynamodbstreams"), {"StreamArn": stream_arn}
        while True:
            description = streams.describe_stream(**kwargs)["StreamDescription"]
            for shard in description.get("Shards", []):
                span = shard.get("SequenceNumberRange") or {}
                first, last = span.get("StartingSequenceNumber"), span.get("EndingSequenceNumber")
                if first and int(first) <= int(start) and (last is None or int(start) <= int(last)):
                    return str(shard["ShardId"])
            if not description.get("LastEvaluatedShardId"):
                raise NotRedriven(f"the stream no longer holds {start}..{end} (24-hour retention)")
            kwargs = {"StreamArn": stream_arn, "ExclusiveStartShardId": description["LastEvaluatedShardId"]}

    def reread(self, stream_arn: str, shard_id: str | None, start: str, end: str) -> list[dict[str, Any]]:
        """The records start..end (inclusive) of the shard, as Lambda delivers them; NotRedriven when the stream
        no longer holds all of them."""
        streams = self._c("dynamodbstreams")
        shard = self._shard(stream_arn, shard_id, start, end)
        try:
            iterator = streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=start
            )["ShardIterator"]
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("TrimmedDataAccessException", "ResourceNotFoundException"):
                raise NotRedriven(
                    f"the stream no longer holds {start}..{end} of {shard} (24-hour retention)"
                ) from error
            raise
        records: list[dict[str, Any]] = []
        empty_reads = 0
        while iterator and empty_reads < 3:
            page = streams.get_records(ShardIterator=iterator, Limit=GET_RECORDS_LIMIT)
            iterator = page.get("NextShardIterator")
            empty_reads = 0 if page.get("Records") else empty_reads + 1
            for record in page.get("Records", []):
                sequence = record["dynamodb"]["SequenceNumber"]
                if int(sequence) > int(end):
                    iterator = None
                    break
                records.append(stream_record(record, stream_arn))
        if not records or records[0]["dynamodb"]["SequenceNumber"] != start:
            raise NotRedriven(f"the stream no longer holds {start}..{end} of {shard} (24-hour retention)")
        return records

    def _stream_batch(
        self, function: str, stream_arn: str, shard_id: str | None, start: str, end: str
    ) -> tuple[str, str]:
        records = self.reread(stream_arn, shard_id, start, end)
        self._invoke(function, {"Records": records})
        return "redriven", f"{len(records)} record(s) to {function.rsplit(':', 1)[-1]}"

    def _start(self, machine: str, name: str, payload: str) -> tuple[str, str]:
        """An execution named after what it redrives: one that runs or succeeded means done; one that failed
        (an earlier redrive, before the cause was fixed) lets the next attempt start under the next name.

        Asked before starting: StartExecution answers success, not ExecutionAlreadyExists, while an execution
        of the same name and input is still open (Step Functions API Reference, StartExecution), so a second
        redrive during the first one's execution would otherwise count as redriven though nothing started."""
        sfn = self._c("stepfunctions")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            attempt_name = name if attempt == 1 else execution_name(name, str(attempt))
            arn = f"{machine.replace(':stateMachine:', ':execution:')}:{attempt_name}"
            earlier = self._execution_status(arn)
            if earlier is None:
                try:
                    sfn.start_execution(stateMachineArn=machine, name=attempt_name, input=payload)
                    return "redriven", f"execution {attempt_name}"
                except ClientError as error:
                    if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                        raise
                    earlier = self._execution_status(arn)  # another redrive started it meanwhile
            if earlier in ("RUNNING", "SUCCEEDED", "PENDING_REDRIVE"):  # PENDING_REDRIVE: it runs again
                return "already done", f"execution {attempt_name} {str(earlier).lower()}"
        raise NotRedriven(f"{MAX_ATTEMPTS} executions of it failed already ({name}...): fix the cause first")

    def _execution_status(self, execution_arn: str) -> str | None:
        try:
            return str(self._c("stepfunctions").describe_execution(executionArn=execution_arn)["status"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionDoesNotExist":
                raise
            return None

    def _execution_again(self, execution_arn: str) -> tuple[str, str]:
        described = self._c("stepfunctions").describe_execution(executionArn=execution_arn)
        machine = (
            described.get("stateMachineArn") or execution_arn.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0]
        )
        return self._start(machine, execution_name(described["name"], "redrive"), described.get("input") or "{}")

    def _target_input(self, rule_arn: str | None, target_arn: str, event: dict[str, Any]) -> Any:
        """The event as the target receives it: the rule's InputPath applied ($ or $.a.b); an InputTransformer
        or a constant Input is refused (the DLQ holds the event, not what the target was given)."""
        if not rule_arn or ":rule/" not in rule_arn:
            return event
        path = rule_arn.split(":rule/", 1)[1]
        bus, _, rule = path.rpartition("/")
        targets = self._c("events").list_targets_by_rule(Rule=rule, EventBusName=bus or "default")["Targets"]
        target = next((t for t in targets if t["Arn"] == target_arn), None)
        if target is None:
            raise NotRedriven(f"rule {rule} no longer targets {target_arn}")
        if target.get("InputTransformer") or target.get("Input"):
            raise NotRedriven("the target transforms the event (Input or InputTransformer): redrive it by hand")
        value: Any = event
        for part in (target.get("InputPath") or "$").removeprefix("$").strip(".").split("."):
            if part:
                value = value.get(part) if isinstance(value, dict) else None
        return value

    def _deliver(self, target: str, rule_arn: str | None, event: dict[str, Any]) -> tuple[str, str]:
        payload = self._target_input(rule_arn, target, event)
        text = json.dumps(payload)
        service = target.split(":")[2]
        if service == "sqs":
            account, name = target.split(":")[4], target.split(":")[5]
            url = self._c("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
            self._c("sqs").send_message(QueueUrl=url, MessageBody=text)
            return "redriven", ""
        if service == "lambda":
            return self._invoke(target, payload)
        if service == "states":
            return self._start(target, execution_name("redrive", str(event.get("id")), target), text)
        if service == "sns":
            self._c("sns").publish(TopicArn=target, Message=text)
            return "redriven", ""
        raise NotRedriven(f"no redrive to a {service} target")


@dataclass
class Action:
    describe: str
    run: Callable[[], tuple[str, str]]


Advance = Callable[[str], None]  # one more message of that DLQ settled


@contextlib.contextmanager
def quiet(_: list[str]) -> Iterator[Advance]:
    yield lambda kind: None


@contextlib.contextmanager
def bar(kinds: list[str]) -> Iterator[Advance]:
    """A progress line per DLQ on stderr while they are walked (rich; nothing when stderr is not a terminal)."""
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), MofNCompleteColumn(), console=console, transient=True) as shown:
        tasks = {kind: shown.add_task(f"redrive {kind}", total=None) for kind in kinds}
        yield lambda kind: shown.advance(tasks[kind])


def redrive(
    outputs: dict[str, Any],
    client: Callable[[str], Any],
    queue: str,
    limit: int,
    dry_run: bool = False,
    progress: Callable[[list[str]], contextlib.AbstractContextManager[Advance]] = quiet,
) -> Summary:
    """Every chosen DLQ's messages (up to `limit` each) back where they were going, one thread per DLQ (each
    ends on a long poll's wait: scripts/ops/parked.py); the results in the DLQs' order."""
    dlqs = outputs.get("dlqs") or {}
    chosen = {kind: q for kind, q in dlqs.items() if queue in ("all", kind, q.get("name"))}
    if not chosen:
        raise NotRedriven(f"no DLQ {queue!r}: QUEUE=<{'|'.join(sorted(dlqs))}|all> (or a queue name)")
    redriver = Redriver(client, dry_run)
    with progress(sorted(chosen)) as advance:

        def one(kind: str) -> Summary:
            summary = Summary()
            redriver.redrive_queue(kind, chosen[kind], limit, summary, lambda: advance(kind))
            return summary

        summaries = parked.each_queue(one, sorted(chosen))
    return Summary([result for summary in summaries for result in summary.results])


def render(summary: Summary, dry_run: bool) -> str:
    lines = [f"{r.queue}: {r.outcome}: {r.what}" + (f"\n    {r.detail}" if r.detail else "") for r in summary.results]
    counts = summary.as_json()["counts"]
    if dry_run:
        lines.append(f"Dry run: {counts['would redrive']} would go back, {counts['left']} would stay; nothing changed.")
    else:
        lines.append(
            f"{counts['redriven']} redriven, {counts['already done']} already done, {counts['left']} left in their DLQ"
            + (" (the reasons above)." if counts["left"] else ".")
        )
    return "\n".join(lines)
