"""The `spec_types` column: the type and position of the specification fields the file names.

A cell is `name:Type|name:Type...` (`Cor:Combo|Tamanho:Radio|Material:Text`): each entry names
a `product_spec:<name>` or `sku_spec:<name>` column of the file (or says which, as
`sku_spec:Cor:Combo`, when the file has both), gives its type by VTEX's name, and its place in
the cell is the field's Position (1, 2, ...). A field VTEX lacks is created with that type and
position in the product's category, in the `spec_group` group (made when missing), before the
first value is sent; a field VTEX has with another type is said on the product line (a
`warning`, `spec-type-differs`) and never created again. Without the column, the by-name call
creates fields as before (VTEX's choice of type).

Fields without values (Text, Number, ...) take the whole cell as their one text (no "|"
split), associated by FieldId; VTEX's by-name call takes only fields with values.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np
import pandas as pd

from importer.flows.spec import Raw, RuleResult
from importer.messages import row_error
from importer.models import RowError
from importer.vtex.catalog import CatalogClient, Json, create_once

COLUMN = "spec_types"
PRODUCT_SPEC, SKU_SPEC = "product_spec:", "sku_spec:"
# VTEX's FieldTypeIds by their documented names (API-NOTES §3.7, §12.8: the API's ids, not the
# ERP guide's list order).
TYPES = {
    "Text": 1,
    "Multi-Line Text": 2,
    "Number": 4,
    "Combo": 5,
    "Radio": 6,
    "Checkbox": 7,
    "Indexed Text": 8,
    "Indexed Multi-Line Text": 9,
}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
VALUE_TYPES = frozenset({5, 6, 7})  # the types whose values are a list VTEX keeps
SKU_TYPES = frozenset({5, 6})  # VTEX: "Sku Field can be only of the Radio or Combo type"


def _type_key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


_BY_KEY = {_type_key(name): type_id for name, type_id in TYPES.items()}


@dataclass(frozen=True)
class FieldType:
    column: str  # product_spec:<name> or sku_spec:<name>
    type_id: int
    position: int

    @property
    def name(self) -> str:
        return self.column.split(":", 1)[1]

    @property
    def for_sku(self) -> bool:
        return self.column.startswith(SKU_SPEC)


class SpecTypeError(Exception):
    def __init__(self, template: str, **fields: str) -> None:
        super().__init__(template)
        self.template, self.fields = template, fields


def parse(text: str, columns: set[str]) -> list[FieldType]:
    """The cell's entries against the file's spec columns; SpecTypeError says what is wrong."""
    entries: list[FieldType] = []
    for position, part in enumerate((p.strip() for p in text.split("|")), start=1):
        name, sep, type_name = part.rpartition(":")
        name, type_name = name.strip(), type_name.strip()
        if not sep or not name or not type_name:
            raise SpecTypeError("spec-types-invalid")
        type_id = _BY_KEY.get(_type_key(type_name))
        if type_id is None:
            raise SpecTypeError(
                "spec-type-unknown", name=name, kind=type_name, types=", ".join(TYPES)
            )
        column = _column(name, columns, type_name)
        if column.startswith(SKU_SPEC) and type_id not in SKU_TYPES:
            raise SpecTypeError("spec-type-sku", name=name, kind=type_name)
        entries.append(FieldType(column, type_id, position))
    if len({e.column for e in entries}) != len(entries):
        raise SpecTypeError("spec-types-invalid")
    return entries


def _column(name: str, columns: set[str], type_name: str) -> str:
    if name.startswith((PRODUCT_SPEC, SKU_SPEC)):
        if name not in columns:
            raise SpecTypeError("spec-type-no-column", name=name.split(":", 1)[1])
        return name
    found = [c for c in (PRODUCT_SPEC + name, SKU_SPEC + name) if c in columns]
    if not found:
        raise SpecTypeError("spec-type-no-column", name=name)
    if len(found) > 1:
        raise SpecTypeError("spec-type-ambiguous", name=name, kind=type_name)
    return found[0]


def rules(frame: pd.DataFrame, raw: Raw) -> RuleResult:
    columns = {str(c) for c in frame.columns if str(c).startswith((PRODUCT_SPEC, SKU_SPEC))}
    problems: dict[str, SpecTypeError | None] = {}
    for cell in frame[COLUMN].unique():
        if cell:
            try:
                parse(str(cell), columns)
                problems[str(cell)] = None
            except SpecTypeError as exc:
                problems[str(cell)] = exc
    bad = frame[COLUMN].map(lambda c: problems.get(c) is not None).to_numpy(dtype=bool)

    def make(row: int, i: int) -> RowError:
        problem = problems[str(frame[COLUMN].iloc[i])]
        assert problem is not None
        return row_error(
            "spec-types-invalid",
            template=problem.template,
            row=row,
            column=COLUMN,
            value=str(raw[COLUMN].iloc[i]),
            **problem.fields,
        )

    return [(np.asarray(bad, dtype=bool), make)]


def declared(product: dict[str, object], file_columns: set[str]) -> dict[str, FieldType]:
    """The product row's entries by column (validation refused the cells that do not parse).
    `file_columns`: the file's columns (a product record holds the product's own only)."""
    text = str(product.get(COLUMN) or "")
    if not text:
        return {}
    columns = {c for c in {*product, *file_columns} if c.startswith((PRODUCT_SPEC, SKU_SPEC))}
    try:
        return {e.column: e for e in parse(text, columns)}
    except SpecTypeError:
        return {}


@dataclass(frozen=True)
class Mismatch:
    name: str
    held: int
    wanted: int


class FieldMaker:
    """Finds or creates the typed fields of one category, once per run for each field (so a
    category's hundred products cost the reads once)."""

    def __init__(self, client: CatalogClient, group_name: str, attempts: int) -> None:
        self.client, self.group_name, self.attempts = client, group_name, attempts
        self.fields: dict[tuple[int, bool, str], tuple[int, int]] = {}  # -> (id, type)
        self.listed: dict[int, list[Json]] = {}
        self.groups: dict[int, int] = {}
        # Products are sent side by side: two of one category must not both create its field.
        self.locks: dict[int, asyncio.Lock] = {}

    async def ensure(self, category_id: int, wanted: list[FieldType]) -> list[Mismatch]:
        mismatches: list[Mismatch] = []
        lock = self.locks.setdefault(category_id, asyncio.Lock())
        for entry in wanted:
            key = (category_id, entry.for_sku, entry.name)
            async with lock:
                if key not in self.fields:
                    self.fields[key] = await self._find_or_create(category_id, entry)
            _, held_type = self.fields[key]
            if held_type != entry.type_id:
                mismatches.append(Mismatch(entry.name, held_type, entry.type_id))
        return mismatches

    def held_type(self, category_id: int, entry: FieldType) -> int:
        """The FieldTypeId VTEX holds for the field (`ensure` first); the file's otherwise."""
        known = self.fields.get((category_id, entry.for_sku, entry.name))
        return known[1] if known else entry.type_id

    def field_id(self, category_id: int, entry: FieldType) -> int:
        """The field's id (`ensure` found or made it first)."""
        return self.fields[(category_id, entry.for_sku, entry.name)][0]

    async def _listed(self, category_id: int) -> list[Json]:
        if category_id not in self.listed:
            self.listed[category_id] = await self.client.category_fields(category_id)
        return self.listed[category_id]

    async def _find_or_create(self, category_id: int, entry: FieldType) -> tuple[int, int]:
        listed = await self._listed(category_id)
        match = next((f for f in listed if _same(f, entry)), None)
        if match is not None:
            field = await self.client.field(int(match["FieldId"]))
            return int(match["FieldId"]), int(field.get("FieldTypeId") or 0)
        body: Json = {
            "FieldTypeId": entry.type_id,
            "CategoryId": category_id,
            "FieldGroupId": await self._group(category_id),
            "Name": entry.name,
            "Position": entry.position,
            "IsStockKeepingUnit": entry.for_sku,
            "IsActive": True,
            "IsRequired": False,
            "IsFilter": False,
            "IsOnProductDetails": True,
        }

        async def create() -> int:
            return await self.client.create_field(body)

        async def find() -> int | None:
            # A create whose answer was lost: VTEX may hold the field already.
            again = await self.client.category_fields(category_id)
            match = next((f for f in again if _same(f, entry)), None)
            return int(match["FieldId"]) if match else None

        field_id = await create_once(create, find, self.attempts, self.client.http.pause_after)
        listed.append(
            {"Name": entry.name, "FieldId": field_id, "IsStockKeepingUnit": entry.for_sku}
        )
        return field_id, entry.type_id

    async def _group(self, category_id: int) -> int:
        if category_id not in self.groups:
            groups = await self.client.category_groups(category_id)
            found = next((g for g in groups if g.get("Name") == self.group_name), None)
            if found is not None:
                self.groups[category_id] = int(found["Id"])
            else:

                async def create() -> int:
                    return await self.client.create_group(category_id, self.group_name)

                async def find() -> int | None:
                    again = await self.client.category_groups(category_id)
                    match = next((g for g in again if g.get("Name") == self.group_name), None)
                    return int(match["Id"]) if match else None

                self.groups[category_id] = await create_once(
                    create, find, self.attempts, self.client.http.pause_after
                )
        return self.groups[category_id]


def _same(listed: Json, entry: FieldType) -> bool:
    return listed.get("Name") == entry.name and bool(listed.get("IsStockKeepingUnit")) == (
        entry.for_sku
    )
