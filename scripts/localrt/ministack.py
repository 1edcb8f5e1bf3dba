"""A second engine we did not write: ministack (PyPI, LocalStack-compatible, pure Python), in place of moto and
our Lambda workers (`make local ENGINE=ministack`).

The same evaluation of the environment is deployed by the same Deployer (tables, queues, topics, buckets,
state machines, buses, rules), with EventBridge targets given to ministack as they are (it delivers Lambda,
Step Functions and SNS targets itself); functions, their event source mappings and asynchronous-invocation
settings are created in ministack, which runs them in subprocesses of its own interpreter (so the packages
carry aws-lambda-powertools: `build_lambdas.py --bundle-powertools`). The API Gateway emulator stays in front
and calls ministack's StartSyncExecution. ministack pins botocore < 1.44, so it runs from `.venv-ministack`
(`make setup`). What it does differently is listed in README's engine table.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from scripts.localrt.apigateway import IntegrationError
from scripts.localrt.iam import IAM_ACTION_OF
from scripts.tfeval import Evaluation

ROOT = Path(__file__).resolve().parents[2]
EXECUTABLE = ROOT / ".venv-ministack" / "bin" / "ministack"


# ministack authorizes batch calls as actions of their own name; AWS authorizes them as the single-message
# action: "You cannot set permissions explicitly for SendMessageBatch, DeleteMessageBatch, or
# ChangeMessageVisibilityBatch" (SQS Developer Guide, "Amazon SQS batch actions",
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html).
# So that a module's exact policy passes there as on AWS, the deployment there also names the batch action:
# the inverse of the moto engine's mapping (iam.IAM_ACTION_OF).
BATCH_ACTIONS = {single: batch for batch, single in IAM_ACTION_OF.items() if batch.endswith("Batch")}


def engine_policy(document: str) -> str:
    """An inline policy as ministack needs it to allow what AWS allows (BATCH_ACTIONS), otherwise unchanged."""
    policy = json.loads(document)
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    for statement in statements:
        actions = statement.get("Action")
        if statement.get("Effect") != "Allow" or actions is None:
            continue
        listed = [actions] if isinstance(actions, str) else list(actions)
        added = [BATCH_ACTIONS[a] for a in listed if a in BATCH_ACTIONS and BATCH_ACTIONS[a] not in listed]
        if added:
            statement["Action"] = listed + added
    return json.dumps(policy)


def over_http(document: str) -> str:
    """A resource policy without its TLS-only statement: ministack is served over http here, and evaluates
    aws:SecureTransport, so that statement would deny every call (README, engine differences)."""
    policy = json.loads(document)
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    policy["Statement"] = [
        s
        for s in statements
        if not (
            s.get("Effect") == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        )
    ]
    return json.dumps(policy)


def resource_of(document: str) -> str:
    """The one resource a queue's or topic's policy is about (its statements name it)."""
    statements = json.loads(document)["Statement"]
    [resource] = {str(s["Resource"]) for s in (statements if isinstance(statements, list) else [statements])}
    return resource


def deploy_resource_policies(evaluation: Evaluation, client: Callable[[str], Any]) -> None:
    """Queue and topic policies, which ministack evaluates with AUTH on (SNS delivers to a queue only when the
    queue's policy lets the topic send). The queue is found by the ARN its policy names: the evaluated
    queue_url of a queue read through a data source is a mock's filler."""
    sqs, sns = client("sqs"), client("sns")
    for policy in evaluation.of_type("aws_sqs_queue_policy"):
        document = policy.values["policy"]
        url = sqs.get_queue_url(QueueName=resource_of(document).rsplit(":", 1)[-1])["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": over_http(document)})
    for policy in evaluation.of_type("aws_sns_topic_policy"):
        document = policy.values["policy"]
        sns.set_topic_attributes(
            TopicArn=resource_of(document), AttributeName="Policy", AttributeValue=over_http(document)
        )


class EngineMissing(RuntimeError):
    """ministack is not installed (make setup creates .venv-ministack)."""


class Ministack:
    def __init__(self, port: int, log_path: Path) -> None:
        self.port, self.log_path = port, log_path
        self._process: subprocess.Popen[bytes] | None = None
        self.scratch: Path | None = None

    def _own_scratch(self) -> dict[str, str]:
        """ministack unpacks each function's package (~13 MB with powertools) into a directory of the temporary
        folder and removes it only when it retires the worker, never when it is terminated (tests/localrt/
        test_ministack.py reproduces it): it gets a temporary folder of its own, which stop() removes.
        Its function processes inherit its environment: without bytecode writing, as Lambda's code folder is
        read-only (only /tmp is writable: "Lambda isolation technologies", Security Overview of AWS Lambda,
        https://docs.aws.amazon.com/whitepapers/latest/security-overview-aws-lambda/lambda-isolation-technologies.html).
        A function process starting when ministack ends finishes its imports before it reads the end of its
        input: writing their bytecode, it made the removed folder again (3 stops in 36 here)."""
        self.scratch = Path(tempfile.mkdtemp(prefix="ministack-scratch-"))
        return {"TMPDIR": str(self.scratch), "PYTHONDONTWRITEBYTECODE": "1"}

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        if not EXECUTABLE.exists():
            raise EngineMissing(f"{EXECUTABLE.relative_to(ROOT)} is missing: run make setup")
        environment = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MOTO_"))}
        environment.update(GATEWAY_PORT=str(self.port), LAMBDA_EXECUTOR="local", AUTH="true", **self._own_scratch())
        self._process = subprocess.Popen(
            [str(EXECUTABLE)], env=environment, stdout=self.log_path.open("wb"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"ministack exited ({self._process.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/_localstack/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"ministack did not answer on {self.endpoint} within {timeout} s; see {self.log_path}")

    def terminate(self) -> None:
        """Ends the process only (stop() also removes its temporary folder)."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()  # gone before its folder is removed: a dying engine could still write there
            self._process = None

    def stop(self) -> None:
        self.terminate()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def _mapping(values: dict[str, Any], source_arn: str) -> dict[str, Any]:
    """CreateEventSourceMapping's arguments from the evaluated aws_lambda_event_source_mapping."""
    arguments: dict[str, Any] = {
        "EventSourceArn": source_arn,
        "FunctionName": values["function_name"],
        "BatchSize": int(values.get("batch_size") or 10),
        "FunctionResponseTypes": list(values.get("function_response_types") or []),
    }
    if ":sqs:" in source_arn:
        return arguments
    arguments.update(
        StartingPosition=values.get("starting_position") or "LATEST",
        MaximumBatchingWindowInSeconds=int(values.get("maximum_batching_window_in_seconds") or 0),
        BisectBatchOnFunctionError=bool(values.get("bisect_batch_on_function_error")),
        MaximumRetryAttempts=int(values.get("maximum_retry_attempts", -1)),
        MaximumRecordAgeInSeconds=int(values.get("maximum_record_age_in_seconds", -1)),
    )
    failure = ((values.get("destination_config") or [{}])[0].get("on_failure") or [{}])[0].get("destination_arn")
    if str(failure or "").startswith("arn:"):
        arguments["DestinationConfig"] = {"OnFailure": {"Destination": failure}}
    patterns = [f["pattern"] for c in values.get("filter_criteria") or [] for f in c.get("filter") or []]
    if patterns:
        arguments["FilterCriteria"] = {"Filters": [{"Pattern": p} for p in patterns]}
    return arguments


def deploy_functions(
    evaluation: Evaluation,
    client: Callable[[str], Any],
    packages: Path,
    stream_arns: dict[str, str],
    rewrites: dict[str, str] | None = None,
) -> None:
    """Every function of the evaluation in ministack, from the bundled package of the same name in `packages`,
    then its event source mappings and its asynchronous-invocation settings. `rewrites`: what an environment
    variable names on AWS -> where it is here (the WebSocket API's origins, the user pool's issuer and keys)."""
    lam = client("lambda")
    for function in evaluation.of_type("aws_lambda_function"):
        values = function.values
        environment = {}
        for name, value in ((values.get("environment") or [{}])[0].get("variables") or {}).items():
            for aws, local in (rewrites or {}).items():
                value = str(value).replace(aws, local)
            environment[name] = value
        lam.create_function(
            FunctionName=values["function_name"],
            Runtime=values.get("runtime") or "python3.13",
            Role=values["role"],
            Handler=values["handler"],
            Code={"ZipFile": (packages / Path(values["filename"]).name).read_bytes()},
            Environment={"Variables": environment},
            Timeout=int(values.get("timeout") or 3),
            MemorySize=int(values.get("memory_size") or 128),
        )
    for mapping in evaluation.of_type("aws_lambda_event_source_mapping"):
        source = stream_arns.get(mapping.values["event_source_arn"], mapping.values["event_source_arn"])
        lam.create_event_source_mapping(**_mapping(mapping.values, source))
    for config in evaluation.of_type("aws_lambda_function_event_invoke_config"):
        values = config.values
        destination = ((values.get("destination_config") or [{}])[0].get("on_failure") or [{}])[0].get("destination")
        lam.put_function_event_invoke_config(
            FunctionName=values["function_name"],
            MaximumRetryAttempts=int(values.get("maximum_retry_attempts") or 2),
            **({"DestinationConfig": {"OnFailure": {"Destination": destination}}} if destination else {}),
        )


def invoker(client: Callable[[str], Any]) -> Callable[[str, dict[str, Any]], Any]:
    """A synchronous Invoke of ministack's function: its answer, or FunctionError when the handler raised."""
    from scripts.localrt.lambda_workers import FunctionError

    lam = client("lambda")

    def invoke(function_arn: str, event: dict[str, Any]) -> Any:
        answer = lam.invoke(FunctionName=function_arn, Payload=json.dumps(event).encode())
        payload = json.loads(answer["Payload"].read() or b"null")
        if answer.get("FunctionError"):
            raise FunctionError(str(payload.get("errorType", "Error")), str(payload.get("errorMessage", "")))
        return payload

    return invoke


def native_target(values: dict[str, Any], dead_letter_arn: str | None) -> dict[str, Any]:
    """A rule target as PutTargets takes it: ministack delivers every type itself."""
    target: dict[str, Any] = {"Id": values["target_id"], "Arn": values["arn"]}
    if str(values.get("role_arn") or "").startswith("arn:"):
        target["RoleArn"] = values["role_arn"]
    if str(values.get("input_path") or "").startswith("$"):
        target["InputPath"] = values["input_path"]
    retry = (values.get("retry_policy") or [{}])[0]
    if retry.get("maximum_retry_attempts") is not None:
        target["RetryPolicy"] = {
            "MaximumRetryAttempts": int(retry["maximum_retry_attempts"]),
            "MaximumEventAgeInSeconds": int(retry.get("maximum_event_age_in_seconds") or 86400),
        }
    if dead_letter_arn:
        target["DeadLetterConfig"] = {"Arn": dead_letter_arn}
    return target


def start_sync(client: Any, state_machine_arn: str, input_: str) -> dict[str, Any]:
    """ministack's own StartSyncExecution, as API Gateway's integration sees it (a service error is an
    integration error)."""
    try:
        response = client.start_sync_execution(stateMachineArn=state_machine_arn, input=input_)
    except ClientError as error:
        raise IntegrationError(
            error.response["ResponseMetadata"]["HTTPStatusCode"], dict(error.response["Error"])
        ) from error
    return {
        key: value.timestamp() if hasattr(value, "timestamp") else value
        for key, value in response.items()
        if key != "ResponseMetadata"
    }
