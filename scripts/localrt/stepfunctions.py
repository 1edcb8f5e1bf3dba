"""StartSyncExecution for EXPRESS state machines where the backend lacks it (moto).

Starts a named execution and waits for it, returning the real StartSyncExecution response shape,
so callers (the API Gateway emulator, tests) cannot tell the difference: over the API with a client
(`start_sync_execution`, polling DescribeExecution), or, where moto runs in this process (the local runtime),
on moto's backend itself (`start_sync_in_process`: no HTTP round trips, the execution run in the calling
thread).
"""

from __future__ import annotations

import copy
import datetime
import heapq
import itertools
import marshal
import sys
import threading
import time
import types
import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jsonpath_ng.ext
from botocore.exceptions import ClientError
from moto.core.exceptions import JsonRESTError
from moto.stepfunctions.parser import models as parser_models
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.common.string import string_expression
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.program.program import Program
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import state_parallel
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service
from moto.stepfunctions.parser.asl.eval import environment, states
from moto.stepfunctions.parser.asl.eval.event import event_manager
from moto.stepfunctions.parser.asl.eval.program_state import (
    ProgramEnded,
    ProgramError,
    ProgramStopped,
    ProgramTimedOut,
)
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution, SyncExecution
from moto.stepfunctions.responses import get_backend

from scripts.localrt.apigateway import IntegrationError


def start_sync_execution(
    client: Any, state_machine_arn: str, input_: str, name: str | None = None, timeout: float = 30.0
) -> dict[str, Any]:
    # Unnamed executions in moto get ARNs ending in ":None" and the second one collides.
    name = name or uuid.uuid4().hex
    arn = client.start_execution(stateMachineArn=state_machine_arn, name=name, input=input_)["executionArn"]
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        described = client.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING" and not _output_pending(described["status"], described.get("output")):
            break
        if time.monotonic() > deadline:
            client.stop_execution(executionArn=arn, error="States.Timeout", cause="Timed out waiting for the execution")
            described = {**described, "status": "TIMED_OUT"}
            break
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    return _sync_response(described, state_machine_arn, input_)


def _output_pending(status: Any, output: str | None) -> bool:
    """moto marks an execution SUCCEEDED a moment before it stores the output (ExecutionWorkerCommunication.
    _reflect_execution_status): read in between, a GET answered 200 with an empty body (a contract test failed
    once in ~500 runs). The output is never null once it is stored."""
    return str(getattr(status, "value", status)) == "SUCCEEDED" and output is None


def start_sync_or_error(client: Any, state_machine_arn: str, input_: str) -> dict[str, Any]:
    """start_sync_execution as API Gateway's AWS integration sees it: a service error is an integration error."""
    try:
        return start_sync_execution(client, state_machine_arn, input_)
    except ClientError as error:
        raise IntegrationError(
            error.response["ResponseMetadata"]["HTTPStatusCode"], dict(error.response["Error"])
        ) from error


def _sync_response(described: dict[str, Any], state_machine_arn: str, input_: str) -> dict[str, Any]:
    response = {
        "executionArn": described["executionArn"],
        "stateMachineArn": state_machine_arn,
        "name": described["name"],
        "startDate": described["startDate"].timestamp(),
        "status": str(getattr(described["status"], "value", described["status"])),  # moto's enum or a string
        "input": input_,
        "inputDetails": {"included": True},
        "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
    }
    if described.get("stopDate"):
        response["stopDate"] = described["stopDate"].timestamp()
    if response["status"] == "SUCCEEDED":
        response["output"] = described.get("output", "null")
        response["outputDetails"] = {"included": True}
    else:
        response["error"] = described.get("error", "States.Runtime")
        response["cause"] = described.get("cause", "")
    return response


def start_sync_in_process(
    account: str, region: str, state_machine_arn: str, input_: str, timeout: float = 30.0
) -> dict[str, Any]:
    """StartSyncExecution on the moto running in this process. A refusal (no such state machine, bad input)
    is an integration error, as the service's answer is to API Gateway. With speed_up_interpreter installed the
    execution runs in the calling thread, stopped at `timeout` by one watchdog thread; otherwise it runs on
    moto's own thread and is awaited in memory."""
    backend: Any = get_backend(account, region)  # the parser backend (moto runs the ASL)
    deadline = time.monotonic() + timeout
    _this_thread.sync_deadline = deadline  # read once by the next execution moto creates on this thread
    try:
        execution = backend.start_execution(state_machine_arn, name=uuid.uuid4().hex, execution_input=input_)
    except JsonRESTError as error:  # moto's service errors (AWSError): the code and status the service answers
        raise IntegrationError(int(error.code), {"__type": error.error_type, "message": error.message}) from error
    finally:
        _this_thread.sync_deadline = None
    while (
        execution.exec_status == ExecutionStatus.RUNNING or _output_pending(execution.exec_status, execution.output)
    ) and time.monotonic() <= deadline:
        time.sleep(0.001)  # in memory: a millisecond's wait costs nothing like a DescribeExecution call
    if time.monotonic() > deadline and execution.exec_status in (ExecutionStatus.RUNNING, ExecutionStatus.ABORTED):
        timed_out = {**execution.to_describe_output(), "status": "TIMED_OUT", "error": "States.Timeout"}
        return _sync_response(timed_out, state_machine_arn, input_)
    return _sync_response(dict(execution.to_describe_output()), state_machine_arn, input_)


_this_thread = threading.local()  # sync_deadline: set while start_sync_in_process starts an execution here


class _Deadlines:
    """One thread that stops the executions still running at their deadline (API Gateway's integration
    timeout), so that a sync execution runs in its caller's thread instead of a thread started per request."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Execution]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, execution: Execution, deadline: float) -> None:
        with self._changed:
            earliest = not self._due or deadline < self._due[0][0]
            heapq.heappush(self._due, (deadline, next(self._order), execution))
            if self._thread is None:
                self._thread = threading.Thread(target=self._stop_overdue, name="sync-deadlines", daemon=True)
                self._thread.start()
            elif earliest:  # deadlines arrive in order (one timeout): the watchdog sleeps on undisturbed
                self._changed.notify()

    def _stop_overdue(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)
                execution = heapq.heappop(self._due)[2]
            if execution.exec_status == ExecutionStatus.RUNNING:
                execution.stop(stop_date=datetime.datetime.now(datetime.UTC), error="States.Timeout", cause="")


_deadlines = _Deadlines()


def _execution_for_this_thread(**arguments: Any) -> Execution:
    """What moto's start_execution constructs: in start_sync_in_process, a SyncExecution, which moto runs to its
    end in the calling thread (its StartSyncExecution's worker); every other execution as before, on a thread."""
    deadline = getattr(_this_thread, "sync_deadline", None)
    if deadline is None:
        return Execution(**arguments)
    _this_thread.sync_deadline = None  # a StartExecution task inside this execution starts an ordinary one
    execution = SyncExecution(**arguments)
    _deadlines.watch(execution, deadline)
    return execution


def _task_thread(target: Callable[[], None], daemon: bool) -> Any:
    """The thread moto evaluates a Task, Parallel or Map state on, to give up waiting at its TimeoutSeconds: for
    a state that declares none (AWS's default, 99,999,999 s), the state is evaluated right here instead."""
    if getattr(_this_thread, "inline_state", False):
        return _Inline(target)
    return threading.Thread(target=target, daemon=daemon)


class _Inline:
    def __init__(self, target: Callable[[], None]) -> None:
        self._target = target

    def start(self) -> None:
        self._target()


def _program_without_thread_unless_timed(original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def evaluate(self: Program, env: Any) -> None:
        if self.timeout_seconds is not None:  # the state machine's own TimeoutSeconds: moto's thread keeps it
            original(self, env)
            return
        env.next_state_name = self.start_at.start_at_name  # as moto's Program.eval, without its thread
        EvalComponent.eval(self, env)

    return evaluate


def _evaluate_without_thread_unless_timed(original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def evaluate(self: ExecutionState, env: Any) -> None:
        timeout = self.timeout
        untimed = isinstance(timeout, TimeoutSeconds) and timeout.timeout_seconds == timeout.DEFAULT_TIMEOUT_SECONDS
        outer = getattr(_this_thread, "inline_state", False)
        _this_thread.inline_state = untimed
        try:
            original(self, env)
        finally:
            _this_thread.inline_state = outer

    return evaluate


_speedups_installed = threading.Lock()
IMMUTABLE = (str, int, float, bool, type(None))


def json_copy(value: Any) -> Any:
    """copy.deepcopy for JSON data, several times faster. marshal copies dicts, lists, strings, numbers, bools
    and None in C (a 30-key DynamoDB item: 21 us against 83 us rebuilt in Python, and nothing for a tracer
    such as coverage to see, which made the Python copy the local runtime's busiest function under make
    test); it refuses anything else (a datetime, a Decimal, a subclass), which is copied in Python as before."""
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:
        return _python_copy(value)


def _python_copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _python_copy(item) for key, item in value.items()}
    if kind is list:
        return [_python_copy(item) for item in value]
    if kind in IMMUTABLE:
        return value
    return copy.deepcopy(value)


JSON_COPY = types.SimpleNamespace(deepcopy=json_copy, copy=copy.copy)  # a `copy` module for moto's interpreter


def speed_up_interpreter() -> None:
    """moto's ASL interpreter parses a state machine's definition on every execution: ~100 ms for the CRUD
    state machine, a third of a local API request (make bench). Each definition is parsed once instead. The
    parsed program does not change while it runs: an execution keeps its state in its own environment, keyed
    per component (EvalComponent.heap_key), so executions, concurrent ones too, can share it. Once per process."""
    if not _speedups_installed.acquire(blocking=False):
        return
    parse = lru_cache(maxsize=128)(AmazonStateLanguageParser.parse)
    AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]
    # It also parses every JSONPath again each time a state reads one, and jsonpath-ng builds a PLY parser per
    # parse (~4 ms of CPU: half of a quiet POST's time went there, yappi over 40 requests). A parsed path is a
    # read-only tree (find() and update_or_create() change the data, never the path): one per distinct path.
    # moto's EventBridge does the same for every input path of every target (it imports jsonpath_ng.ext.parse
    # inside the function, so the module's own name is the one to replace).
    ext_parse = lru_cache(maxsize=4096)(getattr(jsonpath_ng.ext, "parse"))  # noqa: B009  (not re-exported for mypy)
    setattr(jsonpath_ng.ext, "parse", ext_parse)  # noqa: B010
    setattr(json_path, "parse", ext_parse)  # noqa: B010
    setattr(result_path, "parse", lru_cache(maxsize=4096)(getattr(result_path, "parse")))  # noqa: B009, B010
    # And it deep-copies JSON values with copy.deepcopy all along an execution's path: a state's whole input
    # each time it reads a path of it, its stack, results, context, each history event's details (632,000
    # deepcopy calls over 300 POSTs and their workflows, 14% of the runtime's CPU with yappi; a third of the
    # interpreter's CPU before). Those modules get a `copy` whose deepcopy is json_copy.
    copying = (states, environment, event_manager, execute_state, state_parallel, state_task_service)
    for module in (*copying, result_path, string_expression):
        setattr(module, "copy", JSON_COPY)  # noqa: B010
    # Each execution runs on a thread it starts, its program on another, and each Task, Parallel or Map state on
    # one more, to time them out. Under load each thread start waits for the GIL: thread starts were a quarter
    # of the runtime's sampled time over back-to-back POSTs (py-spy), on the API's path too. A sync execution
    # now runs in the API's thread (a watchdog keeps the integration timeout), and a program or state without
    # TimeoutSeconds in its execution's thread.
    setattr(parser_models, "Execution", _execution_for_this_thread)  # noqa: B010
    setattr(execute_state, "Thread", _task_thread)  # noqa: B010
    evaluate = _evaluate_without_thread_unless_timed(ExecutionState._evaluate_with_timeout)
    ExecutionState._evaluate_with_timeout = evaluate  # type: ignore[method-assign,assignment]
    Program.eval = _program_without_thread_unless_timed(Program.eval)  # type: ignore[method-assign,assignment]
    forget_finished_threads()


def _reflect_execution_status(self: BaseExecutionWorkerCommunication) -> None:
    """moto's, with the status assigned last: it set SUCCEEDED (FAILED) and then the output (error, cause), so a
    DescribeExecution in between answered a finished execution without them, which AWS never does."""
    execution = self.execution
    assert execution.exec_worker is not None  # it ran
    assert execution.exec_worker.env is not None
    env = execution.exec_worker.env
    ended = env.program_state()
    execution.stop_date = datetime.datetime.now(tz=datetime.UTC)
    if isinstance(ended, ProgramEnded):
        execution.output = env.states.get_input()
        execution.exec_status = ExecutionStatus.SUCCEEDED
    elif isinstance(ended, ProgramStopped):
        execution.exec_status = ExecutionStatus.ABORTED
    elif isinstance(ended, ProgramError):
        details = ended.error or {}
        execution.error, execution.cause = details.get("error"), details.get("cause")
        execution.exec_status = ExecutionStatus.FAILED
    elif isinstance(ended, ProgramTimedOut):
        execution.exec_status = ExecutionStatus.TIMED_OUT
    else:
        raise RuntimeWarning(f"Execution ended with unsupported ProgramState type '{type(ended)}'.")


def show_execution_ends_whole() -> None:
    """A finished execution is described with its output (error and cause) from the moment its status says so."""
    setattr(BaseExecutionWorkerCommunication, "_reflect_execution_status", _reflect_execution_status)  # noqa: B010


class _ThreadsNotKept:
    """moto's interpreter appends every thread it starts (one per Map item, Parallel branch, execution, callback
    wait) to a module-level list, TMP_THREADS, and never removes one; nothing reads it. A Thread object kept
    alive keeps its pthread (stack, guard page) mapped, since CPython detaches an unjoined thread only when its
    handle is collected: `GET /items?limit=100` (a Map of 100 items) added ~605 memory mappings and ~14 MB, and
    ~108 such pages exhausted vm.max_map_count ("can't start new thread"). Here they are not kept."""

    def append(self, thread: Any) -> None:
        return None

    def __len__(self) -> int:
        return 0


THREADS_NOT_KEPT = _ThreadsNotKept()


def forget_finished_threads() -> None:
    """Every module of moto's interpreter that names TMP_THREADS gets THREADS_NOT_KEPT instead (they look the
    name up when they append); the threads already kept are let go."""
    from moto.stepfunctions.parser import utils
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import inline_iteration_component
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branch_worker
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_callback
    from moto.stepfunctions.parser.backend import execution_worker

    kept = utils.TMP_THREADS
    if not isinstance(kept, list):
        return
    modules = (utils, inline_iteration_component, branch_worker, state_task_service_callback, execution_worker)
    for module in {*modules, *(m for m in list(sys.modules.values()) if getattr(m, "TMP_THREADS", None) is kept)}:
        setattr(module, "TMP_THREADS", THREADS_NOT_KEPT)  # noqa: B010
    kept.clear()
