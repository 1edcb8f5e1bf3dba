"""Where moto's cost grows with something AWS does in constant time: installed once by the local runtime.

Found with yappi over `make bench`'s 1,000 sequential POSTs (each also runs the trigger's workflow and the
fan-out through moto in the same process, so moto's CPU is the API's latency tail):

- SendMessage read one attribute (ContentBasedDeduplication) through `Queue.attributes`, which counts every
  message of the queue three times (ApproximateNumberOf*): a queue nobody reads, like the audit queue during
  the bench, made each send slower than the one before (14 ms each by the end). Attributes are now computed
  when asked for, one at a time; GetQueueAttributes still gets them all.
- DynamoDB Streams' GetRecords went through moto's model-driven response serializer, value by value (~5 ms
  of CPU per call, two calls per change: the trigger's and the fan-out's pollers): the records are JSON
  already, so they are written as JSON, timestamps as moto writes them (epoch seconds, milliseconds kept).
- The server looked up the backend for the request's host by walking every moto module (2 lookups a request,
  ~2.6 ms of CPU each): a host's backend never changes, so it is looked up once.
"""

from __future__ import annotations

import base64
import calendar
import datetime
import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from moto.core.utils import camelcase_to_underscores
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs.models import Queue, SQSBackend

_installed = threading.Lock()
MOTO_QUEUE_ATTRIBUTES: property = Queue.attributes  # type: ignore[assignment]  # what QueueAttributes equals


class QueueAttributes(Mapping[str, Any]):
    """`Queue.attributes` as moto computes it (the same names, values and "true"/"false" strings), each
    attribute computed when it is read."""

    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    def _names(self) -> list[str]:
        queue: Any = self._queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:
            names += queue.KMS_ATTRIBUTES
        if queue.policy:
            names.append("Policy")
        if queue.redrive_policy:
            names.append("RedrivePolicy")
        return names

    def __getitem__(self, name: str) -> Any:
        if name not in self._names():
            raise KeyError(name)
        queue: Any = self._queue
        if name == "Policy":
            value = queue.policy
        elif name == "RedrivePolicy":
            value = json.dumps(queue.redrive_policy)
        else:
            value = getattr(queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def as_json(value: Any) -> Any:
    """What a stream record holds besides JSON, as moto's JSON serializer writes it: a timestamp in epoch
    seconds (naive datetimes are UTC in moto), a binary attribute (B, BS) in base64."""
    if isinstance(value, datetime.datetime):
        return calendar.timegm(value.timetuple()) + (value.microsecond // 1000) / 1000.0
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def get_records(self: DynamoDBStreamsHandler) -> str:
    """DynamoDBStreamsHandler.get_records, written as JSON directly."""
    limit = self._get_param("Limit")
    records = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
    return json.dumps(records, default=as_json)


def install() -> None:
    """Once per process."""
    if not _installed.acquire(blocking=False):
        return
    Queue.attributes = property(QueueAttributes)  # type: ignore[assignment,method-assign]
    all_attributes = SQSBackend.get_queue_attributes

    def get_queue_attributes(self: SQSBackend, *arguments: Any, **keywords: Any) -> dict[str, Any]:
        return dict(all_attributes(self, *arguments, **keywords))  # a plain dict for the response serializer

    SQSBackend.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]

    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[assignment,method-assign]

    backend_for_host = DomainDispatcherApplication.get_backend_for_host
    known: dict[str | None, Any] = {}

    def cached_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        if host not in known:
            known[host] = backend_for_host(self, host)
        return known[host]

    DomainDispatcherApplication.get_backend_for_host = cached_backend_for_host  # type: ignore[method-assign]
