"""The plan of one import: whether the object can be processed at all, and its chunks.

Pure over an injected S3 client. An object is refused as a whole (report FAILED, notification, dead letter)
when it is larger than `max_object_bytes`, has a content type outside `content_types`, has more than
`max_lines` lines, is not UTF-8 JSON lines (none of its first 100 non-blank lines is JSON), or, under owner
isolation, names no owner in its metadata. Otherwise it is cut into chunks of at most `chunk_lines` lines
and `chunk_bytes` bytes, each on line boundaries: a worker reads exactly its byte range, and knows the number
of its first line, so rejections in the report carry 1-based line numbers of the whole object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from common.json_text import deeper_than

READ_BYTES = 1 << 20  # the object is read in 1 MiB pieces: memory stays flat whatever its size
OWNER_PATTERN = re.compile(r"^[A-Za-z0-9@._:+=/-]{1,128}$")  # what the API's owner keys may hold


class NotImportable(ValueError):
    """The object cannot be imported at all; the message says why, in the report's words."""


@dataclass(frozen=True)
class Settings:
    imports_prefix: str
    reports_prefix: str
    max_object_bytes: int
    max_lines: int
    chunk_lines: int
    chunk_bytes: int
    content_types: tuple[str, ...]
    max_reported_rejections: int
    owner_metadata_key: str | None = None  # set under owner isolation: the metadata naming the items' owner


def import_name(settings: Settings, key: str) -> str:
    """`imports/<name>.jsonl` -> `<name>` (the report is `reports/<name>.json`)."""
    return key.removeprefix(settings.imports_prefix).removesuffix(".jsonl")


def line_ends(body: Any) -> Iterator[int]:
    """The byte offset just past each line of a streamed body (the last line may lack its newline)."""
    offset = last_end = 0
    for piece in iter(lambda: body.read(READ_BYTES), b""):
        start = 0
        while (newline := piece.find(b"\n", start)) != -1:
            last_end = offset + newline + 1
            yield last_end
            start = newline + 1
        offset += len(piece)
    if offset > last_end:
        yield offset


SAMPLE_LINES = 100  # lines of the object's start looked at to tell JSON lines from anything else
SNIFF_MAX_DEPTH = 64  # a line nested deeper tells nothing here (an item nests 32 levels at most)


def looks_like_json_lines(head: bytes) -> str | None:
    """Why the object's first piece is not JSON lines (None when it is): none of its first SAMPLE_LINES
    non-blank complete lines is JSON (binary data, CSV, one JSON document over many lines). Single bad lines,
    invalid UTF-8 ones included, are the workers' to reject with their numbers."""
    text = head.decode("utf-8", errors="replace")
    complete = text.split("\n")[:-1] if "\n" in text else [text]
    sample = [line for line in complete if line.strip()][:SAMPLE_LINES]
    for line in sample:
        if deeper_than(line, SNIFF_MAX_DEPTH):  # json.loads would recurse once per level; the worker rejects it
            continue
        try:
            json.loads(line)
        except ValueError:
            continue
        return None
    return None if not sample else "the object is not JSON lines (none of its first lines is JSON)"


def check_object(settings: Settings, key: str, head: dict[str, Any]) -> str | None:
    """The owner the items get (None without owner isolation); NotImportable when the object is refused."""
    if not key.endswith(".jsonl"):
        raise NotImportable("the object's key does not end in .jsonl")
    if head["ContentLength"] == 0:  # an upload that lost its content: a report of 0 imported would hide it
        raise NotImportable("the object is empty")
    if head["ContentLength"] > settings.max_object_bytes:
        raise NotImportable(f"the object is larger than {settings.max_object_bytes} bytes")
    content_type = str(head.get("ContentType") or "").split(";")[0].strip().lower()
    if content_type not in settings.content_types:
        raise NotImportable(
            f"content type {content_type or '(none)'} is not one of {', '.join(settings.content_types)}"
        )
    if settings.owner_metadata_key is None:
        return None
    owner = str((head.get("Metadata") or {}).get(settings.owner_metadata_key, ""))
    if not OWNER_PATTERN.match(owner):
        raise NotImportable(f"the object's metadata names no owner (x-amz-meta-{settings.owner_metadata_key})")
    return owner


def chunks(settings: Settings, ends: Iterator[int]) -> tuple[list[dict[str, Any]], int]:
    """Chunks on line boundaries, and the object's line count."""
    planned: list[dict[str, Any]] = []
    start, first_line, lines, line = 0, 1, 0, 0
    for line, end in enumerate(ends, start=1):
        if line > settings.max_lines:
            raise NotImportable(f"the object has more than {settings.max_lines} lines")
        lines += 1
        if lines == settings.chunk_lines or end - start >= settings.chunk_bytes:
            planned.append({"index": len(planned), "firstLine": first_line, "lines": lines, "start": start, "end": end})
            start, first_line, lines = end, line + 1, 0
    if lines:
        planned.append({"index": len(planned), "firstLine": first_line, "lines": lines, "start": start, "end": end})
    # Rejections listed per chunk, so that the whole report stays far below Step Functions' 256 KiB state limit.
    limit = max(1, settings.max_reported_rejections // max(1, len(planned)))
    for chunk in planned:
        chunk["reportLimit"] = limit
    return planned, line


def described_object(s3: Any, bucket: str, key: str, versioned: dict[str, str]) -> dict[str, Any]:
    """HeadObject of the uploaded version; NotImportable when it is gone (deleted before its import ran)."""
    try:
        return dict(s3.head_object(Bucket=bucket, Key=key, **versioned))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NoSuchVersion", "403"):
            raise NotImportable("the object no longer exists (or may not be read)") from None
        raise


def plan(settings: Settings, detail: dict[str, Any], s3: Any) -> dict[str, Any]:
    """The orchestrator's plan for the object an S3 `Object Created` event names."""
    bucket, key = detail["bucket"]["name"], detail["object"]["key"]
    version = detail["object"].get("version-id")
    name = import_name(settings, key)
    source = {"bucket": bucket, "key": key, "versionId": version}
    described = {"name": name, "reportKey": f"{settings.reports_prefix}{name}.json", "source": source}
    versioned = {"VersionId": version} if version else {}
    try:
        owner = check_object(settings, key, described_object(s3, bucket, key, versioned))
        body = s3.get_object(Bucket=bucket, Key=key, **versioned)["Body"]
        head = body.read(READ_BYTES)
        if problem := looks_like_json_lines(head):
            raise NotImportable(problem)
        planned, lines = chunks(settings, line_ends(_Prefixed(head, body)))
    except NotImportable as refusal:
        return {**described, "accepted": False, "reason": str(refusal)}
    return {**described, "accepted": True, "owner": owner, "lines": lines, "chunks": planned}


class _Prefixed:
    """A streamed body whose first piece was already read."""

    def __init__(self, head: bytes, rest: Any):
        self._head: bytes | None = head
        self._rest = rest

    def read(self, size: int) -> bytes:
        if self._head is not None:
            head, self._head = self._head, None
            return head
        return bytes(self._rest.read(size))
