"""Reconciling stock: a snapshot row is a SKU's stock in one warehouse.

Compared: whether it is unlimited and, when it is not, its quantity (VTEX's `totalQuantity`;
what orders reserve is apart, `reservedQuantity`, and not the importer's), and the lead time
when the row sent one, as a duration (the file's "3" is "3.00:00:00", VTEX writes a lead time
under a day as "12:00:00"). A SKU VTEX no longer knows (404), or a warehouse its balance no
longer lists, is "missing".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from importer.deps import Clients
from importer.rows import WAREHOUSE, Payload
from importer.state.reconcile import DriftRow


class StockReader:
    async def read(self, sku_id: int, clients: Clients, sent: Sequence[Payload]) -> Any | None:
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
        drift: list[DriftRow] = []
        held_quantity = _text(balance.get("totalQuantity"))
        if not unlimited and held_quantity != str(int(quantity)):
            drift.append(DriftRow(key, sku, "quantity", quantity, held_quantity, "changed"))
        lead_time = _text(sent.get("lead_time"))
        held_lead_time = _text(balance.get("leadTime"))
        if lead_time and not _same_lead_time(lead_time, held_lead_time):
            drift.append(DriftRow(key, sku, "lead_time", lead_time, held_lead_time, "changed"))
        return drift


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


# Whole days ("3"), or .NET's TimeSpan text: "[d.]hh:mm:ss[.fffffff]".
_LEAD_TIME = re.compile(r"^(?:(\d+)|(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?)$")


def _same_lead_time(sent: str, held: str) -> bool:
    sent_days, held_days = _duration(sent), _duration(held)
    if sent_days is None or held_days is None:
        return sent.strip() == held.strip()
    return sent_days == held_days


def _duration(text: str) -> timedelta | None:
    """A lead time as a duration; None when it is not one (then it is compared as text)."""
    found = _LEAD_TIME.match(text.strip())
    if found is None:
        return None
    days_only, days, hours, minutes, seconds = found.groups()
    if days_only is not None:
        return timedelta(days=int(days_only))
    return timedelta(
        days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=int(seconds)
    )


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _text(value: object) -> str:
    return "" if value is None else str(value)
