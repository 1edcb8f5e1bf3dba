"""`make bench` writes its figures to a JSON file and prints them. These runs are small and the timings are
not asserted; what is asserted is not a timing (call counts, the sections present). Each run is a
subprocess, as `make bench` is: the bench sets the handlers' environment and starts its own local runtime."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.long  # tens of seconds: collected first (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]


def bench(tmp_path: Path, *arguments: str) -> tuple[dict[str, Any], str]:
    """The figures and what was printed; the run's temporary folder is tmp_path / "tmp"."""
    output = tmp_path / "bench.json"
    (tmp_path / "tmp").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--output", str(output), "--doc", str(tmp_path / "b.md"), *arguments],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path / "tmp")},
        text=True,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(output.read_text()), result.stdout


def test_bench_writes_every_requested_section(tmp_path: Path) -> None:
    figures, printed = bench(
        tmp_path,
        *("--records", "300", "--repeats", "1", "--import-repeats", "1"),
        *("--only", "packages", "imports", "fanout", "trigger", "pipeline", "test_stages"),
    )
    assert list(figures) == ["packages", "imports", "fanout", "trigger", "pipeline", "test_stages", "measured"]
    assert set(figures["packages"]) == {
        "event_consumer",
        "stream_fanout",
        "stream_trigger",
        "import_planner",
        "import_worker",
        "import_reporter",
        "table_exporter",
        "live_updates",
    }
    assert figures["imports"]["boto3_ms"] > 0
    # Not timings: what each publisher costs in calls, and that every record started one execution.
    assert figures["fanout"]["ours"]["put_events_calls_per_record"] == 0.1  # ten entries per PutEvents
    assert figures["fanout"]["naive"]["put_events_calls_per_record"] == 1.0
    assert figures["trigger"]["start_execution_calls_per_record"] == 1.0
    assert "fanout.us_per_record_ratio_to_naive" in printed
    assert figures["pipeline"]["lines"] == 300
    assert figures["pipeline"]["worker_us_per_line"] > 0
    doc = (tmp_path / "b.md").read_text()  # docs/benchmarks.md's form: each section dated, with its machine
    assert doc.count("\nMeasured ") == 6
    assert (
        "| fanout.ours.put_events_calls_per_record | 0.1 |" in doc
        or "| ours.put_events_calls_per_record | 0.1 |" in doc
    )


def test_local_runtime_section(tmp_path: Path) -> None:
    figures, _ = bench(
        tmp_path,
        "--only",
        "runtime",
        "soak",
        "--requests",
        "5",
        "--idle-settle",
        "0",
        "--no-warm-start",
        *("--pause", "0.5"),
        "--import-lines",
        "60",
        *("--soak-requests", "40", "--soak-import-lines", "60"),
    )
    runtime = figures["runtime"]
    assert runtime["requests"] == 5
    assert runtime["startup_s"] > 0
    assert 0 <= runtime["idle_cpu_percent_of_a_core"] < 200
    assert runtime["post_p99_ms"] >= runtime["post_p50_ms"] > 0
    assert (runtime["import_lines"], runtime["import_status"]) == (60, "PARTIAL")  # one line in 50 is invalid
    assert runtime["import_lines_per_second"] > 0
    soak = figures["soak"]
    assert sum(soak["soak_statuses"].values()) == 40
    assert set(soak["soak_statuses"]) <= {"200", "201", "202", "204", "404", "429"}  # no reset, no 5xx
    assert (soak["large_import_items"], soak["large_import_audit_events_missing"]) == (59, 0)
    assert soak["large_import_workflows_missing"] == 0
    assert soak["end_threads"] > 0
    assert list((tmp_path / "tmp").glob("bench-runtime-*")) == []  # the runtimes' logs went with them


def test_live_updates_section(tmp_path: Path) -> None:
    figures, _ = bench(tmp_path, "--only", "live_updates", "--live-subscribers", "3", "--live-changes", "2")
    live = figures["live_updates"]
    assert live["changes_per_count"] == 2
    for count in (3,):
        measured = live[f"subscribers_{count}"]
        assert (measured["received"], measured["missing"]) == (2 * count, 0)
        assert measured["api_answer_to_subscriber_p99_ms"] >= measured["api_answer_to_subscriber_p50_ms"] > 0
        assert measured["broadcast_p99_ms"] >= measured["broadcast_p50_ms"] > 0
        assert measured["broadcaster_cpu_ms_per_post"] > 0


def test_queries_section(tmp_path: Path) -> None:
    # One item in five is PAID: 30 and 60 of them, more than a page and the one that tells whether more follow.
    figures, _ = bench(tmp_path, "--only", "queries", "--query-items", "150", "300", "--query-requests", "2")
    queries = figures["queries"]
    assert set(queries) == {"requests", "items_150", "items_300", "p50_ratio_largest_to_smallest"}
    for size in (150, 300):
        measured = queries[f"items_{size}"]
        assert measured["page_p99_ms"] >= measured["page_p50_ms"] > 0
        assert measured["unfiltered_page_p50_ms"] > 0
        assert measured["items_read_per_page"] == 2 * 20 + 1, "keys and costs of a page and one more, then the page"
