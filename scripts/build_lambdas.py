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
interpreter's installed, pinned version, for LocalStack's free image). Other third-party packages are pinned
with wheel hashes in lambdas/requirements.txt: a function that imports one gets it from the python3.13 wheels
for arm64 and x86_64 (downloaded once into build/wheels, checked against the hashes), both at once, as
extension modules carry their platform in their file names; the zip runs on either architecture.

Writes build/lambdas/<name>.zip and build/lambdas/manifest.json ({"functions": {name: {path, size,
source_code_hash, handler}}}, where path is relative to the manifest's folder and source_code_hash is
base64(sha256(zip)), the value Terraform expects). `--output DIR` writes them elsewhere, e.g. into a
consumer's repository (README, "Reusing a module").
A zip whose bytes did not change is not rewritten.
"""

from __future__ import annotations

import argparse
import ast
import base64
import functools
import hashlib
import importlib.util
import io
import json
import os
import re
import subprocess
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
        if path.suffix == ".py":
            stat = path.stat()
            names |= _imports_of(path, stat.st_mtime_ns, stat.st_size)
    return names


@functools.cache  # a shared package is read for every function that uses it, and every build of a process
def _imports_of(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    """The top-level modules a file imports (absolute imports only), for that version of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return frozenset(names)


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
    entries: dict[str, Path] = {}
    for package in members:
        for path in package.files:
            arcname = (
                path.name if package.top_level_module else f"{package.name}/{path.relative_to(package.path).as_posix()}"
            )
            if arcname in entries and entries[arcname].read_bytes() != path.read_bytes():
                raise SystemExit(f"build_lambdas: {arcname} differs between {entries[arcname]} and {path}")
            entries[arcname] = path  # the same file from each platform's wheel (e.g. __init__.py) is kept once
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for arcname, path in sorted(entries.items()):
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


# What --bundle-powertools adds to every zip: aws-lambda-powertools and what its layer adds that the Lambda
# Python runtime lacks: typing_extensions, and aws-xray-sdk with wrapt for the Tracer (jmespath comes with the
# runtime's botocore; wrapt falls back to pure Python where its extension is for another platform). For runtimes that cannot attach the public layer,
# such as LocalStack's free image, which cannot fetch a layer of another account.
POWERTOOLS_BUNDLE = ("aws_lambda_powertools", "typing_extensions", "aws_xray_sdk", "wrapt")


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


# The platforms of the Lambda runtime the modules deploy (python3.13 on arm64 or x86_64), as pip names them.
WHEEL_PLATFORMS = ("manylinux2014_aarch64", "manylinux2014_x86_64")
WHEEL_PYTHON = "3.13"
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)$")


@dataclass(frozen=True)
class Requirement:
    name: str
    version: str
    hashes: frozenset[str]


def requirements(path: Path) -> list[Requirement]:
    """The pinned requirements of a pip requirements file whose every line has `--hash` options."""
    found = []
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8")) if path.is_file() else ""
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        pin = REQUIREMENT.match(words[0])
        hashes = frozenset(word.removeprefix("--hash=sha256:") for word in words[1:] if word.startswith("--hash="))
        if not pin or not hashes:
            raise SystemExit(f"build_lambdas: {path}: every line must be name==version with --hash options: {line!r}")
        found.append(Requirement(pin.group(1), pin.group(2), hashes))
    return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cached_wheels(cache: Path, stem: str, requirement: Requirement, arch: str) -> list[Path]:
    """The platform's wheels, or a pure-Python one (`py3-none-any`, the same on every platform), in the cache."""
    return [
        w
        for w in cache.glob(f"{stem}-{requirement.version}-*.whl")
        if (arch in w.name or w.name.endswith("-none-any.whl")) and _sha256(w) in requirement.hashes
    ]


def fetch_wheels(requirement: Requirement, cache: Path) -> list[Path]:
    """One checked wheel per Lambda platform, from the cache or downloaded with pip (hash-checked)."""
    stem = re.sub(r"[-_.]+", "_", requirement.name).lower()
    wheels = []
    for platform in WHEEL_PLATFORMS:
        arch = platform.split("_", 1)[1]
        cached = _cached_wheels(cache, stem, requirement, arch)
        if not cached:
            pinned = cache / f".{stem}.txt"
            cache.mkdir(parents=True, exist_ok=True)
            pinned.write_text(
                f"{requirement.name}=={requirement.version} "
                + " ".join(f"--hash=sha256:{digest}" for digest in sorted(requirement.hashes))
                + "\n"
            )
            command = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--platform",
                platform,
                "--python-version",
                WHEEL_PYTHON,
                "--implementation",
                "cp",
                "--require-hashes",
                "-r",
                str(pinned),
                "-d",
                str(cache),
            ]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            cached = _cached_wheels(cache, stem, requirement, arch)
            if result.returncode or not cached:
                raise SystemExit(
                    f"build_lambdas: no {platform} wheel of {requirement.name}=={requirement.version} "
                    f"matching lambdas/requirements.txt's hashes (pip: {result.stderr.strip()[-500:]})"
                )
        wheels.append(min(cached))
    return wheels


def wheel_packages(wheel: Path, cache: Path) -> list[Package]:
    """A wheel's top-level packages, and its licence files, unpacked once next to it."""
    target = cache / wheel.stem
    if not target.is_dir():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
    packages = []
    for folder in sorted(p for p in target.iterdir() if p.is_dir()):
        if folder.name.endswith(".dist-info"):
            licences = tuple(sorted(p for p in (folder / "licenses").rglob("*") if p.is_file()))
            if licences:
                packages.append(Package(folder.name, folder, licences))
        else:
            packages.append(Package(folder.name, folder, packaged_files(folder)))
    return packages


def third_party(source: Path, cache: Path) -> dict[str, list[Package]]:
    """Import name -> the packages (every platform's build, licences) a function importing it needs."""
    found: dict[str, list[Package]] = {}
    for requirement in requirements(source / "requirements.txt"):
        unpacked = [package for wheel in fetch_wheels(requirement, cache) for package in wheel_packages(wheel, cache)]
        for package in unpacked:
            if not package.name.endswith(".dist-info"):
                found.setdefault(package.name, []).extend(unpacked)
    return found


def build(
    source: Path, output: Path, bundle: tuple[str, ...] = (), wheel_cache: Path | None = None, quiet: bool = False
) -> dict[str, Any]:
    """Every function's zip under `output` and their manifest; a line on stderr for each zip that changed
    (none when `quiet`)."""
    packages = discover(source)
    functions = {name: p for name, p in packages.items() if p.is_function}
    bundled = [installed(module) for module in bundle]
    vendored = third_party(source, wheel_cache or ROOT / "build" / "wheels")
    manifest: dict[str, Any] = {"functions": {}}
    for name, function in functions.items():
        own = [function, *shared_dependencies(function, packages)]
        imported = set().union(*(imported_top_level_names(package) for package in own))
        wheels = {id(p): p for module in sorted(imported & vendored.keys()) for p in vendored[module]}
        content = zip_bytes([*own, *wheels.values(), *bundled])
        target = output / f"{name}.zip"
        changed = write_if_changed(target, content)
        manifest["functions"][name] = {
            "path": target.name,  # relative to the manifest: the folder can be moved or checked in as a whole
            "size": len(content),
            "source_code_hash": source_code_hash(content),
            "handler": f"{name}.handler.handler",
        }
        if changed and not quiet:  # an unchanged zip is not news (make local's console said so for each of them)
            print(f"built {target} ({len(content)} bytes)", file=sys.stderr)
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
