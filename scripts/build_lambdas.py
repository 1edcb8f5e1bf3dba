#!/usr/bin/env python3
"""Builds one deterministic zip per Lambda function in lambdas/.

A folder of lambdas/ that has a `handler.py` is a function; any other package there (e.g. `common`)
is shared code, copied into the zip of every function that imports it (directly or through another
shared package). Each zip holds the function as a package of its own name plus its shared packages,
so the handler is `<function>.handler.handler`.

The same sources give the same bytes on any machine: entries are sorted, timestamps and permissions
fixed, and entries are stored rather than deflated, because deflate output differs between zlib builds
(zlib, zlib-ng) and the packages are small. boto3 is never packaged: the Lambda runtime provides it and
aws-lambda-powertools comes from its public layer (or, with --bundle-powertools, is copied in from this
interpreter's installed, pinned version, for LocalStack's free image).

Writes build/lambdas/<name>.zip and build/lambdas/manifest.json ({"functions": {name: {path, size,
source_code_hash}}}, where source_code_hash is base64(sha256(zip)), the value Terraform expects).
A zip whose bytes did not change is not rewritten.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import importlib.util
import io
import json
import os
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
HANDLER_FILE = "handler.py"
EXCLUDED_DIRS = {"__pycache__", "tests", "test"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}


@dataclass(frozen=True)
class Package:
    name: str
    path: Path
    files: tuple[Path, ...]
    top_level_module: bool = False  # a single-file module (typing_extensions.py) sits at the zip's root

    @property
    def is_function(self) -> bool:
        return (self.path / HANDLER_FILE).is_file()


def packaged_files(folder: Path) -> tuple[Path, ...]:
    """Every file of a package that belongs in a zip: no dotfiles, caches or tests."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in EXCLUDED_DIRS)
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith(".") or path.suffix in EXCLUDED_SUFFIXES:
                continue
            if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
                continue
            found.append(path)
    return tuple(sorted(found, key=lambda p: p.relative_to(folder).as_posix()))


def discover(source: Path) -> dict[str, Package]:
    packages = {}
    for folder in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if folder.name in EXCLUDED_DIRS:
            continue
        packages[folder.name] = Package(folder.name, folder, packaged_files(folder))
    return packages


def imported_top_level_names(package: Package) -> set[str]:
    names: set[str] = set()
    for path in package.files:
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def shared_dependencies(function: Package, packages: dict[str, Package]) -> list[Package]:
    """The shared packages a function imports, followed transitively."""
    shared = {name: p for name, p in packages.items() if not p.is_function}
    needed: dict[str, Package] = {}
    pending = [function]
    while pending:
        for name in sorted(imported_top_level_names(pending.pop()) & shared.keys()):
            if name not in needed:
                needed[name] = shared[name]
                pending.append(shared[name])
    return [needed[name] for name in sorted(needed)]


def zip_bytes(members: list[Package]) -> bytes:
    entries = sorted(
        (path.name if package.top_level_module else f"{package.name}/{path.relative_to(package.path).as_posix()}", path)
        for package in members
        for path in package.files
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for arcname, path in entries:
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE)
            info.external_attr = (0o100000 | FILE_MODE) << 16
            info.create_system = 3  # unix, so the mode above is honoured on every build host
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def write_if_changed(target: Path, content: bytes) -> bool:
    if target.exists() and target.read_bytes() == content:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as tmp:
        tmp.write(content)
    os.chmod(tmp.name, FILE_MODE)
    os.replace(tmp.name, target)
    return True


def source_code_hash(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")


# What --bundle-powertools adds to every zip: aws-lambda-powertools and the one dependency the Lambda Python
# runtime lacks (jmespath comes with the runtime's botocore). For runtimes that cannot attach the public layer,
# such as LocalStack's free image, which cannot fetch a layer of another account.
POWERTOOLS_BUNDLE = ("aws_lambda_powertools", "typing_extensions")


def installed(module: str) -> Package:
    """An installed module or package of this interpreter, as a Package to copy into a zip."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise SystemExit(f"build_lambdas: {module} is not installed in {sys.executable} (run make setup)")
    if spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations)))
        return Package(module, folder, packaged_files(folder))
    origin = Path(spec.origin)
    return Package(module, origin.parent, (origin,), top_level_module=True)


def build(source: Path, output: Path, bundle: tuple[str, ...] = ()) -> dict[str, Any]:
    packages = discover(source)
    functions = {name: p for name, p in packages.items() if p.is_function}
    bundled = [installed(module) for module in bundle]
    manifest: dict[str, Any] = {"functions": {}}
    for name, function in functions.items():
        content = zip_bytes([function, *shared_dependencies(function, packages), *bundled])
        target = output / f"{name}.zip"
        changed = write_if_changed(target, content)
        manifest["functions"][name] = {
            "path": target.relative_to(ROOT).as_posix() if target.is_relative_to(ROOT) else str(target),
            "size": len(content),
            "source_code_hash": source_code_hash(content),
            "handler": f"{name}.handler.handler",
        }
        print(f"{'built' if changed else 'unchanged'} {target} ({len(content)} bytes)", file=sys.stderr)
    for stale in sorted(set(output.glob("*.zip")) - {output / f"{n}.zip" for n in functions}):
        stale.unlink()
    write_if_changed(output / "manifest.json", (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "lambdas")
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "lambdas")
    parser.add_argument(
        "--bundle-powertools",
        action="store_true",
        help="copy aws-lambda-powertools into every zip (for LocalStack's free image, which cannot use the public layer)",
    )
    args = parser.parse_args(argv)
    bundle = POWERTOOLS_BUNDLE if args.bundle_powertools else ()
    manifest = build(args.source.resolve(), args.output.resolve(), bundle)
    shown = os.path.relpath(args.output.resolve())
    print(f"{len(manifest['functions'])} function package(s) in {shown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
