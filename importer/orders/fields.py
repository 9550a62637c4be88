"""What an ERP needs to invoice and ship an order, read from VTEX's Get order (issue 12 item 3).

Pure functions of the order document: the orders file's columns beyond FORMATS.md's (the
README's "Orders out" section lists them). Each reads the spellings VTEX's spec and its
example disagree on (API-NOTES §12.5): `priceDefinition` / `priceDefinitions`,
`selectedDeliveryChannel` / `deliveryChannel`, price tags as objects or strings, a pickup
point's address as text or as an object.

Line totals: a line's total is its `priceDefinition.total` (what its units cost together;
VTEX recommends it over `sellingPrice`, which is rounded per unit), so the lines plus shipping
and tax are the order's value. Where they are not (an order without priceDefinition, whose
per-unit rounding left `roundingError` cents), the cents left over are put on the order's first
line and said in its `rounding_adjustment`; a difference larger than one minor unit per unit is
not a rounding and is left as VTEX says (and logged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from loguru import logger

from importer.orders.money import units

Order = Mapping[str, Any]

SALE_COLUMNS = [
    "origin",
    "marketplace",
    "marketplace_order_id",
    "affiliate_id",
    "sales_channel",
    "is_corporate",
    "corporate_name",
    "trade_name",
    "corporate_document",
    "state_inscription",
    "corporate_phone",
    "replaces_order_id",
]
LINE_COLUMNS = [
    "item_seller",
    "item_tax",
    "price_tags",
    "selling_prices",
    "rounding_adjustment",
    "carrier",
    "sla",
    "delivery_channel",
    "estimated_delivery",
    "pickup_point_id",
    "pickup_point_name",
    "pickup_point_address",
]


def totals(order: Order) -> dict[str, int]:
    """VTEX's totals by id (Items, Discounts, Shipping, Tax), in minor units."""
    return {str(t.get("id")): int(t.get("value") or 0) for t in order.get("totals") or []}


def price_definition(item: Mapping[str, Any]) -> Mapping[str, Any]:
    found = item.get("priceDefinition") or item.get("priceDefinitions") or {}
    return found if isinstance(found, Mapping) else {}


def _unit_price(item: Mapping[str, Any]) -> int:
    return int(item.get("sellingPrice", item.get("price", 0)) or 0)


def line_totals(order: Order) -> tuple[list[int], list[int]]:
    """Each line's total and the rounding cents put on it, in minor units: the totals add up
    to value - Shipping - Tax (see the module docstring)."""
    items = order.get("items") or []
    lines = []
    for item in items:
        total = price_definition(item).get("total")
        quantity = int(item.get("quantity") or 0)
        lines.append(int(total) if total is not None else _unit_price(item) * quantity)
    adjustments = [0] * len(lines)
    if not lines:
        return lines, adjustments
    figures = totals(order)
    target = int(order.get("value") or 0) - figures.get("Shipping", 0) - figures.get("Tax", 0)
    left = target - sum(lines)
    units_sold = sum(int(i.get("quantity") or 0) for i in items)
    if left and abs(left) <= max(units_sold, 1):
        adjustments[0] = left
        lines[0] += left
    elif left:
        logger.warning(
            "order {}: its lines, shipping and tax differ from its total by {} minor units, "
            "more than a rounding: the lines are as VTEX gives them",
            order.get("orderId"),
            left,
        )
    return lines, adjustments


def _text(value: object) -> str:
    return "" if value is None else str(value)


def replaces_order_id(order: Order) -> str:
    """The order this one replaced: VTEX's spec has no field for it (API-NOTES §12.5), so the
    pointer is the change record VTEX documents, `changesAttachment.changesData[].receipt`,
    when its orderId is another order's."""
    own = _text(order.get("orderId"))
    changes = (order.get("changesAttachment") or {}).get("changesData") or []
    for change in changes:
        other = _text((change.get("receipt") or {}).get("orderId"))
        if other and other != own:
            return other
    return ""


def sale_fields(order: Order) -> dict[str, object]:
    """Where the order comes from and who buys: origin, marketplace, sales channel and the
    corporate buyer's fields (clientProfileData)."""
    client = order.get("clientProfileData") or {}
    corporate = bool(client.get("isCorporate"))
    return {
        "origin": _text(order.get("origin")),
        "marketplace": _text((order.get("marketplace") or {}).get("name")),
        "marketplace_order_id": _text(order.get("marketplaceOrderId")),
        "affiliate_id": _text(order.get("affiliateId")),
        "sales_channel": _text(order.get("salesChannel")),
        "is_corporate": "true" if corporate else "false",
        "corporate_name": _text(client.get("corporateName")),
        "trade_name": _text(client.get("tradeName")),
        "corporate_document": _text(client.get("corporateDocument")),
        "state_inscription": _text(client.get("stateInscription")),
        "corporate_phone": _text(client.get("corporatePhone")),
        "replaces_order_id": replaces_order_id(order),
    }


def _logistics(order: Order, index: int) -> Mapping[str, Any]:
    infos: Sequence[Mapping[str, Any]] = (order.get("shippingData") or {}).get(
        "logisticsInfo"
    ) or []
    found = next((i for i in infos if i.get("itemIndex") == index), None)
    if found is None and index < len(infos):
        found = infos[index]
    return found or {}


def _address(raw: object) -> str:
    """A pickup point's address: text as the spec types it, or the object VTEX's example
    sends, written as one line."""
    if not isinstance(raw, Mapping):
        return _text(raw)
    street = " ".join(_text(raw.get(k)) for k in ("street", "number") if raw.get(k))
    parts = [street, _text(raw.get("complement")), _text(raw.get("neighborhood"))]
    place = " - ".join(_text(raw.get(k)) for k in ("city", "state") if raw.get(k))
    return ", ".join(p for p in [*parts, place, _text(raw.get("postalCode"))] if p)


def delivery_fields(order: Order, index: int) -> dict[str, object]:
    """How line `index` reaches the buyer: carrier, SLA, channel, estimate, pickup point."""
    info = _logistics(order, index)
    pickup = info.get("pickupStoreInfo") or {}
    couriers = [d.get("courierName") for d in info.get("deliveryIds") or [] if d.get("courierName")]
    is_pickup = bool(pickup.get("isPickupStore"))
    return {
        "carrier": _text(info.get("deliveryCompany") or (couriers[0] if couriers else "")),
        "sla": _text(info.get("selectedSla")),
        "delivery_channel": _text(
            info.get("selectedDeliveryChannel") or info.get("deliveryChannel")
        ),
        "estimated_delivery": _text(info.get("shippingEstimateDate")),
        "pickup_point_id": _text(info.get("pickupPointId")),
        "pickup_point_name": _text(pickup.get("friendlyName")) if is_pickup else "",
        "pickup_point_address": _address(pickup.get("address")) if is_pickup else "",
    }


def price_tags(item: Mapping[str, Any], digits: int) -> str:
    """`name:amount` per tag, '|' between (amounts in currency units, discounts negative)."""
    written = []
    for tag in item.get("priceTags") or []:
        if isinstance(tag, Mapping):
            written.append(f"{_text(tag.get('name'))}:{units(tag.get('value'), digits)}")
        else:
            written.append(_text(tag))
    return "|".join(written)


def selling_prices(item: Mapping[str, Any], digits: int) -> str:
    """priceDefinition.sellingPrices as `quantity:total` per group, '|' between: the prices
    the units were sold at, exact (2:66.66|1:33.34 is three units for 100.00)."""
    groups = price_definition(item).get("sellingPrices") or []
    return "|".join(
        f"{int(g.get('quantity') or 0)}:{units(g.get('value'), digits)}" for g in groups
    )


def item_seller(order: Order, item: Mapping[str, Any]) -> str:
    seller = _text(item.get("seller"))
    names = {_text(s.get("id")): _text(s.get("name")) for s in order.get("sellers") or []}
    return names.get(seller) or seller
