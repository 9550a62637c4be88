"""The flow registry: each flow's columns, what is required, its key and what is hashed.

Declared, not scripted: validation, diff and reports read these specs. Column kinds say how a
cell is read (see `importer.validate`): codes stay text, money is decimal text, never float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Kind = Literal["code", "sku_id", "decimal", "int", "bool", "date", "leadtime", "text"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False  # the header must be there (or a default configured)
    minimum: Decimal | None = None
    exclusive_minimum: bool = False  # value must be > minimum rather than >=
    rule: str = ""  # how a person reads the minimum: "greater than 0"
    end_of_day: bool = False  # a bare date means the end of that day (period ends)


@dataclass(frozen=True)
class FlowSpec:
    name: str
    columns: tuple[Column, ...]
    one_of: tuple[tuple[str, ...], ...] = ()  # at least one header of each group is required
    key_columns: tuple[str, ...] = ()  # besides the SKU part of the key
    hashed: tuple[str, ...] = ()  # the content a change is detected on
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


ZERO = Decimal(0)

PRICES = FlowSpec(
    name="prices",
    columns=(
        Column("sku_ref", "code"),
        Column("sku_id", "sku_id"),
        Column(
            "base_price",
            "decimal",
            required=True,
            minimum=ZERO,
            exclusive_minimum=True,
            rule="greater than 0",
        ),
        Column("list_price", "decimal", minimum=ZERO, rule="0 or more"),
        Column("cost_price", "decimal", minimum=ZERO, rule="0 or more"),
        Column("markup", "int"),
        Column("trade_policy", "code"),
        Column(
            "fixed_price", "decimal", minimum=ZERO, exclusive_minimum=True, rule="greater than 0"
        ),
        Column("min_quantity", "int", minimum=Decimal(1), rule="1 or more"),
        Column("valid_from", "date"),
        Column("valid_to", "date", end_of_day=True),
    ),
    one_of=(("sku_ref", "sku_id"),),
    key_columns=("trade_policy", "min_quantity"),
    hashed=(
        "base_price",
        "list_price",
        "cost_price",
        "markup",
        "fixed_price",
        "valid_from",
        "valid_to",
    ),
)

INVENTORY = FlowSpec(
    name="inventory",
    columns=(
        Column("sku_ref", "code"),
        Column("sku_id", "sku_id"),
        Column("warehouse_id", "code", required=True),
        Column("quantity", "int", required=True, minimum=ZERO, rule="0 or more"),
        Column("unlimited", "bool"),
        Column("lead_time", "leadtime"),
    ),
    one_of=(("sku_ref", "sku_id"),),
    key_columns=("warehouse_id",),
    hashed=("quantity", "unlimited", "lead_time"),
)

FLOW_SPECS: dict[str, FlowSpec] = {spec.name: spec for spec in (PRICES, INVENTORY)}
