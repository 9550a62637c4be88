"""Which invoices the sandbox's OMS accepts, and what an accepted one does to the order's status
(issue 12 item 4). `orders.invoice_order` parses the body; this decides.

VTEX's documented behaviour (the default):
- an invoice is taken from ready-for-handling on: there the ERP "needs to start order handling,
  prepare the invoice" (Help Center, Order flow and status), handling waits for it, Verifying
  invoice (`invoice`) and `invoiced` take partial invoices and returns, and a customer's
  cancellation request (`cancellation-requested`, `request-cancel`) goes on if the store
  invoices (Help Center FAQ: "follow with the invoicing"; API-NOTES §12.1);
- a canceled, canceling or replaced order takes none (cancellation is irreversible; a replaced
  order goes on as its replacement), nor one not yet paid or still in its cancellation window:
  400;
- the order becomes invoiced when its Output invoices reach its value ("Only after reaching the
  total order value will the status change to Invoiced"); a partial invoice leaves its status.

Rules VTEX does not document, opt-in (`Store.strict`; `Sandbox(strict=True)`, `importer sandbox
--strict`):
- an Output invoice only in handling (400 "Order status should be handling to receive an
  invoice"), an Input one only in handling or invoiced;
- an Output invoice above what is left to invoice (value minus the Output invoices so far), or
  an Input one above what was invoiced minus what was returned: 400. VTEX documents no such
  check, and a known issue shows it accepting an invoice above the order's total.
"""

from __future__ import annotations

from importer.sandbox.feed import oms_error
from importer.sandbox.state import Record, Store

__all__ = ["INVOICEABLE", "STRICT_INVOICEABLE", "check_invoice", "completes"]

INVOICEABLE = frozenset(
    {
        "ready-for-handling",
        "start-handling",
        "handling",
        "ready-for-invoicing",
        "invoice",
        "invoiced",
        "cancellation-requested",
        "request-cancel",
    }
)
STRICT_INVOICEABLE = {
    "Output": frozenset({"handling"}),
    "Input": frozenset({"handling", "invoiced"}),
}


def invoiced(order: Record, kind: str) -> int:
    packages: list[Record] = order["packageAttachment"]["packages"]
    return sum(int(p["invoiceValue"]) for p in packages if p["type"] == kind)


def check_invoice(store: Store, order: Record, kind: str, value: int) -> None:
    """Raise the 400 VTEX (or, with `store.strict`, the stricter sandbox) gives this new
    invoice of `value` minor units; return when it is accepted."""
    status = str(order["status"])
    if store.strict:
        _strict(order, kind, value)
        return
    if status not in INVOICEABLE:
        raise oms_error(400, f"order {order['orderId']} is {status}: it cannot receive an invoice")


def _strict(order: Record, kind: str, value: int) -> None:
    status = str(order["status"])
    if status not in STRICT_INVOICEABLE[kind]:
        if kind == "Output":
            raise oms_error(
                400,
                f"Order status should be handling to receive an invoice; order "
                f"{order['orderId']} is {status}",
            )
        raise oms_error(400, f"order {order['orderId']} is {status}: no returns")
    if kind == "Output":
        left = int(order["value"]) - invoiced(order, "Output")
        if value > left:
            raise oms_error(
                400, f"invoiceValue {value} is above what is left to invoice ({left} cents)"
            )
    else:
        returnable = invoiced(order, "Output") - invoiced(order, "Input")
        if value > returnable:
            raise oms_error(
                400, f"Input invoiceValue {value} is above what was invoiced ({returnable})"
            )


def completes(order: Record) -> bool:
    """Whether the order's Output invoices now cover its value (it becomes invoiced)."""
    return order["status"] != "invoiced" and invoiced(order, "Output") >= int(order["value"])
