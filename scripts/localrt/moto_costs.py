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
- Step Functions' task calls (the CRUD API's PutItem, the workflows' SendMessage) went from this process to
  this process over a socket: a connection, a server thread, both sides' HTTP header parsing (20-25% of the
  runtime's CPU over 300 POSTs). They are handed to the same WSGI app in the calling thread (`InProcess`):
  the same Flask routes, signature and IAM checks, without the socket.
- StartExecution looked for an execution of the same name by walking every execution the state machine ever
  had (2.5% of the runtime's CPU by the end of 1,000 POSTs, and growing): executions are indexed by name.
- Each request listed its handler class's methods with inspect.getmembers to find the action's method (3.7%
  of the runtime's CPU over 300 POSTs): a class's methods do not change, so each class is listed once.
- ReceiveMessage listed every visible message of the queue (two clock reads a message) before taking ten, and
  DeleteMessage compared the handle with every handle of every message: both grew with the queue's depth, so
  the 10,000 audit events of a large import drained at ~3 a second while the runtime's core was busy. The
  visible messages are now a lazy view that stops at the first ten (`VisibleMessages`), and a receipt handle
  finds its message through an index (`delete_message`).
- moto kept every execution with its whole history for the life of the process (1,000 POSTs left 2,000;
  a 50,000-line import, 50,000 workflows): a state machine keeps its last KEPT_EXECUTIONS in memory, and a
  STANDARD execution let go leaves its name behind (`Ended`), so a name is still refused as AWS refuses it
  for 90 days, which the trigger's exactly-once start relies on. An EXPRESS execution leaves nothing (AWS
  keeps no history of EXPRESS executions and DescribeExecution does not serve them).
- moto kept every object of every model it ever made, for its dashboard (`BaseModel.__new__` appends each to
  its class's `instances_tracked`): every DynamoDB item version, SQS message, shard iterator, stream record
  and each execution's copy of its state machine, whatever let go of them (the soak grew 52 KB a request, 1 GB
  after 10,000). Nothing here reads the dashboard: models are not tracked (`untracked_new`).
- moto kept every DynamoDB Streams shard iterator it issued (each GetRecords issues one: a quiet shard polled
  once a second added ~86,000 a day): an iterator expires 15 minutes after it was issued, as on AWS
  (`ExpiringIterators`).
- A Query of a global secondary index sorted the matching items with DynamoType comparisons, each casting
  both values again (`Table.sorted_items`: 0.55 s of a 0.78 s Query of one status among 100,000 items,
  make bench's queries section): each item's sort values are now cast once.
- moto keeps no index: each Query of one walked every item of the table and sorted the partition's matches
  (a page of one status took 0.75 s at 100,000 items against 0.11 s at 1,000). `IndexPartitions` keeps each
  index's partitions sorted as moto sorts them, rebuilt when the table's stream has a record it has not seen
  (every write adds one; a table without a stream is queried as before), and hands moto's own `query` only
  the stretch of the partition a page can reach: after the start key, up to `Limit` matches and one more.
  The answer is moto's own (its checks, order, limits, projection and LastEvaluatedKey run on that stretch).
- Each Cognito user pool imported moto's one bundled private key again (joserfc recovers the RSA primes in
  Python: 0.11 s of CPU a pool, a tenth of a first start's deploy): the key is imported once (`BundledKey`)
  and every pool signs with it, as every pool did with its own copy of the same key.
"""

from __future__ import annotations

import base64
import bisect
import calendar
import datetime
import inspect
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary, WeakValueDictionary

import moto.cognitoidp.models
import moto.core.responses
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from joserfc import jwk
from moto.core.botocore_stubber import MockRawResponse
from moto.core.common_models import BaseModel
from moto.core.exceptions import JsonRESTError
from moto.core.model_instances import reset_model_data
from moto.core.utils import camelcase_to_underscores, method_names_from_class
from moto.dynamodb.comparisons import OpDefault
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs.models import Message, Queue, SQSBackend
from moto.stepfunctions.exceptions import ExecutionAlreadyExists
from moto.stepfunctions.models import StateMachine
from werkzeug.test import EnvironBuilder, run_wsgi_app

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


def untracked_new(cls: type[BaseModel], *arguments: Any, **keywords: Any) -> BaseModel:
    """BaseModel.__new__ without appending the instance to its class's instances_tracked."""
    return object.__new__(cls)


ITERATOR_LIFETIME_S = 15 * 60  # "A shard iterator expires 15 minutes after it is returned to the requester."
# (DynamoDB Streams API Reference, GetShardIterator)


class ExpiringIterators(dict[str, Any]):
    """DynamoDBStreamsBackend.shard_iterators whose entries expire ITERATOR_LIFETIME_S after they were issued;
    the expired ones leave in batches as new ones arrive (insertion order is issue order)."""

    def __init__(self) -> None:
        super().__init__()
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def __setitem__(self, arn: str, iterator: Any) -> None:
        now = time.monotonic()
        with self._lock:
            super().__setitem__(arn, iterator)
            self._issued[arn] = now
            if len(self._issued) % 256 == 0:
                for old in [a for a, at in self._issued.items() if now - at > ITERATOR_LIFETIME_S]:
                    self._issued.pop(old)
                    self.pop(old, None)

    def __getitem__(self, arn: str) -> Any:
        issued = self._issued.get(arn)
        if issued is None or time.monotonic() - issued > ITERATOR_LIFETIME_S:
            raise JsonRESTError("ExpiredIteratorException", "Iterator expired.")
        return super().__getitem__(arn)


def streams_backend_init(original: Any) -> Any:
    def init(self: DynamoDBStreamsBackend, *arguments: Any, **keywords: Any) -> None:
        original(self, *arguments, **keywords)
        self.shard_iterators = ExpiringIterators()

    return init


_executions_by_name: WeakKeyDictionary[StateMachine, tuple[int, dict[str, Any]]] = WeakKeyDictionary()
_indexing = threading.Lock()
KEPT_EXECUTIONS = 1000  # per STANDARD state machine, in memory
RELEASED_IN_BATCHES_OF = 100  # ended executions beyond what is kept leave memory this many at a time


@dataclass(frozen=True)
class Ended:
    """What a STANDARD execution let go of leaves behind: enough to refuse its name again."""

    name: str
    execution_input: str
    execution_arn: str
    status: str


def let_go_of_ended_executions(machine: StateMachine, by_name: dict[str, Any], keep: int) -> None:
    """The oldest ended executions beyond `keep` leave memory (caller holds _indexing; executions are only
    appended, so the list's head is the oldest)."""
    excess = len(machine.executions) - keep
    if excess <= 0:
        return
    standard = getattr(machine, "type", "STANDARD") != "EXPRESS"
    kept, dropped = [], 0
    for execution in machine.executions:
        if dropped < excess and execution.status != "RUNNING":
            dropped += 1
            if standard:
                by_name[execution.name] = Ended(
                    execution.name, execution.execution_input, execution.execution_arn, str(execution.status)
                )
            else:
                by_name.pop(execution.name, None)
            continue
        kept.append(execution)
    machine.executions[:] = kept


def handle_name_input_idempotency(self: StateMachine, name: str, execution_input: str) -> Any:
    """StateMachine._handle_name_input_idempotency with an index by name (executions are only appended), which
    also lets go of the oldest ended executions beyond KEPT_EXECUTIONS."""
    with _indexing:
        indexed, by_name = _executions_by_name.get(self, (0, {}))
        if indexed > len(self.executions):  # the list was replaced: index it again
            indexed, by_name = 0, {}
        for started in self.executions[indexed:]:
            by_name.setdefault(started.name, started)
        # An EXPRESS machine keeps none (AWS keeps no history of them): each kept one holds a copy of its
        # state machine and every state's input and output, 73 KB a soak request before this.
        keep = 0 if getattr(self, "type", "STANDARD") == "EXPRESS" else KEPT_EXECUTIONS
        if len(self.executions) > keep + RELEASED_IN_BATCHES_OF:  # in batches, not on every start
            let_go_of_ended_executions(self, by_name, keep)
        _executions_by_name[self] = (len(self.executions), by_name)
        execution: Any = by_name.get(name)
    if execution is None:
        return None
    if execution_input == execution.execution_input and execution.status == "RUNNING":
        return execution  # the same name and input while it runs: the same execution, as moto answers
    raise ExecutionAlreadyExists("Execution Already Exists: '" + execution.execution_arn + "'")


class VisibleMessages:
    """Queue.messages as moto defines it (visible, not delayed), read lazily: ReceiveMessage stops at `count`,
    wait_for_messages at the first, ApproximateNumberOfMessages counts them all."""

    __slots__ = ("_queue",)

    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    def __iter__(self) -> Iterator[Message]:
        return (m for m in list(self._queue._messages) if m.visible and not m.delayed)

    def __bool__(self) -> bool:
        return any(True for _ in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_by_receipt_handle: WeakValueDictionary[str, Message] = WeakValueDictionary()
_mark_received = Message.mark_received
_delete_message = Queue.delete_message


def mark_received(self: Message, visibility_timeout: int | None = None) -> None:
    _mark_received(self, visibility_timeout)
    _by_receipt_handle[str(self.receipt_handle)] = self


def delete_message(self: Queue, receipt_handle: str) -> None:
    """Queue.delete_message with the message found by its handle, not by comparing it with every handle of every
    message; anything unusual (an old handle, another queue's) takes moto's own way."""
    message = _by_receipt_handle.get(receipt_handle)
    if receipt_handle in self.deleted_messages or message is None or message not in self._messages:
        _delete_message(self, receipt_handle)
        return
    remaining = list(self._messages)
    remaining.remove(message)  # identity (Message defines no equality), in C
    self._messages = remaining
    self.pending_messages.discard(message)
    self.deleted_messages.update(h for h in message.all_receipt_handles if h)


def sorted_items(
    self: Table, hash_key_attrs: list[str], range_key_attrs: list[str | None], items: list[Item]
) -> list[Item]:
    """Table.sorted_items, each item's key values cast once (DynamoType's comparisons cast both sides each time)."""
    attributes = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
    items.sort(key=lambda item: tuple(item.attrs[name].cast_value for name in attributes))
    return items


class IndexPartitions:
    """Each table's GSI partitions, items sorted as moto sorts a Query's matches (`Table.sorted_items`), for the
    stream position they were built at."""

    def __init__(self) -> None:
        self.built: WeakKeyDictionary[Table, tuple[tuple[int, int], dict[tuple[str, str, Any], Any]]] = (
            WeakKeyDictionary()
        )
        self.lock = threading.Lock()
        self.local = threading.local()  # the stretch of a partition this thread's Query reads

    def window(self, table: Table, index_name: str, arguments: Mapping[str, Any]) -> list[Item] | None:
        """The items a Query's page can reach, or None when this Query is left to moto as it is."""
        index = next((i for i in table.global_indexes if i.name == index_name), None)
        shard = table.stream_shard
        filtered = not isinstance(arguments["filter_expression"], OpDefault | None) or arguments["filter_kwargs"]
        if index is None or shard is None or filtered:
            return None
        hash_keys = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        range_keys = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        conditions = arguments["hash_key_conditions"] or []
        if len(hash_keys) != 1 or len(range_keys) != 1 or [name for name, _ in conditions] != hash_keys:
            return None
        range_conditions = arguments["range_key_conditions"] or []
        if len(range_conditions) > 1 or (range_conditions and not arguments["range_comparison"]):
            return None  # the stretch is cut by counting matches of the one range comparison
        attributes = table._generate_attr_to_sort_by(
            [*hash_keys, table.hash_key_attr], [*range_keys, table.range_key_attr]
        )
        keys, items = self.partition(
            table, index_name, (id(shard), len(shard.items)), hash_keys[0], range_keys[0], attributes, conditions[0][1]
        )
        start = arguments["exclusive_start_key"]
        if start:
            if any(name not in start for name in attributes):
                return None
            after = tuple(DynamoType(start[name]).cast_value for name in attributes)
            position = (
                bisect.bisect_right(keys, after) if arguments["scan_index_forward"] else bisect.bisect_left(keys, after)
            )
        else:
            position = 0 if arguments["scan_index_forward"] else len(items)
        reachable = items[position:] if arguments["scan_index_forward"] else items[:position][::-1]
        limit, comparison = arguments["limit"], arguments["range_comparison"]
        if not limit:
            return reachable
        stretch: list[Item] = []
        matched = 0
        for item in reachable:
            stretch.append(item)
            if matched == limit:  # one more than the page: moto then knows to answer a LastEvaluatedKey
                break
            if not comparison or item.attrs[range_keys[0]].compare(comparison, arguments["range_objs"]):
                matched += 1
        return stretch

    def partition(
        self,
        table: Table,
        index_name: str,
        position: tuple[int, int],
        hash_key: str,
        range_key: str,
        attributes: list[str],
        value: DynamoType,
    ) -> tuple[list[tuple[Any, ...]], list[Item]]:
        with self.lock:
            built = self.built.get(table)
            if built is None or built[0] != position:
                built = (position, {})
                self.built[table] = built
            partitions = built[1]
            hashed = (index_name, value.type, value.cast_value)
            if hashed not in partitions:  # one partition at a time: a write makes the next query build it again
                entries = [
                    (tuple(item.attrs[name].cast_value for name in attributes), item)
                    for item in table.all_items()
                    if isinstance(item, Item) and item.attrs.get(range_key) and item.attrs.get(hash_key) == value
                ]
                entries.sort(key=lambda entry: entry[0])
                partitions[hashed] = ([key for key, _ in entries], [item for _, item in entries])
            found: tuple[list[tuple[Any, ...]], list[Item]] = partitions[hashed]
            return found


INDEX_PARTITIONS = IndexPartitions()


def indexed_query(original: Any) -> Any:
    """Table.query reading only the stretch of an index partition a page can reach (IndexPartitions)."""
    parameters = list(inspect.signature(original).parameters)[1:]

    def query(self: Table, *arguments: Any, **keywords: Any) -> Any:
        named = dict(zip(parameters, arguments, strict=False)) | keywords
        named.setdefault("filter_kwargs", {k: v for k, v in keywords.items() if k not in parameters})
        for name in (
            "index_name",
            "filter_expression",
            "hash_key_conditions",
            "range_key_conditions",
            "range_comparison",
        ):
            named.setdefault(name, None)
        window = INDEX_PARTITIONS.window(self, named["index_name"], named) if named["index_name"] else None
        if window is None:
            return original(self, *arguments, **keywords)
        INDEX_PARTITIONS.local.window = (self, window)
        try:
            return original(self, *arguments, **keywords)
        finally:
            INDEX_PARTITIONS.local.window = None

    return query


def all_items(original: Any) -> Any:
    """Table.all_items, or the stretch IndexPartitions chose when this thread's Query of this table reads it."""

    def items(self: Table) -> list[Item]:
        chosen = getattr(INDEX_PARTITIONS.local, "window", None)
        if chosen is not None and chosen[0] is self:
            window: list[Item] = chosen[1]
            return window
        everything: list[Item] = original(self)
        return everything

    return items


class BundledKey:
    """moto.cognitoidp.models' `jwk`, as each user pool uses it (`jwk.RSAKey.import_key` of moto's bundled
    private key): the same key, imported once."""

    class RSAKey:
        @staticmethod
        def import_key(value: Mapping[str, Any]) -> Any:
            return _imported_key(json.dumps(value, sort_keys=True))


@cache
def _imported_key(document: str) -> Any:
    return jwk.RSAKey.import_key(json.loads(document))


def install() -> None:
    """Once per process."""
    if not _installed.acquire(blocking=False):
        return
    BaseModel.__new__ = staticmethod(untracked_new)  # type: ignore[method-assign]
    reset_model_data()  # and what was tracked so far is let go of
    Queue.messages = property(VisibleMessages)  # type: ignore[assignment,method-assign]
    Message.mark_received = mark_received  # type: ignore[method-assign]
    Queue.delete_message = delete_message  # type: ignore[method-assign]
    Queue.attributes = property(QueueAttributes)  # type: ignore[assignment,method-assign]
    all_attributes = SQSBackend.get_queue_attributes

    def get_queue_attributes(self: SQSBackend, *arguments: Any, **keywords: Any) -> dict[str, Any]:
        return dict(all_attributes(self, *arguments, **keywords))  # a plain dict for the response serializer

    SQSBackend.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]

    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[assignment,method-assign]
    DynamoDBStreamsBackend.__init__ = streams_backend_init(DynamoDBStreamsBackend.__init__)  # type: ignore[method-assign]

    backend_for_host = DomainDispatcherApplication.get_backend_for_host
    known: dict[str | None, Any] = {}

    def cached_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        if host not in known:
            known[host] = backend_for_host(self, host)
        return known[host]

    DomainDispatcherApplication.get_backend_for_host = cached_backend_for_host  # type: ignore[method-assign]

    StateMachine._handle_name_input_idempotency = handle_name_input_idempotency  # type: ignore[method-assign]
    Table.sorted_items = sorted_items  # type: ignore[method-assign]
    Table.query = indexed_query(Table.query)  # type: ignore[method-assign]
    Table.all_items = all_items(Table.all_items)  # type: ignore[method-assign]
    setattr(moto.core.responses, "method_names_from_class", lru_cache(maxsize=None)(method_names_from_class))  # noqa: B010
    setattr(moto.cognitoidp.models, "jwk", BundledKey)  # noqa: B010


class InProcess:
    """botocore's `before-send` handler for clients of the moto server in this process: the signed request goes
    to the server's WSGI app in the calling thread instead of over a socket (a handler returning a response
    ends botocore's send, as moto's own in-process mocks do). `app` None sends over the socket as before."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        app = self.app
        if app is None:
            return None
        url = urlsplit(request.url)
        body: Any = request.body
        if hasattr(body, "read"):
            body = body.read()
        environ = EnvironBuilder(
            path=url.path or "/",
            base_url=f"{url.scheme}://{url.netloc}",
            query_string=url.query,
            method=request.method,
            headers=[
                (name, value.decode() if isinstance(value, bytes) else value) for name, value in request.headers.items()
            ],
            data=body or b"",
        ).get_environ()
        chunks, status, headers = run_wsgi_app(app, environ, buffered=True)
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status_code = int(status.split(" ", 1)[0])
        response_headers = HTTPHeaders()
        for name, value in headers.items():
            response_headers[name] = value
        return AWSResponse(request.url, status_code, response_headers, MockRawResponse(content))


def started_executions(machine: StateMachine) -> int:
    """Executions the state machine has started in this process, those let go of included."""
    with _indexing:
        indexed, by_name = _executions_by_name.get(machine, (0, {}))
        return len(by_name) + max(0, len(machine.executions) - indexed)
