"""API Gateway's mapping-template variables ($input, $util, $context) for the airspeed Velocity engine.

Behaviour follows AWS's documented semantics; where AWS's Java implementation has a quirk that templates
must survive (escapeJavaScript escaping apostrophes, which is not valid JSON), it is reproduced.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from functools import lru_cache
from typing import Any

import airspeed

_JS_ESCAPES = {
    "'": "\\'",
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\n": "\\n",
    "\t": "\\t",
    "\f": "\\f",
    "\r": "\\r",
}


# What escapeJavaScript escapes: the table's characters, controls and everything past '~' (0x7E).
_JS_ESCAPED = re.compile(r"[\x00-\x1f'\"\\/\x7f-\U0010ffff]")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _JS_ESCAPES:
        return _JS_ESCAPES[char]
    encoded = char.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(encoded[i : i + 2], 'big'):04X}" for i in range(0, len(encoded), 2))


def escape_javascript(text: str) -> str:
    """As Java's StringEscapeUtils.escapeJavaScript: quotes, backslash, slash, controls and non-ASCII (UTF-16
    units). The plain characters between are found by a regular expression, not walked one by one."""
    return _JS_ESCAPED.sub(_escaped, text)


class Util:
    def escapeJavaScript(self, text: Any) -> str:
        return escape_javascript("" if text is None else str(text))

    def parseJson(self, text: str) -> Any:
        return json.loads(text)

    def urlEncode(self, text: str) -> str:
        return urllib.parse.quote_plus(text)

    def urlDecode(self, text: str) -> str:
        return urllib.parse.unquote_plus(text)

    def base64Encode(self, text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    def base64Decode(self, text: str) -> str:
        return base64.b64decode(text).decode()


def json_path(document: Any, path: str) -> Any:
    """The JSONPath subset mapping templates use: $, $.a.b, $['a'], $.a[0]."""
    if path in ("$", ""):
        return document
    current = document
    normalised = re.sub(r"\[(\d+)\]", r".\1", path.removeprefix("$").replace("['", ".").replace("']", ""))
    for part in normalised.strip(".").split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit():
            current = current[int(part)] if int(part) < len(current) else None
        else:
            return None
        if current is None:
            return None
    return current


class JavaString(str):
    """A request body as a Java String: length() counts UTF-16 code units, as API Gateway's $input.body.length()
    does (a character outside the Basic Multilingual Plane, such as an emoji, counts 2)."""

    def length(self) -> int:
        return len(self.encode("utf-16-le")) // 2

    # The other String methods templates call on a body, as airspeed provides them for str (a subclass is not
    # looked up there); each returns a plain str.
    def replaceAll(self, pattern: str, replacement: str) -> str:
        return re.sub(pattern, replacement, self)

    def matches(self, pattern: str) -> bool:
        return re.fullmatch(pattern, self) is not None

    def contains(self, value: str) -> bool:
        return value in self


class JavaMap(dict[str, Any]):
    """A map as Java's: the methods templates call on $input.params() and its parts."""

    def containsKey(self, key: str) -> bool:
        return key in self

    def keySet(self) -> list[str]:  # airspeed adds keySet to dict itself, not to its subclasses
        return list(self)


class Input:
    """$input: the payload (request body, or integration response body) and the method request's parameters."""

    def __init__(self, body: str | None, path_params: dict[str, str], query: dict[str, str], headers: dict[str, str]):
        self.body = JavaString(body or "")
        self._path = path_params
        self._query = query
        self._headers = {k.lower(): (k, v) for k, v in headers.items()}

    def _document(self) -> Any:
        return json.loads(self.body) if self.body.strip() else {}

    def json(self, path: str) -> str:
        return json.dumps(json_path(self._document(), path), ensure_ascii=False, separators=(",", ":"))

    def path(self, path: str) -> Any:
        return json_path(self._document(), path)

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return JavaMap(
                path=JavaMap(self._path),
                querystring=JavaMap(self._query),
                header=JavaMap({original: value for original, value in self._headers.values()}),
            )
        for source in (self._path, self._query):
            if name in source:
                return source[name]
        if name.lower() in self._headers:
            return self._headers[name.lower()][1]
        return ""


@lru_cache(maxsize=256)
def compiled(template: str) -> airspeed.Template:
    """A template parsed once: airspeed parses on every merge otherwise (~8 ms of CPU per render of the CRUD
    templates, two renders per request, make bench). Compiled before it is shared; a merge only reads it."""
    parsed = airspeed.Template(template)
    parsed.ensure_compiled()
    return parsed


def render(template: str, input_: Input, context: dict[str, Any], stage_variables: dict[str, str] | None = None) -> str:
    return str(
        compiled(template).merge(
            {"input": input_, "util": Util(), "context": context, "stageVariables": stage_variables or {}}
        )
    )
