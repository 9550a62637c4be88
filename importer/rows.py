"""A row on its way to VTEX, as a typed value: what crosses prepare -> send -> record.

A changed row leaves the diff as an `OutRow`, built once: its key, content hash and file row,
its validated values (canonical text, by column), and beside them, as fields, what the stages
learn about it on its way: the SKU id it resolved to, the warehouse as VTEX spells it, whether
it is a full file's removal (and what the report says when it lands), the columns its file
owns, what VTEX accepted for it last, and whether an earlier batch job refused it. Each stage
returns a new row (`dataclasses.replace`) rather than writing into the one it was given, and
what became of a row (a failure and its reason) is its outcome (`importer.outcomes`), never
the row.

The store keeps a row as one JSON object (a pending row, a batch job's row, the snapshot's
payload) in the shape it had when those fields were keys of a dict: `payload` writes it and
`from_payload` reads it, the one place that knows those keys, so a store written by an earlier
version resumes under this one and the other way round.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

# The stored keys of what are fields here (the shape the store has always had).
ROW, KEY, HASH = "row", "key", "hash"
SKU_ID = "sku_id_resolved"
WAREHOUSE = "warehouse_vtex"
REMOVAL = "_removal"
REMOVAL_REASON = "_reason"
BATCH_REFUSED = "_batch_refused"
FILE_COLUMNS = "_file_columns"
PREVIOUS = "_previous"
_FIELDS = frozenset(
    {ROW, KEY, HASH, SKU_ID, WAREHOUSE, REMOVAL, REMOVAL_REASON, BATCH_REFUSED, FILE_COLUMNS}
    | {PREVIOUS}
)

# What VTEX accepted last for a key, as the snapshot keeps it (a JSON object).
Payload = Mapping[str, object]


class Unresolved(KeyError):
    """A row asked for what `importer.push` had not resolved (its SKU id, its warehouse): a
    bug of the caller, never of the file."""


@dataclass(frozen=True)
class Removal:
    """A full file's removal: a key the file no longer lists (stock set to 0, a SKU
    deactivated). `reason` is what its report row says when it lands ("" to say nothing)."""

    reason: str = ""


@dataclass(frozen=True, eq=False)
class OutRow:
    key: str
    hash: int
    line: int | None  # the file's row number; None for a row no file line gave (a removal)
    values: Mapping[str, str]  # the flow's columns (and what its room added), canonical text
    # The columns the row's file carries, for a flow whose files own only those (prices): a
    # pending retry then sends what its file meant. None: the flow does not say.
    file_columns: frozenset[str] | None = None
    previous: Payload | None = None  # what VTEX accepted last, for a room that compares
    removal: Removal | None = None
    # The error code of an earlier batch job that refused this row: it goes per SKU once.
    batch_refused: str = ""
    sku_id: int | None = None  # the SKU's VTEX id (its sku_id, or its RefId's), once resolved
    warehouse: str = ""  # the warehouse id as VTEX spells it, once VTEX listed it

    def get(self, column: str) -> str:
        """The row's value of `column`; "" when it has none."""
        return self.values.get(column, "")

    def carries(self, column: str) -> bool | None:
        """Whether the row's file has `column`; None when the row does not say (a flow that
        does not mark its rows, a row kept pending from before the mark existed)."""
        if self.file_columns is None:
            return None
        return column in self.file_columns

    def resolved_sku(self) -> int:
        if self.sku_id is None:
            raise Unresolved(SKU_ID)
        return self.sku_id

    def vtex_warehouse(self) -> str:
        if not self.warehouse:
            raise Unresolved(WAREHOUSE)
        return self.warehouse

    # -- the store's edge ------------------------------------------------------------------

    def payload(self) -> dict[str, object]:
        """The row as the store keeps it: its values, and its fields under their old keys
        (only those that are set, as the dict that carried them had them)."""
        out: dict[str, object] = dict(self.values)
        out[ROW], out[KEY], out[HASH] = self.line, self.key, self.hash
        if self.sku_id is not None:
            out[SKU_ID] = self.sku_id
        if self.warehouse:
            out[WAREHOUSE] = self.warehouse
        if self.removal is not None:
            out[REMOVAL] = True
            if self.removal.reason:
                out[REMOVAL_REASON] = self.removal.reason
        if self.batch_refused:
            out[BATCH_REFUSED] = self.batch_refused
        if self.file_columns is not None:
            out[FILE_COLUMNS] = ",".join(sorted(self.file_columns))
        if self.previous is not None:
            out[PREVIOUS] = dict(self.previous)
        return out

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> OutRow:
        """A row from what the store kept (by this version or an earlier one), or from a
        record the diff gave (the same shape, without the fields a stage sets)."""
        listed = payload.get(FILE_COLUMNS)
        previous = payload.get(PREVIOUS)
        refused = payload.get(BATCH_REFUSED)
        sku_id = payload.get(SKU_ID)
        removal = Removal(_text(payload.get(REMOVAL_REASON))) if payload.get(REMOVAL) else None
        return cls(
            key=str(payload[KEY]),
            hash=int(str(payload.get(HASH) or 0)),
            line=_line(payload.get(ROW)),
            values={
                k: v if type(v) is str else _text(v)  # most are text: no call for those
                for k, v in payload.items()
                if k not in _FIELDS
            },
            file_columns=frozenset(listed.split(",")) if isinstance(listed, str) else None,
            previous=_mapping(previous),
            removal=removal,
            batch_refused=refused if isinstance(refused, str) else "",
            sku_id=None if sku_id is None or sku_id == "" else int(str(sku_id)),
            warehouse=_text(payload.get(WAREHOUSE)),
        )


def _text(value: object) -> str:
    """A stored cell as text: blank for a missing one (None, or NaN from a frame's gap)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value if isinstance(value, str) else str(value)


def _line(value: object) -> int | None:
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(str(value)) if not isinstance(value, int | float) else int(value)


def _mapping(value: object) -> Payload | None:
    if not isinstance(value, Mapping):
        return None
    return {str(k): v for k, v in value.items()}
