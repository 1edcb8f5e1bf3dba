"""Compact JSON text of plain values: the one serialiser of the stream consumers' hot path.

orjson (pinned in lambdas/requirements.txt, packaged for arm64 and x86_64 by scripts/build_lambdas.py) writes
a 1.2 KB change in ~4 us where the standard library takes ~18 us, a third of the fan-out's cost per record
(make bench, 10,000 records). Its output is what `json.dumps(value, separators=(",", ":"), ensure_ascii=False)`
gives up to number spelling (both write the shortest text that reads back as the same float). Two cases fall
back to the standard library: integers beyond 64 bits (DynamoDB numbers have up to 38 digits, orjson refuses
them), and a runtime orjson has no build for (a function set to another Python version). Values here come
from DynamoDB, whose numbers are always finite, so the two never differ on NaN or Infinity (which orjson
would write as null).
"""

from __future__ import annotations

import json
import re
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - the packaged wheels cover python3.13 on arm64 and x86_64
    orjson = None  # type: ignore[assignment]

_standard = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(value: Any) -> str:
    """Compact JSON text with UTF-8 characters unescaped."""
    if orjson is not None:
        try:
            return orjson.dumps(value).decode("utf-8")
        except TypeError:  # an integer beyond 64 bits (orjson.JSONEncodeError is a TypeError)
            pass
    return _standard(value)


def utf8_size(text: str) -> int:
    """Bytes of text in UTF-8, the way AWS counts payload limits."""
    return len(text) if text.isascii() else len(text.encode("utf-8"))


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def deeper_than(text: str, levels: int) -> bool:
    """Whether JSON text nests objects and arrays more than `levels` deep, found without parsing it (in time
    linear in its length): json.loads recurses once per level, so 12,000 nested arrays raise RecursionError
    (which no `except ValueError` catches) and a few thousand cost seconds in a validator."""
    if text.count("[") + text.count("{") <= levels:
        return False
    level = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        level += 1 if bracket in "[{" else -1
        if level > levels:
            return True
    return False
