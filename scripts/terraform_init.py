"""`terraform init` only when something it depends on changed, and recovery when the provider package did.

Every Terraform root here (modules, envs, the local runtime's evaluation) is initialised through
`ensure_initialised`. It compares a fingerprint of what init depends on with a stamp written after the last
successful init:

- module sources and provider requirements of the folder and of every local module it may call;
- the provider mode and CLI config;
- the bytes of every provider package that the CLI config's filesystem mirror serves (the offline kit).

The last point is what lets two checkouts, or a checkout that ran an older kit, share one machine: a lock
file records the provider package's checksum, so when the package changed the stale lock file (git-ignored,
see README "Lock files") and the installed copy are removed and init runs again, instead of every later
command failing with "the cached package ... does not match any of the checksums recorded in the dependency
lock file".
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".terraform", "tests", "templates"}
INIT_INPUTS = re.compile(r"^\s*(source|version|required_version)\s*=.*$", re.MULTILINE)
MIRROR_PATH = re.compile(r'filesystem_mirror\s*\{[^}]*?path\s*=\s*"([^"]+)"', re.DOTALL)
STAMP = Path(".terraform") / "check-init.stamp"
LOCK_FILE = ".terraform.lock.hcl"


def terraform_env() -> dict[str, str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    config = env.get("TF_CLI_CONFIG_FILE")
    if config and not Path(config).exists():
        env.pop("TF_CLI_CONFIG_FILE")  # a machine-wide setting naming a missing file only adds warnings
    return env


def provider_packages_digest(cli_config: str | None = None) -> str:
    """sha256 over every file of the filesystem mirrors named by the CLI config ('' without a mirror)."""
    config = Path(cli_config or os.environ.get("TF_CLI_CONFIG_FILE", ""))
    if not config.is_file():
        return ""
    digest = hashlib.sha256()
    for mirror in MIRROR_PATH.findall(config.read_text()):
        for path in sorted(p for p in Path(mirror).rglob("*") if p.is_file()):
            digest.update(path.relative_to(mirror).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def init_fingerprint(folder: Path) -> str:
    """What `terraform init` depends on for `folder` (see the module docstring)."""
    lines = [
        os.environ.get("TF_PROVIDER_MODE", ""),
        os.environ.get("TF_CLI_CONFIG_FILE", ""),
        f"provider-packages {provider_packages_digest()}",
    ]
    local_modules = [
        p for p in (ROOT / "modules").rglob("*.tf") if not SKIPPED_DIRS.intersection(p.relative_to(ROOT).parts)
    ]
    for path in sorted({*folder.glob("*.tf"), *folder.glob("tests/*.tftest.hcl"), *local_modules}):
        lines.append(path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix())
        lines.extend(m.group(0).strip() for m in INIT_INPUTS.finditer(path.read_text()))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def ensure_initialised(folder: Path) -> subprocess.CompletedProcess[str] | None:
    """Initialises `folder` unless nothing init depends on changed since its last successful init.

    Returns None when nothing had to be done, else the init's result (check its returncode)."""
    stamp = folder / STAMP
    fingerprint = init_fingerprint(folder)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return None
    # The lock file and installed copy may name a provider package that no longer exists in these bytes.
    (folder / LOCK_FILE).unlink(missing_ok=True)
    shutil.rmtree(folder / ".terraform" / "providers", ignore_errors=True)
    stamp.unlink(missing_ok=True)
    env = terraform_env()
    env.pop("TF_REATTACH_PROVIDERS", None)  # init installs the package the lock file records; a shared one skips it
    result = subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=folder,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode == 0:
        stamp.parent.mkdir(exist_ok=True)  # a folder without providers or modules gets no .terraform/
        stamp.write_text(fingerprint)
    return result
