"""The report of one import, from the plan and the chunks' results (pure).

    {"status": "SUCCEEDED" | "PARTIAL" | "FAILED", "imported": n, "rejected": [{"line": k, "error": "..."}],
     "rejectedCount": n, "failedChunks": [{"firstLine", "lines", "error"}], "lines": n, "source": {...}}

SUCCEEDED: every line imported (blank lines hold nothing); PARTIAL: some imported, some rejected or in a
failed chunk; FAILED: nothing imported although lines were rejected or chunks failed. `rejected` lists at most
the planner's `max_reported_rejections` (by line), `rejectedCount` counts them all. A failed chunk (its worker
kept failing until the message went to the work DLQ, and the orchestrator stopped waiting) is listed as a
range, its lines neither imported nor rejected.
"""

from __future__ import annotations

from typing import Any


def status(imported: int, rejected: int, failed_chunks: int) -> str:
    if not rejected and not failed_chunks:
        return "SUCCEEDED"
    return "PARTIAL" if imported else "FAILED"


def summarize(plan: dict[str, Any], results: list[dict[str, Any]], bucket: str) -> dict[str, Any]:
    by_index = {chunk["index"]: chunk for chunk in plan.get("chunks", [])}
    done = [r for r in results if not r.get("failed")]
    failed = [
        {
            "firstLine": by_index[r["index"]]["firstLine"],
            "lines": by_index[r["index"]]["lines"],
            "error": str(r.get("error") or "chunk failed"),
        }
        for r in results
        if r.get("failed")
    ]
    imported = sum(r["imported"] for r in done)
    rejected_count = sum(r["rejectedCount"] for r in done)
    rejected = sorted((entry for r in done for entry in r["rejected"]), key=lambda entry: entry["line"])
    report = {
        "status": status(imported, rejected_count, len(failed)),
        "imported": imported,
        "rejected": rejected,
        "rejectedCount": rejected_count,
        "failedChunks": failed,
        "lines": plan.get("lines", 0),
        "source": plan["source"],
    }
    return {"report": report, "notification": notification(report, bucket, plan["reportKey"])}


def notification(report: dict[str, Any], bucket: str, key: str) -> dict[str, Any]:
    """What the pipeline's topic carries: enough to decide, and where the report is."""
    return {
        "kind": "import",
        "status": report["status"],
        "report": f"s3://{bucket}/{key}",
        "imported": report["imported"],
        "rejectedCount": report["rejectedCount"],
        "failedChunks": len(report["failedChunks"]),
        "source": report["source"],
    }


def refused(plan: dict[str, Any], bucket: str) -> dict[str, Any]:
    """The report of an object that could not be imported at all."""
    report = {
        "status": "FAILED",
        "imported": 0,
        "rejected": [],
        "rejectedCount": 0,
        "failedChunks": [],
        "lines": 0,
        "source": plan["source"],
        "error": plan["reason"],
    }
    return {
        "report": report,
        "notification": {**notification(report, bucket, plan["reportKey"]), "error": plan["reason"]},
    }
