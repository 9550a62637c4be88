"""Order documents as GET /api/oms/pvt/orders/{orderId} returns them, and the demo orders.

Money is integers in the currency's minor units everywhere (VTEX says "cents"; API-NOTES §7;
`currency` / `decimal_digits` give an order another currency, e.g. CLP with 0 digits), and the
totals add up exactly:

    Items     = sum(price * quantity)                      (unit list-of-sale price)
    Discounts = sum((sellingPrice - price) * quantity)     (<= 0 when sellingPrice <= price)
    Shipping  = the freight, split over shippingData.logisticsInfo[].price (remainder first)
    Tax       = the tax, split over items[].tax (each line's share, remainder first)
    value     = sum(priceDefinition.total) + Shipping + Tax  = the one payment's value
    roundingError = value - (Items + Discounts + Shipping + Tax)

A line's priceDefinition.total is what its units cost together; `sellingPrice` (=
calculatedSellingPrice) is the unit price rounded per unit. They differ when a line gives its
`sellingPrices` groups (3 units for 100.00: 2 x 33.33 + 1 x 33.34): VTEX rounds the discount
per unit, and the cent it leaves is the order's roundingError (orders.json: "rounding is
applied per item, not after the sum of all items"). Without groups a line is one group and
roundingError is 0. A discounted line carries a priceTag with its discount (VTEX's objects:
name, value, isPercentual, identifier, rawValue; the spec's schema says strings).

What else an ERP needs is there as VTEX's Get order has it: each line's logisticsInfo (SLA,
carrier, estimate date, delivery channel and, for a pickup, pickupPointId and pickupStoreInfo),
the order's origin (`marketplace`, affiliateId, marketplaceOrderId, sellers), salesChannel and
the corporate buyer fields of clientProfileData. Demo orders draw them (a quarter corporate, a
fifth for pickup, a fifth from a marketplace) from a second generator,
`random.Random(f"{seed}:{sequence}:erp")`, so that the draws of the first are unchanged.

A demo order is deterministic: its content (items, quantities, prices, customer, address,
payment) comes from `random.Random(f"{seed}:{sequence}")`, so two sandboxes that make the same
calls hold the same orders; only its dates are the wall clock's. Items use the store's SKUs
(id, product, RefId, first EAN, name, first image, and the price from the Pricing store when
there is one); a store without SKUs gets the demo SKU ids 1..20 (RefIds DEMO-001..). An item's
`refId` is the SKU's RefId (the spec calls it the product's reference code; stores send the
SKU's): map SKUs by `id`, as API-NOTES §6.3 says.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from importer.sandbox.demo import DEMO_SKU_COUNT, demo_refid
from importer.sandbox.state import Record, Store

__all__ = [
    "STATUS_DESCRIPTIONS",
    "build_order",
    "oms_time",
]

STATUS_DESCRIPTIONS = {
    "order-created": "Processando",
    "payment-pending": "Pagamento Pendente",
    "payment-approved": "Pagamento Aprovado",
    "window-to-cancel": "Carência para Cancelamento",
    "ready-for-handling": "Pronto para o manuseio",
    "start-handling": "Iniciar Manuseio",
    "handling": "Preparando Entrega",
    "invoice": "Verificando Envio",
    "invoiced": "Faturado",
    "request-cancel": "Cancelamento Solicitado",
    "cancellation-requested": "Cancelamento Solicitado",
    "cancel": "Cancelando",
    "canceled": "Cancelado",
    "replaced": "Substituído",
}
_FIRST = ("Ana", "Bruno", "Carla", "Diego", "Élida", "Fábio", "Gabriela", "Heitor", "Íris", "João")
_LAST = ("Silva", "Souza", "Oliveira", "Pereira", "Conceição", "Araújo", "Gonçalves", "Müller")
# (city, state, postal code prefix, neighbourhood, street)
_PLACES = (
    ("São Paulo", "SP", "01310", "Bela Vista", "Avenida Paulista"),
    ("Rio de Janeiro", "RJ", "22630", "Barra da Tijuca", "Avenida Lúcio Costa"),
    ("Belo Horizonte", "MG", "30130", "Centro", "Rua da Bahia"),
    ("Curitiba", "PR", "80020", "Centro", "Rua XV de Novembro"),
    ("Porto Alegre", "RS", "90010", "Centro Histórico", "Rua dos Andradas"),
    ("Salvador", "BA", "40020", "Comércio", "Avenida da França"),
)
# (paymentSystem, paymentSystemName, group)
_PAYMENTS = (
    ("2", "Visa", "creditCard"),
    ("4", "Mastercard", "creditCard"),
    ("6", "Boleto Bancário", "bankInvoice"),
    ("125", "Pix", "instantPayment"),
)
_SHIPPING_CENTS = (0, 990, 1290, 1590, 2350)
_SELLER = {"id": "1", "name": "Sandbox Store", "logo": "", "fulfillmentEndpoint": ""}
_CENT = Decimal(1)
# currencyCode -> (CurrencyDecimalDigits, symbol, LCID, country): the demo's currencies.
CURRENCIES = {
    "BRL": (2, "R$", 1046, "BRA"),
    "CLP": (0, "$", 13322, "CHL"),
    "JPY": (0, "¥", 1041, "JPN"),
    "USD": (2, "US$", 1033, "USA"),
    "KWD": (3, "KD", 13313, "KWT"),
}
# (pickupPointId, friendlyName, address): the demo's pickup points.
_PICKUP_POINTS = (
    ("1_loja-paulista", "Loja Paulista", "Avenida Paulista, 1000 - Bela Vista, São Paulo - SP"),
    ("1_loja-centro", "Loja Centro", "Rua da Bahia, 500 - Centro, Belo Horizonte - MG"),
)
# (name, affiliateId, baseURL): the demo's marketplaces.
_MARKETPLACES = (
    ("Mercado Livre", "MLB", "https://mercadolivre.example/api/vtex"),
    ("Magalu", "MGZ", "https://magalu.example/api/vtex"),
)


def oms_time(moment: datetime) -> str:
    """2024-02-04T20:09:43.8999580+00:00: the order documents' dates (UTC, 7 digits)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032X}"


def _cpf(rng: random.Random) -> str:
    """A Brazilian CPF (11 digits) with valid check digits; random, so nobody's."""
    digits = [rng.randrange(10) for _ in range(9)]
    for size in (10, 11):
        total = sum(d * w for d, w in zip(digits, range(size, 1, -1), strict=False))
        digits.append(total * 10 % 11 % 10)
    return "".join(map(str, digits))


def _cents(value: Any) -> int | None:
    if value is None:
        return None
    return int((Decimal(str(value)) * 100).quantize(_CENT, rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- items


def _sku_ids(store: Store) -> list[int]:
    return sorted(store.skus) or list(range(1, DEMO_SKU_COUNT + 1))


def _demo_lines(store: Store, rng: random.Random) -> list[Record]:
    ids = _sku_ids(store)
    count = min(rng.randint(1, 4), len(ids))
    lines = []
    for sku_id in rng.sample(ids, count):
        line: Record = {"id": sku_id, "quantity": rng.choice((1, 1, 1, 2, 3))}
        price = _cents((store.prices.get(sku_id) or {}).get("basePrice"))
        if price is None or price <= 0:
            price = rng.randrange(500, 30000)  # odd cents: 12347 is R$ 123,47
            line["listPrice"] = price + rng.choice((0, 0, 1000))
        line["price"] = price
        if rng.random() < 0.3:  # 10% off, per unit, rounded down to the cent
            line["sellingPrice"] = price - price // 10
        lines.append(line)
    return lines


def _item(
    store: Store, order_id: str, index: int, line: Mapping[str, Any], digits: int = 2
) -> Record:
    raw_id = line.get("id")
    if raw_id is None or not str(raw_id).strip():
        raise ValueError(f"item {index}: 'id' (the SKU id) is required")
    sku_id = str(raw_id).strip()
    sku = store.skus.get(int(sku_id)) if sku_id.isdigit() else None
    product = store.products.get(sku["ProductId"]) if sku else None
    demo = sku is None and sku_id.isdigit() and 1 <= int(sku_id) <= DEMO_SKU_COUNT
    quantity = int(line.get("quantity", 1))
    if quantity < 1:
        raise ValueError(f"item {index}: quantity must be >= 1")
    price = _cents((store.prices.get(int(sku_id)) or {}).get("basePrice")) if sku else None
    price = int(line.get("price", price if price is not None else 1000))
    list_price = int(line.get("listPrice", price))
    selling = int(line.get("sellingPrice", price))
    if min(price, list_price, selling) < 0:
        raise ValueError(f"item {index}: prices are cents >= 0")
    groups = _selling_groups(index, line, selling, quantity)
    if sku is not None:
        name = str(sku.get("Name") or sku_id)
        if product is not None and product.get("Name"):
            name = f"{product['Name']} {name}"
        ref_id = sku.get("RefId")
        product_id = str(sku["ProductId"])
    else:
        name = f"Demo SKU {int(sku_id):03d}" if demo else f"SKU {sku_id}"
        ref_id = demo_refid(int(sku_id)) if demo else None
        product_id = "1" if demo else sku_id
    eans = store.sku_eans.get(int(sku_id), []) if sku_id.isdigit() else []
    images = store.sku_files.get(int(sku_id), []) if sku_id.isdigit() else []
    return {
        "uniqueId": "",  # drawn by build_order
        "id": sku_id,
        "productId": str(line.get("productId", product_id)),
        "ean": line.get("ean", eans[0] if eans else None),
        "lockId": f"00-{order_id}",
        "itemAttachment": {"content": {}, "name": None},
        "attachments": [],
        "quantity": quantity,
        "seller": "1",
        "name": str(line.get("name", name)),
        "refId": line.get("refId", ref_id),
        "price": price,
        "listPrice": list_price,
        "manualPrice": None,
        "priceTags": _discount_tags(line, price, selling, quantity, order_id, index, digits),
        "imageUrl": images[0].get("Url") if images else None,
        "detailUrl": f"/{product.get('LinkId') or 'product'}/p" if product else "/product/p",
        "components": [],
        "bundleItems": [],
        "params": [],
        "offerings": [],
        "attachmentOfferings": [],
        "sellerSku": sku_id,
        "priceValidUntil": None,
        "commission": 0,
        "tax": int(line.get("tax", 0)),
        "preSaleDate": None,
        "measurementUnit": "un",
        "unitMultiplier": 1,  # the spec's schema says integer (its example 1.0)
        "sellingPrice": selling,
        "isGift": False,
        "shippingPrice": None,
        "rewardValue": 0,
        "freightCommission": 0,
        "priceDefinition": {
            "sellingPrices": groups,
            "calculatedSellingPrice": selling,
            "total": sum(g["value"] for g in groups),
            "reason": None,
        },
        "taxCode": None,
        "parentItemIndex": None,
        "parentAssemblyBinding": None,
        "callCenterOperator": None,
        "serialNumbers": None,
        "assemblies": [],
        "costPrice": price * 6 // 10,
    }


def _selling_groups(
    index: int, line: Mapping[str, Any], selling: int, quantity: int
) -> list[Record]:
    """priceDefinition.sellingPrices: the line's own groups ({value: total of the group,
    quantity}), or one group of every unit at the selling price."""
    given = line.get("sellingPrices")
    if given is None:
        return [{"value": selling * quantity, "quantity": quantity}]
    groups = [{"value": int(g["value"]), "quantity": int(g["quantity"])} for g in given]
    if sum(g["quantity"] for g in groups) != quantity or min(g["value"] for g in groups) < 0:
        raise ValueError(f"item {index}: sellingPrices must cover its quantity, in cents >= 0")
    return groups


def _discount_tags(
    line: Mapping[str, Any],
    price: int,
    selling: int,
    quantity: int,
    order_id: str,
    index: int,
    digits: int,
) -> list[Any]:
    """The line's priceTags: given, or one for its discount (VTEX's shape, value negative)."""
    if "priceTags" in line:
        return list(line["priceTags"])
    if selling >= price:
        return []
    value = (selling - price) * quantity
    return [
        {
            "name": f"discount@price-{order_id}-{index}#promotion",
            "value": value,
            "isPercentual": False,
            "identifier": f"promotion-{index + 1}",
            # The spec: a number with up to 5 decimals, in currency units.
            "rawValue": Decimal(value).scaleb(-digits),
        }
    ]


def _split_tax(items: list[Record], tax: int) -> None:
    """items[].tax: each line's share of the order's tax, by its total (remainder first)."""
    totals = [i["priceDefinition"]["total"] for i in items]
    base = sum(totals)
    shares = [tax * t // base if base else 0 for t in totals]
    shares[0] += tax - sum(shares)
    for item, share in zip(items, shares, strict=True):
        item["tax"] = share


def _cnpj(rng: random.Random) -> str:
    """A Brazilian CNPJ (14 digits) with valid check digits; random, so nobody's."""
    digits = [rng.randrange(10) for _ in range(8)] + [0, 0, 0, 1]
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return "".join(map(str, digits))


def _corporate(extra: random.Random, client: Record) -> None:
    """A demo buyer that is a company: clientProfileData's corporate fields (API-NOTES §12.5)."""
    name = f"{client['lastName']} {extra.choice(('Comércio', 'Distribuidora', 'Serviços'))}"
    client.update(
        {
            "isCorporate": True,
            "corporateName": f"{name} Ltda",
            "tradeName": name,
            "corporateDocument": _cnpj(extra),
            "stateInscription": str(extra.randrange(10**11, 10**12)),
            "corporatePhone": f"+5511{extra.randrange(10**7, 10**8)}",
        }
    )


def _store_preferences(currency: str, digits: int | None) -> Record:
    known = CURRENCIES.get(currency)
    if known is None and digits is None:
        raise ValueError(f"currency {currency!r}: give its decimal_digits")
    default_digits, symbol, locale, country = known or (digits, currency, 1033, "USA")
    return {
        "countryCode": country,
        "currencyCode": currency,
        "currencyFormatInfo": {
            "CurrencyDecimalDigits": default_digits if digits is None else digits,
            "CurrencyDecimalSeparator": ",",
            "CurrencyGroupSeparator": ".",
            "CurrencyGroupSize": 3,
            "StartsWithCurrencySymbol": True,
        },
        "currencyLocale": locale,
        "currencySymbol": symbol,
        "timeZone": "E. South America Standard Time",
    }


# --------------------------------------------------------------------------- the order


def _client(rng: random.Random, given: Mapping[str, Any] | None) -> Record:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email_name = f"{first}.{last}".lower().translate(str.maketrans("áéíóúãçü", "aeiouacu"))
    client: Record = {
        "id": "clientProfileData",
        "email": f"{email_name}{rng.randrange(100, 1000)}@example.com",
        "firstName": first,
        "lastName": last,
        "documentType": "cpf",
        "document": _cpf(rng),
        "phone": f"+55{rng.choice((11, 21, 31, 41, 51, 71))}9{rng.randrange(10**7, 10**8)}",
        "corporateName": None,
        "tradeName": None,
        "corporateDocument": None,
        "stateInscription": None,
        "corporatePhone": None,
        "isCorporate": False,
        "userProfileId": _hex(rng).lower(),
        "customerClass": None,
    }
    client.update(given or {})
    return client


def _address(rng: random.Random, client: Record, given: Mapping[str, Any] | None) -> Record:
    city, state, prefix, neighborhood, street = rng.choice(_PLACES)
    address: Record = {
        "addressType": "residential",
        "receiverName": f"{client['firstName']} {client['lastName']}",
        "addressId": str(rng.randrange(10**12, 10**13)),
        "versionId": None,
        "entityId": None,
        "postalCode": f"{prefix}-{rng.randrange(1000):03d}",
        "city": city,
        "state": state,
        "country": "BRA",
        "street": street,
        "number": str(rng.randrange(1, 3000)),
        "neighborhood": neighborhood,
        "complement": rng.choice(("", "", f"Apto {rng.randrange(1, 200)}", "Fundos")),
        "reference": None,
        "geoCoordinates": [],
    }
    address.update(given or {})
    return address


def _metadata(item: Record) -> Record:
    return {
        "Id": item["id"],
        "Seller": item["seller"],
        "Name": item["name"],
        "SkuName": item["name"],
        "ProductId": item["productId"],
        "RefId": item["refId"],
        "Ean": item["ean"] or "",
        "ImageUrl": item["imageUrl"],
        "DetailUrl": item["detailUrl"],
        "AssemblyOptions": [],
    }


def _logistics(
    items: list[Record],
    shipping: int,
    address: Record,
    warehouse: str,
    estimate: str,
    pickup: Mapping[str, Any] | None = None,
) -> list[Record]:
    """One logisticsInfo per item. `pickup` ({"id", "name", "address"}): every item is picked
    up there (pickup-in-point, with its pickupPointId and pickupStoreInfo)."""
    share, rest = divmod(shipping, len(items))
    result = []
    for index, item in enumerate(items):
        price = share + (rest if index == 0 else 0)
        result.append(
            {
                "itemIndex": index,
                "selectedSla": "Normal",
                "lockTTL": "10d",
                "price": price,
                "listPrice": price,
                "sellingPrice": price,
                "deliveryWindow": None,
                "deliveryCompany": "Sandbox Carrier",
                "shippingEstimate": "5bd",
                "shippingEstimateDate": estimate,
                "slas": [],
                "shipsTo": ["BRA"],
                "deliveryIds": [
                    {
                        "courierId": "1",
                        "courierName": "Sandbox Carrier",
                        "dockId": f"dock-{warehouse}",
                        "quantity": item["quantity"],
                        "warehouseId": warehouse,
                        "accountCarrierName": "",
                        "kitItemDetails": [],
                    }
                ],
                "deliveryChannels": [{"id": "delivery", "stockBalance": 0}],
                "deliveryChannel": "delivery",
                "pickupStoreInfo": {
                    "additionalInfo": None,
                    "address": None,
                    "dockId": None,
                    "friendlyName": None,
                    "isPickupStore": False,
                },
                "addressId": address["addressId"],
                "versionId": None,
                "entityId": None,
                "polygonName": "",
                "pickupPointId": None,
                "transitTime": "5d",
            }
            | _delivery(pickup)
        )
    return result


def _delivery(pickup: Mapping[str, Any] | None) -> Record:
    """The fields of a logisticsInfo that say how the item reaches the buyer (merged over the
    delivery defaults by `_logistics`)."""
    if pickup is None:
        return {}
    name = str(pickup.get("name") or pickup["id"])
    return {
        "selectedSla": f"Retirada em {name}",
        "selectedDeliveryChannel": "pickup-in-point",
        "deliveryChannel": "pickup-in-point",
        "deliveryCompany": str(pickup.get("carrier") or "Retirada na loja"),
        "shippingEstimate": "1bd",
        "deliveryChannels": [{"id": "pickup-in-point", "stockBalance": 0}],
        "pickupPointId": str(pickup["id"]),
        "pickupStoreInfo": {
            "additionalInfo": pickup.get("additionalInfo"),
            "address": pickup.get("address"),  # the spec types it string (API-NOTES §12.5)
            "dockId": f"dock-{pickup['id']}",
            "friendlyName": name,
            "isPickupStore": True,
        },
    }


def build_order(
    store: Store,
    *,
    sequence: int,
    seed: int,
    now: datetime,
    account: str,
    status: str,
    items: Sequence[Mapping[str, Any]] | None = None,
    shipping: int | None = None,
    tax: int | None = None,
    client: Mapping[str, Any] | None = None,
    address: Mapping[str, Any] | None = None,
    currency: str = "BRL",
    decimal_digits: int | None = None,
    pickup: Mapping[str, Any] | None = None,
    marketplace: Mapping[str, Any] | None = None,
    sales_channel: str = "1",
) -> Record:
    """A new order document (not stored). `items`: [{"id": SKU id, "quantity", "price",
    "listPrice", "sellingPrice" (minor units), "sellingPrices" ([{value, quantity}]: the
    line's priceDefinition groups), "priceTags", "name", "refId", "ean"}], the SKU's data
    filling in what is left out; None draws demo items. `client`/`address` override drawn
    fields (`client` may hold the corporate ones: isCorporate, corporateName, ...).
    `currency` (CURRENCIES, or any code with `decimal_digits`), `pickup` ({"id", "name",
    "address"}: picked up there), `marketplace` ({"name", "affiliateId", "baseURL",
    "orderId"}: sold by that marketplace) and `sales_channel` describe the sale; None for
    `pickup`/`marketplace` is a delivery sold by the store itself, unless the demo draws
    otherwise for a demo order (items None)."""
    rng = random.Random(f"{seed}:{sequence}")
    extra = random.Random(f"{seed}:{sequence}:erp")  # keeps the draws of `rng` as they were
    order_group = f"{1_400_000_000_000 + sequence * 1_000 + rng.randrange(1000):013d}"
    order_id = f"{order_group}-01"
    preferences = _store_preferences(currency, decimal_digits)
    digits = int(preferences["currencyFormatInfo"]["CurrencyDecimalDigits"])
    demo = items is None
    lines = list(items) if items is not None else _demo_lines(store, rng)
    if not lines:
        raise ValueError("an order needs at least one item")
    order_items = [_item(store, order_id, i, line, digits) for i, line in enumerate(lines)]
    for item, line in zip(order_items, lines, strict=True):
        item["uniqueId"] = line.get("uniqueId") or _hex(rng)
    freight = rng.choice(_SHIPPING_CENTS) if shipping is None else int(shipping)
    items_total = sum(i["price"] * i["quantity"] for i in order_items)
    discounts = sum((i["sellingPrice"] - i["price"]) * i["quantity"] for i in order_items)
    if tax is None:
        tax = (items_total + discounts) * 5 // 100 if rng.random() < 0.2 else 0
    if freight < 0 or tax < 0:
        raise ValueError("shipping and tax are cents >= 0")
    if not any("tax" in line for line in lines):
        _split_tax(order_items, tax)
    lines_total = sum(i["priceDefinition"]["total"] for i in order_items)
    value = lines_total + freight + tax
    profile = _client(rng, client)
    place = _address(rng, profile, address)
    system, system_name, group = rng.choice(_PAYMENTS)
    warehouse = next(iter(sorted(store.warehouses)), "1_1")
    created = oms_time(now)
    if demo:
        pickup, marketplace = _demo_sale(extra, profile, client, pickup, marketplace)
    sold_by = dict(marketplace or {})
    return {
        "orderId": order_id,
        "sequence": str(sequence),
        "marketplaceOrderId": str(sold_by.get("orderId") or ""),
        "marketplaceServicesEndpoint": str(sold_by.get("baseURL") or ""),
        "sellerOrderId": f"00-{order_id}",
        "origin": "Marketplace",
        "affiliateId": str(sold_by.get("affiliateId") or ""),
        "salesChannel": str(sales_channel),
        "merchantName": None,
        "status": status,
        "workflowIsInError": False,
        "statusDescription": STATUS_DESCRIPTIONS.get(status, status),
        "value": value,
        "creationDate": created,
        "lastChange": created,
        "orderGroup": order_group,
        "followUpEmail": f"{_hex(rng).lower()}@ct.vtex.com.br",
        "lastMessage": None,
        "hostname": account,
        "isCompleted": True,
        "roundingError": value - (items_total + discounts + freight + tax),
        "orderFormId": _hex(rng).lower(),
        "allowCancellation": True,
        "allowEdition": False,
        "isCheckedIn": False,
        "authorizedDate": created,
        "invoicedDate": None,
        "cancelReason": None,
        "checkedInPickupPointId": None,
        "totals": [
            {"id": "Items", "name": "Total dos Itens", "value": items_total},
            {"id": "Discounts", "name": "Total dos Descontos", "value": discounts},
            {"id": "Shipping", "name": "Total do Frete", "value": freight},
            {"id": "Tax", "name": "Total da Taxa", "value": tax},
        ],
        "sellers": [dict(_SELLER)],
        "clientPreferencesData": {"locale": "pt-BR", "optinNewsLetter": False},
        "cancellationData": None,
        "taxData": None,
        "subscriptionData": None,
        "itemMetadata": {"Items": [_metadata(item) for item in order_items]},
        "marketplace": (
            {
                "baseURL": str(sold_by.get("baseURL") or ""),
                "isCertified": bool(sold_by.get("isCertified", True)),
                "name": str(sold_by["name"]),
            }
            if sold_by
            else None
        ),
        "storePreferencesData": preferences,
        "customData": None,
        "commercialConditionData": None,
        "openTextField": None,
        "invoiceData": None,
        "changesAttachment": None,
        "callCenterOperatorData": None,
        "packageAttachment": {"packages": []},
        "paymentData": {
            "transactions": [
                {
                    "isActive": True,
                    "transactionId": _hex(rng),
                    "merchantName": account,
                    "payments": [
                        {
                            "id": _hex(rng),
                            "paymentSystem": system,
                            "paymentSystemName": system_name,
                            "value": value,
                            "installments": 1,
                            "referenceValue": value,
                            "cardHolder": None,
                            "cardNumber": None,
                            "firstDigits": None,
                            "lastDigits": None,
                            "cvv2": None,
                            "expireMonth": None,
                            "expireYear": None,
                            "url": None,
                            "giftCardId": None,
                            "giftCardName": None,
                            "giftCardCaption": None,
                            "redemptionCode": None,
                            "group": group,
                            "tid": "",
                            "dueDate": None,
                            "connectorResponses": {},
                        }
                    ],
                }
            ],
            "giftCards": [],
        },
        "shippingData": {
            "id": "shippingData",
            "address": place,
            "logisticsInfo": _logistics(
                order_items, freight, place, warehouse, oms_time(now + timedelta(days=5)), pickup
            ),
            "trackingHints": None,
            "selectedAddresses": [dict(place)],
        },
        "ratesAndBenefitsData": {"id": "ratesAndBenefitsData", "rateAndBenefitsIdentifiers": []},
        "marketingData": None,
        "giftRegistryData": None,
        "clientProfileData": profile,
        "items": order_items,
        "marketplaceItems": [],
    }


def _demo_sale(
    extra: random.Random,
    profile: Record,
    client: Mapping[str, Any] | None,
    pickup: Mapping[str, Any] | None,
    marketplace: Mapping[str, Any] | None,
) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]:
    """A demo order's buyer and sale: a quarter of the buyers are companies, a fifth of the
    orders are picked up, a fifth come from a marketplace (what the caller gives wins)."""
    corporate, picked, sold = extra.random(), extra.random(), extra.random()
    if corporate < 0.25 and "isCorporate" not in (client or {}):
        _corporate(extra, profile)
    if pickup is None and picked < 0.2:
        point_id, name, where = extra.choice(_PICKUP_POINTS)
        pickup = {"id": point_id, "name": name, "address": where}
    if marketplace is None and sold < 0.2:
        name, affiliate, url = extra.choice(_MARKETPLACES)
        marketplace = {
            "name": name,
            "affiliateId": affiliate,
            "baseURL": url,
            "orderId": f"{affiliate}-{extra.randrange(10**9, 10**10)}",
        }
    return pickup, marketplace
