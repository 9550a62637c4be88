"""The sandbox's store: what VTEX would hold, in plain dicts shaped like VTEX's responses.

Keys: catalog entities and prices by integer id (SKU ids are canonical integers: "0123" and
"123" are the same SKU here; VTEX Logistics once treated them as two, a bug the importer avoids
by always sending canonical ids), warehouses by their string id, inventory by (sku id,
warehouse id). RefId indexes are derived and rebuilt on load.

Persisted as JSON (numbers exact, via `jsonio`), written atomically, so a sandbox served
across restarts keeps its store.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importer.sandbox import jsonio

__all__ = ["Record", "Store"]

Record = dict[str, Any]
_FORMAT = 1


@dataclass
class Store:
    categories: dict[int, Record] = field(default_factory=dict)
    brands: dict[int, Record] = field(default_factory=dict)
    products: dict[int, Record] = field(default_factory=dict)
    skus: dict[int, Record] = field(default_factory=dict)
    prices: dict[int, Record] = field(default_factory=dict)
    warehouses: dict[str, Record] = field(default_factory=dict)
    inventory: dict[tuple[int, str], Record] = field(default_factory=dict)
    # Derived indexes: RefId -> id. Kept in step by the handlers, rebuilt by `reindex`.
    product_refids: dict[str, int] = field(default_factory=dict)
    sku_refids: dict[str, int] = field(default_factory=dict)
    # Last generated id per table: creating 10,000 SKUs must not scan the table each time.
    last_ids: dict[str, int] = field(default_factory=dict, repr=False)

    def next_id(self, kind: str, table: dict[int, Record]) -> int:
        """A free id for a new record of `table` (VTEX generates ids when none is given)."""
        candidate = self.last_ids.get(kind, 0) + 1
        while candidate in table:
            candidate += 1
        self.last_ids[kind] = candidate
        return candidate

    def clear(self) -> None:
        for table in (
            self.categories, self.brands, self.products, self.skus, self.prices,
            self.warehouses, self.inventory, self.product_refids, self.sku_refids,
            self.last_ids,
        ):  # fmt: skip
            table.clear()

    def reindex(self) -> None:
        self.product_refids = {p["RefId"]: i for i, p in self.products.items() if p.get("RefId")}
        self.sku_refids = {s["RefId"]: i for i, s in self.skus.items() if s.get("RefId")}

    def warehouse_id(self, given: str) -> str | None:
        """The stored id of a warehouse. Inventory routes match warehouse ids case-insensitively
        (VTEX known issue: ids are case-sensitive when created, not in inventory)."""
        if given in self.warehouses:
            return given
        folded = given.casefold()
        return next((w for w in self.warehouses if w.casefold() == folded), None)

    # -- persistence

    def to_json(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "categories": list(self.categories.values()),
            "brands": list(self.brands.values()),
            "products": list(self.products.values()),
            "skus": list(self.skus.values()),
            "prices": [{"skuId": k, **v} for k, v in self.prices.items()],
            "warehouses": list(self.warehouses.values()),
            "inventory": [
                {"skuId": k[0], "warehouseId": k[1], **v} for k, v in self.inventory.items()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Store:
        if data.get("format") != _FORMAT:
            raise ValueError(f"unknown sandbox state format {data.get('format')!r}")
        store = cls(
            categories={int(r["Id"]): r for r in data["categories"]},
            brands={int(r["Id"]): r for r in data["brands"]},
            products={int(r["Id"]): r for r in data["products"]},
            skus={int(r["Id"]): r for r in data["skus"]},
            prices={int(r.pop("skuId")): r for r in data["prices"]},
            warehouses={str(r["id"]): r for r in data["warehouses"]},
            inventory={
                (int(r.pop("skuId")), str(r.pop("warehouseId"))): r for r in data["inventory"]
            },
        )
        store.reindex()
        return store

    def save(self, path: Path) -> None:
        """Write atomically: a crash mid-write leaves the previous file intact."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(jsonio.dumps(self.to_json()))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Store:
        return cls.from_json(jsonio.loads(path.read_bytes()))
