"""The API first: the local runtime's background work yields to the API requests being answered.

moto, the API emulator and what the system does after each request (the trigger's workflow, the fan-out's
PutEvents and its deliveries) share one Python process, so one GIL. On AWS they run on separate machines: a
POST's latency does not depend on the consumers of its stream. Here each POST also costs ~20 ms of the
process's CPU in the background, and under back-to-back requests the API waited for the GIL behind that work
(`make bench`: POST p50 20-24 ms against 10-12 ms for a quiet POST, p99 46-58 ms).

Background work is moto answering a call that came over its socket (the workers and their pollers, a script,
the AWS CLI) and an execution moto runs on its own thread (StartExecution). It checks in before each such call
and before each state of such an execution: while an API request is being answered, it waits until the answer
is sent, at most MAX_WAIT at each check. So it is delayed, never dropped, never starved, and each thread resumes
where it stopped (order kept). The API's own work (its sync execution, the task calls it makes in-process) never
waits. A thread that is not marked as background never waits either.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

MAX_WAIT = 0.05  # seconds a background thread waits at one check before it goes on anyway

_thread = threading.local()  # background: this thread's work yields to the API


class Priority:
    def __init__(self) -> None:
        self._answering = 0
        self._count = threading.Lock()
        self._quiet = threading.Event()
        self._quiet.set()

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around an API request: background work waits until it is answered."""
        with self._count:
            self._answering += 1
            self._quiet.clear()
        try:
            yield
        finally:
            with self._count:
                self._answering -= 1
                if not self._answering:
                    self._quiet.set()

    def yield_to_api(self) -> None:
        """A background thread's check: wait while an API request is being answered (at most MAX_WAIT)."""
        if not self._quiet.is_set() and getattr(_thread, "background", False):
            self._quiet.wait(MAX_WAIT)

    def background_app(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        """moto's WSGI app as its socket serves it: each call is background work."""

        def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            _thread.background = True  # werkzeug serves each request on a thread of its own
            self.yield_to_api()
            return app(environ, start_response)

        return serve


PRIORITY = Priority()
_installed = threading.Lock()


def install() -> None:
    """Executions moto runs on their own thread check in before each state. Once per process."""
    if not _installed.acquire(blocking=False):
        return

    def start_in_background(self: ExecutionWorker) -> None:
        # moto's ExecutionWorker.start: the execution on a thread of its own, here marked as background. (A
        # StartSyncExecution's worker runs in its caller's thread and is not marked.)
        def run() -> None:
            _thread.background = True
            self._execution_logic()  # type: ignore[no-untyped-call]

        threading.Thread(target=run, name="execution", daemon=True).start()

    ExecutionWorker.start = start_in_background  # type: ignore[method-assign]
    evaluate_state = CommonStateField.eval

    def eval_after_the_api(self: CommonStateField, env: Any) -> None:
        PRIORITY.yield_to_api()
        evaluate_state(self, env)

    CommonStateField.eval = eval_after_the_api  # type: ignore[method-assign,assignment]
