"""An item as the CRUD API stores it, for writers other than the API (the import worker).

The API's state machine (statemachines/crud.asl.json, `PutItem`) writes `id`, `version` 1, `createdAt` and
`updatedAt`, `cost` (the body's characters plus the server's overhead, the unit of a list page's budget),
`owner` under owner isolation, and `document` (the body with the schema's defaults, as JSON text). Its request
template refuses a body longer than `maxBodyChars` characters (UTF-16 units, as API Gateway counts), nested
deeper than `maxDepth`, or with a number of more than 38 significant digits; API Gateway validates the rest
against the item's input schema. A line of an import gets exactly these checks and this layout.

The contract (`ITEM_CONTRACT`, JSON) is crud_api's `item_contract` output, rendered by Terraform from the same
schema and limits as the API, so the API and the importer cannot drift:

    {"schema": <draft-04 input schema, refs under #/definitions>, "defaults": {...}, "maxBodyChars": n,
     "itemOverheadChars": n, "maxDepth": 32, "maxDigits": 38,
     "indexes": {name: {"partitionField", "partitionAttribute", "sortField", "sortAttribute", "sortType"}}}

Each index's two key attributes are written as the API's PutItem writes them (common.index_keys).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import fastjsonschema

from common import index_keys
from common.index_keys import IndexKey
from common.json_text import deeper_than

ERROR_CHARS = 120  # a rejection's message in a report: enough to act on, bounded so reports stay small


DYNAMODB_NUMBER_RANGE = (Decimal("1E-130"), Decimal("9.9999999999999999999999999999999999999E+125"))


class LineRejected(ValueError):
    """The line is not an item the API would accept; the message says why, in a report's words."""


@dataclass(frozen=True)
class ItemContract:
    schema: Mapping[str, Any]
    defaults: Mapping[str, Any]
    max_body_chars: int
    item_overhead_chars: int
    max_depth: int = 32
    max_digits: int = 38
    number_range: tuple[Decimal, Decimal] = DYNAMODB_NUMBER_RANGE
    indexes: tuple[IndexKey, ...] = ()
    _validate: list[Callable[[Any], Any]] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def from_json(cls, text: str) -> ItemContract:
        contract = json.loads(text)
        return cls(
            schema=contract["schema"],
            defaults=contract.get("defaults") or {},
            max_body_chars=int(contract["maxBodyChars"]),
            item_overhead_chars=int(contract["itemOverheadChars"]),
            max_depth=int(contract.get("maxDepth", 32)),
            max_digits=int(contract.get("maxDigits", 38)),
            number_range=number_range(contract.get("numberRange")),
            indexes=index_keys.from_contract(contract.get("indexes")),
        )

    def validator(self) -> Callable[[Any], Any]:
        if not self._validate:  # compiled once per process (fastjsonschema generates Python code)
            self._validate.append(fastjsonschema.compile(dict(self.schema)))
        return self._validate[0]


def number_range(declared: Mapping[str, str] | None) -> tuple[Decimal, Decimal]:
    """The contract's numberRange as exact decimals (a contract rendered before it had one: DynamoDB's)."""
    if not declared:
        return DYNAMODB_NUMBER_RANGE
    return Decimal(declared["smallest"]), Decimal(declared["largest"])


def characters(text: str) -> int:
    """The length API Gateway's `$input.body.length()` gives: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_EXPONENT = re.compile(r"[eE][+-]?\d+$")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def significant_digits(literal: str) -> int:
    mantissa = _EXPONENT.sub("", literal.lstrip("-")).replace(".", "")
    return len(mantissa.strip("0")) or 1


def _refuse_constant(name: str) -> Any:
    raise LineRejected(f"{name} is not JSON")


def depth(value: Any) -> int:
    """Levels of objects and arrays, the item itself counted (DynamoDB's 32-level limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict | list):
            deepest = max(deepest, level)
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, level + 1) for child in children)
    return deepest


def parse(contract: ItemContract, line: str) -> tuple[dict[str, Any], int]:
    """The line's body and its length in characters, or LineRejected with the API's reason."""
    chars = characters(line)
    if chars > contract.max_body_chars:
        raise LineRejected(f"longer than {contract.max_body_chars} characters, the largest item the API stores")

    smallest, largest = contract.number_range

    def number(literal: str) -> int | float:
        """The API's number rule, compared as decimals: at most max_digits significant digits, 0 or a magnitude
        within DynamoDB's range (as a float, 9.99...E+125 and 1E+126 are the same number)."""
        if significant_digits(literal) > contract.max_digits:
            raise LineRejected(f"a number has more than {contract.max_digits} significant digits")
        magnitude = Decimal(literal).copy_abs()  # abs() would round to the context's 28 digits
        if magnitude and not smallest <= magnitude <= largest:
            raise LineRejected(f"a number is outside DynamoDB's range ({smallest} to {largest} in magnitude)")
        return float(literal) if any(c in literal for c in ".eE") else int(literal)

    if deeper_than(line, contract.max_depth):  # before parsing: json.loads recurses once per level
        raise LineRejected(f"objects and arrays nest more than {contract.max_depth} levels deep")
    try:
        body = json.loads(line, parse_constant=_refuse_constant, parse_float=number, parse_int=number)
    except json.JSONDecodeError as error:
        raise LineRejected(f"not JSON ({error.msg} at column {error.colno})") from None
    if _SURROGATE_ESCAPE.search(line):  # only an escape can put a surrogate into text decoded from UTF-8
        try:
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeError:
            raise LineRejected("a string holds a lone surrogate, which is not Unicode text") from None
    if not isinstance(body, dict):
        raise LineRejected("not a JSON object")
    if depth(body) > contract.max_depth:
        raise LineRejected(f"objects and arrays nest more than {contract.max_depth} levels deep")
    try:
        contract.validator()(body)
    except fastjsonschema.JsonSchemaValueException as error:
        raise LineRejected(error.message[:ERROR_CHARS]) from None
    return body, chars


def attribute_values(
    contract: ItemContract, body: Mapping[str, Any], item_id: str, now: str, chars: int, owner: str | None
) -> dict[str, dict[str, str]]:
    """The item as DynamoDB attribute values, laid out as the API's PutItem writes it."""
    document = {**contract.defaults, **body}  # States.JsonMerge(defaults, body, false): shallow, body wins
    item = {
        "id": {"S": item_id},
        "version": {"N": "1"},
        "createdAt": {"S": now},
        "updatedAt": {"S": now},
        "cost": {"N": str(chars + contract.item_overhead_chars)},
        "document": {"S": json.dumps(document, ensure_ascii=False, separators=(",", ":"))},
    }
    if owner is not None:
        item["owner"] = {"S": owner}
    fields = {**document, "createdAt": now, "updatedAt": now}
    for index in contract.indexes:
        item.update(index.attributes(fields, owner))
    return item
