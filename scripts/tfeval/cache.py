"""Each environment as Terraform evaluates it, once per process, for tools that read names and documents, not
endpoints (the gates, the deployer policy): every reference resolved to a realistic ARN. An evaluation costs
two `terraform test` runs, a plan and an apply; evaluation.py keeps its result on disk too, keyed by its inputs."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from scripts import build_lambdas
from scripts.tfeval.evaluation import ROOT, Endpoints, Evaluation, evaluate

# Only names are derived from these; nothing is served.
NAMES_ONLY = Endpoints(aws="https://localhost.invalid", api="https://localhost.invalid")


def lambda_packages(environment_root: Path, quiet: bool = False) -> dict[str, dict[str, str]]:
    """Builds the zips and returns them as the environments' lambda_packages variable."""
    output = ROOT / "build" / "lambdas"
    manifest = build_lambdas.build(ROOT / "lambdas", output, quiet=quiet)
    return {
        name: {
            "path": os.path.relpath(output / meta["path"], environment_root),  # manifest paths are relative to it
            "source_code_hash": meta["source_code_hash"],
        }
        for name, meta in manifest["functions"].items()
    }


@cache
def evaluated(root: Path, region: str | None = None) -> Evaluation:
    """The evaluation of an environment root (resolved path) in its declared region (or `region`), computed
    once per process."""
    # Quiet: no line per rebuilt zip. (Redirecting sys.stderr instead is process-wide, and evaluations run
    # on several threads: two redirects ending out of order left stderr pointing at a discarded buffer.)
    return evaluate(root, lambda_packages(root, quiet=True), NAMES_ONLY, region)
