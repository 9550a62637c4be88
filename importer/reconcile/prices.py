"""Reconciling prices: a snapshot row is a SKU's base price or one of its fixed prices.

Only what the importer sent is compared (empty cells were not sent as values): a base-price
row's base, list and cost price (its markup only when no cost price was sent: with one, VTEX
derives the markup), a fixed-price row's value and list price, found by trade policy, minimum
quantity and period as VTEX keys its entries. A SKU without a price (404), or without the
fixed entry, is drift too ("missing").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from importer.deps import Clients
from importer.rows import Payload
from importer.state.reconcile import DriftRow

# column in the snapshot -> field of VTEX's price (GET /pricing/prices/{itemId})
BASE_FIELDS = (
    ("base_price", "basePrice"),
    ("list_price", "listPrice"),
    ("cost_price", "costPrice"),
)
FIXED_FIELDS = (("fixed_price", "value"), ("list_price", "listPrice"))


class PriceReader:
    async def read(self, sku_id: int, clients: Clients, sent: Sequence[Payload]) -> Any | None:
        return await clients.pricing.get_price(sku_id)

    def compare(self, key: str, sku_id: int, sent: Payload, held: Any | None) -> list[DriftRow]:
        fixed = bool(_text(sent.get("trade_policy")))
        found: dict[str, Any] | None
        if not isinstance(held, dict):
            found = None
        elif fixed:
            found = _fixed_entry(sent, held.get("fixedPrices"))
        else:
            found = held if held.get("basePrice") is not None else None
        fields = FIXED_FIELDS if fixed else _base_fields(sent)
        compared = [(column, name) for column, name in fields if _text(sent.get(column))]
        if found is None:
            column = compared[0][0] if compared else ("fixed_price" if fixed else "base_price")
            return [DriftRow(key, str(sku_id), column, _text(sent.get(column)), "", "missing")]
        drift: list[DriftRow] = []
        for column, name in compared:
            if not _same(_text(sent.get(column)), found.get(name)):
                drift.append(
                    DriftRow(
                        key,
                        str(sku_id),
                        column,
                        _text(sent.get(column)),
                        _text(found.get(name)),
                        "changed",
                    )
                )
        return drift


READER = PriceReader()


def _base_fields(sent: Payload) -> tuple[tuple[str, str], ...]:
    # A markup beside a cost price was not sent (VTEX takes two of base, cost and markup).
    if _text(sent.get("markup")) and not _text(sent.get("cost_price")):
        return (*BASE_FIELDS, ("markup", "markup"))
    return BASE_FIELDS


def _fixed_entry(sent: Payload, entries: object) -> dict[str, Any] | None:
    """VTEX's fixed price for the row: same trade policy, minimum quantity and period."""
    if not isinstance(entries, list):
        return None
    policy = _text(sent.get("trade_policy"))
    quantity = int(_text(sent.get("min_quantity")) or 1)
    period = (_instant(sent.get("valid_from")), _instant(sent.get("valid_to")))
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        given = entry.get("dateRange")
        dates: dict[str, Any] = given if isinstance(given, dict) else {}
        if (
            str(entry.get("tradePolicyId", "")) == policy
            and int(entry.get("minQuantity") or 1) == quantity
            and (_instant(dates.get("from")), _instant(dates.get("to"))) == period
        ):
            return entry
    return None


def _same(sent: str, held: object) -> bool:
    try:
        return held is not None and Decimal(sent) == Decimal(str(held))
    except InvalidOperation:
        return sent == _text(held)


def _instant(value: object) -> datetime | None:
    """A period's end as a moment (VTEX may spell it with or without fractions, Z or +00:00)."""
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(value: object) -> str:
    return "" if value is None else str(value)
