"""`make backfill`: write a query index's key attributes on every item that was stored before the index existed.

The API writes each index's two key attributes with every create and replace (common.index_keys). An item
written before `settings.api.indexes` named the index has neither, and DynamoDB leaves an item without its key
attributes out of the index: the query cannot see it. The backfill scans the table page by page, computes the
attributes from the stored document as the API would, and writes those that are missing or different:

- conditional on the item's version (`version = :read`), so a concurrent update (which writes the attributes
  itself) is never overwritten: on a failed condition the item is read again and, if still needed, retried;
- idempotent: an item whose attributes are already right is not written;
- resumable: after each page the scan's position and the counts are saved in a checkpoint file; a run that
  stops (Ctrl-C, a crash, throttling) continues from there when started again, and the checkpoint is removed
  when the scan completes.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from rich.console import Console
from rich.progress import Progress, TextColumn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "lambdas"))  # the one definition of the key attributes, shared with the importer

from common.index_keys import IndexKey, from_contract  # noqa: E402

PAGE_SIZE = 100
PROGRESS_SECONDS = 2.0
RETRIES = 5  # conditional writes raced by updates, per item: an update writes the attributes itself


class NotBackfilled(Exception):
    """Why the backfill cannot run, in one line."""


@dataclass
class Counts:
    read: int = 0
    written: int = 0
    already: int = 0
    changed_meanwhile: int = 0
    gone: int = 0
    missing_field: int = 0
    pages: int = 0


def chosen_indexes(query_indexes: Mapping[str, Any] | None, name: str) -> tuple[IndexKey, ...]:
    declared = from_contract((query_indexes or {}).get("indexes"))
    if not declared:
        raise NotBackfilled("this environment declares no query indexes (settings.api.indexes)")
    chosen = tuple(index for index in declared if name in ("", "all", index.name))
    if not chosen:
        raise NotBackfilled(f"no index {name!r}: INDEX=<{'|'.join(i.name for i in declared)}|all>")
    return chosen


def wanted(indexes: tuple[IndexKey, ...], item: Mapping[str, Any], owner_isolation: bool) -> dict[str, Any] | None:
    """The key attributes the API would write for this stored item (DynamoDB JSON); None when its document
    lacks a field an index needs (written under an older schema: the API itself would refuse such a body)."""
    try:
        document = json.loads(item["document"]["S"])
        fields = {**document, "createdAt": item["createdAt"]["S"], "updatedAt": item["updatedAt"]["S"]}
        owner = item["owner"]["S"] if owner_isolation and "owner" in item else None
        attributes: dict[str, Any] = {}
        for index in indexes:
            attributes.update(index.attributes(fields, owner))
        return attributes
    except (KeyError, ValueError, TypeError):
        return None


def write(dynamodb: Any, table: str, item: dict[str, Any], attributes: dict[str, Any]) -> None:
    """SET the attributes on condition that the item still has the version that was read."""
    names = {f"#a{i}": name for i, name in enumerate(attributes)}
    values = {f":a{i}": value for i, value in enumerate(attributes.values())}
    dynamodb.update_item(
        TableName=table,
        Key={"id": item["id"]},
        UpdateExpression="SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(attributes))),
        ConditionExpression="#version = :version",
        ExpressionAttributeNames={**names, "#version": "version"},
        ExpressionAttributeValues={**values, ":version": item["version"]},
    )


def backfill_item(
    dynamodb: Any,
    table: str,
    indexes: tuple[IndexKey, ...],
    owner_isolation: bool,
    item: dict[str, Any],
    counts: Counts,
) -> None:
    for attempt in range(RETRIES):
        attributes = wanted(indexes, item, owner_isolation)
        if attributes is None:
            counts.missing_field += 1
            return
        if all(item.get(name) == value for name, value in attributes.items()):
            counts.already += 1
            return
        try:
            write(dynamodb, table, item, attributes)
            counts.written += 1
            return
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        # Updated (or deleted) since it was read: the writer's own attributes win; read it again.
        fresh = dynamodb.get_item(TableName=table, Key={"id": item["id"]}, ConsistentRead=True).get("Item")
        if fresh is None:
            counts.gone += 1
            return
        counts.changed_meanwhile += attempt == 0
        item = fresh
    raise NotBackfilled(f"item {item['id']['S']} kept changing while it was backfilled; run make backfill again")


def checkpoint_path(env: str, table: str, indexes: tuple[IndexKey, ...]) -> Path:
    return ROOT / "build" / "backfill" / f"{env}-{table}-{'+'.join(i.name for i in indexes)}.json"


def backfill(
    dynamodb: Any,
    table: str,
    indexes: tuple[IndexKey, ...],
    owner_isolation: bool,
    checkpoint: Path,
    page_size: int = PAGE_SIZE,
    progress: Callable[[Counts], None] = lambda counts: None,
) -> Counts:
    """Every item of the table, from the checkpoint's position if there is one; the counts of this scan."""
    saved = json.loads(checkpoint.read_text()) if checkpoint.exists() else {}
    counts = Counts(**saved.get("counts", {}))
    start = saved.get("lastKey")
    while True:
        page = dynamodb.scan(
            TableName=table, Limit=page_size, ConsistentRead=True, **({"ExclusiveStartKey": start} if start else {})
        )
        for item in page.get("Items", []):
            counts.read += 1
            backfill_item(dynamodb, table, indexes, owner_isolation, item, counts)
        counts.pages += 1
        start = page.get("LastEvaluatedKey")
        if not start:
            checkpoint.unlink(missing_ok=True)
            progress(counts)
            return counts
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        partial = checkpoint.with_suffix(".tmp")
        partial.write_text(json.dumps({"lastKey": start, "counts": asdict(counts)}))
        partial.replace(checkpoint)  # atomic: an interrupted run leaves the previous checkpoint or this one
        progress(counts)


@contextmanager
def bar(table: str) -> Iterator[Callable[[Counts], None]]:
    """A progress line on stderr (rich; nothing when stderr is not a terminal)."""
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), console=console, transient=True) as shown:
        task = shown.add_task(f"backfill {table}", total=None)
        last = [0.0]

        def update(counts: Counts) -> None:
            line = f"backfill {table}: {counts.read} items read, {counts.written} written"
            shown.update(task, description=line)
            if not console.is_terminal and time.monotonic() - last[0] >= PROGRESS_SECONDS:  # a log: a line now and then
                last[0] = time.monotonic()
                print(line, file=sys.stderr, flush=True)

        yield update


def render(table: str, indexes: tuple[IndexKey, ...], counts: Counts, resumed: bool) -> str:
    names = ", ".join(index.name for index in indexes)
    return (
        f"make backfill: {names} on {table}{' (resumed)' if resumed else ''}: {counts.read} items read in "
        f"{counts.pages} pages, {counts.written} written, {counts.already} already indexed, "
        f"{counts.changed_meanwhile} changed meanwhile (their writer's attributes kept), {counts.gone} deleted "
        f"meanwhile, {counts.missing_field} without a field an index needs (not indexed)."
    )
