"""Terraform's own evaluation of an environment root: for the local runtime to deploy onto moto, for the gates and
the deployer policy to read.

`terraform test` with the mocked AWS provider (mocks/aws) evaluates the whole environment
offline: every module, variable default, templatefile and jsonencode, exactly as `plan` would. Two passes:

1. a plan with the shared mocks, to learn every managed resource's address and name (names are the
   configuration's; a plan costs half an apply, which `terraform test` also tears down: 2.9 s against 6.0 s
   for envs/dev);
2. an apply with one `override_resource` per resource instance giving it the ARN, URL or ID the resource
   will have on the local moto server, so every value that references another resource (environment
   variables, rendered state machines, the OpenAPI body, outputs) already points at its local counterpart.

Both passes answer the account and region data sources with the ones the ARNs are built for: moto's default
account, and the root's declared region (or the one asked for).

A stream ARN carries a creation timestamp nobody can predict: it is evaluated as `<table ARN>/stream/localrt`
and the runtime swaps in the real one.

Endpoints change with every start (free ports), so the evaluation is made once with placeholder origins and
each caller gets it with its own endpoints written in: a queue URL or the stage's invoke URL is the only place
an endpoint enters, as text (an 11.5 s evaluation per runtime start before; a read of the cached one since).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.shared_provider import shared_aws_provider
from scripts.terraform_init import ensure_initialised
from scripts.tfeval.render import TerraformError, terraform

ROOT = Path(__file__).resolve().parents[2]
MOCKS = ROOT / "mocks" / "aws"
# Inside the environment root (.local/ is git-ignored), one folder per process: evaluations of one root may
# run at once (make test runs pytest on two workers).
WORK_DIR = Path(".local") / "evaluate" / str(os.getpid())
STREAM_LABEL = "localrt"
ACCOUNT = "123456789012"  # moto's default account, where the local runtime deploys


@dataclass(frozen=True)
class Resource:
    address: str
    type: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Evaluation:
    region: str
    account: str
    resources: list[Resource]
    outputs: dict[str, Any]
    data: list[Resource] = field(default_factory=list)  # data sources read (aws_ssm_parameter, ...)

    def of_type(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if r.type == kind]


@dataclass(frozen=True)
class Endpoints:
    aws: str  # the moto server, e.g. http://127.0.0.1:4566
    api: str  # where the API emulator serves, e.g. http://127.0.0.1:8080


# What Terraform evaluates with, replaced by each caller's endpoints (distinct, and in no other value).
PLACEHOLDERS = Endpoints(aws="http://aws-endpoint.tfeval.invalid", api="http://api-endpoint.tfeval.invalid")


def _walk(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _walk(child)


def _run(
    root: Path, region: str, test_body: str, packages: dict[str, Any], command: str, env: dict[str, str]
) -> dict[str, Any]:
    """One `terraform test` of a generated test file with one run of `command`: returns the plan it printed
    (plan) or the state after it (apply). `env`: the shared provider's, if any."""
    work = root / WORK_DIR
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    mocks = Path(os.path.relpath(MOCKS, root))  # relative to the environment root, wherever it is
    # A root without functions (envs/bootstrap) declares no lambda_packages.
    declares_packages = any('variable "lambda_packages"' in tf.read_text() for tf in root.glob("*.tf"))
    variables = f"variables {{\n  lambda_packages = {json.dumps(packages)}\n}}\n\n" if declares_packages else ""
    # A plan uses the mocks' values too: a check on a data source read by a mocked name (crud_api's table key
    # schema) is known then, and `terraform test` fails a plan whose check is left unknown.
    during = "  override_during = plan\n" if command == "plan" else ""
    (work / "evaluate.tftest.hcl").write_text(
        f'mock_provider "aws" {{\n  source = "{mocks.as_posix()}"\n{during}\n'
        f'  mock_data "aws_caller_identity" {{\n    defaults = {{ account_id = "{ACCOUNT}" }}\n  }}\n'
        f'  mock_data "aws_region" {{\n    defaults = {{ name = "{region}", region = "{region}" }}\n  }}\n}}\n\n'
        f"{test_body}\n"
        f"{variables}"
        f'run "evaluate" {{\n  command = {command}\n}}\n'
    )
    try:
        arguments = ["test", "-json", "-verbose", f"-test-directory={WORK_DIR.as_posix()}", "-no-color"]
        output = terraform(arguments, root, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    printed = "test_plan" if command == "plan" else "test_state"
    for line in output.splitlines():
        message = json.loads(line)
        if message.get("type") == printed:
            found: dict[str, Any] = message[printed]
            return found
    raise RuntimeError(f"terraform test printed no {printed} for {root}:\n{output[-2000:]}")


def _planned(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The managed resources of a plan, each with the values it will have (those known before apply)."""
    return [
        {"address": change["address"], "type": change["type"], "values": change["change"].get("after") or {}}
        for change in plan.get("resource_changes", [])
        if change["mode"] == "managed"
    ]


def _local_values(resource: dict[str, Any], region: str, account: str, endpoints: Endpoints) -> dict[str, Any]:
    """The computed attributes a resource will have on the local runtime."""
    kind, values = resource["type"], resource["values"]
    name = values.get("name") or values.get("function_name") or ""
    if kind == "aws_sqs_queue":
        url = f"{endpoints.aws}/{account}/{name}"
        return {"arn": f"arn:aws:sqs:{region}:{account}:{name}", "url": url, "id": url}
    if kind == "aws_sns_topic":
        arn = f"arn:aws:sns:{region}:{account}:{name}"
        return {"arn": arn, "id": arn}
    if kind == "aws_sfn_state_machine":
        arn = f"arn:aws:states:{region}:{account}:stateMachine:{name}"
        return {"arn": arn, "id": arn}
    if kind == "aws_lambda_function":
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        return {
            "arn": arn,
            "qualified_arn": f"{arn}:$LATEST",
            "invoke_arn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        }
    if kind == "aws_apigatewayv2_api":
        # API Gateway's ids are 10 lower-case letters and digits; a stable one per name keeps evaluations cached.
        api_id = hashlib.sha256(name.encode()).hexdigest()[:10]
        return {
            "id": api_id,
            "api_endpoint": f"wss://{api_id}.execute-api.{region}.amazonaws.com",
            "execution_arn": f"arn:aws:execute-api:{region}:{account}:{api_id}",
            "arn": f"arn:aws:apigateway:{region}::/apis/{api_id}",
        }
    if kind == "aws_dynamodb_table":
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
        return {"arn": arn, "id": name, "stream_arn": f"{arn}/stream/{STREAM_LABEL}", "stream_label": STREAM_LABEL}
    if kind == "aws_cloudwatch_event_bus":
        return {"arn": f"arn:aws:events:{region}:{account}:event-bus/{name}", "id": name}
    if kind == "aws_cloudwatch_event_archive":
        return {"arn": f"arn:aws:events:{region}:{account}:archive/{name}", "id": name}
    if kind == "aws_cloudwatch_event_rule":
        bus = values.get("event_bus_name") or "default"
        path = name if bus == "default" else f"{bus}/{name}"
        return {"arn": f"arn:aws:events:{region}:{account}:rule/{path}"}
    if kind == "aws_iam_role":
        return {"arn": f"arn:aws:iam::{account}:role/{name}", "id": name}  # a role's id is its name
    if kind == "aws_s3_bucket":  # AWS appends a random suffix to bucket_prefix; locally it is "local"
        bucket = values.get("bucket") if values.get("bucket_prefix") is None else f"{values['bucket_prefix']}local"
        return {"id": bucket, "bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}
    if kind == "aws_scheduler_schedule":
        group = values.get("group_name") or "default"
        arn = f"arn:aws:scheduler:{region}:{account}:schedule/{group}/{name}"
        return {"arn": arn, "id": f"{group}/{name}"}
    if kind == "aws_cloudwatch_log_group":
        return {"arn": f"arn:aws:logs:{region}:{account}:log-group:{name}"}
    if kind == "aws_api_gateway_stage":
        return {"invoke_url": f"{endpoints.api}/{values.get('stage_name')}"}
    return {}


SHARED_ROOT_FILES = "common"  # envs/common: the files every environment root links to, not a root itself


def environment_roots() -> list[Path]:
    """Every environment root: the folders of envs/ with a main.tf, but envs/common."""
    return sorted(p.parent for p in (ROOT / "envs").glob("*/main.tf") if p.parent.name != SHARED_ROOT_FILES)


def declared_region(environment_root: Path) -> str | None:
    """The region the root's provider is given: `region` in its terraform.tfvars, else the default of its
    `region` variable (None if it declares none)."""
    tfvars = environment_root / "terraform.tfvars"
    if tfvars.exists() and (match := re.search(r'^\s*region\s*=\s*"([^"]+)"', tfvars.read_text(), re.M)):
        return match.group(1)
    for tf in sorted(environment_root.glob("*.tf")):
        declared = re.search(r'variable\s+"region"\s*\{[^}]*?default\s*=\s*"([^"]+)"', tf.read_text(), re.S)
        if declared:
            return declared.group(1)
    return None


CACHED = 8  # evaluations kept per environment root (.local/evaluations/), the newest
INPUTS = (
    "modules",
    "statemachines",
    "mocks",
    "scripts/terraform",
    "scripts/tfeval",
)  # what an evaluation reads or is made by, besides its root
# What terraform init and Python write beside the inputs (a first start would change its own key).
NOT_INPUTS = frozenset({".terraform", ".local", ".terraform.lock.hcl", "__pycache__"})


def _inputs_key(environment_root: Path, packages: dict[str, Any], region: str | None) -> str:
    """A hash of everything the evaluation reads: the root's files, every module, state machine and template,
    the mocks, the offline provider kit, the packages' hashes and the region asked for."""
    digest = hashlib.sha256(json.dumps([packages, PLACEHOLDERS.aws, PLACEHOLDERS.api, region], sort_keys=True).encode())
    folders = [environment_root, *(ROOT / name for name in INPUTS)]
    for folder in folders:
        files = folder.glob("*") if folder == environment_root else folder.rglob("*")
        for path in sorted(f for f in files if f.is_file() and not NOT_INPUTS & {*f.parts, f.name}):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def evaluate(
    environment_root: Path, packages: dict[str, Any], endpoints: Endpoints, region: str | None = None
) -> Evaluation:
    """The environment as Terraform evaluates it, with every reference resolved to the local runtime, in
    `region` (default: the root's declared region; the mocked aws_region data source would answer the mock's).
    An evaluation of unchanged inputs is read back from .local/evaluations/ (a warm make local skips both
    `terraform test` runs)."""
    cache = environment_root / ".local" / "evaluations"
    key = _inputs_key(environment_root, packages, region)
    cache.mkdir(parents=True, exist_ok=True)
    cached = cache / f"{key}.json"
    # One process evaluates, the others (pytest's workers, make local beside a test run) wait and read its result.
    with (cache / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _read(cached, endpoints)
        if found is not None:
            return found
        stored = json.dumps(dataclasses.asdict(_evaluate(environment_root, packages, PLACEHOLDERS, region)))
        partial = cache / f"{key}.{os.getpid()}.partial"
        partial.write_text(stored)
        partial.replace(cached)  # atomic: a reader without the lock sees a whole file or none
        for stale in sorted(cache.glob("*.json"), key=lambda p: p.stat().st_mtime)[:-CACHED]:
            stale.unlink(missing_ok=True)
            stale.with_suffix(".lock").unlink(missing_ok=True)
    return _from_json(json.loads(_with_endpoints(stored, endpoints)))


def _read(cached: Path, endpoints: Endpoints) -> Evaluation | None:
    """The stored evaluation with the caller's endpoints, or None when there is none (or it is unreadable)."""
    if not cached.exists():
        return None
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return _from_json(json.loads(_with_endpoints(cached.read_text(), endpoints)))
    return None


def _with_endpoints(stored: str, endpoints: Endpoints) -> str:
    """The stored evaluation (JSON text) with the caller's endpoints in place of the placeholders. URLs need no
    JSON escaping, and Terraform's jsonencode leaves ':' and '/' as they are, so plain text replacement reaches
    every copy, nested documents included."""
    return stored.replace(PLACEHOLDERS.aws, endpoints.aws).replace(PLACEHOLDERS.api, endpoints.api)


def _from_json(stored: dict[str, Any]) -> Evaluation:
    return Evaluation(
        region=stored["region"],
        account=stored["account"],
        resources=[Resource(**r) for r in stored["resources"]],
        outputs=stored["outputs"],
        data=[Resource(**r) for r in stored["data"]],
    )


def _evaluate(
    environment_root: Path, packages: dict[str, Any], endpoints: Endpoints, region: str | None = None
) -> Evaluation:
    # The ARNs are built for one region, so the root must name it: a mock's answer would be a guess.
    region = region or declared_region(environment_root)
    if region is None:
        raise TerraformError(
            f"{environment_root} declares no region: set `region` in its terraform.tfvars or give its variable a default"
        )
    init = ensure_initialised(environment_root)
    if init is not None and init.returncode != 0:
        raise TerraformError(f"terraform init failed in {environment_root}:\n{init.stdout}{init.stderr}")
    overrides = []
    with shared_aws_provider() as shared:  # two `terraform test` runs: one provider process for both
        for resource in _planned(_run(environment_root, region, "", packages, "plan", shared)):
            values = _local_values(resource, region, ACCOUNT, endpoints)
            if values:
                # A state address is an HCL traversal already (module.stack.module.bus.module.rule_dlqs.aws_sqs_queue.this["audit"]).
                overrides.append(
                    f"override_resource {{\n  target = {resource['address']}\n  values = {json.dumps(values)}\n}}\n"
                )
        second = _run(environment_root, region, "\n".join(overrides), packages, "apply", shared)
    evaluated = [
        Resource(r["address"], r["type"], r["values"]) for r in _walk(second["root_module"]) if r["mode"] == "managed"
    ]
    outputs = {name: output.get("value") for name, output in second.get("outputs", {}).items()}
    read = [Resource(r["address"], r["type"], r["values"]) for r in _walk(second["root_module"]) if r["mode"] == "data"]
    return Evaluation(region=region, account=ACCOUNT, resources=evaluated, outputs=outputs, data=read)
