"""Runs the catalogue gates over every environment as Terraform evaluates it, and over statemachines/.

    python -m scripts.gates [envs/dev ...]

For each environment root (default: every folder of envs/ with a main.tf) the local runtime's evaluation
(`terraform test` with the shared mocks, every reference resolved to a realistic ARN) yields every policy
document and state machine the environment would create. Checked:

- every identity, trust and resource policy against AWS's Service Authorization Reference (iam_catalogue);
- every trust policy's conditions against the keys its service documents sending (trust_conditions);
- every state machine definition, the files in statemachines/ and each rendered one, against AWS's ASL
  schema and its own transitions (asl_schema);
- every Task of every state machine against its role's policies (task_permissions);
- every resource the provider tags can be tagged by the environment's deployer policy (deployer_tags).

Prints each finding on one line and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scripts.gates import deployer_tags
from scripts.gates.asl_schema import check_definition
from scripts.gates.finding import Finding
from scripts.gates.iam_catalogue import check_policy
from scripts.gates.task_permissions import uncovered_calls
from scripts.gates.trust_conditions import check_trust_policy
from scripts.tfeval import Evaluation, environment_roots, evaluated

ROOT = Path(__file__).resolve().parents[2]
POLICY_ATTRIBUTES = ("policy", "assume_role_policy", "policy_document")


def policy_documents(evaluation: Evaluation) -> list[tuple[str, dict[str, Any]]]:
    """(address.attribute, document) for every policy the environment sets. Attributes the mock provider
    filled with random text (an unset Optional+Computed `policy`) are not JSON and are passed over."""
    documents = []
    for resource in evaluation.resources:
        for attribute in POLICY_ATTRIBUTES:
            text = resource.values.get(attribute)
            if not isinstance(text, str) or not text.lstrip().startswith("{"):
                continue
            document = json.loads(text)
            if isinstance(document, dict) and "Statement" in document:
                documents.append((f"{resource.address}.{attribute}", document))
    return documents


def role_policies(evaluation: Evaluation) -> dict[str, list[dict[str, Any]]]:
    """Role ARN -> the identity policies attached inline to it (aws_iam_role_policy.role is the role's name)."""
    arn_by_name = {r.values["name"]: r.values["arn"] for r in evaluation.of_type("aws_iam_role")}
    policies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource in evaluation.of_type("aws_iam_role_policy"):
        role = arn_by_name.get(resource.values["role"], resource.values["role"])
        policies[role].append(json.loads(resource.values["policy"]))
    return policies


def environment_findings(evaluation: Evaluation) -> tuple[list[Finding], dict[str, str]]:
    """Findings of the policies and task permissions; and the rendered definitions (text -> address)."""
    findings: list[Finding] = []
    for where, document in policy_documents(evaluation):
        findings.extend(check_policy(document, where))
        if where.endswith(".assume_role_policy"):
            findings.extend(check_trust_policy(document, where))
    policies = role_policies(evaluation)
    definitions: dict[str, str] = {}
    for machine in evaluation.of_type("aws_sfn_state_machine"):
        text = machine.values["definition"]
        definitions.setdefault(text, f"{machine.address}.definition")
        findings.extend(
            uncovered_calls(
                json.loads(text),
                policies.get(machine.values["role_arn"], []),
                f"{machine.address} (role {machine.values['role_arn']})",
                evaluation.region,
                evaluation.account,
            )
        )
    return findings, definitions


def run(environment_roots: list[Path]) -> list[Finding]:
    # Two cores: two evaluations at a time (each runs terraform and its provider plugin).
    with ThreadPoolExecutor(max_workers=2) as pool:
        evaluations = list(pool.map(evaluated, [root.resolve() for root in environment_roots]))
    findings: list[Finding] = []
    # statemachines/*.asl.json: plain definitions are checked as they are, templates (crud.asl.json has
    # ${...} placeholders) in the form every environment renders them.
    definitions = {}
    for path in sorted((ROOT / "statemachines").glob("*.json")):
        with contextlib.suppress(ValueError):
            definitions[json.dumps(json.loads(path.read_text()))] = path.relative_to(ROOT).as_posix()
    for root, evaluation in zip(environment_roots, evaluations, strict=True):
        env_findings, rendered = environment_findings(evaluation)
        env_findings += deployer_tags.check(evaluation, root.name, "deployer policy")
        findings.extend(Finding(f"{root.relative_to(ROOT)}: {f.where}", f.part, f.reason) for f in env_findings)
        for text, where in rendered.items():
            definitions.setdefault(json.dumps(json.loads(text)), f"{root.relative_to(ROOT)}: {where}")
    for text, where in definitions.items():
        findings.extend(check_definition(json.loads(text), where))
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("roots", nargs="*", type=Path, help="environment roots (default: every envs/<name>)")
    args = parser.parse_args(argv)
    roots = [r.resolve() for r in args.roots] or environment_roots()
    findings = run(roots)
    for finding in findings:
        print(finding)
    print(f"gates: {len(roots)} environment(s), {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
