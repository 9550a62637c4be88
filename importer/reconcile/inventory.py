"""Reconciling stock: a snapshot row is a SKU's stock in one warehouse.

Compared: whether it is unlimited and, when it is not, its quantity (VTEX's `totalQuantity`;
what orders reserve is apart, `reservedQuantity`, and not the importer's). The lead time is
not compared in this slice (the file's spelling and VTEX's differ: "3" is "3.00:00:00"). A
SKU VTEX no longer knows (404), or a warehouse its balance no longer lists, is "missing".
"""

from __future__ import annotations

from typing import Any

from importer.deps import Clients
from importer.rows import WAREHOUSE, Payload
from importer.state.reconcile import DriftRow


class StockReader:
    async def read(self, sku_id: int, clients: Clients) -> Any | None:
        return await clients.logistics.inventory(sku_id)

    def compare(self, key: str, sku_id: int, sent: Payload, held: Any | None) -> list[DriftRow]:
        unlimited = _text(sent.get("unlimited")) == "true"
        quantity = _text(sent.get("quantity")) or "0"
        balance = _balance(sent, held)
        sku = str(sku_id)
        if balance is None:
            column, value = ("unlimited", "true") if unlimited else ("quantity", quantity)
            return [DriftRow(key, sku, column, value, "", "missing")]
        held_unlimited = balance.get("hasUnlimitedQuantity") is True
        if unlimited != held_unlimited:
            return [
                DriftRow(key, sku, "unlimited", _bool(unlimited), _bool(held_unlimited), "changed")
            ]
        held_quantity = _text(balance.get("totalQuantity"))
        if not unlimited and held_quantity != str(int(quantity)):
            return [DriftRow(key, sku, "quantity", quantity, held_quantity, "changed")]
        return []


READER = StockReader()


def _balance(sent: Payload, held: Any | None) -> dict[str, Any] | None:
    """The warehouse's line of the SKU's balance (ids match case-insensitively, as VTEX's
    inventory routes do)."""
    if not isinstance(held, list):
        return None
    warehouse = (_text(sent.get(WAREHOUSE)) or _text(sent.get("warehouse_id"))).casefold()
    for line in held:
        if isinstance(line, dict) and _text(line.get("warehouseId")).casefold() == warehouse:
            return line
    return None


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _text(value: object) -> str:
    return "" if value is None else str(value)
