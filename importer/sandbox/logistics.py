"""Logistics routes: warehouses and per SKU x warehouse inventory (API-NOTES §5.1).

- PUT .../inventory/skus/{skuId}/warehouses/{warehouseId} stores quantity, unlimitedQuantity,
  leadTime and dateUtcOnBalanceSystem; an omitted one is zeroed, as VTEX does (the contract
  check, when on, refuses such a body first). Answer: 200 with body `true`.
- PATCH .../quantity leaves the lead time alone; PATCH .../lead-time leaves the quantity
  alone; both answer 204.
- leadTime: PUT takes "d.hh:mm:ss" (or "hh:mm:ss"); PATCH lead-time also takes whole days
  ("8") and, like VTEX, reads "78:00:00" as 78 days. Stored and shown the .NET way:
  "00:00:00", "1.00:00:00". A bad format -> 400.

Choices where VTEX is silent: an unknown warehouse or an unknown SKU on a write -> 400 with a
JSON message; GET inventory of an unknown SKU -> 404; a negative quantity -> 400. Warehouse ids
are matched case-insensitively on inventory routes (VTEX known issue). GET inventory lists every
warehouse, with zeros where the SKU has no record, as VTEX's example does. An unlimited
quantity is shown as 1,000,000. reservedQuantity is what orders hold (module `reservations`);
a write clears the acknowledged reservations its dateUtcOnBalanceSystem reflects.
"""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal, InvalidOperation
from typing import Any

from importer.sandbox import reservations
from importer.sandbox.calls import (
    ApiError,
    Call,
    Reply,
    as_bool,
    as_int,
    as_str,
    body_object,
)
from importer.sandbox.state import Record, Store

UNLIMITED_QUANTITY = 1_000_000
_TIMESPAN = re.compile(r"(?:(\d{1,4})\.)?(\d{1,2}):(\d{2}):(\d{2})")
_DAYS = re.compile(r"\d{1,4}")


def parse_lead_time(text: Any, *, lenient: bool = False) -> str:
    """A lead time in the canonical .NET TimeSpan text ("1.02:00:00"), or ApiError 400.

    `lenient` is PATCH lead-time's grammar: also whole days ("8"), and "hh:mm:ss" with hours
    above 23 read as days ("78:00:00" = 78 days, VTEX's documented surprise)."""
    if not isinstance(text, str):
        raise ApiError(400, f"leadTime must be a string like '1.00:00:00', got {text!r}")
    if lenient and _DAYS.fullmatch(text):
        return _timespan(int(text), 0, 0, 0)
    match = _TIMESPAN.fullmatch(text)
    if match is None:
        raise ApiError(400, f"leadTime {text!r} is not in the format dd.hh:mm:ss")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    if lenient and match.group(1) is None and hours > 23:
        days, hours = hours, 0
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ApiError(400, f"leadTime {text!r} is out of range (hh < 24, mm and ss < 60)")
    return _timespan(days, hours, minutes, seconds)


def _timespan(days: int, hours: int, minutes: int, seconds: int) -> str:
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{days}.{clock}" if days else clock


# --------------------------------------------------------------------------- warehouses


def save_warehouse(store: Store, call: Call) -> Reply:
    body = body_object(call)
    warehouse_id = as_str(body.get("id"), "id")
    name = as_str(body.get("name"), "name")
    docks = body.get("warehouseDocks")
    if not warehouse_id or not name or not isinstance(docks, list):
        raise ApiError(400, "id, name and warehouseDocks are required")
    existing = store.warehouses.get(warehouse_id, {})
    store.warehouses[warehouse_id] = {
        "id": warehouse_id,
        "name": name,
        "warehouseDocks": [_dock(d) for d in docks],
        "pickupPointIds": existing.get("pickupPointIds", []),
        "priority": as_int(body.get("priority"), "priority", default=0),
        "isActive": as_bool(body.get("isActive"), "isActive", default=True),
    }
    return Reply()  # 200, no body (the spec documents none)


def _dock(dock: Any) -> Record:
    if not isinstance(dock, dict):
        raise ApiError(400, "each warehouseDocks item must be an object")
    cost = dock.get("cost")
    try:  # sent as a string ("5.00"), shown as a number
        number = cost if isinstance(cost, int | Decimal) else Decimal(str(cost).replace(",", "."))
    except InvalidOperation:
        raise ApiError(400, f"dock cost {cost!r} is not a number") from None
    return {"dockId": dock.get("dockId"), "time": dock.get("time"), "cost": number}


def list_warehouses(store: Store, call: Call) -> Reply:
    return Reply(body=list(store.warehouses.values()))


def get_warehouse(store: Store, call: Call) -> Reply:
    warehouse = store.warehouses.get(call.params["warehouseId"])
    if warehouse is None:
        raise ApiError(404, "warehouse not found")
    return Reply(body=warehouse)


# --------------------------------------------------------------------------- inventory


def _target(store: Store, call: Call) -> tuple[int, str]:
    sku_id = call.int_param("skuId", status=400)
    if sku_id not in store.skus:
        raise ApiError(400, f"SKU {sku_id} does not exist")
    warehouse = store.warehouse_id(call.params["warehouseId"])
    if warehouse is None:
        raise ApiError(400, f"warehouse {call.params['warehouseId']!r} does not exist")
    return sku_id, warehouse


def _quantity(body: Record) -> int:
    quantity = as_int(body.get("quantity"), "quantity", default=0)
    assert quantity is not None
    if quantity < 0:
        raise ApiError(400, f"quantity must be >= 0, got {quantity}")
    return quantity


def _counted(store: Store, key: tuple[int, str], body: Record, call: Call) -> str:
    """The write's count time (null or empty: now, as VTEX documents), after clearing the
    acknowledged reservations that count reflects (`reservations.release`)."""
    counted = reservations.count_time(body.get("dateUtcOnBalanceSystem"), call.now)
    reservations.release(store, key, counted)
    return counted.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _record(store: Store, key: tuple[int, str]) -> Record:
    return store.inventory.get(key) or {
        "quantity": 0,
        "unlimitedQuantity": False,
        "leadTime": "00:00:00",
        "dateUtcOnBalanceSystem": None,
    }


def put_inventory(store: Store, call: Call) -> Reply:
    key = _target(store, call)
    body = body_object(call)
    lead_time = body.get("leadTime")
    record = {
        "quantity": _quantity(body),
        "unlimitedQuantity": as_bool(body.get("unlimitedQuantity"), "unlimitedQuantity"),
        "leadTime": "00:00:00" if lead_time is None else parse_lead_time(lead_time),
    }
    store.inventory[key] = {**record, "dateUtcOnBalanceSystem": _counted(store, key, body, call)}
    return Reply(body=True)


def patch_quantity(store: Store, call: Call) -> Reply:
    key = _target(store, call)
    body = body_object(call)
    record = {
        **_record(store, key),
        "quantity": _quantity(body),
        "unlimitedQuantity": as_bool(body.get("unlimitedQuantity"), "unlimitedQuantity"),
    }
    store.inventory[key] = {**record, "dateUtcOnBalanceSystem": _counted(store, key, body, call)}
    return Reply(status=204)


def patch_lead_time(store: Store, call: Call) -> Reply:
    key = _target(store, call)
    body = body_object(call)
    lead_time = parse_lead_time(body.get("leadTime"), lenient=True)
    store.inventory[key] = {**_record(store, key), "leadTime": lead_time}
    return Reply(status=204)


def get_inventory(store: Store, call: Call) -> Reply:
    sku_id = call.int_param("skuId", status=404)
    if sku_id not in store.skus:
        raise ApiError(404, f"SKU {sku_id} does not exist")
    balance = []
    for warehouse in sorted(store.warehouses.values(), key=lambda w: str(w["id"])):
        key = (sku_id, warehouse["id"])
        record = _record(store, key)
        unlimited = record["unlimitedQuantity"]
        balance.append(
            {
                "warehouseId": warehouse["id"],
                "warehouseName": warehouse["name"],
                "totalQuantity": UNLIMITED_QUANTITY if unlimited else record["quantity"],
                "reservedQuantity": reservations.reserved(store, key),
                "hasUnlimitedQuantity": unlimited,
                "timeToRefill": None,
                "dateOfSupplyUtc": None,
                "leadTime": record["leadTime"],
            }
        )
    return Reply(body={"skuId": str(sku_id), "balance": balance})
