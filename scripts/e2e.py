"""`make e2e TARGET=local|localstack|aws [ENV=dev]`: one end-to-end suite (tests/e2e), three targets.

- local (default): the suite starts the local runtime (`make local`'s system) itself, on both engines (moto
  with our workers, and ministack) or on the one ENGINE=moto|ministack names.
- localstack: `make apply ENV=local` against LocalStack, the suite against its outputs with every client
  pointed at LocalStack (AWS_ENDPOINT_URL, test credentials), then `make destroy ENV=local`.
- aws: the suite against an applied environment (`terraform output -json` of envs/<ENV>) with your
  credentials. Nothing is applied or destroyed.

Without LocalStack answering, or without AWS credentials, it says in one line what is missing and runs
nothing (exit 0: a skip, not a failure).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from scripts import deploy

ROOT = Path(__file__).resolve().parent.parent
Runner = Callable[[list[str], Path, dict[str, str]], int]


def run(command: list[str], cwd: Path, env: dict[str, str]) -> int:
    return subprocess.run(command, cwd=cwd, env=env, check=False).returncode


def pytest_e2e(outputs: Path | None, extra_env: dict[str, str], runner: Runner) -> int:
    env = {**os.environ, **extra_env}
    if outputs is not None:
        env["E2E_OUTPUTS"] = str(outputs)
    return runner([sys.executable, "-m", "pytest", "-q", "tests/e2e"], ROOT, env)


def write_outputs(env_name: str, runner: Runner, environ: dict[str, str]) -> Path:
    outputs = ROOT / "build" / f"e2e-outputs.{env_name}.json"
    outputs.parent.mkdir(parents=True, exist_ok=True)
    with outputs.open("w") as handle:
        result = subprocess.run(
            ["terraform", "output", "-json"], cwd=ROOT / "envs" / env_name, env=environ, stdout=handle, check=False
        )
    if result.returncode != 0:
        raise deploy.Refusal(f"`terraform output -json` failed in envs/{env_name}: apply it first.")
    json.loads(outputs.read_text())  # a readable contract, or fail here rather than in every test
    return outputs


def main(argv: list[str] | None = None, runner: Runner = run) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--target", choices=["local", "localstack", "aws"], default="local")
    parser.add_argument("--env", default="dev", help="the applied environment, with --target aws")
    parser.add_argument(
        "--engine", choices=["", "moto", "ministack"], default="", help="with --target local: one engine (default both)"
    )
    args = parser.parse_args(argv)
    try:
        if args.target == "local":
            return pytest_e2e(None, {"E2E_ENGINE": args.engine} if args.engine else {}, runner)
        if args.target == "localstack":
            endpoint = deploy.localstack_endpoint()
            if not deploy.localstack_answers(endpoint):
                print(
                    f"make e2e: skipped: LocalStack is not answering at {endpoint} (start it, or set LOCALSTACK_ENDPOINT)."
                )
                return 0
            local = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
            local["E2E_TARGET"] = "localstack"  # the suite's clients come from localstack-client
            local["AWS_DEFAULT_REGION"] = deploy.environment_region("local")
            os.environ["CI"] = "true"  # a disposable LocalStack deployment: apply and destroy unattended
            if deploy.main(["apply", "local"]) != 0:
                return 1
            try:
                outputs = write_outputs("local", runner, {**os.environ})
                return pytest_e2e(outputs, local, runner)
            finally:
                deploy.main(["destroy", "local"])
        if not deploy.has_aws_credentials():
            print("make e2e: skipped: no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).")
            return 0
        outputs = write_outputs(args.env, runner, {**os.environ})
        return pytest_e2e(outputs, {"AWS_DEFAULT_REGION": deploy.environment_region(args.env)}, runner)
    except deploy.Refusal as refusal:
        print(f"make e2e: {refusal}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
