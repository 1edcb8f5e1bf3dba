"""Each environment as Terraform evaluates it, for tools that read names and documents, not endpoints.

The gates and the deployer policy read the same evaluation (`scripts/localrt/evaluate.py`, every reference
resolved to a realistic ARN); an evaluation costs a `terraform test` of about 9 s, so one process evaluates
each environment root once and shares the result.
"""

from __future__ import annotations

import contextlib
import io
from functools import cache
from pathlib import Path

from scripts.localrt.evaluate import Endpoints, Evaluation, evaluate
from scripts.localrt.runtime import lambda_packages

# Only names are derived from these; nothing is served.
NAMES_ONLY = Endpoints(aws="https://localhost.invalid", api="https://localhost.invalid")


@cache
def evaluated(root: Path, region: str | None = None) -> Evaluation:
    """The evaluation of an environment root (resolved path) in its declared region (or `region`), computed
    once per process."""
    with contextlib.redirect_stderr(io.StringIO()):  # the build's "unchanged <zip>" lines
        packages = lambda_packages(root)
    return evaluate(root, packages, NAMES_ONLY, region)
