"""What a parked message is, why it was parked and when, read from the shapes the system and AWS write:

- our handlers' dead letters (stream_trigger, stream_fanout): {"reason", "errorCode", "errorMessage", "change"
  or what identifies it};
- a stream mapping's on-failure record (Lambda): the shard and the range of sequence numbers it gave up on,
  not the records ({"requestContext", "DDBStreamBatchInfo"});
- an asynchronous invocation's on-failure record (Lambda): {"requestPayload", "responsePayload"};
- an event a rule's target could not take (EventBridge): the event, with ERROR_CODE and ERROR_MESSAGE as
  message attributes (EventBridge User Guide, "Using dead-letter queues to process undelivered events");
- the item workflow's failure record ({"error", "cause", "executionArn", "change"});
- anything else: the start of its body.

Walking a queue takes each message for a moment and releases it (visibility timeout back to 0), so nothing
is consumed and every message is available again at once; each look counts as a receive.

Every receive is a long poll. A short poll asks a sample of SQS's servers: "If the number of messages in the
queue is extremely small, you might not receive any messages in a particular ReceiveMessage response"
(Amazon SQS API Reference, ReceiveMessage), and a walk stops at its first empty answer. A wait of one second
or more asks every server ("Amazon SQS short and long polling", SQS Developer Guide), at the cost of that
second at the end of each queue; several queues are read one thread each, as the guide's long polling best
practices advise, so the seconds overlap.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

LOOK_SECONDS = 30  # how long a walked message stays taken before it is released (it is released at once after)
LONG_POLL_SECONDS = 1  # the shortest long poll (WaitTimeSeconds 1 to 20): an empty answer means an empty queue

Item = TypeVar("Item")
Answer = TypeVar("Answer")


@dataclass
class Parked:
    what: str
    why: str
    sent: str
    receives: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _change(change: dict[str, Any] | None, body: dict[str, Any]) -> str:
    source = change if isinstance(change, dict) else body
    keys = json.dumps(source.get("keys"), separators=(",", ":"), sort_keys=True)
    return f"{source.get('eventName', 'change')} of {keys} (event {source.get('eventId')}, sequence {source.get('sequenceNumber')})"


def _attribute(message: dict[str, Any], name: str) -> str | None:
    value = (message.get("MessageAttributes") or {}).get(name)
    return value.get("StringValue") if value else None


def describe(message: dict[str, Any]) -> Parked:
    text = message.get("Body", "")
    attributes = message.get("Attributes") or {}
    sent = datetime.datetime.fromtimestamp(int(attributes.get("SentTimestamp", 0)) / 1000, datetime.UTC).isoformat()
    receives = int(attributes.get("ApproximateReceiveCount", 0))
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return Parked(f"text: {text[:200]}", "not a shape this system writes", sent, receives)
    if "DDBStreamBatchInfo" in body:
        batch, context = body["DDBStreamBatchInfo"], body.get("requestContext", {})
        shard = f" of shard {batch['shardId']}" if batch.get("shardId") else ""
        what = (
            f"{batch.get('batchSize')} stream records, sequence numbers {batch.get('startSequenceNumber')}.."
            f"{batch.get('endSequenceNumber')}{shard}, not the records (re-read them while the stream holds them)"
        )
        invocations = context.get("approximateInvokeCount")
        why = context.get("condition", "failed") + (f" after {invocations} invocations" if invocations else "")
        return Parked(what, why, sent, receives)
    if "requestPayload" in body:
        payload, response = body.get("requestPayload"), body.get("responsePayload") or {}
        if isinstance(payload, dict) and payload.get("detail-type"):
            what = f"invocation with {payload['detail-type']} {payload.get('id')}"
        else:
            what = f"invocation with {json.dumps(payload)[:160]}"
        why = f"{response.get('errorType', 'error')}: {response.get('errorMessage', '')}"[:300]
        return Parked(what, why, sent, receives)
    if "reason" in body:
        why = f"{body['reason']}: {body.get('errorCode')} {body.get('errorMessage') or ''}".strip()
        workflow = f" for workflow {body['workflow']}" if body.get("workflow") else ""
        return Parked(_change(body.get("change"), body) + workflow, why[:300], sent, receives)
    if "executionArn" in body and "error" in body:
        return Parked(
            _change(body.get("change"), body), f"{body['error']}: {str(body.get('cause'))[:240]}", sent, receives
        )
    if "detail-type" in body and "source" in body:
        code, error = _attribute(message, "ERROR_CODE"), _attribute(message, "ERROR_MESSAGE")
        what = f"{body['detail-type']} from {body['source']} (event {body.get('id')})"
        return Parked(what, f"{code or 'not delivered'}: {error or ''}".strip(), sent, receives)
    return Parked(f"message: {text[:200]}", "not a shape this system writes", sent, receives)


def receive(sqs: Any, url: str, count: int, visibility: int, attributes: list[str]) -> list[dict[str, Any]]:
    """Up to `count` (at most 10) messages, taken for `visibility` seconds; none only when the queue has none
    visible (a long poll: see the module's doc)."""
    answer = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=count,
        VisibilityTimeout=visibility,
        WaitTimeSeconds=LONG_POLL_SECONDS,
        AttributeNames=attributes,
        MessageAttributeNames=["All"],
    )
    return list(answer.get("Messages", []))


def each_queue(read: Callable[[Item], Answer], queues: Iterable[Item]) -> list[Answer]:
    """`read` of every queue, one thread each (each ends on a long poll's wait), answers in the queues' order."""
    chosen = list(queues)
    if len(chosen) < 2:
        return [read(queue) for queue in chosen]
    with ThreadPoolExecutor(max_workers=min(len(chosen), 16), thread_name_prefix="dlq") as pool:
        return list(pool.map(read, chosen))


def walk(sqs: Any, url: str, limit: int) -> list[Parked]:
    """Up to `limit` messages of the queue, described, then all released (visible again at once)."""
    taken: list[dict[str, Any]] = []
    try:
        while len(taken) < limit:
            batch = receive(
                sqs, url, min(10, limit - len(taken)), LOOK_SECONDS, ["SentTimestamp", "ApproximateReceiveCount"]
            )
            if not batch:
                break
            taken += batch
    finally:
        release(sqs, url, [m["ReceiptHandle"] for m in taken])
    return [describe(message) for message in taken]


def release(sqs: Any, url: str, handles: list[str]) -> None:
    """Taken messages visible again at once (ChangeMessageVisibilityBatch, ten a call)."""
    for start in range(0, len(handles), 10):
        entries = [
            {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": 0}
            for n, handle in enumerate(handles[start : start + 10])
        ]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
