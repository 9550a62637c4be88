"""Who owns a catalog column once the product or SKU exists in VTEX (`[flows.catalog] owners`).

`erp` (the default for every column): each file's value is sent, and a value edited in the
Admin is put back by the next file that lists the key after `importer reconcile catalog`
found the edit. `admin`: the file's value is sent only when the importer creates the product
or SKU; afterwards the Admin's value stands. An update never sends the column (its field goes
back as VTEX holds it, its call is not made), and the row says so whenever the file's value
differs from what the store knows VTEX holds: a `warning` of type `admin-owned`. What the
snapshot records for such a column is what VTEX holds (the previous value), not the file's,
so that the snapshot never claims a value VTEX does not have.

The columns that can be owned are those an update writes, specifications included (a
`product_spec:<Name>` or `sku_spec:<Name>` column, by its name); the keys (`product_ref`,
`sku_ref`) cannot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from importer.flows.catalog.records import PRODUCT_SPEC, SKU_SPEC

Owner = Literal["erp", "admin"]
Record = dict[str, Any]

# The product's columns and the field of VTEX's product record each one is written to.
PRODUCT_FIELDS: dict[str, str] = {
    "product_name": "Name",
    "category": "CategoryId",
    "brand": "BrandId",
    "description": "Description",
    "short_description": "DescriptionShort",
    "keywords": "KeyWords",
    "product_active": "IsActive",
}
# The SKU's columns written as fields of VTEX's SKU record (sku_active by the activation PUT).
SKU_FIELDS: dict[str, str] = {
    "sku_name": "Name",
    "manufacturer_code": "ManufacturerCode",
    "weight_kg": "PackagedWeightKg",
    "height_cm": "PackagedHeight",
    "width_cm": "PackagedWidth",
    "length_cm": "PackagedLength",
    "unit_multiplier": "UnitMultiplier",
    "measurement_unit": "MeasurementUnit",
    "sku_active": "IsActive",
}
# The SKU's columns sent by calls of their own.
SKU_CALLS = ("ean", "image_urls")
OWNABLE: tuple[str, ...] = (*PRODUCT_FIELDS, *SKU_FIELDS, *SKU_CALLS)
# Specification columns, owned one by one by their full name ("product_spec:Cor").
OWNABLE_SPECS = (f"{PRODUCT_SPEC}<Name>", f"{SKU_SPEC}<Name>")


def unknown_owned(owners: Mapping[str, str]) -> str | None:
    """The first column of `owners` that cannot be owned (config validation), or None."""
    return next((c for c in sorted(owners) if not _ownable(c)), None)


def _ownable(column: str) -> bool:
    if column in OWNABLE:
        return True
    prefix = next((p for p in (PRODUCT_SPEC, SKU_SPEC) if column.startswith(p)), None)
    return prefix is not None and bool(column[len(prefix) :].strip())


def admin_columns(owners: Mapping[str, str]) -> frozenset[str]:
    return frozenset(c for c, owner in owners.items() if owner == "admin")


@dataclass(frozen=True)
class HeldBack:
    """An admin-owned column whose file value an update did not send. `held` is what the
    store knows VTEX holds ("" when it knows nothing: the importer met the record first in
    VTEX, or VTEX held it empty)."""

    column: str
    value: str
    held: str


def hold_back(
    record: Record, previous: Record | None, admin: frozenset[str], columns: list[str]
) -> tuple[Record, list[HeldBack]]:
    """For an update of an existing record: `record` with each admin-owned column of
    `columns` as VTEX holds it (the previous value; the file's when the store has none, so
    that a reconcile can tell), and what was held back from VTEX. An emptied cell is not held
    back here: an update never clears a catalog value anyway (`value-kept`)."""
    kept = dict(record)
    held: list[HeldBack] = []
    for column in columns:
        if column not in admin:
            continue
        value = str(record.get(column, "") or "")
        before = None if previous is None else str(previous.get(column, "") or "")
        if not value or value == before:
            continue
        held.append(HeldBack(column, value, before or ""))
        if before is not None:
            kept[column] = before
    return kept, held


def keep_admin_fields(
    body: Record, current: Record, admin: frozenset[str], fields: Mapping[str, str]
) -> Record:
    """A PUT body with the fields of admin-owned columns as VTEX holds them now (`current`),
    whatever the merge put there: the Admin's edit survives an update of other columns."""
    kept = dict(body)
    for column, name in fields.items():
        if column in admin and name in current:
            kept[name] = current[name]
    return kept
