"""One offline aws provider process for a run of many Terraform commands (validate and test of every folder).

`terraform test` starts ~4 provider processes per run block; the offline kit's provider is Python, ~0.2 s of
CPU to start, which was most of the tftest stage's CPU (modules/lambda_function: 57 processes, 11 of its 15
core-seconds). Started once with `--shared`, the provider serves every command through Terraform's
TF_REATTACH_PROVIDERS ("debugger-based debugging", Terraform's plugin documentation): Terraform then starts
no provider process and leaves this one running. `terraform init` must not see it (init installs the provider
package and records it in the lock file; scripts/terraform_init.py removes it from init's environment).

With the real provider (a machine that reaches the registry) nothing changes: it is a Go binary that starts
in milliseconds, and OFFLINE_AWS_PROVIDER is not set.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import tempfile
from collections.abc import Iterator

REATTACH = "TF_REATTACH_PROVIDERS"
START_TIMEOUT = 30.0  # seconds; it starts in ~0.3 s


@contextlib.contextmanager
def shared_aws_provider() -> Iterator[dict[str, str]]:
    """Within the block, the environment variables that point Terraform commands at one shared provider ({}
    where there is none to share). Given to each command, never set on this process: evaluations run on
    several threads, each with its own provider process."""
    launcher = os.environ.get("OFFLINE_AWS_PROVIDER")
    if not launcher or REATTACH in os.environ:
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="aws-provider-") as folder:  # private: mode 0700
        process = subprocess.Popen(
            [launcher, "--shared", os.path.join(folder, "provider.sock")],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
            line = process.stdout.readline() if ready else ""
            if not line.startswith("{"):
                # Nothing is lost but time: each command starts its own provider, as without sharing.
                print(
                    f"offline aws provider: `{launcher} --shared` did not start; each command starts its own",
                    file=sys.stderr,
                )
                yield {}
            else:
                yield {REATTACH: line.strip()}
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
