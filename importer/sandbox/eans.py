"""SKU EANs, API-NOTES §3.5: GET/DELETE .../stockkeepingunit/{skuId}/ean and
POST/DELETE .../ean/{ean}.

- POST (no body) adds the EAN, and adds it AGAIN when the SKU already has it: VTEX lets EANs
  pile up on one SKU (known issue). GET lists every copy, in the order they were added, so
  diff against GET .../ean before posting;
- an EAN cannot be updated: DELETE it and POST the new one;
- DELETE .../ean/{ean} removes every copy of that EAN; DELETE .../ean removes them all.

Choices where VTEX is silent: an unknown SKU is 404 on every route; DELETE of an EAN the SKU
does not have is 404 (a replayed DELETE therefore answers 404: treat it as done); DELETE of all
EANs of an SKU without any is 200; the same EAN on two SKUs is accepted (VTEX does not say it
refuses it, so the importer must not rely on it). Removing EANs never deactivates an SKU.
"""

from __future__ import annotations

from importer.sandbox import activation
from importer.sandbox.calls import ApiError, Call, Reply
from importer.sandbox.state import Store

__all__ = ["add_ean", "delete_all_eans", "delete_ean", "list_eans"]


def _sku_id(store: Store, call: Call) -> int:
    sku_id = call.int_param("skuId")
    if sku_id not in store.skus:
        raise ApiError(404, f"SKU {sku_id} not found")
    return sku_id


def _ean(call: Call) -> str:
    ean = call.params["ean"]
    if not ean.strip() or ean != ean.strip():
        raise ApiError(400, f"EAN {ean!r} is empty or has surrounding spaces")
    return ean


def list_eans(store: Store, call: Call) -> Reply:
    return Reply(body=list(store.sku_eans.get(_sku_id(store, call), [])))


def add_ean(store: Store, call: Call) -> Reply:
    sku_id = _sku_id(store, call)
    store.sku_eans.setdefault(sku_id, []).append(_ean(call))
    activation.maybe_activate(store, sku_id)
    return Reply()


def delete_ean(store: Store, call: Call) -> Reply:
    sku_id = _sku_id(store, call)
    ean = _ean(call)
    owned = store.sku_eans.get(sku_id, [])
    if ean not in owned:
        raise ApiError(404, f"SKU {sku_id} has no EAN {ean!r}")
    store.sku_eans[sku_id] = [e for e in owned if e != ean]
    return Reply()


def delete_all_eans(store: Store, call: Call) -> Reply:
    store.sku_eans.pop(_sku_id(store, call), None)
    return Reply()
