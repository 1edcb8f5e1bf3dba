#!/usr/bin/env python3
"""Runs the project's checks in order, failing fast, with a one-line summary per stage.

Stages: build, lint (ruff check + ruff format --check + the dependency contract, scripts/dependencies.py), fmt (terraform fmt -check -recursive),
types (mypy --strict) and checkov side by side, validate (terraform init + validate of every folder under modules/
and envs/ with .tf files), tftest (terraform test of every such folder with a tests/ directory),
pytest (with branch coverage floors; the IAM and ASL catalogue gates over every environment run there).

Run it through `make test` (which sources scripts/tf-env.sh first), or name stages:
`python -m scripts.check validate tftest`. Extra pytest arguments follow `--`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from scripts import dependencies
from scripts.shared_provider import shared_aws_provider
from scripts.terraform_init import SKIPPED_DIRS, ensure_initialised
from scripts.tfeval import SHARED_ROOT_FILES

ROOT = Path(__file__).resolve().parent.parent
TERRAFORM_ROOTS = ("modules", "envs")
STAGE_TIMES = ROOT / "build" / "test-stages.json"
CORES = os.cpu_count() or 2
# One terraform process (with its provider plugin) per core keeps every core busy.
TF_JOBS = int(os.environ.get("TF_JOBS", str(CORES)))
# Two pytest workers per core: the end-to-end tests spend much of their time waiting on the local runtime's
# processes, which another worker's tests fill. On 2 cores a warm suite took 333 s with 2 workers and 265 s with
# 4; on a clean checkout, where evaluating the environments keeps every core busy, both took 340-370 s.
PYTEST_WORKERS = int(os.environ.get("PYTEST_WORKERS", str(2 * CORES)))


@dataclass
class Outcome:
    ok: bool
    summary: str
    details: str = ""


def run(cmd: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`cmd`, its output captured; `env` adds to this process's environment."""
    environment = {**os.environ, **env} if env else None
    return subprocess.run(cmd, cwd=cwd, env=environment, text=True, capture_output=True, check=False)


def python_tool(name: str) -> str:
    """A console script from the same environment as this interpreter (the project's .venv)."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def terraform_folders(roots: Iterable[str] | None = None) -> list[Path]:
    """Every folder under modules/ and envs/ holding .tf files (submodules included, tests excluded)."""
    folders = set()
    for root in existing_roots() if roots is None else roots:
        for tf in (ROOT / root).rglob("*.tf"):
            relative = tf.relative_to(ROOT).parts
            if not SKIPPED_DIRS.intersection(relative):
                folders.add(tf.parent)
    return sorted(folders)


def per_folder(folders: list[Path], action: Callable[[Path], subprocess.CompletedProcess[str]], what: str) -> Outcome:
    def one(folder: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
        init = ensure_initialised(folder)
        if init is not None and init.returncode != 0:
            return folder, init
        return folder, action(folder)

    with ThreadPoolExecutor(max_workers=max(1, TF_JOBS)) as pool:
        results = list(pool.map(one, folders))
    failed = [(f, r) for f, r in results if r.returncode != 0]
    details = "\n".join(f"--- {f.relative_to(ROOT)}\n{r.stdout}{r.stderr}" for f, r in failed)
    extra = ""
    if what == "tests":
        passed = sum(int(n) for _, r in results for n in re.findall(r"(\d+) passed", r.stdout))
        extra = f", {passed} run blocks passed"
    names = ", ".join(str(f.relative_to(ROOT)) for f, _ in failed)
    summary = f"{len(folders) - len(failed)}/{len(folders)} folders{extra}" + (f"; failed: {names}" if failed else "")
    return Outcome(not failed, summary, details)


def stage_build(_: argparse.Namespace) -> Outcome:
    result = run([sys.executable, "scripts/build_lambdas.py"])
    last = (result.stderr.strip().splitlines() or ["no output"])[-1]
    return Outcome(result.returncode == 0, last, result.stdout + result.stderr)


def stage_lint(_: argparse.Namespace) -> Outcome:
    ruff = python_tool("ruff")
    check = run([ruff, "check", "."])
    fmt = run([ruff, "format", "--check", "."])
    contract = dependencies.violations()  # the library and its tooling never depend on the local platform
    ok = check.returncode == 0 and fmt.returncode == 0 and not contract
    summary = "ruff check, ruff format --check and the dependency contract clean" if ok else "lint found problems"
    return Outcome(ok, summary, check.stdout + check.stderr + fmt.stdout + fmt.stderr + "\n".join(contract))


def existing_roots() -> list[str]:
    return [root for root in TERRAFORM_ROOTS if (ROOT / root).is_dir()]


def stage_fmt(_: argparse.Namespace) -> Outcome:
    roots = existing_roots()
    if not roots:
        return Outcome(True, "no Terraform folders")
    result = run(["terraform", "fmt", "-check", "-recursive", "-no-color", *roots])
    files = [line for line in result.stdout.splitlines() if line.strip()]
    summary = "terraform fmt clean" if result.returncode == 0 else f"{len(files)} file(s) need terraform fmt"
    return Outcome(result.returncode == 0, summary, result.stdout + result.stderr)


def stage_validate(_: argparse.Namespace) -> Outcome:
    with shared_aws_provider() as shared:
        validate = ["terraform", "validate", "-no-color"]
        return per_folder(terraform_folders(), lambda f: run(validate, cwd=f, env=shared), "validate")


def stage_tftest(_: argparse.Namespace) -> Outcome:
    # envs/common's tests run in each environment root that links them (it has no terraform.tfvars of its own).
    folders = [f for f in terraform_folders() if (f / "tests").is_dir() and f != ROOT / "envs" / SHARED_ROOT_FILES]
    with shared_aws_provider() as shared:
        return per_folder(
            longest_first(folders), lambda f: run(["terraform", "test", "-no-color"], cwd=f, env=shared), "tests"
        )


def longest_first(folders: list[Path]) -> list[Path]:
    """The folders whose tests take longest first, so that no core is left with a long one at the end: those
    applying the whole stack (each run block several seconds), then by their number of run blocks."""

    def weight(folder: Path) -> tuple[bool, int]:
        runs = sum(len(re.findall(r"^run ", f.read_text(), re.M)) for f in (folder / "tests").glob("*.tftest.hcl"))
        main = folder / "main.tf"
        whole_stack = folder == ROOT / "modules" / "stack" or (main.exists() and "modules/stack" in main.read_text())
        return whole_stack, runs

    return sorted(folders, key=weight, reverse=True)


def stage_types(_: argparse.Namespace) -> Outcome:
    return types_outcome([])


def types_outcome(paths: list[str]) -> Outcome:
    """mypy with pyproject.toml's settings (strict; lambdas/ and scripts/ when no paths are given)."""
    result = run([python_tool("mypy"), *paths])
    last = (result.stdout.strip().splitlines() or ["no output"])[-1]
    return Outcome(result.returncode == 0, f"mypy --strict: {last}", result.stdout + result.stderr)


def stage_checkov(_: argparse.Namespace) -> Outcome:
    return checkov_outcome(["modules", "envs"])


def checkov_outcome(folders: list[str]) -> Outcome:
    """checkov over the folders, from its own environment (.venv-checkov, see scripts/setup.sh).

    Accepted exceptions are inline `#checkov:skip=<id>:<reason>` comments on the resources. Test files
    (*.tftest.hcl, *.tfmock.hcl) are not Terraform configuration: checkov cannot parse the test syntax."""
    checkov = ROOT / ".venv-checkov" / "bin" / "checkov"
    skips = ["--skip-path", "tftest.hcl", "--skip-path", "tfmock.hcl"]
    cmd = [str(checkov), *(arg for folder in folders for arg in ("-d", folder)), "--framework", "terraform", *skips]
    result = subprocess.run(
        [*cmd, "--quiet", "-o", "json"],
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},  # no guideline download (offline)
    )
    summary = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0}
    reports, text, decoder, failures = 0, result.stdout.strip(), json.JSONDecoder(), []
    while text:  # one JSON report per -d folder
        report, end = decoder.raw_decode(text)
        text = text[end:].strip()
        reports += 1
        for key in summary:
            summary[key] += report["summary"][key]
        failures += [
            f"{c['check_id']} {c['resource']} ({c['repo_file_path']}:{'-'.join(map(str, c['file_line_range']))}): "
            f"{c['check_name']}"
            for c in report.get("results", {}).get("failed_checks", [])
        ] + [f"cannot parse {path}" for path in report.get("results", {}).get("parsing_errors", [])]
    if reports == 0:
        return Outcome(False, f"checkov printed no report (exit {result.returncode})", result.stderr)
    ok = summary["failed"] == 0 and summary["parsing_errors"] == 0
    text = (
        f"{summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped with a reason, "
        f"{summary['parsing_errors']} parsing errors"
    )
    return Outcome(ok, text, "" if ok else "\n".join(failures) or result.stderr)


# Branch coverage floors per tree, counting the local runtime's worker subprocesses (pyproject.toml).
COVERAGE_FLOORS = {"lambdas": 95, "scripts": 85}


def coverage_sources() -> list[str]:
    """What coverage measures: the trees with a floor, and each Lambda package by name as well. The local runtime's
    workers import a function's packages from its task root (the zip extracted, as Lambda does into /var/task), a
    folder outside lambdas/ that pyproject.toml's [tool.coverage.paths] maps back to it."""
    packages = sorted(p.name for p in (ROOT / "lambdas").iterdir() if (p / "__init__.py").is_file())
    return [*COVERAGE_FLOORS, *packages]


def stage_pytest(args: argparse.Namespace) -> Outcome:
    coverage = [] if args.pytest_args else ["--cov-report=", *(f"--cov={source}" for source in coverage_sources())]
    # The whole suite on every core (pytest-xdist), a test file per worker at a time. What workers could share
    # is kept apart: each process evaluates environments in a folder of its own (tfeval/evaluation.py), and the
    # tests that run the local runtime give it a log folder of their own.
    # In collection order (tests/conftest.py collects the long files first), not xdist's default of the files
    # with the most tests first, which handed out a 65 s file at 137 s of 200.
    workers = [] if args.pytest_args else ["-n", str(PYTEST_WORKERS), "--dist", "loadfile", "--no-loadscope-reorder"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *workers, *coverage, *args.pytest_args], cwd=ROOT, check=False
    )
    # pytest prints its own output (and closing line) live; exit 5 means it collected nothing.
    if result.returncode != 0:
        return Outcome(False, f"pytest exited {result.returncode}")
    if not coverage:
        return Outcome(True, "pytest passed (a selection: coverage floors not checked)")
    shown, details, ok = [], "", True
    for tree, floor in COVERAGE_FLOORS.items():
        report = run(
            [python_tool("coverage"), "report", f"--include={tree}/*", f"--fail-under={floor}", "--format=total"]
        )
        percent = report.stdout.strip().splitlines()[0] if report.stdout.strip() else "?"
        shown.append(f"{tree}/ {percent}% (floor {floor}%)")
        if report.returncode != 0:
            ok = False
            details += run([python_tool("coverage"), "report", f"--include={tree}/*", "--skip-covered"]).stdout
    return Outcome(ok, "pytest passed; branch coverage " + ", ".join(shown), details)


STAGES: dict[str, Callable[[argparse.Namespace], Outcome]] = {
    "build": stage_build,
    "lint": stage_lint,
    "fmt": stage_fmt,
    "types": stage_types,
    "checkov": stage_checkov,
    "validate": stage_validate,
    "tftest": stage_tftest,
    "pytest": stage_pytest,
}
# Stages that keep one core busy (mypy, checkov: ~11 s each): named one after the other, they run side by side,
# one per core, and are reported in order. The others use every core already, or print as they go (pytest).
ONE_CORE = frozenset({"types", "checkov"})


def batches(stages: list[str]) -> list[list[str]]:
    """The stages in order, consecutive one-core stages grouped (at most one per core)."""
    grouped: list[list[str]] = []
    for name in stages:
        if grouped and name in ONE_CORE and set(grouped[-1]) <= ONE_CORE and len(grouped[-1]) < CORES:
            grouped[-1].append(name)
        else:
            grouped.append([name])
    return grouped


def run_batch(names: list[str], args: argparse.Namespace) -> list[tuple[str, Outcome, float]]:
    """Each stage's outcome and seconds, in the order named."""

    def timed(name: str) -> tuple[str, Outcome, float]:
        started = time.monotonic()
        outcome = STAGES[name](args)
        return name, outcome, time.monotonic() - started

    if len(names) == 1:
        return [timed(names[0])]
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        return list(pool.map(timed, names))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pytest_args: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, pytest_args = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stages", nargs="*", metavar="stage", help=f"any of: {', '.join(STAGES)} (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.stages) - STAGES.keys())
    if unknown:
        parser.error(f"unknown stage(s): {', '.join(unknown)}")
    args.pytest_args = pytest_args
    stages = args.stages or list(STAGES)
    total = time.monotonic()
    seconds: dict[str, float] = {}
    for batch in batches(stages):
        for name, outcome, took in run_batch(batch, args):
            seconds[name] = round(took, 1)
            mark = "ok  " if outcome.ok else "FAIL"
            print(f"[{mark}] {name:<8} {outcome.summary} ({took:.1f}s)", flush=True)
            if not outcome.ok:
                if outcome.details:
                    print(outcome.details.rstrip(), flush=True)
                return 1
    print(f"all {len(stages)} stages passed in {time.monotonic() - total:.1f}s", flush=True)
    if not args.stages:  # a whole `make test`: its stage times are a `make bench` figure
        STAGE_TIMES.parent.mkdir(exist_ok=True)
        STAGE_TIMES.write_text(json.dumps({**seconds, "total": round(time.monotonic() - total, 1)}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
