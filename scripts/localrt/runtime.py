"""The whole system on localhost, with no AWS account and no Docker (`make local`).

Terraform evaluates an environment root (envs/local by default, see evaluate.py); this module deploys what
it evaluated onto a moto server, which runs the real ASL of the state machines:

- DynamoDB tables with their streams, SQS queues, SNS topics, Step Functions state machines (their rendered
  definitions), EventBridge buses, rules and targets are created in moto from the evaluated resources;
- each Lambda function runs in a worker process (worker.py) from its built zip, with the environment
  Terraform gave it, fed by its stream mapping or, for EventBridge targets, by a queue put in between
  (moto would need Docker to invoke a function);
- the REST API is served by the API Gateway emulator from the evaluated OpenAPI body.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
from moto.server import ThreadedMotoServer

from scripts import build_lambdas
from scripts.localrt import cognito, eventbridge, iam, limits, support
from scripts.localrt.apigateway import IntegrationError, Request, RestApi, TokenBucket
from scripts.localrt.authorizers import Authorizers, Stage
from scripts.localrt.evaluate import STREAM_LABEL, Endpoints, Evaluation, evaluate
from scripts.localrt.stepfunctions import start_sync_or_error

ROOT = Path(__file__).resolve().parents[2]
# What the runtime signs its first calls with, before the operator user exists and IAM is enforced.
BOOTSTRAP_CREDENTIALS = {"aws_access_key_id": "localrt", "aws_secret_access_key": "localrt"}


class PortInUse(RuntimeError):
    """A port the runtime was asked to listen on is taken."""


def ensure_free(port: int, what: str) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise PortInUse(
                f"port {port} ({what}) is in use: stop what listens there or choose another port"
            ) from error


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def lambda_packages(environment_root: Path) -> dict[str, dict[str, str]]:
    """Builds the zips and returns them as the environments' lambda_packages variable."""
    output = ROOT / "build" / "lambdas"
    manifest = build_lambdas.build(ROOT / "lambdas", output)
    return {
        name: {
            "path": os.path.relpath(output / meta["path"], environment_root),  # manifest paths are relative to it
            "source_code_hash": meta["source_code_hash"],
        }
        for name, meta in manifest["functions"].items()
    }


QUEUE_ATTRIBUTES = {  # Terraform argument -> SQS attribute the runtime applies
    "max_message_size": "MaximumMessageSize",
    "message_retention_seconds": "MessageRetentionPeriod",
    "visibility_timeout_seconds": "VisibilityTimeout",
    "delay_seconds": "DelaySeconds",
    "receive_wait_time_seconds": "ReceiveMessageWaitTimeSeconds",
}


def queue_attributes(values: dict[str, Any]) -> dict[str, str]:
    """The queue's evaluated settings as SQS attributes (unset optional numbers come out of the mocked
    evaluation as 0 or null: those are left to SQS's defaults)."""
    return {
        attribute: str(int(values[argument]))
        for argument, attribute in QUEUE_ATTRIBUTES.items()
        if isinstance(values.get(argument), int | float) and values[argument] > 0
    }


@dataclass
class LocalRuntime:
    environment: str = "local"
    aws_port: int = 0
    api_port: int = 0
    log_dir: Path | None = None
    evaluation: Evaluation | None = None
    stream_arns: dict[str, str] = field(default_factory=dict)
    _moto: Any = None
    _api_server: ThreadingHTTPServer | None = None
    _workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _worker_specs: list[Path] = field(default_factory=list)  # aligned with _workers
    _stopping: threading.Event = field(default_factory=threading.Event)
    user_pools: cognito.LocalUserPools = field(default_factory=cognito.LocalUserPools)
    api_keys: dict[str, str] = field(default_factory=dict)  # name -> value of each API key of the stage
    _previous_moto_port: str | None = None
    operator_credentials: dict[str, str] = field(default_factory=lambda: dict(BOOTSTRAP_CREDENTIALS))
    identities: iam.Identities | None = None
    _credentials_server: iam.CredentialsServer | None = None
    _targets: list[eventbridge.Target] = field(default_factory=list)
    _target_delivery: eventbridge.TargetDelivery | None = None

    @property
    def root(self) -> Path:
        return ROOT / "envs" / self.environment

    @property
    def aws_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    @property
    def outputs(self) -> dict[str, Any]:
        """The environment's outputs, with what only the running runtime knows (pool ids, API key values)."""
        assert self.evaluation is not None
        local = {**self.user_pools.outputs, "api_key_values": dict(self.api_keys)}
        return {
            **self.evaluation.outputs,
            **{name: value for name, value in local.items() if name in self.evaluation.outputs},
        }

    def client(self, service: str) -> Any:
        assert self.evaluation is not None
        return boto3.client(  # type: ignore[call-overload]  # (the service is a variable, not a literal)
            service,
            endpoint_url=self.aws_endpoint,
            region_name=self.evaluation.region,
            **self.operator_credentials,
        )

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self, progress: Callable[[str], None] = lambda _: None) -> LocalRuntime:
        self._stopping.clear()
        self.aws_port = self.aws_port or free_port()
        self.api_port = self.api_port or free_port()
        ensure_free(self.aws_port, "AWS APIs")
        ensure_free(self.api_port, "the API")
        self.log_dir = self.log_dir or self.root / ".local" / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        progress(f"building the Lambda packages and evaluating envs/{self.environment} with Terraform")
        endpoints = Endpoints(aws=self.aws_endpoint, api=f"http://127.0.0.1:{self.api_port}")
        self.evaluation = evaluate(self.root, lambda_packages(self.root), endpoints)
        support.check(self.evaluation)  # refuses what it would silently leave out
        progress(f"starting moto on {self.aws_endpoint}")
        self._start_moto()
        progress("creating tables, queues, topics, state machines, buses and rules")
        self._deploy()
        progress("starting one worker process per Lambda function")
        self._start_workers()
        self._start_api()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._target_delivery is not None:
            self._target_delivery.stop()
            self._target_delivery = None
        self._targets.clear()
        iam.set_enforcement(False)  # moto is in this process: later in-process mocks must not inherit it
        iam.install(None, "")
        if self._credentials_server is not None:
            self._credentials_server.stop()
            self._credentials_server = None
        for worker in self._workers:
            worker.terminate()
        for worker in self._workers:
            try:
                worker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.kill()
        self._workers.clear()
        self._worker_specs.clear()
        if self._api_server is not None:
            self._api_server.shutdown()
            self._api_server.server_close()
            self._api_server = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
            if self._previous_moto_port is None:
                os.environ.pop("MOTO_PORT", None)
            else:
                os.environ["MOTO_PORT"] = self._previous_moto_port

    def __enter__(self) -> LocalRuntime:
        return self.start() if self.evaluation is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- moto ------------------------------------------------------------------------------------------

    def _start_moto(self) -> None:
        # State machine tasks call back into moto on MOTO_PORT (see ../shared/FIELD-NOTES.md).
        self._previous_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(self.aws_port)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        limits.install()  # payload limits counted as AWS counts them (limits.py)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.aws_port, verbose=False)
        self._moto.start()
        request = urllib.request.Request(
            f"{self.aws_endpoint}/moto-api/config",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()

    def _deploy(self) -> None:
        assert self.evaluation is not None
        evaluation = self.evaluation
        self.operator_credentials = iam.create_operator(self.client("iam"))
        sqs, sns = self.client("sqs"), self.client("sns")
        for queue in evaluation.of_type("aws_sqs_queue"):
            sqs.create_queue(QueueName=queue.values["name"], Attributes=queue_attributes(queue.values))
        for topic in evaluation.of_type("aws_sns_topic"):
            sns.create_topic(Name=topic.values["name"])
        s3 = self.client("s3")
        for bucket in evaluation.of_type("aws_s3_bucket"):
            location = {} if evaluation.region == "us-east-1" else {"LocationConstraint": evaluation.region}
            s3.create_bucket(Bucket=bucket.values["bucket"], CreateBucketConfiguration=location)
        for table in evaluation.of_type("aws_dynamodb_table"):
            self._create_table(table.values)
        sfn = self.client("stepfunctions")
        for machine in evaluation.of_type("aws_sfn_state_machine"):
            sfn.create_state_machine(
                name=machine.values["name"],
                definition=machine.values["definition"],
                roleArn=machine.values["role_arn"],
                type=machine.values["type"],
            )
        self.user_pools = cognito.deploy(self.client("cognito-idp"), evaluation, self.aws_endpoint)
        for key in evaluation.of_type("aws_api_gateway_api_key"):
            # API Gateway generates key values; locally they are random too, and in the outputs.
            self.api_keys[key.address.rsplit('["', 1)[-1].rstrip('"]')] = secrets.token_urlsafe(30)
        events = self.client("events")
        for bus in evaluation.of_type("aws_cloudwatch_event_bus"):
            events.create_event_bus(Name=bus.values["name"])
        for rule in evaluation.of_type("aws_cloudwatch_event_rule"):
            arguments = {
                "Name": rule.values["name"],
                "EventBusName": rule.values.get("event_bus_name") or "default",
                "State": rule.values.get("state") or "ENABLED",
            }
            # A rule has a pattern or a schedule (event_bus validates it); the other is a mock's random filler.
            if rule.values.get("event_pattern"):
                arguments["EventPattern"] = rule.values["event_pattern"]
            else:
                arguments["ScheduleExpression"] = rule.values["schedule_expression"]
            events.put_rule(**arguments)
        for target in evaluation.of_type("aws_cloudwatch_event_target"):
            self._put_target(events, sqs, target.values)
        self._enforce_iam()

    def _enforce_iam(self) -> None:
        """The evaluation's roles and policies in moto, then every request checked against them (iam.py)."""
        assert self.evaluation is not None

        def as_created(policy: str) -> str:  # a stream's ARN carries the label moto gave it
            for evaluated, created in self.stream_arns.items():
                policy = policy.replace(evaluated, created)
            return policy

        iam.deploy(self.client("iam"), self.evaluation, as_created)
        self.identities = iam.Identities(self.evaluation.account, self.evaluation.region)
        roles = {role.values["name"]: role.values["arn"] for role in self.evaluation.of_type("aws_iam_role")}
        self._credentials_server = iam.CredentialsServer(self.identities, roles)
        iam.install(self.identities, self.aws_endpoint)
        iam.set_enforcement(True)
        self._start_target_delivery()

    def _create_table(self, values: dict[str, Any]) -> None:
        declared = {a["name"] for a in values.get("attribute", [])}
        # An unset optional attribute comes out of the mocked evaluation as a random string: a range key is
        # real only if it is a declared attribute.
        range_key = values.get("range_key") if values.get("range_key") in declared else None
        arguments: dict[str, Any] = {
            "TableName": values["name"],
            "KeySchema": [{"AttributeName": values["hash_key"], "KeyType": "HASH"}]
            + ([{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else []),
            "AttributeDefinitions": [
                {"AttributeName": a["name"], "AttributeType": a["type"]} for a in values.get("attribute", [])
            ],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if values.get("stream_enabled"):
            arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": values["stream_view_type"]}
        if values.get("global_secondary_index"):
            arguments["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index["name"],
                    "KeySchema": [{"AttributeName": index["hash_key"], "KeyType": "HASH"}]
                    + (
                        [{"AttributeName": index["range_key"], "KeyType": "RANGE"}]
                        if index.get("range_key") in declared
                        else []
                    ),
                    "Projection": {"ProjectionType": index.get("projection_type") or "ALL"}
                    | (
                        {"NonKeyAttributes": index["non_key_attributes"]}
                        if index.get("projection_type") == "INCLUDE"
                        else {}
                    ),
                }
                for index in values["global_secondary_index"]
            ]
        described = self.client("dynamodb").create_table(**arguments)["TableDescription"]
        if "LatestStreamArn" in described:
            evaluated = f"arn:aws:dynamodb:{self.evaluation.region}:{self.evaluation.account}:table/{values['name']}/stream/{STREAM_LABEL}"  # type: ignore[union-attr]
            self.stream_arns[evaluated] = described["LatestStreamArn"]

    def _invocation_queue(self, function_name: str) -> str:
        return f"localrt-{function_name}-invocations"[:80]

    def _put_target(self, events: Any, sqs: Any, values: dict[str, Any]) -> None:
        arn = values["arn"]
        if ":lambda:" in arn:
            # moto invokes functions in Docker; a queue in between lets the function's worker take the events.
            name = self._invocation_queue(arn.rsplit(":", 1)[-1])
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        elif ":states:" in arn or ":sns:" in arn:
            # moto delivers neither: a queue in their place, emptied by eventbridge.TargetDelivery.
            url = sqs.create_queue(QueueName=f"localrt-target-{values['rule']}-{values['target_id']}"[:80])["QueueUrl"]
            self._targets.append(self._target(values, url))
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        target: dict[str, Any] = {"Id": values["target_id"], "Arn": arn}
        # Unset optional attributes come out of the mocked evaluation as random strings: keep real ones only.
        if str(values.get("input_path") or "").startswith("$"):
            target["InputPath"] = values["input_path"]
        if str(values.get("role_arn") or "").startswith("arn:"):
            target["RoleArn"] = values["role_arn"]
        events.put_targets(
            Rule=values["rule"], EventBusName=values.get("event_bus_name") or "default", Targets=[target]
        )

    # --- functions -------------------------------------------------------------------------------------

    def _target(self, values: dict[str, Any], delivery_queue_url: str) -> eventbridge.Target:
        assert self.evaluation is not None
        retry = (values.get("retry_policy") or [{}])[0]
        dead_letter = (values.get("dead_letter_config") or [{}])[0].get("arn")
        bus = values.get("event_bus_name") or "default"
        return eventbridge.Target(
            rule_arn=f"arn:aws:events:{self.evaluation.region}:{self.evaluation.account}:rule/{bus}/{values['rule']}",
            arn=values["arn"],
            delivery_queue_url=delivery_queue_url,
            role_arn=values["role_arn"] if str(values.get("role_arn") or "").startswith("arn:") else None,
            dead_letter_queue_url=self._queue_url(dead_letter) if str(dead_letter or "").startswith("arn:") else None,
            maximum_retry_attempts=int(retry.get("maximum_retry_attempts") or eventbridge.DEFAULT_ATTEMPTS),
            maximum_event_age_in_seconds=int(
                retry.get("maximum_event_age_in_seconds") or eventbridge.DEFAULT_EVENT_AGE_SECONDS
            ),
        )

    def _start_target_delivery(self) -> None:
        identities = self.identities
        assert identities is not None
        clients: dict[tuple[str, str | None], Any] = {}

        def client(service: str, role_arn: str | None) -> Any:
            if (service, role_arn) not in clients:  # a target's role as EventBridge assumes it; else the runtime's
                clients[(service, role_arn)] = (
                    identities.client(service, role_arn, "events.amazonaws.com", self.aws_endpoint)
                    if role_arn
                    else self.client(service)
                )
            return clients[(service, role_arn)]

        self._target_delivery = eventbridge.TargetDelivery(self._targets, client, self.client("sqs"))

    def _queue_url(self, arn: str | None) -> str | None:
        return None if not arn else f"{self.aws_endpoint}/{arn.split(':')[4]}/{arn.split(':')[5]}"

    def worker_specs(self) -> list[dict[str, Any]]:
        assert self.evaluation is not None
        evaluation = self.evaluation
        mappings = evaluation.of_type("aws_lambda_event_source_mapping")
        targets = evaluation.of_type("aws_cloudwatch_event_target")
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
                        "on_failure_queue_url": self._queue_url(failure[0].get("destination_arn")),
                        "filter_patterns": [
                            f["pattern"]
                            for criteria in mapping.get("filter_criteria") or []
                            for f in criteria.get("filter") or []
                        ],
                    }
                )
            if any(t.values["arn"] == arn for t in targets):
                destination = (invoke_configs.get(values["function_name"], {}).get("destination_config") or [{}])[0]
                on_failure = (destination.get("on_failure") or [{}])[0].get("destination")
                sources.append(
                    {
                        "kind": "async",
                        "queue_url": f"{self.aws_endpoint}/{evaluation.account}/{self._invocation_queue(values['function_name'])}",
                        "on_failure_queue_url": self._queue_url(on_failure),
                    }
                )
            environment = dict((values.get("environment") or [{}])[0].get("variables") or {})
            logging = (values.get("logging_config") or [{}])[0]
            if logging.get("application_log_level"):
                environment["AWS_LAMBDA_LOG_LEVEL"] = logging["application_log_level"]
            assert self._credentials_server is not None
            environment.update(
                {
                    # The execution role's session, as Lambda gives it (botocore refreshes it before expiry).
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": self._credentials_server.url(values["role"]),
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": self._credentials_server.token,
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
                    "zip_path": str((self.root / values["filename"]).resolve()),
                    "memory_size": values.get("memory_size") or 128,
                    "timeout": values.get("timeout") or 3,
                    "region": evaluation.region,
                    "environment": environment,
                    "sources": sources,
                    # Only for the queue that stands in for Lambda's internal asynchronous-invocation queue.
                    "service_credentials": self.operator_credentials,
                }
            )
        return specs

    @property
    def _checkpoints(self) -> Path:
        assert self.log_dir is not None
        return self.log_dir / "checkpoints"

    def _start_workers(self) -> None:
        assert self.log_dir is not None
        shutil.rmtree(self._checkpoints, ignore_errors=True)  # a new runtime's mappings start afresh
        for spec in self.worker_specs():
            spec["task_root"] = str(self.log_dir / "tasks" / spec["name"])
            spec_path = self.log_dir / f"{spec['name']}.json"
            spec_path.write_text(json.dumps(spec, indent=2))
            self._worker_specs.append(spec_path)
            self._workers.append(self._launch(spec_path, "wb"))
        self._wait_for_workers()
        threading.Thread(target=self._keep_workers_alive, name="worker-watch", daemon=True).start()

    def _launch(self, spec_path: Path, mode: str) -> subprocess.Popen[bytes]:
        log = spec_path.with_suffix(".log").open(mode)
        return subprocess.Popen(
            [sys.executable, "-m", "scripts.localrt.worker", str(spec_path)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_"))},
        )

    def _keep_workers_alive(self) -> None:
        """Lambda's pollers outlive a crashed invocation environment: a worker that dies (killed, out of memory)
        is logged and started again, and resumes its stream mappings from their checkpoints."""
        while not self._stopping.wait(0.5):
            for index, worker in enumerate(list(self._workers)):
                code = worker.poll()
                if code is None or self._stopping.is_set():
                    continue
                spec_path = self._worker_specs[index]
                line = {"localrt": spec_path.stem, "message": "worker exited, restarting it", "exitCode": code}
                with spec_path.with_suffix(".log").open("a") as log:
                    log.write(json.dumps(line) + "\n")
                logging.getLogger("localrt").warning(
                    "the worker of %s exited (%s); restarting it", spec_path.stem, code
                )
                self._workers[index] = self._launch(spec_path, "ab")

    def _wait_for_workers(self, timeout: float = 30.0) -> None:
        assert self.log_dir is not None
        deadline = time.monotonic() + timeout
        for worker, spec_path in zip(self._workers, self._worker_specs, strict=True):
            log = spec_path.with_suffix(".log")
            while '"message": "ready"' not in log.read_text(errors="replace"):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker of {spec_path.stem} did not start; see {log}")
                time.sleep(0.05)

    # --- the API ---------------------------------------------------------------------------------------

    def _stage_throttle(self) -> TokenBucket | None:
        """The stage's throttling as its method settings declare it (rate and burst; absent: none)."""
        assert self.evaluation is not None
        for method_settings in self.evaluation.of_type("aws_api_gateway_method_settings"):
            settings = (method_settings.values.get("settings") or [{}])[0]
            rate, burst = settings.get("throttling_rate_limit"), settings.get("throttling_burst_limit")
            if isinstance(rate, int | float) and isinstance(burst, int | float) and rate > 0 and burst > 0:
                return TokenBucket(float(rate), int(burst))
        return None

    def _start_api(self) -> None:
        assert self.evaluation is not None
        apis = self.evaluation.of_type("aws_api_gateway_rest_api")
        if not apis:
            return
        if len(apis) > 1:
            raise RuntimeError("the local runtime serves one REST API per environment")
        stages = self.evaluation.of_type("aws_api_gateway_stage")
        stage = stages[0].values["stage_name"] if stages else "v1"
        sfn = self.client("stepfunctions")
        identities = self.identities
        assert identities is not None

        def start_sync_as(role_arn: str) -> Callable[[str, str], dict[str, Any]]:
            """StartSyncExecution as API Gateway calls it with the integration's role: moto has no
            StartSyncExecution, so the role's permission for it is checked here and the execution then run
            and polled with the runtime's own identity."""

            def start(arn: str, payload: str) -> dict[str, Any]:
                if not identities.allows(role_arn, "states:StartSyncExecution", arn):
                    raise IntegrationError(
                        400, iam.access_denied(role_arn, "apigateway", "states:StartSyncExecution", arn)
                    )
                identities.session(role_arn, "apigateway.amazonaws.com")  # the role must trust API Gateway
                return start_sync_or_error(sfn, arn, payload)

            return start

        api = RestApi(
            json.loads(apis[0].values["body"]),
            lambda arn, payload: start_sync_or_error(sfn, arn, payload),
            as_role=start_sync_as,
            stage=stage,
            domain=f"127.0.0.1:{self.api_port}",
            scheme="http",
            throttle=self._stage_throttle(),
            authorizers=Authorizers(
                json.loads(apis[0].values["body"]),
                user_pools=self.user_pools.by_arn,
                api_keys=lambda: set(self.api_keys.values()),
                stage=Stage(self.evaluation.region, self.evaluation.account, str(apis[0].values.get("id")), stage),
            ),
        )
        self._api_server = ThreadingHTTPServer(("127.0.0.1", self.api_port), _handler_for(api, stage))
        threading.Thread(target=self._api_server.serve_forever, name="api", daemon=True).start()


def _handler_for(api: RestApi, stage: str) -> type[BaseHTTPRequestHandler]:
    class StageHandler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            prefix = f"/{stage}"
            path = url.path[len(prefix) :] if url.path.startswith(prefix + "/") or url.path == prefix else None
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if path is None:
                status, headers, text = 403, {"Content-Type": "application/json"}, '{"message":"Forbidden"}'
            else:
                request = Request(
                    self.command,
                    path or "/",
                    dict(self.headers.items()),
                    dict(parse_qsl(url.query, keep_blank_values=True)),
                    None,
                )
                response = api.handle_bytes(request, raw if length else None)
                status, headers, text = response.status, response.headers, response.body
            payload = text.encode("utf-8")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

        def __getattr__(self, name: str) -> Any:
            # Any other method (TRACE, PROPFIND, ...) gets API Gateway's answer for a route it does not
            # have, a 403 JSON body, not http.server's 501 HTML page.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return StageHandler
