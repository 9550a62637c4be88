"""The sandbox's store: what VTEX would hold, in plain dicts shaped like VTEX's responses.

Keys: catalog entities and prices by integer id (SKU ids are canonical integers: "0123" and
"123" are the same SKU here; VTEX Logistics once treated them as two, a bug the importer avoids
by always sending canonical ids), warehouses by their string id, inventory by (sku id,
warehouse id). What hangs off one product or SKU (images, EANs, trade policies, specification
associations) is kept in a list per owner id, in the order VTEX would list it. The
specification model (groups, fields, values) is flat, by VTEX's ids. RefId indexes (and the
values-per-field index) are derived and rebuilt on load.

Orders (OMS) are full order documents by orderId, exactly as GET .../orders/{orderId} shows
them. The orders feed is its config (None until one is posted) and its queue of messages, in
queueing order. A message's clock readings (when it becomes visible, when it was queued) are
the sandbox's clock, which means nothing to another process: they are not saved, and a loaded
queue is re-timed by `feed.restart` (every message visible, its age counted from the load).

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
# Feed message fields that are readings of the sandbox's clock (not saved; see the docstring).
_CLOCK_FIELDS = ("visibleAt", "enqueuedAt")


@dataclass
class Store:
    categories: dict[int, Record] = field(default_factory=dict)
    brands: dict[int, Record] = field(default_factory=dict)
    products: dict[int, Record] = field(default_factory=dict)
    skus: dict[int, Record] = field(default_factory=dict)
    prices: dict[int, Record] = field(default_factory=dict)
    warehouses: dict[str, Record] = field(default_factory=dict)
    inventory: dict[tuple[int, str], Record] = field(default_factory=dict)
    # Per SKU: its images (files) in creation order, and its EANs (repeats allowed, as VTEX).
    sku_files: dict[int, list[Record]] = field(default_factory=dict)
    sku_eans: dict[int, list[str]] = field(default_factory=dict)
    # Trade policies (sales channels) the store has; 1 (the main one) always exists.
    trade_policies: set[int] = field(default_factory=lambda: {1})
    product_trade_policies: dict[int, list[int]] = field(default_factory=dict)
    # Specifications: group -> field -> value, by VTEX's ids (Id, Id, FieldValueId) ...
    spec_groups: dict[int, Record] = field(default_factory=dict)
    spec_fields: dict[int, Record] = field(default_factory=dict)
    spec_values: dict[int, Record] = field(default_factory=dict)
    # ... and their associations with products and SKUs, per owner id.
    product_specs: dict[int, list[Record]] = field(default_factory=dict)
    sku_specs: dict[int, list[Record]] = field(default_factory=dict)
    # Kit components per kit SKU id (module `kits`).
    sku_kits: dict[int, list[Record]] = field(default_factory=dict)
    # SKUs that a PUT explicitly deactivated: ActivateIfPossible no longer applies to them.
    sku_activation_off: set[int] = field(default_factory=set)
    # Orders by orderId, and the orders feed (Feed v3): its config and its queue.
    orders: dict[str, Record] = field(default_factory=dict)
    # The status an order had when a customer asked to cancel it (orderId -> status): a denied
    # request puts it back there (VTEX: ready-for-handling or handling).
    cancel_requested_from: dict[str, str] = field(default_factory=dict)
    # What orders hold of the stock, by reservation id (see `reservations`), and whether a
    # stock write clears only the acknowledged ones its count time reflects (undocumented by
    # VTEX, so opt-in; not saved).
    reservations: dict[str, Record] = field(default_factory=dict)
    release_by_count_time: bool = field(default=False, repr=False)
    # The invoice rules VTEX does not document, opt-in (`Sandbox(strict=True)`, `importer
    # sandbox --strict`; see `invoicing`). A setting of the sandbox: not saved.
    strict: bool = field(default=False, repr=False)
    feed_config: Record | None = None
    feed_queue: list[Record] = field(default_factory=list)
    # The sandbox clock's reading at the config's creation or its last queued event (a feed
    # without events for its retention period loses its config). Not saved.
    feed_active_at: float = field(default=0.0, repr=False)
    # Derived indexes: RefId -> id, EAN -> SKU id, FieldId -> its FieldValueIds. Kept in step by the
    # handlers, rebuilt by `reindex`.
    product_refids: dict[str, int] = field(default_factory=dict)
    sku_refids: dict[str, int] = field(default_factory=dict)
    ean_skus: dict[str, int] = field(default_factory=dict)  # EAN -> the SKU that holds it
    field_value_ids: dict[int, list[int]] = field(default_factory=dict)
    # Last generated id per table: creating 10,000 SKUs must not scan the table each time.
    last_ids: dict[str, int] = field(default_factory=dict, repr=False)
    # Bulk Pricing / batch inventory jobs by batchId, the files behind their pre-signed URLs by
    # path (see `storage`), and the batch features this account lacks ("bulk-pricing",
    # "batch-inventory": 403 on create). Not saved: jobs and their URLs are short-lived.
    batch_jobs: dict[str, Record] = field(default_factory=dict, repr=False)
    stored_objects: dict[str, Record] = field(default_factory=dict, repr=False)
    features_off: set[str] = field(default_factory=set, repr=False)

    def next_id(self, kind: str, table: dict[int, Record]) -> int:
        """A free id for a new record of `table` (VTEX generates ids when none is given)."""
        candidate = self.last_ids.get(kind, 0) + 1
        while candidate in table:
            candidate += 1
        self.last_ids[kind] = candidate
        return candidate

    def next_number(self, kind: str, start: int = 1) -> int:
        """The next id of a sequence without a table of its own (file, archive and association
        ids): one above the last one given, or `start`. `reindex` restores them after a load."""
        number = max(self.last_ids.get(kind, start - 1) + 1, start)
        self.last_ids[kind] = number
        return number

    def clear(self) -> None:
        """Empty the store. The token serial goes on: an eventId is never given twice."""
        tokens = self.last_ids.get("token", 0)
        for table in (
            self.categories, self.brands, self.products, self.skus, self.prices,
            self.warehouses, self.inventory, self.sku_files, self.sku_eans,
            self.trade_policies, self.product_trade_policies, self.spec_groups,
            self.spec_fields, self.spec_values, self.product_specs, self.sku_specs,
            self.sku_activation_off, self.product_refids, self.sku_refids, self.ean_skus,
            self.field_value_ids, self.last_ids, self.orders, self.feed_queue,
            self.reservations, self.cancel_requested_from, self.sku_kits,
        ):  # fmt: skip
            table.clear()
        self.trade_policies.add(1)
        self.feed_config = None
        self.last_ids["token"] = tokens

    def reindex(self) -> None:
        self.product_refids = {p["RefId"]: i for i, p in self.products.items() if p.get("RefId")}
        self.sku_refids = {s["RefId"]: i for i, s in self.skus.items() if s.get("RefId")}
        self.ean_skus = {e: i for i, owned in self.sku_eans.items() for e in owned}
        self.field_value_ids = {}
        for value in self.spec_values.values():
            self.field_value_ids.setdefault(value["FieldId"], []).append(value["FieldValueId"])
        files = [f for owned in self.sku_files.values() for f in owned]
        for kind, numbers in (
            ("file", [f["Id"] for f in files]),
            ("archive", [f["ArchiveId"] for f in files]),
            ("product_spec", [a["Id"] for owned in self.product_specs.values() for a in owned]),
            ("sku_spec", [a["Id"] for owned in self.sku_specs.values() for a in owned]),
            ("kit", [r["Id"] for owned in self.sku_kits.values() for r in owned]),
            ("order", [int(o["sequence"]) for o in self.orders.values()]),
        ):
            if numbers:
                self.last_ids[kind] = max(self.last_ids.get(kind, 0), *numbers)

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
            # Added later; a file without them loads as a store without them.
            "skuFiles": [f for owned in self.sku_files.values() for f in owned],
            "skuEans": [{"skuId": k, "eans": v} for k, v in self.sku_eans.items()],
            "tradePolicies": sorted(self.trade_policies),
            "productTradePolicies": [
                {"productId": k, "tradePolicies": v} for k, v in self.product_trade_policies.items()
            ],
            "specGroups": list(self.spec_groups.values()),
            "specFields": list(self.spec_fields.values()),
            "specValues": list(self.spec_values.values()),
            "productSpecs": [a for owned in self.product_specs.values() for a in owned],
            "skuSpecs": [a for owned in self.sku_specs.values() for a in owned],
            "skuKits": [r for owned in self.sku_kits.values() for r in owned],
            "skuActivationOff": sorted(self.sku_activation_off),
            "orders": list(self.orders.values()),
            "cancelRequestedFrom": dict(self.cancel_requested_from),
            "reservations": list(self.reservations.values()),
            "feedConfig": self.feed_config,
            "feedQueue": [
                {k: v for k, v in m.items() if k not in _CLOCK_FIELDS} for m in self.feed_queue
            ],
            # The serial behind eventIds, handles and receipts: never reused after a restart.
            "tokenSerial": self.last_ids.get("token", 0),
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
            sku_eans={int(r["skuId"]): list(r["eans"]) for r in data.get("skuEans", [])},
            trade_policies={int(t) for t in data.get("tradePolicies", [1])},
            product_trade_policies={
                int(r["productId"]): [int(t) for t in r["tradePolicies"]]
                for r in data.get("productTradePolicies", [])
            },
            spec_groups={int(r["Id"]): r for r in data.get("specGroups", [])},
            spec_fields={int(r["Id"]): r for r in data.get("specFields", [])},
            spec_values={int(r["FieldValueId"]): r for r in data.get("specValues", [])},
            sku_activation_off={int(i) for i in data.get("skuActivationOff", [])},
            orders={str(r["orderId"]): r for r in data.get("orders", [])},
            cancel_requested_from=dict(data.get("cancelRequestedFrom", {})),
            reservations={str(r["id"]): r for r in data.get("reservations", [])},
            feed_config=data.get("feedConfig"),
            feed_queue=[
                {**m, **dict.fromkeys(_CLOCK_FIELDS, 0.0)} for m in data.get("feedQueue", [])
            ],
        )
        store.last_ids["token"] = int(data.get("tokenSerial", 0))
        for image in data.get("skuFiles", []):
            store.sku_files.setdefault(int(image["SkuId"]), []).append(image)
        for association in data.get("productSpecs", []):
            store.product_specs.setdefault(int(association["ProductId"]), []).append(association)
        for association in data.get("skuSpecs", []):
            store.sku_specs.setdefault(int(association["SkuId"]), []).append(association)
        for row in data.get("skuKits", []):
            store.sku_kits.setdefault(int(row["StockKeepingUnitParent"]), []).append(row)
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
