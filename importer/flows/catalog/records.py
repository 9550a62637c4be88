"""Pure helpers: which columns belong to whom, request bodies, and merges into VTEX records.

Every update is VTEX's current record with only the file's columns changed (Catalog PUTs
replace the whole record, so a field the file does not carry must be sent back as VTEX has it).
"""

from __future__ import annotations

import hashlib
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from importer.flows.catalog.images import split_image_urls
from importer.flows.catalog.spec import PRODUCT_COLUMNS, SKU_COLUMNS

Record = dict[str, Any]

PRODUCT_SPEC = "product_spec:"
SKU_SPEC = "sku_spec:"
CATEGORY_SEPARATOR = ">"
# Dimensions VTEX requires to create a SKU (API-NOTES §3.4), by the file's column names.
REQUIRED_DIMENSIONS = ("height_cm", "width_cm", "length_cm", "weight_kg")


def product_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c in PRODUCT_COLUMNS or c.startswith(PRODUCT_SPEC)]


def sku_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c in SKU_COLUMNS or c.startswith(SKU_SPEC)]


def category_path(text: str) -> list[str]:
    """'Roupas > Camisetas > Manga curta' -> its levels, trimmed (trailing spaces make VTEX
    answer a bare 400)."""
    return [part.strip() for part in text.split(CATEGORY_SEPARATOR) if part.strip()]


def path_key(parts: list[str]) -> str:
    return " > ".join(p.casefold() for p in parts)


def brand_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def image_urls(text: str) -> list[str]:
    """The cell's URLs, main image first (validation refused cells that do not split into
    URLs; a row kept pending from before that rule falls back to "|" alone)."""
    urls = split_image_urls(text)
    if urls is None:
        return list(dict.fromkeys(u.strip() for u in text.split("|") if u.strip()))
    return urls


def spec_values(text: str) -> list[str]:
    return [v.strip() for v in text.split("|") if v.strip()]


def is_true(text: str, default: bool = True) -> bool:
    return default if text == "" else text == "true"


def grams(weight_kg: str, unit: str) -> int:
    """VTEX's PackagedWeightKg is in the store's unit (grams by default) and an integer."""
    return max(1, int(exact_weight(weight_kg, unit).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def exact_weight(weight_kg: str, unit: str) -> Decimal:
    """The file's weight in the store's unit, before VTEX's whole number."""
    kilos = Decimal(weight_kg)
    return kilos * 1000 if unit == "g" else kilos


def weight_rounded(weight_kg: str, unit: str) -> int | None:
    """What VTEX gets instead of the file's weight, when that is not the weight itself (a
    fraction of the unit is rounded off, and nothing weighs less than 1); None when exact."""
    sent = grams(weight_kg, unit)
    return None if exact_weight(weight_kg, unit) == sent else sent


# Columns whose emptied cell leaves VTEX's value in place (an update sends only filled cells,
# so that a blank in an export never wipes what the admin holds), plus every specification.
KEPT_WHEN_EMPTIED = (
    "description",
    "short_description",
    "keywords",
    "product_active",
    "ean",
    "manufacturer_code",
    "weight_kg",
    "height_cm",
    "width_cm",
    "length_cm",
    "unit_multiplier",
    "measurement_unit",
    "image_urls",
    "trade_policies",
    "spec_types",
    "kit_components",
)


def emptied(record: Record, previous: Record | None, columns: list[str]) -> list[str]:
    """Columns of `columns` that VTEX keeps although the row emptied them (they held a value
    VTEX accepted): the report must say so rather than claim 'X -> (empty)'."""
    if previous is None:
        return []
    return [
        c
        for c in columns
        if (c in KEPT_WHEN_EMPTIED or c.startswith((PRODUCT_SPEC, SKU_SPEC)))
        and str(previous.get(c, "") or "")
        and not str(record.get(c, "") or "")
    ]


def changed_columns(record: Record, previous: Record | None, columns: list[str]) -> set[str]:
    """Which of `columns` differ from what VTEX accepted last (all of them for a new row)."""
    if previous is None:
        return set(columns)
    return {c for c in columns if str(record.get(c, "")) != str(previous.get(c, ""))}


def new_product_body(product: Record, category_id: int, brand_id: int) -> Record:
    body: Record = {
        "Name": product["product_name"],
        "CategoryId": category_id,
        "BrandId": brand_id,
        "RefId": product["product_ref"],
        "Title": product["product_name"],
        "IsVisible": True,
        "IsActive": is_true(product.get("product_active", "")),
        "ShowWithoutStock": False,
    }
    _product_texts(body, product)
    return body


def merged_product(
    current: Record, product: Record, category_id: int | None, brand_id: int, present: set[str]
) -> Record:
    """VTEX's product with the file's columns applied; everything else as VTEX has it
    (`category_id` None: the file gives no category, the product stays where it is)."""
    body = {k: v for k, v in current.items() if v is not None or k in _NULLABLE_PRODUCT}
    body.update(Name=product["product_name"], BrandId=brand_id)
    if category_id is not None:
        body["CategoryId"] = category_id
    if "product_active" in present and product.get("product_active"):
        body["IsActive"] = product["product_active"] == "true"
    _product_texts(body, product, present)
    return body


_NULLABLE_PRODUCT = {"SupplierId", "AdWordsRemarketingCode", "LomadeeCampaignCode"}
_PRODUCT_TEXTS = {
    "description": "Description",
    "short_description": "DescriptionShort",
    "keywords": "KeyWords",
}


def _product_texts(body: Record, product: Record, present: set[str] | None = None) -> None:
    for column, field in _PRODUCT_TEXTS.items():
        if (present is None or column in present) and product.get(column):
            body[field] = product[column]


def new_sku_body(sku: Record, product_id: int, unit: str) -> Record:
    body: Record = {
        "ProductId": product_id,
        "Name": sku.get("sku_name") or sku["product_name"],
        "RefId": sku["sku_ref"],
        # Created inactive, always: VTEX refuses IsActive true on create (API-NOTES §3.4);
        # ActivateIfPossible lets VTEX activate it once it has an image.
        "IsActive": False,
        "ActivateIfPossible": is_true(sku.get("sku_active", "")),
        "PackagedHeight": float(Decimal(sku["height_cm"])),
        "PackagedLength": float(Decimal(sku["length_cm"])),
        "PackagedWidth": float(Decimal(sku["width_cm"])),
        "PackagedWeightKg": grams(sku["weight_kg"], unit),
        "MeasurementUnit": sku.get("measurement_unit") or "un",
        "UnitMultiplier": float(Decimal(sku.get("unit_multiplier") or "1")),
        "CommercialConditionId": 1,
    }
    if sku.get("manufacturer_code"):
        body["ManufacturerCode"] = sku["manufacturer_code"]
    return body


def merged_sku(
    current: Record, sku: Record, product_id: int, unit: str, present: set[str]
) -> Record:
    """VTEX's SKU with the file's columns applied. IsActive is always sent (omitting it
    deactivates the SKU, API-NOTES §3.4)."""
    body = {k: v for k, v in current.items() if v is not None or k in _NULLABLE_SKU}
    body["ProductId"] = product_id
    body["IsActive"] = bool(current.get("IsActive", False))
    if sku.get("sku_name"):
        body["Name"] = sku["sku_name"]
    for column, field in (
        ("height_cm", "PackagedHeight"),
        ("length_cm", "PackagedLength"),
        ("width_cm", "PackagedWidth"),
    ):
        if column in present and sku.get(column):
            body[field] = float(Decimal(sku[column]))
    if "weight_kg" in present and sku.get("weight_kg"):
        body["PackagedWeightKg"] = grams(sku["weight_kg"], unit)
    if "unit_multiplier" in present and sku.get("unit_multiplier"):
        body["UnitMultiplier"] = float(Decimal(sku["unit_multiplier"]))
    if "measurement_unit" in present and sku.get("measurement_unit"):
        body["MeasurementUnit"] = sku["measurement_unit"]
    if "manufacturer_code" in present and sku.get("manufacturer_code"):
        body["ManufacturerCode"] = sku["manufacturer_code"]
    return body


_NULLABLE_SKU = {"EstimatedDateArrival", "ModalType", "KitItensSellApart"}


_IMPORTER_NAME = re.compile(r"-[0-9a-f]{8}$")


def is_importer_file_name(name: str) -> bool:
    """Images this importer named (see `file_name_for`) end in '-' and 8 hex digits."""
    return bool(_IMPORTER_NAME.search(name))


def file_name_for(url: str, fallback: str) -> str:
    """The image's Name in VTEX: its file name plus a short hash of the URL. VTEX keeps its
    own copy under another URL, so the Name is how a later run recognises an image it sent
    (and two URLs that end in the same file name stay two images)."""
    tail = url.rsplit("/", 1)[-1].split("?", 1)[0]
    stem = (tail.rsplit(".", 1)[0] if "." in tail else tail) or fallback
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return f"{stem[:80]}-{digest}"
