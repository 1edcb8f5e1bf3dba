"""Runs a schedule of the running local runtime now, as EventBridge Scheduler fires it (the runtime stores
schedules but never fires them on its own):

    make fire SCHEDULE=<name> [ENV=local]      # python -m scripts.localrt.fire <name> --env local

Reads the schedule from the runtime's Scheduler (moto), fills in Scheduler's context attributes
(`<aws.scheduler.scheduled-time>`, ...), takes the schedule role's session from the runtime as Scheduler
assumes it (the role must trust scheduler.amazonaws.com), and invokes the target
with that role's credentials, so IAM decides as it would on AWS: a Lambda function asynchronously (its worker
retries and dead-letters as Lambda does), a state machine with StartExecution, a queue with SendMessage.
Uses envs/<env>/.local/outputs.json, which `make local` writes once it is ready.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

ROOT = Path(__file__).resolve().parents[2]


def context_attributes(schedule_arn: str, when: datetime) -> dict[str, str]:
    """What Scheduler substitutes in a target's input (EventBridge Scheduler User Guide, context attributes)."""
    return {
        "<aws.scheduler.schedule-arn>": schedule_arn,
        "<aws.scheduler.scheduled-time>": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": "1",
    }


def role_session(outputs: dict[str, Any], role_arn: str, operator: boto3.session.Session) -> boto3.session.Session:
    """The role's session as Scheduler assumes it, from the runtime's credentials endpoint (refused when the
    role's trust policy does not name scheduler.amazonaws.com). An engine without that endpoint (ministack)
    lets no caller but the service assume the role, as AWS does: the target is invoked as the operator there,
    so the schedule role's own policy is not exercised (README, engine differences)."""
    if "localrt_credentials_url" not in outputs:
        return operator
    request = urllib.request.Request(
        f"{outputs['localrt_credentials_url']}/{role_arn.rsplit('/', 1)[-1]}?service=scheduler.amazonaws.com",
        headers={"Authorization": outputs["localrt_credentials_token"]},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            credentials = json.loads(response.read())
    except urllib.error.HTTPError as refusal:
        raise SystemExit(f"Scheduler cannot assume {role_arn}: {refusal.read().decode() or refusal}") from None
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["Token"],
        region_name=outputs["aws_region"],
    )


def fire(outputs: dict[str, Any], schedule_name: str, when: datetime | None = None) -> dict[str, Any]:
    """Fires the schedule once; returns what was invoked with which input."""
    region, endpoint = outputs["aws_region"], outputs["aws_endpoint_url"]
    operator = boto3.session.Session(
        aws_access_key_id=outputs["aws_access_key_id"],
        aws_secret_access_key=outputs["aws_secret_access_key"],
        region_name=region,
    )
    schedule = operator.client("scheduler", endpoint_url=endpoint).get_schedule(Name=schedule_name)
    target = schedule["Target"]
    payload = target.get("Input") or "{}"
    for attribute, value in context_attributes(schedule["Arn"], when or datetime.now(UTC)).items():
        payload = payload.replace(attribute, value)
    role = role_session(outputs, target["RoleArn"], operator)
    arn = target["Arn"]
    if ":lambda:" in arn:
        role.client("lambda", endpoint_url=endpoint).invoke(FunctionName=arn, InvocationType="Event", Payload=payload)
    elif ":states:" in arn:
        role.client("stepfunctions", endpoint_url=endpoint).start_execution(
            stateMachineArn=arn, name=f"{schedule_name}-{uuid.uuid4()}"[:80], input=payload
        )
    elif ":sqs:" in arn:
        queue = role.client("sqs", endpoint_url=endpoint)
        queue.send_message(
            QueueUrl=queue.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"], MessageBody=payload
        )
    else:
        raise SystemExit(f"the local runtime does not fire targets like {arn}")
    return {"schedule": schedule_name, "target": arn, "input": json.loads(payload)}


class Refusal(Exception):
    """Why `make fire` cannot fire, in one line with what would be right."""


def schedule_names(outputs: dict[str, Any]) -> list[str]:
    """The running runtime's schedules; Refusal when it does not answer."""
    scheduler = boto3.session.Session(
        aws_access_key_id=outputs["aws_access_key_id"],
        aws_secret_access_key=outputs["aws_secret_access_key"],
        region_name=outputs["aws_region"],
    ).client("scheduler", endpoint_url=outputs["aws_endpoint_url"])
    try:
        return sorted(s["Name"] for s in scheduler.list_schedules()["Schedules"])
    except (BotoCoreError, ClientError) as error:
        raise Refusal(
            f"the local runtime at {outputs['aws_endpoint_url']} does not answer ({type(error).__name__}): start make local first"
        ) from None


def checked(env: str, schedule: str) -> dict[str, Any]:
    """The running runtime's outputs, once the schedule is one of its schedules."""
    path = ROOT / "envs" / env / ".local" / "outputs.json"
    if not path.exists():
        raise Refusal(
            f"no local runtime of envs/{env} has started ({path.relative_to(ROOT)} is missing): start make local first"
        )
    outputs: dict[str, Any] = json.loads(path.read_text())
    names = schedule_names(outputs)
    listed = ", ".join(names) or "none"
    if not schedule:
        raise Refusal(f"name a schedule: SCHEDULE=<{'|'.join(names) or 'name'}>  (schedules of the running make local)")
    if schedule not in names:
        raise Refusal(f"no schedule {schedule!r} in the running make local (schedules: {listed})")
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fire a schedule of the running local runtime now.")
    parser.add_argument("schedule", nargs="?", default="", help="the schedule's name (output export_schedule_name)")
    parser.add_argument("--env", default="local")
    args = parser.parse_args(argv)
    try:
        outputs = checked(args.env, args.schedule)
        print(json.dumps(fire(outputs, args.schedule), indent=2))
    except (Refusal, SystemExit) as refusal:
        print(f"make fire: {refusal}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
