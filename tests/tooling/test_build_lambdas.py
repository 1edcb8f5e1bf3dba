"""The Lambda build is deterministic, packages only what belongs in a zip, and reports the hash Terraform expects."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import build_lambdas


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    root = tmp_path / "lambdas"
    files = {
        "orders/__init__.py": "",
        "orders/handler.py": "from common.change import to_change\n\ndef handler(event, context):\n    return to_change\n",
        "orders/rules.py": "RULES = []\n",
        "orders/tests/test_rules.py": "def test_x():\n    pass\n",
        "orders/test_handler.py": "def test_y():\n    pass\n",
        "orders/.env": "SECRET=1\n",
        "orders/__pycache__/handler.cpython-313.pyc": "junk",
        "common/__init__.py": "",
        "common/change.py": "from helpers.text import slug\n\ndef to_change():\n    return slug\n",
        "helpers/__init__.py": "",
        "helpers/text.py": "def slug():\n    return 'x'\n",
        "unused/__init__.py": "",
        "plain/__init__.py": "",
        "plain/handler.py": "import json\n\ndef handler(event, context):\n    return json.dumps(event)\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    # Different permissions and times on the same content must not change the output.
    os.chmod(root / "orders/rules.py", 0o755)
    os.utime(root / "orders/handler.py", (1_700_000_000, 1_700_000_000))
    return root


def entries(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_two_builds_are_byte_identical(sources: Path, tmp_path: Path) -> None:
    first = build_lambdas.build(sources, tmp_path / "one")
    # Touch every source: timestamps and modes differ, bytes must not.
    for path in sources.rglob("*.py"):
        os.utime(path, (2_000_000_000, 2_000_000_000))
        os.chmod(path, 0o600)
    second = build_lambdas.build(sources, tmp_path / "two")
    assert first["functions"].keys() == second["functions"].keys() == {"orders", "plain"}
    for name in first["functions"]:
        assert (tmp_path / "one" / f"{name}.zip").read_bytes() == (tmp_path / "two" / f"{name}.zip").read_bytes()
        assert first["functions"][name]["source_code_hash"] == second["functions"][name]["source_code_hash"]


def test_zip_holds_the_function_and_the_shared_code_it_imports_transitively(sources: Path, tmp_path: Path) -> None:
    build_lambdas.build(sources, tmp_path)
    assert entries(tmp_path / "orders.zip") == [
        "common/__init__.py",
        "common/change.py",
        "helpers/__init__.py",
        "helpers/text.py",
        "orders/__init__.py",
        "orders/handler.py",
        "orders/rules.py",
    ]
    assert entries(tmp_path / "plain.zip") == ["plain/__init__.py", "plain/handler.py"]


def test_zip_entries_have_fixed_times_and_modes(sources: Path, tmp_path: Path) -> None:
    build_lambdas.build(sources, tmp_path)
    with zipfile.ZipFile(tmp_path / "orders.zip") as archive:
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert (info.external_attr >> 16) & 0o777 == 0o644
            assert info.compress_type == zipfile.ZIP_STORED


def test_manifest_hash_is_base64_sha256_of_the_zip(sources: Path, tmp_path: Path) -> None:
    build_lambdas.build(sources, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for name, meta in manifest["functions"].items():
        content = (tmp_path / meta["path"]).read_bytes()  # paths are relative to the manifest's folder
        assert meta["source_code_hash"] == base64.b64encode(hashlib.sha256(content).digest()).decode()
        assert meta["size"] == len(content)
        assert meta["handler"] == f"{name}.handler.handler"


def test_unchanged_sources_rewrite_nothing_and_a_change_rewrites_one_zip(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_lambdas.build(sources, out)
    for path in out.iterdir():
        os.utime(path, ns=(1, 1))
    build_lambdas.build(sources, out)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == {
        "orders.zip": 1,
        "plain.zip": 1,
        "manifest.json": 1,
    }

    (sources / "plain/handler.py").write_text("def handler(event, context):\n    return 2\n")
    build_lambdas.build(sources, out)
    assert (out / "orders.zip").stat().st_mtime_ns == 1
    assert (out / "plain.zip").stat().st_mtime_ns != 1


def test_a_removed_function_loses_its_zip(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_lambdas.build(sources, out)
    (sources / "plain/handler.py").unlink()
    manifest = build_lambdas.build(sources, out)
    assert "plain" not in manifest["functions"]
    assert not (out / "plain.zip").exists()


def test_every_project_function_imports_from_its_zip_alone(tmp_path: Path) -> None:
    """Each built zip is self-contained: its handler imports with only the zip (and the runtime's boto3 and
    the powertools layer, here from the venv) on the path, never the source tree."""
    manifest = build_lambdas.build(build_lambdas.ROOT / "lambdas", tmp_path)
    assert set(manifest["functions"]) >= {"stream_trigger", "stream_fanout"}
    environment = {
        "WORKFLOWS": '{"wf": {"stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:wf"}}',
        "EVENT_BUS_NAME": "bus",
        "DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    for name, package in manifest["functions"].items():
        task = tmp_path / "task" / name  # unpacked as Lambda does into /var/task: extension modules need files
        with zipfile.ZipFile(tmp_path / f"{name}.zip") as archive:
            archive.extractall(task)
        module = package["handler"].rsplit(".", 1)[0]
        # The handler, and every project or third-party module it loaded (common, orjson, fastjsonschema).
        probe = (
            f"import sys, json; sys.path.insert(0, {str(task)!r}); import {module}; "
            "'common' in sys.modules and __import__('common.json_text'); "
            "print(json.dumps({n: sys.modules[n].__file__ for n in "
            f"[{module!r}, 'common', 'orjson', 'fastjsonschema'] if n in sys.modules}}))"
        )
        result = subprocess.run(
            [sys.executable, "-I", "-c", probe],
            capture_output=True,
            text=True,
            env={**os.environ, **environment},
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        loaded = json.loads(result.stdout)
        assert all(Path(path).is_relative_to(task) for path in loaded.values()), (name, loaded)
        if "common" in loaded:
            assert "orjson" in loaded, "orjson must come from the zip, not this machine"


def test_project_zips_carry_orjson_for_both_lambda_architectures(tmp_path: Path) -> None:
    build_lambdas.build(build_lambdas.ROOT / "lambdas", tmp_path)
    names = set(entries(tmp_path / "stream_fanout.zip"))
    assert {
        "orjson/__init__.py",
        "orjson/orjson.cpython-313-aarch64-linux-gnu.so",
        "orjson/orjson.cpython-313-x86_64-linux-gnu.so",
    } <= names
    assert any(name.startswith("orjson-") and "/licenses/" in name for name in names)


def fake_wheel(cache: Path, arch: str, extension: bytes, init: str = "VALUE = 1\n") -> str:
    """A wheel of `fakepkg` 1.0 for one architecture in the cache; returns its sha256."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"fakepkg-1.0-cp313-cp313-manylinux_2_17_{arch}.manylinux2014_{arch}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("fakepkg/__init__.py", init)
        archive.writestr(f"fakepkg/_speedups.cpython-313-{arch}-linux-gnu.so", extension)
        archive.writestr("fakepkg-1.0.dist-info/licenses/LICENSE", "MIT\n")
        archive.writestr("fakepkg-1.0.dist-info/RECORD", arch)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_pinned_wheel_goes_into_the_functions_that_import_it_for_both_architectures(
    sources: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "wheels"
    hashes = [fake_wheel(cache, "aarch64", b"arm"), fake_wheel(cache, "x86_64", b"x86")]
    (sources / "requirements.txt").write_text(
        "# pins\nfakepkg==1.0 \\\n    " + " \\\n    ".join(f"--hash=sha256:{h}" for h in hashes) + "\n"
    )
    (sources / "plain/handler.py").write_text("import fakepkg\n\ndef handler(event, context):\n    return 1\n")
    build_lambdas.build(sources, tmp_path / "out", wheel_cache=cache)
    assert {
        "fakepkg/__init__.py",
        "fakepkg/_speedups.cpython-313-aarch64-linux-gnu.so",
        "fakepkg/_speedups.cpython-313-x86_64-linux-gnu.so",
        "fakepkg-1.0.dist-info/licenses/LICENSE",
    } <= set(entries(tmp_path / "out/plain.zip"))
    assert not any(name.startswith("fakepkg") for name in entries(tmp_path / "out/orders.zip"))


def test_a_wheel_not_matching_the_pinned_hashes_is_refused(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "wheels"
    fake_wheel(cache, "aarch64", b"arm")
    fake_wheel(cache, "x86_64", b"x86")
    (sources / "requirements.txt").write_text(f"fakepkg==1.0 --hash=sha256:{'0' * 64}\n")
    downloads: list[list[str]] = []

    def pip(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        downloads.append(command)
        return subprocess.CompletedProcess(command, 1, "", "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES")

    monkeypatch.setattr(build_lambdas.subprocess, "run", pip)
    with pytest.raises(SystemExit, match=r"no manylinux2014_aarch64 wheel of fakepkg==1\.0 .*DO NOT MATCH"):
        build_lambdas.build(sources, tmp_path / "out", wheel_cache=cache)
    assert downloads
    assert "--require-hashes" in downloads[0]


def test_a_requirement_without_hashes_is_refused(sources: Path, tmp_path: Path) -> None:
    (sources / "requirements.txt").write_text("fakepkg==1.0\n")
    with pytest.raises(SystemExit, match="every line must be name==version with --hash"):
        build_lambdas.build(sources, tmp_path / "out", wheel_cache=tmp_path / "wheels")


def test_a_file_that_differs_between_platform_wheels_is_refused(sources: Path, tmp_path: Path) -> None:
    cache = tmp_path / "wheels"
    hashes = [fake_wheel(cache, "aarch64", b"arm"), fake_wheel(cache, "x86_64", b"x86", init="VALUE = 2\n")]
    (sources / "requirements.txt").write_text("fakepkg==1.0 " + " ".join(f"--hash=sha256:{h}" for h in hashes) + "\n")
    (sources / "plain/handler.py").write_text("import fakepkg\n")
    with pytest.raises(SystemExit, match=r"fakepkg/__init__\.py differs"):
        build_lambdas.build(sources, tmp_path / "out", wheel_cache=cache)


def test_bundled_powertools_makes_each_zip_independent_of_the_layer(tmp_path: Path) -> None:
    """For LocalStack's free image (no layer of another account): powertools inside every zip, deterministically."""
    first = build_lambdas.build(build_lambdas.ROOT / "lambdas", tmp_path / "a", build_lambdas.POWERTOOLS_BUNDLE)
    second = build_lambdas.build(build_lambdas.ROOT / "lambdas", tmp_path / "b", build_lambdas.POWERTOOLS_BUNDLE)
    assert [f["source_code_hash"] for f in first["functions"].values()] == [
        f["source_code_hash"] for f in second["functions"].values()
    ]
    with zipfile.ZipFile(tmp_path / "a" / "stream_trigger.zip") as archive:
        names = set(archive.namelist())
    assert {"aws_lambda_powertools/__init__.py", "typing_extensions.py", "stream_trigger/handler.py"} <= names
    assert {"aws_xray_sdk/core/__init__.py", "wrapt/__init__.py"} <= names  # the Tracer's, as in the layer
    plain = build_lambdas.build(build_lambdas.ROOT / "lambdas", tmp_path / "plain")
    assert first["functions"]["stream_trigger"]["size"] - plain["functions"]["stream_trigger"]["size"] > 2**20
