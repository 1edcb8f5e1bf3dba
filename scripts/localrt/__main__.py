"""`make local`: the whole system of an environment on localhost (moto + emulated API Gateway and Lambda).

python -m scripts.localrt [--env local] [--aws-port 4566] [--api-port 8080]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from scripts.localrt import cognito
from scripts.localrt.ports import PortInUse
from scripts.localrt.runtime import LocalRuntime


def caller_headers(runtime: LocalRuntime) -> dict[str, str]:
    """What a caller of the local API sends: an ID token of a local user, an API key (as the environment asks)."""
    outputs, headers = runtime.outputs, {}
    if outputs["api_authorization"]["type"] == "COGNITO":
        tokens = cognito.sign_in(
            runtime.client("cognito-idp"), outputs["user_pool_id"], outputs["user_pool_client_id"], "local@example.com"
        )
        headers["Authorization"] = tokens["IdToken"]
    if outputs["api_authorization"]["api_key_required"]:
        headers["x-api-key"] = next(iter(outputs["api_key_values"].values()))
    return headers


def pipeline_examples(outputs: dict[str, Any]) -> str:
    """How to feed the pipeline (imports, the export, a webhook), when the environment has one."""
    if "ingest_bucket_name" not in outputs:
        return ""
    return (
        "The pipeline (with the same AWS variables):\n"
        f"  aws s3 cp orders.jsonl s3://{outputs['ingest_bucket_name']}/imports/orders.jsonl "
        "--content-type application/x-ndjson\n"
        f"  aws sqs receive-message --queue-url {outputs['notifications_queue_url']}\n"
        f"  make fire SCHEDULE={outputs['export_schedule_name']}\n"
        + (
            f"  curl -s -X POST {outputs['webhook_url']}/stripe -H 'x-api-key: {outputs['webhook_api_key']}' "
            "-H 'Content-Type: application/json' -d '{\"type\": \"charge.succeeded\"}'\n"
            if outputs.get("webhook_url")
            else ""
        )
    )


def write_outputs(runtime: LocalRuntime, headers: dict[str, str]) -> Path:
    """envs/<env>/.local/outputs.json: the environment's outputs and what a script needs to reach the running
    system (endpoint, region, the operator's keys, the demo caller's Authorization header). Written last and
    atomically (a rename), so a script can wait for the file and then trust it."""
    assert runtime.evaluation is not None
    outputs = {
        **runtime.outputs,
        "aws_endpoint_url": runtime.aws_endpoint,
        "aws_region": runtime.evaluation.region,
        **runtime.operator_credentials,
        **runtime.service_credentials,
        **({"demo_access_token": headers["Authorization"]} if "Authorization" in headers else {}),
    }
    target = runtime.root / ".local" / "outputs.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".json.partial")
    partial.write_text(json.dumps(outputs, indent=2, default=str) + "\n")
    partial.replace(target)
    return target


ENGINES = {
    "moto": "moto with our Lambda workers, IAM enforced",
    "ministack": "ministack, its own Lambda runtime, IAM enforced for functions (README: engine differences)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="local", help="environment root under envs/ (default: local)")
    parser.add_argument("--aws-port", type=int, default=4566, help="port of the moto server (default 4566)")
    parser.add_argument("--api-port", type=int, default=8080, help="port of the API (default 8080)")
    parser.add_argument("--engine", choices=tuple(ENGINES), default="moto", help="what emulates AWS (default: moto)")
    args = parser.parse_args(argv)

    runtime = LocalRuntime(environment=args.env, aws_port=args.aws_port, api_port=args.api_port, engine=args.engine)
    try:
        runtime.start(progress=lambda step: print(f"make local: {step}", flush=True))
    except PortInUse as error:
        print(f"make local: {error} (make local AWS_PORT=... API_PORT=...).", file=sys.stderr)
        return 2
    except BaseException:
        runtime.stop()
        raise
    print(json.dumps(runtime.outputs, indent=2))
    assert runtime.evaluation is not None  # start() evaluated the environment
    collection = "items"
    credentials = caller_headers(runtime)
    headers = "".join(f" -H '{name}: {value}'" for name, value in credentials.items())
    print(
        "\nThe system is running. Try:\n"
        + (
            "  # a local user of the API's user pool (local@example.com), its ID token valid for one hour:\n"
            if "Authorization" in credentials
            else ""
        )
        + f"  curl -s -X POST {runtime.outputs['api_url']}/{collection} -H 'Content-Type: application/json'{headers} "
        f'-d \'{{"name": "first", "status": "PENDING", "amount": 120}}\'\n'
        f"  curl -s {runtime.outputs['api_url']}/{collection}{headers}\n"
        f"AWS APIs ({ENGINES[runtime.engine]}; these are the local operator's keys): "
        f"AWS_ENDPOINT_URL={runtime.aws_endpoint} "
        f"AWS_DEFAULT_REGION={runtime.evaluation.region} "
        f"AWS_ACCESS_KEY_ID={runtime.operator_credentials['aws_access_key_id']} "
        f"AWS_SECRET_ACCESS_KEY={runtime.operator_credentials['aws_secret_access_key']} aws sqs receive-message "
        f"--queue-url {runtime.outputs['audit_queue_url']}\n"
        + pipeline_examples(runtime.outputs)
        + f"Outputs for scripts: {write_outputs(runtime, credentials)}\n"
        + (
            f"Function logs: {runtime.log_dir}\n"
            if runtime.engine == "moto"
            else f"Function logs: CloudWatch Logs (/aws/lambda/<function>); the engine's log: {runtime.log_dir}\n"
        )
        + "Ctrl-C stops everything.",
        flush=True,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
