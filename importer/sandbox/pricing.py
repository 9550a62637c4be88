"""Pricing routes (api.vtex.com/{account}/pricing/...): base prices and fixed prices.

Money is kept exactly as sent (Decimal), in currency units, not cents. Rules (API-NOTES §4.1):
- PUT /pricing/prices/{itemId} creates or replaces the whole price: every fixed price not in
  the body is deleted, an omitted listPrice is cleared. Of basePrice, costPrice and markup:
  all three -> 400; costPrice + markup -> basePrice = costPrice * (1 + markup / 100);
  basePrice + costPrice -> markup derived (rounded to a whole percent, as markup is an integer);
  basePrice + markup -> costPrice derived (rounded to cents); basePrice alone -> costPrice =
  basePrice, markup 0; anything else (cost or markup alone, or none) -> 400.
- PATCH /pricing/prices/{itemId}/fixed upserts by (tradePolicyId, minQuantity, dateRange) and
  removes nothing.
- Negative values are accepted, as VTEX does (known issue): the importer must refuse them.
- The SKU need not exist in the catalog: Pricing is a separate service.

Choices where VTEX is silent: GET of a SKU without any price -> 404 (also for /fixed);
DELETE is idempotent (200 even when there was nothing to delete). That a PUT without
listPrice clears it follows from "creates or replaces" (the spec allows no null listPrice to
clear it with); VTEX does not say so in as many words, so the other reading, a PUT that keeps
the list price it omits, is opt-in: `store.features_off` holding `PUT_CLEARS_LIST_PRICE`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from importer.sandbox.calls import (
    ApiError,
    Call,
    Reply,
    as_int,
    as_number,
    as_str,
    body_object,
)
from importer.sandbox.state import Record, Store

# Sent on every Pricing response (API-NOTES §8.1): fixed values, unless the sandbox is metered
# (`metering`), which answers its routes' real readings instead.
RATE_LIMIT_HEADERS = {
    "Ratelimit-Limit": "500",
    "Ratelimit-Remaining": "499",
    "Ratelimit-Reset": "0",
}

_CENT = Decimal("0.01")
PUT_CLEARS_LIST_PRICE = "pricing-put-clears-list-price"
FixedKey = tuple[str, int, datetime | None, datetime | None]


def _instant(text: Any, name: str) -> datetime:
    value = as_str(text, name)
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        raise ApiError(400, f"{name} must be an RFC 3339 date-time, got {text!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)  # UTC default


def _fixed_price(item: Any, where: str, *, table: str | None = None) -> tuple[FixedKey, Record]:
    if not isinstance(item, dict):
        raise ApiError(400, f"{where} must be an object")
    policy = table if table is not None else as_str(item.get("tradePolicyId"), "tradePolicyId")
    value = as_number(item.get("value"), f"{where}.value")
    if not policy or value is None:
        raise ApiError(400, f"{where} needs tradePolicyId and value")
    min_quantity = as_int(item.get("minQuantity"), f"{where}.minQuantity", default=1)
    assert min_quantity is not None
    record: Record = {
        "tradePolicyId": policy,
        "value": value,
        "listPrice": as_number(item.get("listPrice"), f"{where}.listPrice"),
        "minQuantity": min_quantity,
    }
    start = end = None
    date_range = item.get("dateRange")
    if date_range is not None:
        if not isinstance(date_range, dict):
            raise ApiError(400, f"{where}.dateRange must be an object with from and to")
        start = _instant(date_range.get("from"), f"{where}.dateRange.from")
        end = _instant(date_range.get("to"), f"{where}.dateRange.to")
        if end <= start:
            raise ApiError(400, f"{where}.dateRange.to must be after from")
        record["dateRange"] = {"from": date_range["from"], "to": date_range["to"]}
    return (policy, min_quantity, start, end), record


def _upsert(existing: list[Record], items: list[Any], field: str) -> list[Record]:
    by_key: dict[FixedKey, Record] = {}
    for index, item in enumerate(existing):
        key, record = _fixed_price(item, f"stored[{index}]")
        by_key[key] = record
    for index, item in enumerate(items):
        key, record = _fixed_price(item, f"{field}[{index}]")
        by_key[key] = record  # same activation conditions: replaced; otherwise added
    return list(by_key.values())


def _base_cost_markup(body: Record) -> tuple[Any, Any, int]:
    base = as_number(body.get("basePrice"), "basePrice")
    cost = as_number(body.get("costPrice"), "costPrice")
    markup = as_int(body.get("markup"), "markup")
    given = (base is not None, cost is not None, markup is not None)
    if given == (True, True, True):
        raise ApiError(400, "send two of basePrice, costPrice and markup, not all three")
    if base is None:
        if cost is None or markup is None:
            raise ApiError(400, "send basePrice, or costPrice together with markup")
        return cost * (1 + Decimal(markup) / 100), cost, markup
    if cost is not None:
        if cost == 0:
            return base, cost, 0
        percent = (Decimal(base) - cost) / cost * 100
        return base, cost, int(percent.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if markup is not None:
        if markup == -100:
            raise ApiError(400, "markup -100 leaves no cost price")
        derived = Decimal(base) / (1 + Decimal(markup) / 100)
        return base, derived.quantize(_CENT, rounding=ROUND_HALF_UP), markup
    return base, base, 0


def _price(store: Store, call: Call) -> tuple[int, Record | None]:
    item_id = call.int_param("itemId", status=400)
    return item_id, store.prices.get(item_id)


def put_price(store: Store, call: Call) -> Reply:
    body = body_object(call)
    item_id, before = _price(store, call)
    base, cost, markup = _base_cost_markup(body)
    list_price = as_number(body.get("listPrice"), "listPrice")
    if list_price is None and before and PUT_CLEARS_LIST_PRICE in store.features_off:
        list_price = before.get("listPrice")
    fixed = body.get("fixedPrices")
    if fixed is not None and not isinstance(fixed, list):
        raise ApiError(400, "fixedPrices must be an array")
    store.prices[item_id] = {
        "itemId": str(item_id),
        "listPrice": list_price,
        "costPrice": cost,
        "markup": markup,
        "basePrice": base,
        "fixedPrices": _upsert([], fixed or [], "fixedPrices"),  # replaces all fixed prices
    }
    return Reply()


def get_price(store: Store, call: Call) -> Reply:
    _, price = _price(store, call)
    if price is None:
        raise ApiError(404, "no price for this SKU")
    return Reply(body=price)


def delete_price(store: Store, call: Call) -> Reply:
    item_id, _ = _price(store, call)
    store.prices.pop(item_id, None)
    return Reply()


def patch_fixed(store: Store, call: Call) -> Reply:
    item_id, price = _price(store, call)
    if not isinstance(call.body, list):
        raise ApiError(400, "the body must be a JSON array of fixed prices")
    if price is None:  # fixed prices without a base price yet
        price = {
            "itemId": str(item_id),
            "listPrice": None,
            "costPrice": None,
            "markup": None,
            "basePrice": None,
            "fixedPrices": [],
        }
    price["fixedPrices"] = _upsert(price["fixedPrices"], call.body, "body")
    store.prices[item_id] = price
    return Reply()


def get_fixed(store: Store, call: Call) -> Reply:
    _, price = _price(store, call)
    if price is None:
        raise ApiError(404, "no price for this SKU")
    table = call.params.get("priceTableId")
    fixed = price["fixedPrices"]
    return Reply(body=[f for f in fixed if table is None or f["tradePolicyId"] == table])


def delete_fixed(store: Store, call: Call) -> Reply:
    _, price = _price(store, call)
    if price is not None:
        table = call.params["priceTableId"]
        price["fixedPrices"] = [f for f in price["fixedPrices"] if f["tradePolicyId"] != table]
    return Reply()
