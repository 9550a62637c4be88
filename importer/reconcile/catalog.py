"""Reconciling the catalog: its products (snapshot "catalog-products", read by product id),
then its SKUs (snapshot "catalog", read by SKU id).

Compared: the columns the file owns and an update writes, each only when it was sent (an
empty cell was not): a product's name, category, brand, description, short description,
keywords and active flag (one read: `GET /api/catalog/pvt/product/{id}`); a SKU's product,
name, manufacturer code, packaged dimensions and weight, unit multiplier, measurement unit,
active flag (`GET /api/catalog/pvt/stockkeepingunit/{id}`), its EANs (`GET .../ean`) and the
images the importer added (`GET .../file`, recognised by their Name): three reads per SKU.
Specifications (`product_spec:<Name>`, `sku_spec:<Name>`) cost one more read, made only for a
product or SKU whose payload holds a specification cell: the product's
`GET /api/catalog_system/pvt/products/{id}/specification` (values by field name), the SKU's
`GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{id}` (its SkuSpecifications), the
reads the catalog flow makes before it writes them. A specification is compared as a set of
values: "Azul|Verde" is what VTEX holds as ["Verde", "Azul"] (a text field holds the whole
cell as its one value); VTEX's values are given back as "Verde | Azul".
Values are compared as the catalog flow writes them: numbers as numbers (VTEX answers 10.0
for "10"), the weight in the store's unit as a whole number, texts without the spaces around
them, flags as true/false, a category or brand by its VTEX id.

What VTEX holds now is given in the file's terms (a category as its path, the weight in kg),
so that a drifted key's payload can say it: the catalog flow sends only the columns that
differ from its snapshot's payload, so that is how the next file knows which to send again.
A column the Admin owns (`[flows.catalog] owners`) is reported `kept`: its payload says what
VTEX holds too, so the next file's row notes that its value was not sent (`admin-owned`).
A product or SKU VTEX no longer has (404) is "missing": its payload keeps only its identity,
so that the next file sends it whole and VTEX's answer lands on its row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from importer.deps import Clients, Deps
from importer.errors import RowRejectedError
from importer.flows.catalog.owners import PRODUCT_FIELDS, SKU_FIELDS, admin_columns
from importer.flows.catalog.records import (
    PRODUCT_SPEC,
    SKU_SPEC,
    brand_key,
    category_path,
    file_name_for,
    grams,
    image_urls,
    path_key,
    spec_values,
)
from importer.reconcile.run import Part, sku_of
from importer.rows import Payload
from importer.state.reconcile import DriftRow

PRODUCTS = "catalog-products"
SKUS = "catalog"
BOOKKEEPING = ("row", "key", "hash")
NOT_FOUND = 404

_TEXTS = frozenset(
    {
        "product_name",
        "description",
        "short_description",
        "keywords",
        "sku_name",
        "manufacturer_code",
        "measurement_unit",
    }
)
_FLAGS = frozenset({"product_active", "sku_active"})
_NUMBERS = frozenset({"height_cm", "width_cm", "length_cm", "unit_multiplier"})


@dataclass(frozen=True)
class CatalogIds:
    """What the store knows of VTEX's catalog ids, and the settings the comparison needs."""

    products: dict[str, int]  # product_ref -> product id
    categories: dict[str, int]  # category path key -> id
    brands: dict[str, int]  # brand key -> id
    weight_unit: str
    admin: frozenset[str]

    @classmethod
    def of(cls, deps: Deps) -> CatalogIds:
        store = deps.store
        settings = deps.loaded.settings.flow("catalog")
        return cls(
            store.catalog_ids("product"),
            store.catalog_ids("category"),
            store.catalog_ids("brand"),
            settings.weight_unit,
            admin_columns(settings.owners),
        )

    def kind(self, column: str) -> str:
        return "kept" if column in self.admin else "changed"


def parts(deps: Deps) -> tuple[Part, ...]:
    ids = CatalogIds.of(deps)

    def product_id(payload: Mapping[str, Any], deps: Deps) -> int | None:
        return ids.products.get(str(payload.get("product_ref") or ""))

    return (
        Part(
            PRODUCTS,
            ProductReader(ids),
            product_id,
            label="product {key}",
            refresh=True,
            identity=("product_ref", *BOOKKEEPING),
        ),
        Part(
            SKUS,
            SkuReader(ids),
            sku_of,
            refresh=True,
            identity=("sku_ref", "product_ref", *BOOKKEEPING),
        ),
    )


async def _or_none(read: Any) -> Any | None:
    """A record VTEX no longer has (404) is None: the key is "missing", not unreadable."""
    try:
        return await read
    except RowRejectedError as exc:
        if exc.status == NOT_FOUND:
            return None
        raise


class ProductReader:
    def __init__(self, ids: CatalogIds) -> None:
        self.ids = ids

    async def read(self, target: int, clients: Clients, sent: Sequence[Payload]) -> Any | None:
        product = await _or_none(clients.catalog.get_product(target))
        if product is None:
            return None
        specs: dict[str, list[str]] = {}
        if any(_spec_columns(s, PRODUCT_SPEC) for s in sent):
            held = await clients.catalog.product_specs(target)
            specs = {name: values for name, (_, values) in held.items()}
        return {"product": product, "specs": specs}

    def compare(self, key: str, target: int, sent: Payload, held: Any | None) -> list[DriftRow]:
        if not isinstance(held, dict):
            name = _text(sent.get("product_name"))
            return [DriftRow(key, "", "product_name", name, "", "missing")]
        record: dict[str, Any] = held["product"]
        drift: list[DriftRow] = []
        for column, name in PRODUCT_FIELDS.items():
            value = _text(sent.get(column))
            if not value:
                continue
            now = record.get(name)
            if column == "category":
                same, shown = _same_id(_category_id(value, self.ids), now, self.ids.categories)
            elif column == "brand":
                same, shown = _same_id(self.ids.brands.get(brand_key(value)), now, self.ids.brands)
            else:
                same, shown = _same_value(column, value, now, self.ids.weight_unit)
            if not same:
                drift.append(DriftRow(key, "", column, value, shown, self.ids.kind(column)))
        for column, value, shown in _spec_drift(sent, PRODUCT_SPEC, held["specs"]):
            drift.append(DriftRow(key, "", column, value, shown, self.ids.kind(column)))
        return drift


class SkuReader:
    def __init__(self, ids: CatalogIds) -> None:
        self.ids = ids

    async def read(self, target: int, clients: Clients, sent: Sequence[Payload]) -> Any | None:
        sku = await _or_none(clients.catalog.get_sku(target))
        if sku is None:
            return None
        specs: dict[str, list[str]] = {}
        if any(_spec_columns(s, SKU_SPEC) for s in sent):
            context = await clients.catalog.sku_context(target)
            specs = {
                str(spec.get("FieldName")): [str(v) for v in spec.get("FieldValues") or []]
                for spec in context.get("SkuSpecifications") or []
                if isinstance(spec, dict) and spec.get("FieldName")
            }
        return {
            "sku": sku,
            "eans": await clients.catalog.eans(target),
            "files": await clients.catalog.files(target),
            "specs": specs,
        }

    def compare(self, key: str, target: int, sent: Payload, held: Any | None) -> list[DriftRow]:
        sku_id = str(target)
        if not isinstance(held, dict):
            return [DriftRow(key, sku_id, "sku_ref", key, "", "missing")]
        record: dict[str, Any] = held["sku"]
        drift: list[DriftRow] = []

        def differs(column: str, value: str, shown: str) -> None:
            drift.append(DriftRow(key, sku_id, column, value, shown, self.ids.kind(column)))

        product_ref = _text(sent.get("product_ref"))
        same, shown = _same_id(
            self.ids.products.get(product_ref), record.get("ProductId"), self.ids.products
        )
        if product_ref and not same:
            differs("product_ref", product_ref, shown)
        for column, name in SKU_FIELDS.items():
            value = _text(sent.get(column))
            if value:
                same, shown = _same_value(column, value, record.get(name), self.ids.weight_unit)
                if not same:
                    differs(column, value, shown)
        ean = _text(sent.get("ean"))
        eans = [str(e) for e in held["eans"]]
        if ean and eans != [ean]:
            differs("ean", ean, " | ".join(eans))
        urls = _text(sent.get("image_urls"))
        if urls:
            wanted = image_urls(urls)
            kept = _images_held(wanted, key, held["files"])
            if kept != wanted:
                differs("image_urls", urls, " | ".join(kept))
        for column, value, shown in _spec_drift(sent, SKU_SPEC, held["specs"]):
            differs(column, value, shown)
        return drift


def _spec_columns(sent: Payload, prefix: str) -> list[str]:
    """The specification columns of a payload the file sent a value in (an empty cell was
    not sent), in name order."""
    return sorted(c for c in sent if c.startswith(prefix) and _text(sent[c]).strip())


def _spec_drift(
    sent: Payload, prefix: str, specs: Mapping[str, list[str]]
) -> list[tuple[str, str, str]]:
    """(column, sent, VTEX's values) per specification VTEX holds otherwise than sent."""
    drift = []
    for column in _spec_columns(sent, prefix):
        value = _text(sent[column])
        now = specs.get(column[len(prefix) :], [])
        if not _same_spec(value, now):
            drift.append((column, value, " | ".join(now)))
    return drift


def _same_spec(sent: str, now: list[str]) -> bool:
    """The same values in any order, a repeat counting once as VTEX counts it ("Azul|Verde" =
    ["Verde", "Azul"]), or, for a field without values (Text), the whole cell as its one
    text."""
    held = [_clean(v) for v in now]
    return set(held) == set(spec_values(sent)) or held == [_clean(sent)]


def _images_held(wanted: list[str], sku_ref: str, files: list[dict[str, Any]]) -> list[str]:
    """The file's image URLs VTEX still holds (recognised by the Name the importer gave them,
    as the flow does), the main one first, then in VTEX's order."""
    by_name = {file_name_for(url, f"{sku_ref}-{i + 1}"): url for i, url in enumerate(wanted)}
    ordered = sorted(files, key=lambda f: (not f.get("IsMain"), _position(f.get("Position"))))
    return [by_name[str(f.get("Name"))] for f in ordered if str(f.get("Name")) in by_name]


def _position(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _category_id(text: str, ids: CatalogIds) -> int | None:
    if text.isdigit():  # a VTEX category id, as FORMATS allows
        return int(text)
    return ids.categories.get(path_key(category_path(text)))


def _same_id(expected: int | None, now: object, known: Mapping[str, int]) -> tuple[bool, str]:
    """Whether VTEX holds the id the store resolved the sent value to (a value the store has
    no id for cannot be compared: the same), and VTEX's id in the file's terms (its path or
    name as the store knows it, else the id)."""
    if expected is None:
        return True, ""
    try:
        held = int(str(now))
    except ValueError:
        return False, _text(now)
    names = {v: k for k, v in known.items()}
    return held == expected, names.get(held, str(held))


def _same_value(column: str, sent: str, now: object, unit: str) -> tuple[bool, str]:
    """Whether VTEX's field holds the sent value as the flow writes it, and VTEX's value in the
    file's terms."""
    if column in _FLAGS:
        shown = "true" if now is True else "false"
        return shown == sent, shown
    if column == "weight_kg":
        held = _decimal(now)
        if held is None:
            return False, _text(now)
        kilos = held / 1000 if unit == "g" else held
        return grams(sent, unit) == held, _plain(kilos)
    if column in _NUMBERS:
        held = _decimal(now)
        if held is None:
            return False, _text(now)
        return held == _decimal(sent), _plain(held)
    shown = _text(now)
    return _clean(shown) == _clean(sent), shown


def _clean(text: str) -> str:
    """A text as VTEX keeps it: line ends as \\n, no spaces around it."""
    return text.replace("\r\n", "\n").strip()


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> str:
    """10.0 -> "10", 0.450 -> "0.45": a number as a file writes it."""
    return format(number.normalize(), "f")


def _text(value: object) -> str:
    return "" if value is None else str(value)
