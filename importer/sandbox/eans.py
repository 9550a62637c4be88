"""SKU EANs, API-NOTES §3.5: GET/DELETE .../stockkeepingunit/{skuId}/ean and
POST/DELETE .../ean/{ean}.

- POST (no body) adds the EAN, and adds it AGAIN when the SKU already has it: VTEX lets EANs
  pile up on one SKU (known issue). GET lists every copy, in the order they were added, so
  diff against GET .../ean before posting;
- an EAN cannot be updated: DELETE it and POST the new one;
- DELETE .../ean/{ean} removes every copy of that EAN; DELETE .../ean removes them all.

- an EAN identifies one SKU: VTEX looks SKUs up by it (`GET .../stockkeepingunitbyean/{ean}`
  answers one SKU, and the EAN is an alternate id of the SKU, API-NOTES §3.4), so POSTing an
  EAN that another SKU holds is refused. VTEX documents only the 200 of this POST; the sandbox
  answers 409 naming the SKU that holds it, as it does for a RefId taken by another record.

Choices where VTEX is silent: an unknown SKU is 404 on every route; DELETE of an EAN the SKU
does not have is 404 (a replayed DELETE therefore answers 404: treat it as done); DELETE of all
EANs of an SKU without any is 200. Removing EANs never deactivates an SKU.
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
    ean = _ean(call)
    holder = store.ean_skus.get(ean)
    if holder is not None and holder != sku_id and ean in store.sku_eans.get(holder, []):
        raise ApiError(409, f"EAN {ean} is already used by SKU {holder}")
    store.sku_eans.setdefault(sku_id, []).append(ean)
    store.ean_skus[ean] = sku_id
    activation.maybe_activate(store, sku_id)
    return Reply()


def delete_ean(store: Store, call: Call) -> Reply:
    sku_id = _sku_id(store, call)
    ean = _ean(call)
    owned = store.sku_eans.get(sku_id, [])
    if ean not in owned:
        raise ApiError(404, f"SKU {sku_id} has no EAN {ean!r}")
    store.sku_eans[sku_id] = [e for e in owned if e != ean]
    store.ean_skus.pop(ean, None)
    return Reply()


def delete_all_eans(store: Store, call: Call) -> Reply:
    for ean in store.sku_eans.pop(_sku_id(store, call), []):
        store.ean_skus.pop(ean, None)
    return Reply()
