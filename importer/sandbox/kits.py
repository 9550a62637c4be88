"""SKU kits, API-NOTES §12.8: a kit SKU (`IsKit: true`) and its components.

A component row is {Id, StockKeepingUnitParent, StockKeepingUnitId, Quantity, UnitPrice}, as
VTEX's response example shows it (`Id` is documented as "same as StockKeepingUnitParent";
the sandbox gives each row its own Id so that DELETE .../stockkeepingunitkit/{kitId} names one
row, and says so here). Choices where VTEX's documentation is silent (API-NOTES §11):
- POST .../stockkeepingunitkit ADDS a row (it is not idempotent: a second POST of the same
  component is a second row, as the ERP guide's "GET the components first" implies); the
  parent must exist and be a kit (IsKit, which VTEX says "must be enabled if you are adding a
  kit"), the component must exist and not be the parent, Quantity a whole number >= 1 and
  UnitPrice a number >= 0 (else 400);
- GET .../stockkeepingunitkit?parentSkuId= answers the kit's rows as a list (the spec shows
  one object, which cannot hold a kit of several components); ?skuId= the rows that use that
  SKU as a component;
- DELETE .../stockkeepingunitkit?parentSkuId= removes all of a kit's rows, ?skuId= every row
  that uses the SKU as a component, .../{kitId} one row: 200 also when there was none.
"""

from __future__ import annotations

from importer.sandbox import activation
from importer.sandbox.calls import ApiError, Call, Reply, as_int, as_number, body_object
from importer.sandbox.state import Record, Store

__all__ = ["create_kit_component", "delete_kit_component", "delete_kit_components", "list_kit"]


def _query_id(call: Call, name: str) -> int | None:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise ApiError(400, f"{name} must be a whole number")
    return int(raw)


def create_kit_component(store: Store, call: Call) -> Reply:
    body = body_object(call)
    parent = as_int(body.get("StockKeepingUnitParent"), "StockKeepingUnitParent")
    component = as_int(body.get("StockKeepingUnitId"), "StockKeepingUnitId")
    quantity = as_int(body.get("Quantity"), "Quantity")
    price = as_number(body.get("UnitPrice"), "UnitPrice")
    if parent is None or component is None or quantity is None or price is None:
        raise ApiError(400, "StockKeepingUnitParent, StockKeepingUnitId, Quantity and UnitPrice")
    kit = store.skus.get(parent)
    if kit is None or component not in store.skus:
        raise ApiError(400, "SKU not found")
    if not kit.get("IsKit"):
        raise ApiError(400, f"SKU {parent} is not a kit (IsKit false)")
    if component == parent:
        raise ApiError(400, "a kit cannot be its own component")
    if quantity < 1 or price < 0:
        raise ApiError(400, "Quantity must be 1 or more and UnitPrice 0 or more")
    row: Record = {
        "Id": store.next_number("kit"),
        "StockKeepingUnitParent": parent,
        "StockKeepingUnitId": component,
        "Quantity": quantity,
        "UnitPrice": price,
    }
    store.sku_kits.setdefault(parent, []).append(row)
    activation.maybe_activate(store, parent)  # ActivateIfPossible: once a component exists
    return Reply(body=row)


def list_kit(store: Store, call: Call) -> Reply:
    parent, component = _query_id(call, "parentSkuId"), _query_id(call, "skuId")
    rows = [
        r
        for owned in store.sku_kits.values()
        for r in owned
        if (parent is None or r["StockKeepingUnitParent"] == parent)
        and (component is None or r["StockKeepingUnitId"] == component)
    ]
    return Reply(body=rows)


def delete_kit_components(store: Store, call: Call) -> Reply:
    parent, component = _query_id(call, "parentSkuId"), _query_id(call, "skuId")
    if parent is None and component is None:
        raise ApiError(400, "give parentSkuId or skuId")
    for owner, owned in list(store.sku_kits.items()):
        store.sku_kits[owner] = [
            r
            for r in owned
            if not (
                (parent is None or r["StockKeepingUnitParent"] == parent)
                and (component is None or r["StockKeepingUnitId"] == component)
            )
        ]
    return Reply()


def delete_kit_component(store: Store, call: Call) -> Reply:
    kit_id = call.int_param("kitId")
    for owner, owned in store.sku_kits.items():
        store.sku_kits[owner] = [r for r in owned if r["Id"] != kit_id]
    return Reply()
