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
    prefixes: tuple[str, ...] = ()  # column families named by the ERP ('product_spec:Cor')
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
        # When the ERP counted this stock (without it: the file's modification time; see
        # `validate.stamp_count_time`). Sent as VTEX's dateUtcOnBalanceSystem, so that VTEX
        # releases only the reservations the count reflects. Not hashed: a new count of the
        # same quantity is not a change to send (a file stamped with its own time would
        # otherwise re-send every row of every export).
        Column("balance_at", "date"),
    ),
    one_of=(("sku_ref", "sku_id"),),
    key_columns=("warehouse_id",),
    hashed=("quantity", "unlimited", "lead_time"),
)

POSITIVE = "greater than 0"
# The product's own columns: they repeat on each of its SKU rows, and are diffed per product.
PRODUCT_COLUMNS = (
    "product_ref",
    "product_name",
    "category",
    "brand",
    "description",
    "short_description",
    "keywords",
    "product_active",
)
# The SKU's own columns (with product_ref: a SKU that moves to another product changed).
SKU_COLUMNS = (
    "product_ref",
    "sku_name",
    "ean",
    "manufacturer_code",
    "weight_kg",
    "height_cm",
    "width_cm",
    "length_cm",
    "unit_multiplier",
    "measurement_unit",
    "image_urls",
    "sku_active",
)

CATALOG = FlowSpec(
    name="catalog",
    columns=(
        Column("product_ref", "code", required=True),
        Column("product_name", "text", required=True),
        Column("category", "text", required=True),
        Column("brand", "text", required=True),
        Column("description", "text"),
        Column("short_description", "text"),
        Column("keywords", "text"),
        Column("product_active", "bool"),
        Column("sku_ref", "code", required=True),
        Column("sku_name", "text"),
        Column("ean", "code"),
        Column("manufacturer_code", "code"),
        Column("weight_kg", "decimal", minimum=ZERO, exclusive_minimum=True, rule=POSITIVE),
        Column("height_cm", "decimal", minimum=ZERO, exclusive_minimum=True, rule=POSITIVE),
        Column("width_cm", "decimal", minimum=ZERO, exclusive_minimum=True, rule=POSITIVE),
        Column("length_cm", "decimal", minimum=ZERO, exclusive_minimum=True, rule=POSITIVE),
        Column("unit_multiplier", "decimal", minimum=ZERO, exclusive_minimum=True, rule=POSITIVE),
        Column("measurement_unit", "text"),
        Column("image_urls", "text"),
        Column("sku_active", "bool"),
    ),
    prefixes=("product_spec:", "sku_spec:"),
    hashed=SKU_COLUMNS,
)

TRACKING_COLUMNS = ("courier", "tracking_number", "tracking_url")

INVOICES = FlowSpec(
    name="invoices",
    columns=(
        Column("order_id", "code", required=True),
        Column("invoice_number", "code", required=True),
        Column(
            "invoice_value",
            "decimal",
            required=True,
            minimum=ZERO,
            exclusive_minimum=True,
            rule=POSITIVE,
        ),
        Column("issuance_date", "date"),
        Column("invoice_key", "code"),
        Column("invoice_url", "text"),
        Column("invoice_type", "text"),
        Column("courier", "text"),
        Column("tracking_number", "code"),
        Column("tracking_url", "text"),
        Column("items", "text"),
    ),
    key_columns=("order_id", "invoice_number"),
    hashed=(
        "invoice_value",
        "issuance_date",
        "invoice_key",
        "invoice_url",
        "invoice_type",
        "items",
        *TRACKING_COLUMNS,
    ),
)

FLOW_SPECS: dict[str, FlowSpec] = {
    spec.name: spec for spec in (PRICES, INVENTORY, CATALOG, INVOICES)
}
