"""`make local`: the whole system of an environment on localhost (moto + emulated API Gateway and Lambda).

python -m scripts.localrt [--env local] [--aws-port 4566] [--api-port 8080] [--live-port 8081]
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any

from scripts.localrt import moto_patches
from scripts.localrt.ports import PortInUse
from scripts.localrt.runtime import LocalRuntime

ROOT = Path(__file__).resolve().parents[2]


def caller_headers(runtime: LocalRuntime) -> dict[str, str]:
    """What a caller of the local API sends: an ID token of a local user, an API key (as the environment asks)."""
    return runtime.caller_headers()


def api_headers(credentials: dict[str, str]) -> str:
    """The curl options that send the caller's credentials, by the names env.sh exports."""
    return ("" if "Authorization" not in credentials else ' -H "Authorization: $TOKEN"') + (
        "" if "x-api-key" not in credentials else ' -H "x-api-key: $API_KEY"'
    )


def try_commands(outputs: dict[str, Any], credentials: dict[str, str], env: str) -> list[str]:
    """What to try once the system runs, each line runnable as printed once env.sh is sourced (AWS CLI v1 and
    v2 alike: v1 ignores AWS_ENDPOINT_URL, so every aws command names the endpoint). README's Quickstart is
    these lines for envs/local (tests/e2e/test_pipeline.py runs them)."""
    headers = api_headers(credentials)
    aws = 'aws --endpoint-url "$AWS_ENDPOINT_URL"'
    lines = [
        f"source envs/{env}/.local/env.sh",
        f"curl -s -X POST \"$API_URL/items\"{headers} -H 'Content-Type: application/json' "
        '-d \'{"name": "first", "status": "PENDING", "amount": 120}\'',
        f'curl -s "$API_URL/items"{headers}',
    ]
    by_status = [
        index
        for index in ((outputs.get("query_indexes") or {}).get("indexes") or {}).values()
        if index["partitionField"] == "status"  # the demo order's: a query of the item just created
    ]
    if by_status:
        lines.append(f'curl -s "$API_URL/items?status=PENDING&sort=-{by_status[0]["sortField"]}"{headers}')
    if "ingest_bucket_name" in outputs:
        lines += [
            f'{aws} s3 cp examples/orders.jsonl "s3://$INGEST_BUCKET/imports/orders.jsonl" '
            "--content-type application/x-ndjson",
            f'{aws} sqs receive-message --queue-url "$NOTIFICATIONS_QUEUE_URL" --wait-time-seconds 20',
            f'{aws} s3 cp "s3://$RESULTS_BUCKET/reports/orders.json" -',
            f'make fire ENV={env} SCHEDULE="$EXPORT_SCHEDULE"',
        ]
    if outputs.get("webhook_url"):
        lines.append(
            'curl -s -X POST "$WEBHOOK_URL/stripe" -H "x-api-key: $WEBHOOK_API_KEY" '
            "-H 'Content-Type: application/json' -d '{\"type\": \"charge.succeeded\"}'"
        )
    lines.append(f'{aws} sqs receive-message --queue-url "$AUDIT_QUEUE_URL" --max-number-of-messages 10')
    if outputs.get("live_updates_url"):  # every change as it happens (without FOR: until Ctrl-C)
        lines.append(f"make watch ENV={env} FOR=10")
    if "Authorization" in credentials:
        lines.append(f"export TOKEN=$(make -s token ENV={env})")
    return lines


def environment_variables(runtime: LocalRuntime, credentials: dict[str, str]) -> dict[str, str]:
    """What env.sh exports: the endpoint, region and operator's keys, the demo caller's credentials, the names
    the Quickstart uses."""
    assert runtime.evaluation is not None
    outputs, region = runtime.outputs, runtime.evaluation.region
    named = {
        "AWS_ENDPOINT_URL": runtime.aws_endpoint,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": runtime.operator_credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": runtime.operator_credentials["aws_secret_access_key"],
        "API_URL": outputs.get("api_url"),
        "TOKEN": credentials.get("Authorization"),
        "API_KEY": credentials.get("x-api-key"),
        "AUDIT_QUEUE_URL": outputs.get("audit_queue_url"),
        "INGEST_BUCKET": outputs.get("ingest_bucket_name"),
        "RESULTS_BUCKET": outputs.get("results_bucket_name"),
        "NOTIFICATIONS_QUEUE_URL": outputs.get("notifications_queue_url"),
        "EXPORT_SCHEDULE": outputs.get("export_schedule_name"),
        "WEBHOOK_URL": outputs.get("webhook_url"),
        "WEBHOOK_API_KEY": outputs.get("webhook_api_key"),
        "LIVE_UPDATES_URL": outputs.get("live_updates_url"),
        "LIVE_PAGE_URL": runtime.live_page_url if outputs.get("live_updates_url") else None,
    }
    return {name: str(value) for name, value in named.items() if value}


def write_environment(runtime: LocalRuntime, credentials: dict[str, str], folder: Path | None = None) -> Path:
    """envs/<env>/.local/env.sh, for `source`: every variable of environment_variables()."""
    target = (folder or runtime.root / ".local") / "env.sh"
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by make local: the running system's endpoint, the local operator's keys, a local user's token",
        "# (valid for an hour: export TOKEN=$(make -s token)) and the names README's Quickstart uses.",
        "unset AWS_PROFILE AWS_SESSION_TOKEN",
        *(f"export {name}={shlex.quote(value)}" for name, value in environment_variables(runtime, credentials).items()),
    ]
    target.write_text("\n".join(lines) + "\n")
    return target


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


def wait_until_stopped() -> None:
    """Returns at the first SIGTERM or SIGINT (Ctrl-C); later ones are ignored while the runtime stops. A handler
    takes no lock: `make` passes its own SIGTERM on to the runtime, so a second one arrived while the first
    handler held an Event's lock, and the runtime waited for itself forever."""
    numbers = (signal.SIGTERM, signal.SIGINT)

    def stop(*_: Any) -> None:
        for number in numbers:
            signal.signal(number, signal.SIG_IGN)
        raise KeyboardInterrupt

    for number in numbers:
        signal.signal(number, stop)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return  # the signals stay ignored: nothing interrupts the runtime's stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="local", help="environment root under envs/ (default: local)")
    parser.add_argument("--aws-port", type=int, default=4566, help="port of the moto server (default 4566)")
    parser.add_argument("--api-port", type=int, default=8080, help="port of the API (default 8080)")
    parser.add_argument(
        "--live-port", type=int, default=8081, help="port of the live-updates WebSocket API (default 8081)"
    )
    parser.add_argument("--engine", choices=tuple(ENGINES), default="moto", help="what emulates AWS (default: moto)")
    args = parser.parse_args(argv)

    if args.engine == "moto":
        try:
            moto_patches.check()  # before the evaluation: a second, not a minute, to say so
        except moto_patches.MotoPatchError as error:
            print(f"make local: {error}", file=sys.stderr)
            return 2
    runtime = LocalRuntime(
        environment=args.env,
        aws_port=args.aws_port,
        api_port=args.api_port,
        live_port=args.live_port,
        engine=args.engine,
    )
    try:
        runtime.start(progress=lambda step: print(f"make local: {step}", flush=True))
    except PortInUse as error:
        print(f"make local: {error} (make local AWS_PORT=... API_PORT=... LIVE_PORT=...).", file=sys.stderr)
        return 2
    except BaseException:
        runtime.stop()
        raise
    assert runtime.evaluation is not None  # start() evaluated the environment
    credentials = caller_headers(runtime)
    outputs_file, environment_file = write_outputs(runtime, credentials), write_environment(runtime, credentials)
    commands = "\n".join(f"  {line}" for line in try_commands(runtime.outputs, credentials, args.env))
    token_note = " and a local user's token (an hour)" if "Authorization" in credentials else ""
    print(
        f"\nThe system is running ({ENGINES[runtime.engine]}). Each start begins empty, with new keys"
        f"{token_note}. In another terminal:\n{commands}\n"
        + (
            f"Live updates: {runtime.outputs['live_updates_url']} (make watch; the example page: {runtime.live_page_url})\n"
            if runtime.outputs.get("live_updates_url")
            else ""
        )
        + f"Outputs for scripts: {outputs_file.relative_to(ROOT)}; variables: {environment_file.relative_to(ROOT)}\n"
        + (
            f"Function logs: {runtime.log_dir}\n"
            if runtime.engine == "moto"
            else f"Function logs: CloudWatch Logs (/aws/lambda/<function>); the engine's log: {runtime.log_dir}\n"
        )
        + "Ctrl-C stops everything.",
        flush=True,
    )
    try:
        wait_until_stopped()
    finally:
        runtime.stop()
        for described in (outputs_file, environment_file):  # they describe a running system
            described.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
