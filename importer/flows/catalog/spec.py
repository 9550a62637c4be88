"""The catalog file's columns: a product's own (repeated on each of its SKU rows) and a SKU's.

`product_spec:<name>` and `sku_spec:<name>` columns name VTEX specifications as the ERP wrote
them (see `importer.validate`, which reads the spec's prefixes).
"""

from __future__ import annotations

from importer.flows.spec import ZERO, Column, FlowSpec

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
    "trade_policies",
    "spec_types",
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
    "kit_components",
)

CATALOG = FlowSpec(
    name="catalog",
    columns=(
        Column("product_ref", "code", required=True),
        Column("product_name", "text", required=True),
        # Required unless [flows.catalog] default_category is set (checked by the flow).
        Column("category", "text"),
        Column("brand", "text", required=True),
        Column("description", "text"),
        Column("short_description", "text"),
        Column("keywords", "text"),
        Column("product_active", "bool"),
        Column("sku_ref", "code", required=True),
        Column("sku_name", "text"),
        Column("ean", "code"),
        Column("manufacturer_code", "code"),
        Column("weight_kg", "decimal", minimum=ZERO, exclusive_minimum=True),
        Column("height_cm", "decimal", minimum=ZERO, exclusive_minimum=True),
        Column("width_cm", "decimal", minimum=ZERO, exclusive_minimum=True),
        Column("length_cm", "decimal", minimum=ZERO, exclusive_minimum=True),
        Column("unit_multiplier", "decimal", minimum=ZERO, exclusive_minimum=True),
        Column("measurement_unit", "text"),
        Column("image_urls", "text"),
        Column("sku_active", "bool"),
        # Extensions of FORMATS (README "The catalog"): policies.py, specfields.py, kits.py.
        Column("trade_policies", "text"),
        Column("spec_types", "text"),
        Column("kit_components", "text"),
    ),
    prefixes=("product_spec:", "sku_spec:"),
    hashed=SKU_COLUMNS,
)
