"""The catalog's row rules: one spelling per value, VTEX's units and lengths, image lists that
split, a product's columns the same on all its SKU rows, one SKU per EAN."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from importer.flows.catalog import kits, policies, specfields
from importer.flows.catalog.images import split_image_urls
from importer.flows.catalog.spec import PRODUCT_COLUMNS
from importer.flows.spec import Raw, RuleResult, missing
from importer.messages import row_error
from importer.models import RowError

# VTEX's MeasurementUnit enum (API-NOTES §3.4), keyed by how ERPs tend to write them.
MEASUREMENT_UNITS = {
    u.replace("²", "2").replace("³", "3"): u
    for u in (
        "un",
        "kg",
        "g",
        "mg",
        "m",
        "m²",
        "m³",
        "cm",
        "cm²",
        "cm³",
        "mm",
        "mm²",
        "mm³",
        "oz",
        "lb",
        "ft",
        "ft²",
        "ft³",
        "in",
        "in²",
        "in³",
    )
} | {"und": "un", "unid": "un", "unidade": "un", "pc": "un", "pç": "un", "pca": "un"}


def _unit_key(text: str) -> str:
    return text.strip().casefold().replace("²", "2").replace("³", "3").rstrip(".")


def catalog_normalise(frame: pd.DataFrame) -> None:
    """One spelling per value, before the rules look and the diff hashes."""
    frame["measurement_unit"] = frame["measurement_unit"].map(
        lambda u: MEASUREMENT_UNITS.get(_unit_key(u), u)
    )
    # FORMATS: sku_name defaults to product_name. Said once, here, so that a SKU named after its
    # product follows a rename of the product (the name is part of what the SKU diff sees).
    frame["sku_name"] = frame["sku_name"].where(frame["sku_name"] != "", frame["product_name"])
    # Deactivating a product in VTEX does not deactivate its SKUs (a known issue, FLOWS §2.10):
    # an inactive product's SKUs are made inactive too, through their own column.
    frame["sku_active"] = frame["sku_active"].where(frame["product_active"] != "false", "false")


# VTEX's documented lengths (API-NOTES §3.3, §3.4: product Name and Title <= 150, product RefId
# <= 100, SKU Name <= 200, SKU RefId <= 50): a longer value would not land as written. Each
# column: the template that says whose field it is, VTEX's own name of the field (a proper
# noun, the same in every language, so data), and the limit.
CATALOG_TEXT_LIMITS = {
    "product_name": ("text-too-long-product-name", "Name", 150),
    "product_ref": ("text-too-long-product", "RefId", 100),
    "sku_name": ("text-too-long-sku", "Name", 200),
    "sku_ref": ("text-too-long-sku", "RefId", 50),
}


def _given_categories(frame: pd.DataFrame) -> tuple[str, ...]:
    """("category",) when the file gives categories; () for a file without the column (or
    with no value in it on any row): its products go to default_category (the flow says so
    when none is set), so an empty cell is not a row error there."""
    return ("category",) if (frame["category"] != "").any() else ()


def catalog_rules(frame: pd.DataFrame, raw: Raw) -> RuleResult:
    results: RuleResult = []

    for name in ("sku_ref", "product_ref", "product_name", *_given_categories(frame), "brand"):
        results.append(((frame[name] == "").to_numpy(), missing(name)))
    # 'Roupas >' or '>' alone: a path with an empty level.
    no_path = (
        (frame["category"] != "")
        & ~frame["category"].str.fullmatch(r"\d+")
        & frame["category"].str.split(">").map(lambda parts: any(not p.strip() for p in parts))
    ).to_numpy(dtype=bool)
    results.append(
        (
            no_path,
            lambda row, i: row_error(
                "invalid-combination",
                template="category-empty-level",
                row=row,
                column="category",
                value=str(raw["category"].iloc[i]),
            ),
        )
    )

    def too_long(
        name: str, template: str, vtex_field: str, limit: int
    ) -> Callable[[int, int], RowError]:
        return lambda row, i: row_error(
            "text-too-long",
            template=template,
            row=row,
            column=name,
            value=str(raw[name].iloc[i]),
            length=len(str(frame[name].iloc[i])),
            limit=limit,
            field=vtex_field,
        )

    for name, (template, vtex_field, limit) in CATALOG_TEXT_LIMITS.items():
        over = (frame[name].str.len() > limit).to_numpy(dtype=bool)
        results.append((over, too_long(name, template, vtex_field, limit)))
    images = frame["image_urls"]
    unsplittable = (
        # astype: an empty column maps to object dtype, which `&` with booleans refuses.
        (images != "") & images.map(lambda cell: split_image_urls(cell) is None).astype(bool)
    ).to_numpy(dtype=bool)
    results.append(
        (
            unsplittable,
            lambda row, i: row_error(
                "image-urls-unsplittable",
                row=row,
                column="image_urls",
                value=str(raw["image_urls"].iloc[i]),
            ),
        )
    )
    units = frame["measurement_unit"]
    bad_unit = ((units != "") & ~units.isin(set(MEASUREMENT_UNITS.values()))).to_numpy(dtype=bool)
    results.append(
        (
            bad_unit,
            lambda row, i: row_error(
                "invalid-combination",
                template="unknown-measurement-unit",
                row=row,
                column="measurement_unit",
                value=str(raw["measurement_unit"].iloc[i]),
                units=", ".join(sorted(set(MEASUREMENT_UNITS.values()))),
            ),
        )
    )
    results += policies.rules(frame, raw) + specfields.rules(frame, raw) + kits.rules(frame, raw)
    # One product, one description: its columns repeat on every SKU row and must agree.
    product_columns = [
        c for c in frame.columns if c in PRODUCT_COLUMNS or str(c).startswith("product_spec:")
    ]
    # Compare with the product's first complete row: a row missing its brand is reported as
    # such, and must not make its siblings look inconsistent.
    complete = np.ones(len(frame), dtype=bool)
    for name in ("product_ref", "product_name", *_given_categories(frame), "brand"):
        complete &= (frame[name] != "").to_numpy(dtype=bool)
    reference = frame[complete].drop_duplicates("product_ref").set_index("product_ref")
    first = pd.DataFrame(
        {
            c: frame["product_ref"].map(reference[c]).fillna(frame[c])
            for c in product_columns
            if c != "product_ref"
        }
    )

    def disagrees(name: str) -> Callable[[int, int], RowError]:
        def make(row: int, i: int) -> RowError:
            product = str(frame["product_ref"].iloc[i])
            expected = str(first[name].iloc[i])
            return row_error(
                "invalid-combination",
                template="product-column-differs",
                row=row,
                column=name,
                value=str(raw[name].iloc[i]),
                product=product,
                expected=expected,
            )

        return make

    has_product = (frame["product_ref"] != "").to_numpy()
    for name in product_columns:
        if name != "product_ref":
            differs = (frame[name] != first[name]).to_numpy(dtype=bool) & has_product
            results.append((differs, disagrees(str(name))))
    return results


def unique_eans(records: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
    """VTEX keeps an EAN on one SKU: a valid row whose EAN an earlier valid row (another SKU:
    each SKU has one row by now) already has is invalid, and names that row."""
    eans = records["ean"]
    filled = eans != ""
    again = (filled & eans.duplicated(keep="first")).to_numpy(dtype=bool)
    if not again.any():
        return records, []
    first = records[filled].drop_duplicates("ean").set_index("ean")
    errors = [
        row_error(
            "duplicate-ean",
            row=int(rec["row"]),
            column="ean",
            value=str(rec["ean"]),
            key=str(rec["key"]),
            first_row=int(str(first.at[rec["ean"], "row"])),
            first_sku=str(first.at[rec["ean"], "sku_ref"]),
        )
        for _, rec in records[again].iterrows()
    ]
    return records[~again], errors
