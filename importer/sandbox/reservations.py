"""Reservations: what orders hold of a SKU x warehouse's stock (Logistics; API-NOTES §12.4).

What VTEX documents, reproduced (help.vtex.com "How does reservation work" and "Product remains
available in stock after the order has been invoiced"):
- a placed order reserves its items in the warehouse that ships them (*authorized*, then
  *confirmed* once paid; the sandbox's orders are paid, so they start confirmed);
- start-handling *acknowledges* them (the order is in handling: the items are being picked);
- a canceled order's reservations are cancelled: the items are available again;
- VTEX never takes sold items out of the stock itself: an acknowledged reservation stays until
  the ERP (or the merchant) writes the stock, and a stock write clears it;
- available = total - reserved (GET inventory's reservedQuantity).

Not documented, so opt-in (`Store.release_by_count_time`): how a write's
dateUtcOnBalanceSystem chooses which acknowledged reservations it clears. With the rule on, a
write clears only those acknowledged at or before its count time (the count was taken after the
items were picked, so it reflects them); those acknowledged later stay reserved until a count
that reflects them. Off, every acknowledged reservation of the SKU x warehouse is cleared.

A batch inventory row has no count time (the CSV has no column for it): it counts as the job's
own time, as VTEX documents for a per-SKU write without one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from importer.sandbox.calls import ApiError
from importer.sandbox.state import Record, Store

__all__ = ["count_time", "follow_order", "release", "reserve", "reserved"]

CONFIRMED = "Confirmed"
ACKNOWLEDGED = "Acknowledged"


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def count_time(value: Any, now: datetime) -> datetime:
    """A write's dateUtcOnBalanceSystem as a moment: null or empty means the request's own
    time (VTEX's documented default); no offset means UTC (the name says so); anything that is
    not ISO 8601 -> 400."""
    if value is None or value == "":
        return now
    if not isinstance(value, str):
        raise ApiError(400, f"dateUtcOnBalanceSystem must be a string, got {value!r}")
    try:
        return _moment(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"dateUtcOnBalanceSystem {value!r} is not ISO 8601") from None


def reserve(store: Store, order: Record, now: datetime) -> None:
    """Reserve every item of a new (paid) order in the warehouse its logistics info names."""
    logistics = (order.get("shippingData") or {}).get("logisticsInfo") or []
    for index, item in enumerate(order.get("items") or []):
        deliveries = logistics[index].get("deliveryIds") if index < len(logistics) else None
        named = str(deliveries[0].get("warehouseId", "")) if deliveries else ""
        warehouse = store.warehouse_id(named) if named else None
        if warehouse is None:
            continue  # nothing ships it from a warehouse we hold stock in
        reservation_id = f"{order['orderId']}-{index}"
        store.reservations[reservation_id] = {
            "id": reservation_id,
            "orderId": order["orderId"],
            "skuId": int(item["id"]),
            "warehouseId": warehouse,
            "quantity": int(item["quantity"]),
            "status": CONFIRMED,
            "createdAt": _text(now),
            "acknowledgedAt": None,
        }


def follow_order(store: Store, order_id: str, status: str, now: datetime) -> None:
    """An order's status change, as its reservations see it."""
    if status == "handling":
        for reservation in _of_order(store, order_id):
            if reservation["status"] == CONFIRMED:
                reservation["status"] = ACKNOWLEDGED
                reservation["acknowledgedAt"] = _text(now)
    elif status == "canceled":
        for reservation in _of_order(store, order_id):
            del store.reservations[reservation["id"]]


def release(store: Store, key: tuple[int, str], counted: datetime) -> int:
    """A stock write for `key` counted at `counted`: clear the acknowledged reservations it
    reflects (see the module's docstring). Returns how many units were released."""
    released = 0
    for reservation in list(store.reservations.values()):
        if (reservation["skuId"], reservation["warehouseId"]) != key:
            continue
        if reservation["status"] != ACKNOWLEDGED:
            continue
        if store.release_by_count_time and _moment(reservation["acknowledgedAt"]) > counted:
            continue  # picked after the count: the count still holds these items
        released += reservation["quantity"]
        del store.reservations[reservation["id"]]
    return released


def reserved(store: Store, key: tuple[int, str]) -> int:
    """Units that orders hold of `key` (authorized, confirmed or acknowledged)."""
    return sum(
        r["quantity"] for r in store.reservations.values() if (r["skuId"], r["warehouseId"]) == key
    )


def _of_order(store: Store, order_id: str) -> list[Record]:
    return [r for r in store.reservations.values() if r["orderId"] == order_id]
