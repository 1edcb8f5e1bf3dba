"""The key attributes of crud_api's query indexes (`indexes`), as the API's state machine writes them.

statemachines/crud.asl.json (`PutItem`, `ReplaceItem`) stores, beside the document, two attributes per index:
`index.<name>.partition`, "<owner>#<value>" of the partition field (owner empty without owner isolation: a key
cannot hold an empty string), and `index.<name>.sort`, "#<value>" of a string sort field (the same order) or
the number of a number field. Other writers (the import worker) and the backfill write them alike; the
declaration comes from crud_api's item contract (`indexes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class IndexKey:
    """How one query index is keyed: which fields, in which attributes."""

    name: str
    partition_field: str
    partition_attribute: str
    sort_field: str
    sort_attribute: str
    sort_type: str  # "S" or "N"

    @classmethod
    def from_contract(cls, name: str, declared: Mapping[str, str]) -> IndexKey:
        return cls(
            name,
            declared["partitionField"],
            declared["partitionAttribute"],
            declared["sortField"],
            declared["sortAttribute"],
            declared["sortType"],
        )

    def attributes(self, fields: Mapping[str, Any], owner: str | None) -> dict[str, dict[str, str]]:
        """The two key attributes of an item whose fields (document and server fields) are `fields`;
        KeyError when the item lacks one of the two fields."""
        sort_value = fields[self.sort_field]
        sort = {"N": number_text(sort_value)} if self.sort_type == "N" else {"S": f"#{sort_value}"}
        return {
            self.partition_attribute: {"S": f"{owner or ''}#{fields[self.partition_field]}"},
            self.sort_attribute: sort,
        }


def number_text(value: int | float | Decimal) -> str:
    """A number as DynamoDB takes it (Decimal keeps an int's digits and a float's shortest repr)."""
    return str(
        Decimal(value) if isinstance(value, int) else Decimal(repr(value)) if isinstance(value, float) else value
    )


def from_contract(declared: Mapping[str, Mapping[str, str]] | None) -> tuple[IndexKey, ...]:
    """Every index of an item contract's `indexes`, by name."""
    return tuple(IndexKey.from_contract(name, index) for name, index in sorted((declared or {}).items()))
