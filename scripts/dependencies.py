"""The direction of dependencies, checked (make lint): the library and its tooling never depend on the local
platform.

- `lambdas/` imports nothing from `scripts/` (a function's zip holds `lambdas/` only);
- the gates, Terraform evaluation (`tfeval`) and the delivery tooling never import the local runtime
  (`scripts.localrt`), directly or through another module of this repository: only the runtime itself,
  `make local`, the bench and the tests may;
- the functions' unit tests (`tests/unit/`) import nothing of the local runtime either, nor does the
  `tests/conftest.py` pytest loads for every test: they run a handler with what Lambda gives it
  (`scripts.lambda_events`), not with the platform that emulates AWS.

    python -m scripts.dependencies      # one line per import that breaks a rule; exit 1 if any
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_RUNTIME = "scripts.localrt"
# Modules that must stay apart from the local runtime (patterns of dotted names).
TOOLING = (
    "scripts.gates",
    "scripts.tfeval",
    "scripts.deployer_policy",
    "scripts.deploy",
    "scripts.build_lambdas",
    "scripts.module_docs",
    "scripts.users",
    "scripts.check",
    "scripts.terraform_init",
    "scripts.e2e",
    "scripts.dependencies",
    "scripts.lambda_events",
    "scripts.ops",
)


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, name: str) -> Iterator[str]:
    """Every module a file imports, as dotted names (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph(root: Path) -> dict[str, tuple[Path, set[str]]]:
    """Module -> (its file, the repository modules it imports)."""
    files = {module_name(root, p): p for p in (root / "scripts").rglob("*.py")}
    edges = {}
    for name, path in files.items():
        edges[name] = (path, {m for m in imported(path, name) if m in files})
    return edges


def violations(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / "lambdas").rglob("*.py")):
        for name in imported(path, module_name(root / "lambdas", path)):
            if name == "scripts" or name.startswith("scripts."):
                found.append(f"{path.relative_to(root)}: imports {name} (lambdas/ imports nothing from scripts/)")
    shared_conftest = [root / "tests" / "conftest.py"] if (root / "tests" / "conftest.py").exists() else []
    for path in [*shared_conftest, *sorted((root / "tests" / "unit").rglob("*.py"))]:
        for name in imported(path, module_name(root, path)):
            if name == LOCAL_RUNTIME or name.startswith(LOCAL_RUNTIME + "."):
                found.append(f"{path.relative_to(root)}: imports {name} (unit tests need nothing of the local runtime)")
    edges = graph(root)
    for start in sorted(n for n in edges if n.startswith(TOOLING)):
        seen, trail = {start}, {start: [start]}
        queue = [start]
        while queue:
            current = queue.pop(0)
            for target in sorted(edges[current][1]):
                if target in seen:
                    continue
                seen.add(target)
                trail[target] = [*trail[current], target]
                if target == LOCAL_RUNTIME or target.startswith(LOCAL_RUNTIME + "."):
                    chain = " -> ".join(trail[target])
                    found.append(f"{edges[start][0].relative_to(root)}: reaches the local runtime ({chain})")
                    queue.clear()
                    break
                queue.append(target)
    return found


def main() -> int:
    found = violations()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
