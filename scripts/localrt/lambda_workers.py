"""Lambda as the local runtime plays it: one worker process per function (worker.py), started from its spec
(the function's evaluated settings, its event sources, its credentials), watched and restarted when it dies.

Each worker gets its execution role's session through the credentials endpoint (iam.CredentialsServer), as
Lambda gives a function its role's credentials; its stream mappings keep their checkpoints in files under
the log folder, so a restarted worker resumes where the dead one settled.

A function with something to poll (a stream or queue mapping, its asynchronous invocations) has its worker
from the start. One that is only ever invoked synchronously (a state machine's task, an authorizer, a
WebSocket route) gets its worker at its first invocation, which waits for it, as Lambda's first invocation
waits for a cold start: most runs of the runtime never call some of them.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto.awslambda.models import LambdaBackend

from scripts.localrt.authorizers import AuthorizerUnauthorized
from scripts.localrt.deployer import invocation_queue
from scripts.localrt.iam import CredentialsServer
from scripts.localrt.ports import free_port
from scripts.tfeval import Evaluation

ROOT = Path(__file__).resolve().parents[2]


class FunctionError(RuntimeError):
    """The handler raised (Lambda's Unhandled function error)."""

    def __init__(self, error_type: str, message: str):
        super().__init__(f"{error_type}: {message}")
        self.error_type, self.message = error_type, message


def authorizer_invoker(lambdas: LambdaService) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """API Gateway's call of a Lambda authorizer: the function ARN from the authorizer URI, the function's
    `raise Exception("Unauthorized")` as the 401 API Gateway answers."""

    def invoke(uri: str, event: dict[str, Any]) -> dict[str, Any]:
        function_arn = uri.split("/functions/", 1)[1].rsplit("/invocations", 1)[0]
        try:
            answer = lambdas.invoke(function_arn, event)
        except FunctionError as error:
            if error.message == "Unauthorized":
                raise AuthorizerUnauthorized from error
            raise
        return dict(answer)

    return invoke


def asynchronously_invoked(evaluation: Evaluation) -> set[str]:
    """ARNs of the functions AWS invokes asynchronously here: EventBridge rule targets and schedule targets."""
    return {
        t.values["arn"] for t in evaluation.of_type("aws_cloudwatch_event_target") if ":lambda:" in t.values["arn"]
    } | {
        target["arn"]
        for schedule in evaluation.of_type("aws_scheduler_schedule")
        for target in schedule.values.get("target") or []
        if ":lambda:" in str(target.get("arn"))
    }


def authorizer_functions(openapi: dict[str, Any]) -> frozenset[str]:
    """The function ARNs an OpenAPI document's Lambda authorizers invoke."""
    uris = [
        scheme.get("x-amazon-apigateway-authorizer", {}).get("authorizerUri", "")
        for scheme in openapi.get("components", {}).get("securitySchemes", {}).values()
        if scheme.get("x-amazon-apigateway-authtype") == "custom"
    ]
    return frozenset(
        uri.split("/functions/", 1)[1].rsplit("/invocations", 1)[0] for uri in uris if "/functions/" in uri
    )


_routed = threading.Lock()
_service: LambdaService | None = None


def route_invocations(service: LambdaService | None) -> None:
    """moto's Lambda `Invoke` (which needs Docker) answered by the function's worker instead, after moto has
    checked the caller's lambda:InvokeFunction on the function (iam.py): synchronously on the worker's port
    (Step Functions' Lambda tasks come this way), or with InvocationType Event through the queue that stands
    in for Lambda's asynchronous-invocation queue (retries, on-failure destination). Installed once per
    process; None (a stopped runtime) hands Invoke back to moto."""
    global _service
    _service = service
    if not _routed.acquire(blocking=False):
        return
    moto_invoke = LambdaBackend.invoke

    moto_list = LambdaBackend.list_event_source_mappings

    def list_event_source_mappings(self: LambdaBackend, event_source_arn: str, function_name: str) -> list[Any]:
        service = _service
        listed = list(moto_list(self, event_source_arn, function_name))
        if service is None:
            return listed
        return listed + [Listed(m) for m in service.mappings(function_name, event_source_arn)]

    LambdaBackend.list_event_source_mappings = list_event_source_mappings  # type: ignore[method-assign]

    def invoke(
        self: LambdaBackend, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> str | bytes | None:
        service = _service
        arn = service.arn_of(function_name) if service is not None else None
        if service is None or arn is None:
            return moto_invoke(self, function_name, qualifier, body, headers, response_headers)
        event = json.loads(body) if body else {}
        if str(headers.get("X-Amz-Invocation-Type") or "") == "Event":
            service.invoke_async(arn, event)
            return b""
        try:
            return json.dumps(service.invoke(arn, event), default=str).encode()
        except FunctionError as error:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": error.error_type, "errorMessage": error.message}).encode()

    LambdaBackend.invoke = invoke  # type: ignore[method-assign]


@dataclass(frozen=True)
class Listed:
    """A mapping our workers run, as ListEventSourceMappings describes it."""

    configuration: dict[str, Any]

    def get_configuration(self) -> dict[str, Any]:
        return self.configuration


@dataclass
class LambdaService:
    evaluation: Evaluation
    environment_root: Path
    log_dir: Path
    aws_endpoint: str
    credentials: CredentialsServer
    operator_credentials: dict[str, str]
    stream_arns: dict[str, str]  # evaluated -> created
    queue_url: Callable[[str | None], str | None]
    # What a function's environment names on AWS -> where it is here (the WebSocket API's origins, the user
    # pool's issuer and keys): applied to every environment variable's value.
    rewrites: dict[str, str] = field(default_factory=dict)
    invoke_ports: dict[str, int] = field(default_factory=dict)  # function ARN -> its worker's invocation port
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)  # the workers started so far
    spec_paths: list[Path] = field(default_factory=list)  # aligned with processes
    # Function ARN -> the spec of a worker started at the function's first invocation (nothing to poll).
    dormant: dict[str, Path] = field(default_factory=dict)
    _waking: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _sqs: Any = None
    _sqs_lock: threading.Lock = field(default_factory=threading.Lock)

    def specs(self) -> list[dict[str, Any]]:
        evaluation = self.evaluation
        mappings = evaluation.of_type("aws_lambda_event_source_mapping")
        asynchronous = asynchronously_invoked(evaluation)
        invoke_configs = {
            c.values["function_name"]: c.values for c in evaluation.of_type("aws_lambda_function_event_invoke_config")
        }
        specs = []
        for function in evaluation.of_type("aws_lambda_function"):
            values = function.values
            arn = values["arn"]
            sources: list[dict[str, Any]] = []
            for index, mapping in enumerate(
                m.values for m in mappings if m.values["function_name"] in (arn, values["function_name"])
            ):
                if mapping.get("enabled") is False:  # a disabled mapping reads nothing (it is listed, Disabled)
                    continue
                if ":sqs:" in mapping["event_source_arn"]:
                    sources.append(
                        {
                            "kind": "queue",
                            "queue_arn": mapping["event_source_arn"],
                            "queue_url": self.queue_url(mapping["event_source_arn"]),
                            "batch_size": mapping.get("batch_size") or 10,
                        }
                    )
                    continue
                failure = (mapping.get("destination_config") or [{}])[0].get("on_failure") or [{}]
                sources.append(
                    {
                        "kind": "stream",
                        "checkpoint_path": str(self._checkpoints / f"{values['function_name']}-{index}.json"),
                        "stream_arn": self.stream_arns.get(mapping["event_source_arn"], mapping["event_source_arn"]),
                        "starting_position": mapping.get("starting_position") or "LATEST",
                        "batch_size": mapping.get("batch_size") or 100,
                        "maximum_retry_attempts": mapping.get("maximum_retry_attempts", -1),
                        "maximum_record_age_in_seconds": mapping.get("maximum_record_age_in_seconds", -1),
                        "maximum_batching_window_in_seconds": mapping.get("maximum_batching_window_in_seconds") or 0,
                        "bisect_batch_on_function_error": bool(mapping.get("bisect_batch_on_function_error")),
                        "on_failure_queue_url": self.queue_url(failure[0].get("destination_arn")),
                        "filter_patterns": [
                            f["pattern"]
                            for criteria in mapping.get("filter_criteria") or []
                            for f in criteria.get("filter") or []
                        ],
                    }
                )
            if arn in asynchronous:
                destination = (invoke_configs.get(values["function_name"], {}).get("destination_config") or [{}])[0]
                on_failure = (destination.get("on_failure") or [{}])[0].get("destination")
                sources.append(
                    {
                        "kind": "async",
                        "queue_url": f"{self.aws_endpoint}/{evaluation.account}/{invocation_queue(values['function_name'])}",
                        "on_failure_queue_url": self.queue_url(on_failure),
                    }
                )
            environment = {
                name: self._rewritten(str(value))
                for name, value in ((values.get("environment") or [{}])[0].get("variables") or {}).items()
            }
            logging = (values.get("logging_config") or [{}])[0]
            if logging.get("application_log_level"):
                environment["AWS_LAMBDA_LOG_LEVEL"] = logging["application_log_level"]
            environment.update(
                {
                    # The execution role's session, as Lambda gives it (botocore refreshes it before expiry).
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.credentials.url(values["role"]),
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.credentials.token,
                    "AWS_ENDPOINT_URL": self.aws_endpoint,
                    "AWS_DEFAULT_REGION": evaluation.region,
                    "AWS_REGION": evaluation.region,
                    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                    "AWS_LAMBDA_FUNCTION_NAME": values["function_name"],
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(values.get("memory_size") or 128),
                    # No X-Ray daemon here: the handlers' Tracer would report every segment as missing.
                    "POWERTOOLS_TRACE_DISABLED": "true",
                }
            )
            specs.append(
                {
                    "name": values["function_name"],
                    "arn": arn,
                    "handler": values["handler"],
                    "zip_path": str((self.environment_root / values["filename"]).resolve()),
                    "memory_size": values.get("memory_size") or 128,
                    "timeout": values.get("timeout") or 3,
                    "region": evaluation.region,
                    "environment": environment,
                    "sources": sources,
                    # Only for the queue that stands in for Lambda's internal asynchronous-invocation queue.
                    "service_credentials": self.operator_credentials,
                }
            )
            # Every function answers synchronous invocations (authorizers, state machine tasks, Invoke).
            self.invoke_ports[arn] = specs[-1]["invoke_port"] = free_port()
        return specs

    def _rewritten(self, value: str) -> str:
        for aws, local in self.rewrites.items():
            value = value.replace(aws, local)
        return value

    def mappings(self, function: str | None, event_source_arn: str | None) -> list[dict[str, Any]]:
        """The evaluated mappings, as ListEventSourceMappings answers for them (Lambda API Reference,
        EventSourceMappingConfiguration): the worker polls an Enabled one, none for a Disabled one."""
        found = []
        for mapping in self.evaluation.of_type("aws_lambda_event_source_mapping"):
            values = mapping.values
            arn = self.arn_of(str(values["function_name"]))
            name = str(arn or values["function_name"]).rsplit(":", 1)[-1]
            source = self.stream_arns.get(values["event_source_arn"], values["event_source_arn"])
            if (function and function not in (name, arn)) or (event_source_arn and event_source_arn != source):
                continue
            found.append(
                {
                    "UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, mapping.address)),
                    "EventSourceArn": source,
                    "FunctionArn": arn,
                    "BatchSize": values.get("batch_size"),
                    "State": "Disabled" if values.get("enabled") is False else "Enabled",
                    "StateTransitionReason": "USER_INITIATED",
                }
            )
        return found

    @property
    def _checkpoints(self) -> Path:
        return self.log_dir / "checkpoints"

    def start(self) -> None:
        shutil.rmtree(self._checkpoints, ignore_errors=True)  # a new runtime's mappings start afresh
        for spec in self.specs():
            # Lambda extracts a function's zip into /var/task; coverage maps */tasks/*/var/task back to lambdas/.
            spec["task_root"] = str(self.log_dir / "tasks" / spec["name"] / "var" / "task")
            spec_path = self.log_dir / f"{spec['name']}.json"
            spec_path.write_text(json.dumps(spec, indent=2))
            if spec["sources"]:
                self.spec_paths.append(spec_path)
                self.processes.append(self._launch(spec_path, "wb"))
            else:
                self.dormant[spec["arn"]] = spec_path
        self._wait_until_ready(range(len(self.processes)))
        threading.Thread(target=self._keep_alive, name="worker-watch", daemon=True).start()

    def _wake(self, function_arn: str) -> None:
        """The worker of a function invoked for the first time, started and ready (a cold start)."""
        with self._waking:  # held until it is ready: a second first invocation waits for the same worker
            spec_path = self.dormant.get(function_arn)
            if spec_path is None:  # another invocation started it meanwhile
                return
            try:
                self.spec_paths.append(spec_path)  # first: the watch thread reads the spec of each process
                self.processes.append(self._launch(spec_path, "wb"))
                self._wait_until_ready([len(self.processes) - 1])
            finally:  # dormant until ready, so that an invocation meanwhile comes here and waits
                del self.dormant[function_arn]

    def _launch(self, spec_path: Path, mode: str) -> subprocess.Popen[bytes]:
        log = spec_path.with_suffix(".log").open(mode)
        return subprocess.Popen(
            [sys.executable, "-m", "scripts.localrt.worker", str(spec_path)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_"))},
            # Ctrl-C at the terminal reaches the whole process group: the workers exited before the runtime
            # knew it was stopping, and each was reported "restarting". The runtime stops them itself, and a
            # worker exits with its parent (worker.exit_with_parent).
            start_new_session=True,
        )

    def _keep_alive(self) -> None:
        """Lambda's pollers outlive a crashed invocation environment: a worker that dies (killed, out of memory)
        is logged and started again, and resumes its stream mappings from their checkpoints."""
        while not self._stopping.wait(0.5):
            for index, worker in enumerate(list(self.processes)):
                code = worker.poll()
                if code is None or self._stopping.is_set():
                    continue
                spec_path = self.spec_paths[index]
                line = {"localrt": spec_path.stem, "message": "worker exited, restarting it", "exitCode": code}
                with spec_path.with_suffix(".log").open("a") as log:
                    log.write(json.dumps(line) + "\n")
                logging.getLogger("localrt").warning(
                    "the worker of %s exited (%s); restarting it", spec_path.stem, code
                )
                self.processes[index] = self._launch(spec_path, "ab")

    PORT_ATTEMPTS = 3

    def _wait_until_ready(self, indices: Iterable[int], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        for index in indices:
            spec_path = self.spec_paths[index]
            log, attempts = spec_path.with_suffix(".log"), 1
            while '"message": "ready"' not in log.read_text(errors="replace"):
                worker = self.processes[index]
                if worker.poll() is not None and attempts < self.PORT_ATTEMPTS and self._port_taken(log):
                    # Another process (a second runtime beside this one: the tests run two) bound the port
                    # between its choice and the worker's bind: the worker starts again on another.
                    attempts += 1
                    self.processes[index] = self._relaunch_on_another_port(spec_path)
                    continue
                if worker.poll() is not None or time.monotonic() > deadline:
                    # The log's end in the error itself: the next start overwrites the log.
                    last = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
                    state = "exited" if worker.poll() is not None else f"not ready after {timeout:.0f} s"
                    raise RuntimeError(f"the worker of {spec_path.stem} did not start ({state}); {log} ends:\n{last}")
                time.sleep(0.05)

    @staticmethod
    def _port_taken(log: Path) -> bool:
        return "Address already in use" in log.read_text(errors="replace")

    def _relaunch_on_another_port(self, spec_path: Path) -> subprocess.Popen[bytes]:
        spec = json.loads(spec_path.read_text())
        arn = next(arn for arn, port in self.invoke_ports.items() if port == spec["invoke_port"])
        self.invoke_ports[arn] = spec["invoke_port"] = free_port()
        spec_path.write_text(json.dumps(spec, indent=2))
        return self._launch(spec_path, "wb")

    def invoke(self, function_arn: str, event: Any) -> Any:
        """A synchronous invocation of the function's worker; FunctionError when the handler raised."""
        if function_arn in self.dormant:
            self._wake(function_arn)
        port = self.invoke_ports.get(function_arn)
        if port is None:
            raise KeyError(f"{function_arn} is not invoked synchronously in this environment")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/", json.dumps(event).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        if "errorType" in answer:
            raise FunctionError(answer["errorType"], answer["errorMessage"])
        return answer["result"]

    def arn_of(self, function: str) -> str | None:
        """The ARN of one of this environment's functions, given its name or (qualified) ARN."""
        name = function.split(":function:", 1)[-1].split(":", 1)[0]
        return next((arn for arn in self.invoke_ports if arn.rsplit(":", 1)[-1] == name), None)

    def invoke_async(self, function_arn: str, event: Any) -> None:
        """An asynchronous invocation: onto the function's invocation queue, which its worker drains with
        Lambda's retries and on-failure destination."""
        name = function_arn.rsplit(":", 1)[-1]
        url = f"{self.aws_endpoint}/{self.evaluation.account}/{invocation_queue(name)}"
        self._invocation_queues().send_message(QueueUrl=url, MessageBody=json.dumps(event))

    def _invocation_queues(self) -> Any:
        """The client that enqueues asynchronous invocations, made once (every change the bus delivers to a
        function is one; a client costs ~50 ms to make, and clients are thread-safe)."""
        with self._sqs_lock:
            if self._sqs is None:
                self._sqs = boto3.session.Session(
                    aws_access_key_id=self.operator_credentials["aws_access_key_id"],
                    aws_secret_access_key=self.operator_credentials["aws_secret_access_key"],
                    region_name=self.evaluation.region,
                ).client("sqs", endpoint_url=self.aws_endpoint)
            return self._sqs

    def stop(self) -> None:
        self._stopping.set()
        for worker in self.processes:
            worker.terminate()
        for worker in self.processes:
            try:
                worker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.processes.clear()
        self.spec_paths.clear()
        self.dormant.clear()
