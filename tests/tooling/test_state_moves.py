"""Refactors keep state: every resource a deployment made before them is still in each environment's plan,
at its own address or at the one a `moved` block gives it, so upgrading destroys nothing.

`fixtures/state_addresses/<env>.json` holds the managed resources' addresses of each environment as Terraform
evaluated it before the queues moved into modules/sqs_queue (what a deployed state holds); the moved blocks are
read from the modules' own files and applied as Terraform applies them: relative to each instance of the
module that declares them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scripts.tfeval import evaluated

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "state_addresses"
MOVED = re.compile(r"^moved\s*\{\s*from\s*=\s*(?P<source>\S+)\s*to\s*=\s*(?P<target>\S+)\s*\}", re.M)
MODULE_CALL = re.compile(
    r'^module\s+"(?P<name>[a-z0-9_]+)"\s*\{[^}]*?source\s*=\s*"(?:\.\./)+(?:modules/)?(?P<source>[a-z0-9_]+)"',
    re.M | re.S,
)
KEY = re.compile(r"\[[^\]]*\]")


def module_sources() -> dict[str, str]:
    """Module call name => the library module it calls (the names are unique across the library)."""
    calls: dict[str, str] = {}
    for path in [*(ROOT / "modules").rglob("*.tf"), *(ROOT / "envs").glob("*/main.tf")]:
        if ".terraform" not in path.parts:
            calls.update((m["name"], m["source"]) for m in MODULE_CALL.finditer(path.read_text()))
    return calls


def moves() -> dict[str, list[tuple[str, str]]]:
    """Library module => its moved blocks (from, to), relative to the module."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in (ROOT / "modules").glob("*/*.tf"):
        for match in MOVED.finditer(path.read_text()):
            found.setdefault(path.parent.name, []).append((match["source"], match["target"]))
    return found


def after_moves(address: str, calls: dict[str, str], moved: dict[str, list[tuple[str, str]]]) -> str:
    """The address `address` has once every moved block of the modules on its path has been applied."""
    for _ in range(10):  # a chain of moves ends within a few steps
        changed = False
        for cut in [m.end() for m in re.finditer(r"module\.[a-z0-9_]+(\[[^\]]*\])?\.", address)]:
            prefix, rest = address[:cut], address[cut:]
            call = KEY.sub("", prefix.rstrip(".").rsplit("module.", 1)[1])
            for source, target in moved.get(calls.get(call, ""), []):
                # A whole resource moves with its instances; `a` to `b[0]` moves only the unkeyed instance.
                whole = "[" not in source and "[" not in target
                if rest == source or (whole and rest.startswith(source + "[")):
                    address, changed = prefix + target + rest[len(source) :], True
                    break
            if changed:
                break
        if not changed:
            return address
    raise AssertionError(f"moved blocks loop for {address}")


def test_moves_are_applied_relative_to_the_module_that_declares_them() -> None:
    calls = {"stack": "stack", "pipeline": "pipeline", "bus": "event_bus", "function": "lambda_function"}
    moved = {
        "pipeline": [("aws_sqs_queue.work_dlq", 'module.queues.aws_sqs_queue.dlq["work"]')],
        "event_bus": [("aws_sqs_queue.target_dlq", "module.rule_dlqs.aws_sqs_queue.this")],
        "lambda_function": [("aws_sqs_queue.failures[0]", 'module.dlqs.aws_sqs_queue.this["stream"]')],
    }
    assert after_moves("module.stack.module.pipeline.aws_sqs_queue.work_dlq", calls, moved) == (
        'module.stack.module.pipeline.module.queues.aws_sqs_queue.dlq["work"]'
    )
    assert after_moves('module.stack.module.bus.aws_sqs_queue.target_dlq["audit"]', calls, moved) == (
        'module.stack.module.bus.module.rule_dlqs.aws_sqs_queue.this["audit"]'
    )
    assert after_moves("module.stack.module.fanout.module.function.aws_sqs_queue.failures[0]", calls, moved) == (
        'module.stack.module.fanout.module.function.module.dlqs.aws_sqs_queue.this["stream"]'
    )
    # A block of another module does not apply: the stack has no aws_sqs_queue.work_dlq of its own.
    assert after_moves("module.stack.aws_sqs_queue.work_dlq", calls, moved) == "module.stack.aws_sqs_queue.work_dlq"


@pytest.mark.parametrize("env", sorted(path.stem for path in FIXTURES.glob("*.json")))
def test_an_environments_plan_after_the_refactors_destroys_nothing(env: str) -> None:
    before = json.loads((FIXTURES / f"{env}.json").read_text())
    now = {r.address for r in evaluated((ROOT / "envs" / env).resolve()).resources if ".data." not in r.address}
    calls, moved = module_sources(), moves()
    destroyed = [address for address in before if after_moves(address, calls, moved) not in now]
    assert destroyed == [], f"envs/{env}: a plan would destroy these (no moved block maps them)"
