"""Facts that span Terraform and Python and that neither tool checks alone."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from scripts.deploy import pinned_powertools

ROOT = Path(__file__).resolve().parents[2]


def test_lambda_layers_run_the_powertools_release_the_tests_run() -> None:
    # The release is written once in Terraform: the default of lambda_function's function.powertools_version.
    pattern = re.compile(r'powertools_version\s*=\s*optional\(string,\s*"([^"]+)"\)')
    found = {
        path.relative_to(ROOT).as_posix(): pattern.findall(path.read_text())
        for path in sorted((ROOT / "modules").rglob("*.tf"))
        if ".terraform" not in path.parts
        and re.search(r"powertools_version\s*=\s*(optional\(string,\s*)?\"", path.read_text())
    }
    assert found == {"modules/lambda_function/variables.tf": [pinned_powertools()]}, found


def outputs_of(module: Path) -> set[str]:
    return set(re.findall(r'^output "([a-z0-9_]+)"', (module / "outputs.tf").read_text(), re.M))


def public_modules() -> list[Path]:
    return sorted(path for path in (ROOT / "modules").iterdir() if (path / "outputs.tf").is_file())


# Naming scheme of outputs (README, "Module conventions"): a queue is `<what>_queue` or `<what>_dlq` (bare
# `dlq` for a module's one dead-letter queue) and a role `<what>_role` (bare `role` for a module's one role),
# each with _url (queues), _arn and _name, or _urls/_arns/_names for a map of them.
GROUPS = {
    "queue": (
        re.compile(r"^(?P<stem>(?:[a-z0-9_]+_)?(?:queue|dlq))_(?P<attr>url|arn|name)(?P<plural>s?)$"),
        {"url", "arn", "name"},
    ),
    "role": (re.compile(r"^(?P<stem>(?:[a-z0-9_]+_)?role)_(?P<attr>arn|name)(?P<plural>s?)$"), {"arn", "name"}),
}
CREATES = {
    "queue": re.compile(
        r'^resource "aws_sqs_queue" |source\s*=\s*"\.\./(sqs_queue|lambda_function|stream_trigger|stream_fanout)"', re.M
    ),
    "role": re.compile(
        r'^resource "aws_iam_role" |source\s*=\s*"\.\./(iam_role|lambda_function|state_machine|stream_trigger|stream_fanout|crud_api)"',
        re.M,
    ),
}


def test_queue_and_role_outputs_follow_one_naming_scheme() -> None:
    problems = []
    for module in public_modules():
        names = outputs_of(module)
        # The building blocks themselves output each queue or role as an object (queues[<key>].arn, .url, .name).
        for kind, (pattern, attributes) in GROUPS.items() if module.name not in ("sqs_queue", "iam_role") else []:
            groups: dict[tuple[str, str], set[str]] = {}
            for name in names:
                if match := pattern.match(name):
                    groups.setdefault((match["stem"], match["plural"]), set()).add(match["attr"])
            problems += [
                f"{module.name}: {stem}_{sorted(attributes - found)}{plural} missing beside {stem}_*{plural}"
                for (stem, plural), found in groups.items()
                if found != attributes
            ]
            creates = any(CREATES[kind].search(path.read_text()) for path in module.glob("*.tf"))
            # A wrapper's `function` outputs are lambda_function's outputs whole (its dlq_* and role_* with them).
            passes_function = re.search(r"value\s*=\s*module\.\w*function\n", (module / "outputs.tf").read_text())
            if creates and not groups and not passes_function:
                problems.append(f"{module.name} creates a {kind} but outputs none ({kind}_arn, {kind}_name, ...)")
        problems += [
            f"{module.name}: {name} is an old name" for name in names if re.search(r"failure_queue|failures_", name)
        ]
    assert problems == []


def test_the_naming_scheme_test_catches_a_missing_queue_arn(tmp_path: Path) -> None:
    (tmp_path / "outputs.tf").write_text('output "dlq_url" {}\noutput "dlq_name" {}\n')
    pattern, attributes = GROUPS["queue"]
    found = {m["attr"] for name in outputs_of(tmp_path) if (m := pattern.match(name))}
    assert attributes - found == {"arn"}


ENVS = ROOT / "envs"
# Resource and data source types -> the provider endpoint their API calls go to.
ENDPOINT_OF_TYPE = [
    ("aws_api_gateway_", "apigateway"),
    ("aws_apigatewayv2_", "apigatewayv2"),
    ("aws_cloudwatch_event_", "events"),
    ("aws_cloudwatch_log_", "logs"),
    ("aws_cloudwatch_", "cloudwatch"),
    ("aws_cognito_", "cognitoidp"),
    ("aws_dynamodb_", "dynamodb"),
    ("aws_iam_", "iam"),
    ("aws_lambda_", "lambda"),
    ("aws_sfn_", "sfn"),
    ("aws_sns_", "sns"),
    ("aws_sqs_", "sqs"),
    ("aws_ssm_", "ssm"),
    ("aws_s3_", "s3"),
    ("aws_scheduler_", "scheduler"),
    ("aws_caller_identity", "sts"),
]
NO_ENDPOINT = {"aws_region", "aws_partition"}  # answered by the provider itself


def used_endpoints() -> set[str]:
    found = set()
    for path in (ROOT / "modules").rglob("*.tf"):
        if ".terraform" in path.parts:
            continue
        for kind in re.findall(r'^(?:resource|data) "(aws_[a-z0-9_]+)"', path.read_text(), re.M):
            if kind in NO_ENDPOINT:
                continue
            endpoint = next((name for prefix, name in ENDPOINT_OF_TYPE if kind.startswith(prefix)), None)
            assert endpoint, (
                f"{path.relative_to(ROOT)} uses {kind}: add its endpoint to ENDPOINT_OF_TYPE and envs/local"
            )
            found.add(endpoint)
    return found


def test_local_environment_sends_every_used_service_to_localstack() -> None:
    providers = (ENVS / "local" / "providers.tf").read_text()
    [listed] = re.findall(r"for service in \[([^\]]*)\] : service => var\.localstack_endpoint", providers)
    services = set(re.findall(r'"([a-z0-9]+)"', listed))
    block = providers.split("endpoints {", 1)[1].split("}", 1)[0]
    wired = dict(re.findall(r"^\s*([a-z0-9]+)\s*=\s*(\S+)\s*$", block, re.M))
    assert wired == {service: f"local.endpoints.{service}" for service in services}
    assert used_endpoints() <= services, f"not sent to LocalStack: {sorted(used_endpoints() - services)}"


def test_environments_share_one_root_and_differ_in_their_tfvars() -> None:
    """Issue #30: the roots are links to envs/common's files, not copies; local keeps its own provider (every
    service at LocalStack) and backend."""
    shared = {"versions.tf", "variables.tf", "main.tf", "outputs.tf"}
    for env in ("dev", "staging", "prod", "local"):
        own = {"providers.tf", "backend.tf"} if env == "local" else set()
        for name in sorted(shared | ({"providers.tf", "backend.tf"} - own)):
            path = ENVS / env / name
            assert path.is_symlink(), f"envs/{env}/{name} is a copy"
            assert path.resolve() == (ENVS / "common" / name).resolve(), f"envs/{env}/{name}"
    for env in ("dev", "staging", "prod"):
        example = (ENVS / env / "backend.hcl.example").read_text()
        assert f"/{env}/terraform.tfstate" in example, f"envs/{env} would share another environment's state key"


def test_roots_with_s3_native_locking_require_the_terraform_that_made_it_stable() -> None:
    """use_lockfile is experimental in Terraform 1.10 and generally available from 1.11."""
    roots = [p.parent for p in ENVS.glob("*/backend.tf") if "use_lockfile" in p.read_text()]
    assert {r.name for r in roots} >= {"dev", "staging", "prod", "bootstrap"}
    for root in roots:
        assert re.search(r'required_version\s*=\s*">= 1\.11"', (root / "versions.tf").read_text()), root.name


def test_make_help_lists_every_target() -> None:
    makefile = (ROOT / "Makefile").read_text()
    documented = {name for line in re.findall(r"^([a-z][a-z0-9 -]*):.*## ", makefile, re.M) for name in line.split()}
    listed = subprocess.run(["make", "-s", "help"], cwd=ROOT, text=True, capture_output=True, check=True).stdout
    shown = {name for line in listed.splitlines() for name in line.split("  ")[1].split() if line.startswith("  ")}
    targets = set(re.findall(r"^([a-z][a-z0-9-]*)(?=[ a-z0-9-]*:)", makefile, re.M))
    assert {"plan", "apply", "destroy", "bootstrap", "e2e", "deployer-policy", "gates"} <= documented
    assert targets - {"help"} <= shown, f"targets without a help line: {sorted(targets - shown)}"


def library_files(*suffixes: str) -> list[Path]:
    skipped = {".terraform", ".local", "fixtures", ".venv", "build", "node_modules"}
    return [
        path
        for top in ("modules", "envs", "scripts", "tests", "lambdas", "statemachines", "docs", "examples")
        for path in sorted((ROOT / top).rglob("*"))
        if path.suffix in suffixes and not skipped & set(path.relative_to(ROOT).parts)
    ]


def test_every_role_comes_from_iam_role() -> None:
    """One building block for roles: its own test asserts each trust policy's conditions and the exact
    statements; the trust gate checks every role's service against what that service sends."""
    outside = [
        path.relative_to(ROOT).as_posix()
        for path in library_files(".tf")
        if re.search(r'^resource "aws_iam_role(_policy)?" ', path.read_text(), re.M) and path.parent.name != "iam_role"
    ]
    assert outside == []


def test_every_queue_comes_from_sqs_queue_and_failures_go_to_a_dlq() -> None:
    """Issue #30: one building block for queues (its own test asserts encryption, TLS-only policies and
    redrive), and one word for the queue where failures go. A moved block's `from` keeps the address a
    deployment's state has; physical queue names (`-stream-failures`) are what AWS holds and stay."""
    outside = [
        path.relative_to(ROOT).as_posix()
        for path in library_files(".tf")
        if re.search(r'^resource "aws_sqs_queue" ', path.read_text(), re.M) and path.parent.name != "sqs_queue"
    ]
    assert outside == []
    old_names = re.compile(r"\b(async_failures|work_dlq|target_dlq|workflow_failures)\b|aws_sqs_queue\.failures\b")
    hcl_name = re.compile(r'(^|\s)failures\s*=|"failures"|\bfailures\[')
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}"
        for path in library_files(".tf", ".hcl", ".py", ".md", ".json")
        if path.name not in ("test_module_conventions.py", "test_state_moves.py")  # they name the old addresses
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if not line.strip().startswith("from ")
        and (old_names.search(line) or (path.suffix in (".tf", ".hcl") and hcl_name.search(line)))
    ]
    assert found == []
