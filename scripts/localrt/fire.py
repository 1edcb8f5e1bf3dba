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
        raise SystemExit(f"fire: Scheduler cannot assume {role_arn}: {refusal.read().decode() or refusal}") from None
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
        raise SystemExit(f"fire: the local runtime does not fire targets like {arn}")
    return {"schedule": schedule_name, "target": arn, "input": json.loads(payload)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fire a schedule of the running local runtime now.")
    parser.add_argument("schedule", help="the schedule's name (envs/<env> output export_schedule_name)")
    parser.add_argument("--env", default="local")
    args = parser.parse_args(argv)
    path = ROOT / "envs" / args.env / ".local" / "outputs.json"
    if not path.exists():
        print(f"fire: {path.relative_to(ROOT)} is missing; start the runtime first (make local ENV={args.env})")
        return 1
    print(json.dumps(fire(json.loads(path.read_text()), args.schedule), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
