"""Order replacement (Help Center, "Order replacement"): a customer changes an order that is not
yet invoiced; VTEX places a new order for it and the old one becomes `replaced` (a Feed v3
status, API-NOTES §6.8).

What VTEX documents, reproduced: an order can be replaced until it is invoiced, but not while
Verifying invoice, invoiced, with a cancellation requested, canceling, canceled or replaced
(nor when it has a partial invoice: it cannot be canceled then); the replacing order is a new
order with its own orderId, and the replaced order's status is `replaced`.

What VTEX does not document: which field of the replacing order points at the replaced one
(orders.json has none; API-NOTES §12.5). The sandbox writes the one order-change record VTEX
documents, `changesAttachment.changesData[]`, whose `receipt.orderId` is the replaced order's
id; the importer reads its pointer there (orders/fields.py).
"""

from __future__ import annotations

from importer.sandbox.feed import token
from importer.sandbox.state import Record, Store

__all__ = ["NOT_REPLACEABLE", "check_replaceable", "lines_of", "link"]

NOT_REPLACEABLE = frozenset(
    {
        "invoice",
        "invoiced",
        "request-cancel",
        "cancellation-requested",
        "cancel",
        "canceled",
        "replaced",
    }
)


def check_replaceable(order: Record) -> None:
    """ValueError when VTEX would not let the customer change this order."""
    status = str(order["status"])
    if status in NOT_REPLACEABLE:
        raise ValueError(f"order {order['orderId']} is {status}: it cannot be replaced")
    if order["packageAttachment"]["packages"]:
        raise ValueError(f"order {order['orderId']} has an invoice: it cannot be replaced")


def lines_of(order: Record) -> list[Record]:
    """The order's items as `build_order` lines: a replacement that changes only the address,
    delivery or payment keeps them (and their commercial conditions, as VTEX requires)."""
    return [
        {
            "id": item["id"],
            "quantity": item["quantity"],
            "price": item["price"],
            "listPrice": item["listPrice"],
            "sellingPrice": item["sellingPrice"],
        }
        for item in order["items"]
    ]


def link(store: Store, replaced: Record, replacing: Record, when: str) -> None:
    """Record on the replacing order which order it replaces (see the module docstring)."""
    replacing["changesAttachment"] = {
        "id": "changeAttachment",
        "changesData": [
            {
                "reason": f"Replacement of order {replaced['orderId']}",
                "discountValue": max(int(replaced["value"]) - int(replacing["value"]), 0),
                "incrementValue": max(int(replacing["value"]) - int(replaced["value"]), 0),
                "itemsAdded": [],
                "itemsRemoved": [],
                "receipt": {
                    "date": when,
                    "orderId": replaced["orderId"],
                    "receipt": token(store, "receipt", replaced["orderId"]).lower(),
                },
            }
        ],
    }
