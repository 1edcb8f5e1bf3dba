"""The documentation's links resolve, and README stays a front door (issue #29): at most 150 lines, no measured
figure (those live in docs/benchmarks.md, written by make bench), and its Quickstart is what make local prints."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def documents() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    return [ROOT / name for name in tracked if (ROOT / name).is_file()]


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped (hyphens kept), spaces as hyphens."""
    headings = re.findall(r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.S), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def broken_links(document: Path) -> list[str]:
    text = document.read_text()
    broken = []
    for target in LINK.findall(re.sub(r"```.*?```", "", text, flags=re.S)):
        if re.match(r"[a-z]+:", target):  # https:, mailto: (the web is not checked here)
            continue
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text()):
            broken.append(f"{target} (no such heading)")
    return broken


def test_every_link_of_every_markdown_document_resolves() -> None:
    found = {str(d.relative_to(ROOT)): broken_links(d) for d in documents()}
    assert len(found) > 20
    assert {name: links for name, links in found.items() if links} == {}


def test_the_link_checker_finds_a_broken_link_and_a_missing_heading(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# A heading\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](other.md#a-heading) [gone](missing.md) [no](other.md#nope) [web](https://x.y/z)\n")
    assert broken_links(page) == ["missing.md (no such file)", "other.md#nope (no such heading)"]


def test_readme_is_a_front_door_that_links_every_module() -> None:
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 150
    modules = {p.parent.name for p in (ROOT / "modules").glob("*/README.md")}
    assert {m for m in modules if f"(modules/{m}/README.md)" not in text} == set()
    figures = re.findall(r"\b\d+(?:[.,]\d+)?\s?(?:ms|µs|s\b|MiB|MB|lines/s|% of a core)", text)
    assert figures == [], "measured figures belong in docs/benchmarks.md"


def quickstart() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Quickstart") : text.index("## Modules")]
    [_, commands] = re.findall(r"```sh\n(.*?)```", section, re.S)
    return commands.strip().splitlines()


def test_the_quickstart_is_what_make_local_prints_for_envs_local() -> None:
    """The commands themselves run in tests/e2e/test_quickstart.py."""
    from scripts.localrt.__main__ import try_commands

    outputs = {  # the kinds of output envs/local has: a pipeline, webhooks, a Cognito user pool, live updates,
        # the demo order's status query
        "query_indexes": {"indexes": {"by_status": {"partitionField": "status", "sortField": "createdAt"}}},
        "api_url": "-",
        "live_updates_url": "-",
        "ingest_bucket_name": "-",
        "webhook_url": "-",
        "user_pool_id": "-",
    }
    assert quickstart() == try_commands(outputs, {"Authorization": "-"}, "local")


@pytest.mark.parametrize("name", ["LICENSE", "CHANGELOG.md", "examples/orders.jsonl", "docs/benchmarks.md"])
def test_the_files_readme_promises_exist(name: str) -> None:
    assert (ROOT / name).is_file()
