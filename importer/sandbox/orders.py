"""OMS routes: orders, their status flow, invoices, tracking and cancellation (API-NOTES §6).

    GET   /api/oms/pvt/orders/{orderId}                      the order (also "seq{sequence}")
    GET   /api/oms/pvt/orders                                list (no items), f_status, paging
    POST  /api/oms/pvt/orders/{orderId}/start-handling       204
    POST  /api/oms/pvt/orders/{orderId}/invoice              200 {date, orderId, receipt}
    PATCH /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}  tracking: 200 {date, ...}
    PUT   /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking  events: 200 {date, ...}
    POST  /api/oms/pvt/orders/{orderId}/cancel               200 {date, orderId, receipt}
    POST  /api/orders/pvt/document/{orderId}/deny-cancellation-request   200, no body

Status flow, each change queued on the feed when its filter takes the state (module `feed`):

    ready-for-handling --start-handling--> start-handling -> handling
    ready-for-handling .. handling --Output invoices covering `value`--> invoice -> invoiced
    any status but invoiced (and without an Output invoice) --cancel--> cancel -> canceled
    ready-for-handling | handling --a customer's request--> cancellation-requested
    cancellation-requested --deny--> the status before the request; --cancel--> canceled

The intermediate states (start-handling, invoice, cancel) are passed through at once, and each
is an event of its own, as VTEX's workflow fires them.

What VTEX documents, reproduced:
- start-handling answers 204; from any status but ready-for-handling 409 {"error": {"code":
  "OMS003", "message": "Order status should be ready-for-handling to perform this action"}};
- an invoice whose number the order already has only regenerates the receipt: 200, nothing else
  changes (not even when the body differs), and no second package; this is checked before the
  status, so retrying the invoice that completed an order still answers 200;
- invoices from every status VTEX takes them in, and the rules VTEX does not document only
  when strict (module `invoicing`);
- partial invoices: the order keeps its status until its Output invoices add up to `value`,
  then it is invoiced (invoicedDate set) and its status cannot change any more;
- invoiced or partially invoiced orders cannot be canceled: 400;
- the list has no items (`items: null`), at most 100 per page and 30 pages; totalValue in cents;
- an invoice number with a space or '#' cannot be tracked: PATCH answers 404 "Invoice Not
  Found" even though the invoice exists (known issue; '/' never reaches the route);
- an order id, or "seq" + its sequence, finds the order;
- PUT tracking (events) takes isDelivered (boolean), deliveredDate (required, null or
  "yyyy-mm-dd hh:mm") and events [{city, state, description, date}]; the invoice must already
  have a tracking number. The invoice number with a space or '#' fails as for the PATCH.

Choices where VTEX documents nothing (errors use OMS's {"error": {"code": "1", "message",
"exception": null}} shape; only OMS003 is a documented code):
- unknown order: 404 "Order not found" on every route;
- an invoice for an order in a status VTEX takes none in (canceled, replaced, not yet
  ready for handling): 400 (see `invoicing`, which also holds the strict rules: only in
  handling, 400 above what is left); an Input invoice changes no status;
- invoiceValue must be a string of digits (integer cents) above 0, else 400 (no "24.99");
- invoice items: an id that is not a SKU of the order, a quantity below 1 or above what is left
  to invoice of that SKU, or a negative price: 400. Items may be left empty (the whole order);
  the package's items get their `itemIndex` in the order (first line with quantity left);
- issuanceDate must be an ISO 8601 date(-time), else 400; invoiceNumber is required (400);
- PATCH tracking replaces trackingNumber, trackingUrl and dispatchedDate; a null courier keeps
  the invoice's courier;
- PUT tracking: an invoice without a tracking number answers 400 (the precondition is
  documented, its answer is not); a deliveredDate in another format, a missing field or a
  field of the wrong type: 400. The events replace the package's courierStatus.data (VTEX
  does not say whether they replace or append; the importer always sends the whole list),
  each event's date kept as sent (its format is not documented) as createDate; isDelivered
  and deliveredDate become courierStatus.finished and .deliveredDate (ISO 8601, UTC);
- cancel of an already canceled order: 200 again, nothing changes (no event); the optional
  {"reason"} is kept as cancelReason;
- a customer's cancellation request (`request_cancellation`, the customer's side, not an API
  of the ERP's) outside the cancellation window (ready-for-handling, handling) moves the order
  to cancellation-requested and adds to `cancellationRequests` {id, reason,
  cancellationRequestDate, requestedByUser, deniedBySeller, deniedBySellerReason,
  cancellationRequestDenyDate}; inside the window (window-to-cancel) the order is canceled at
  once (guide "Order canceling improvements", vtexdocs/dev-portal-content:
  docs/guides/Orders/order-canceling-improvements.md);
- deny (same guide, "Deny cancel order"; in no OpenAPI spec): body {cancellationRequestId,
  denyReason}, both mandatory (400 without); 200 without a body, and the order goes back to the
  status it had before the request (ready-for-handling or handling), the request marked
  deniedBySeller with the reason and date. 400 for an id the order has no request of
  ("Cancellation request ID not found"), an order already canceled, or a status other than
  cancellation-requested ("Invalid order status"); 404 for an unknown order. The guide's
  heading gives the path /api/orders/pvt/document/{orderId}/..., its cURL example
  /api/oms/pvt/orders/{orderId}/...: the heading's is served;
- list: per_page outside 1..100 or page below 1: 400; page above 30: 400 "Max page exceed
  ( 30 ), refine filter". f_status takes one status or several separated by commas;
  f_creationDate / f_authorizedDate / f_invoicedDate take "field:[from TO to]" (ISO 8601, '*'
  for open ends), anything else is 400; q matches order id, client email, document or name;
  orderBy=creationDate|orderId|totalValue|items,asc|desc (default creationDate,desc). The list
  is current at once (VTEX's ~4 min indexing lag is not emulated).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from importer.sandbox import invoicing, reservations
from importer.sandbox.calls import Call, Reply, as_str, body_object
from importer.sandbox.feed import Moment, emit, oms_error, token, vtex_time
from importer.sandbox.order_data import STATUS_DESCRIPTIONS, oms_time
from importer.sandbox.state import Record, Store

__all__ = [
    "MAX_PAGES",
    "MAX_PER_PAGE",
    "cancel_order",
    "change_status",
    "deny_cancellation_request",
    "get_order",
    "invoice_order",
    "list_orders",
    "order_or_404",
    "request_cancellation",
    "start_handling",
    "update_invoice",
    "update_tracking_events",
]

MAX_PER_PAGE = 100
MAX_PAGES = 30
DEFAULT_PER_PAGE = 15
OMS003 = "Order status should be ready-for-handling to perform this action"
# Where the workflow passes through on its way to the next stable status.
_VIA = {"handling": "start-handling", "invoiced": "invoice", "canceled": "cancel"}


def order_or_404(store: Store, order_id: str) -> Record:
    order = store.orders.get(order_id)
    if order is None and order_id.startswith("seq"):
        sequence = order_id.removeprefix("seq")
        order = next((o for o in store.orders.values() if o["sequence"] == sequence), None)
    if order is None:
        raise oms_error(404, f"Order not found: {order_id}")
    return order


def change_status(
    store: Store, order: Record, status: str, moment: Moment, *, queue: bool | None = None
) -> None:
    """Move the order to `status` (through its intermediate state, if it has one), one feed
    event per state."""
    via = _VIA.get(status)
    states = [status] if via is None or order["status"] == via else [via, status]
    for state in states:
        last_state, last_change = order["status"], order["lastChange"]
        changed = oms_time(moment.now)
        order["status"] = state
        order["statusDescription"] = STATUS_DESCRIPTIONS.get(state, state)
        order["lastChange"] = changed
        reservations.follow_order(store, order["orderId"], state, moment.now)
        previous = vtex_time(datetime.fromisoformat(last_change))
        emit(store, order["orderId"], state, last_state, previous, moment, queue=queue)


def _receipt(store: Store, call: Call, order: Record) -> Reply:
    return Reply(
        body={
            "date": oms_time(call.now),
            "orderId": order["orderId"],
            "receipt": token(store, "receipt", order["orderId"]).lower(),
        }
    )


# --------------------------------------------------------------------------- reads


def get_order(store: Store, call: Call) -> Reply:
    return Reply(body=order_or_404(store, call.params["orderId"]))


def _summary(order: Record) -> Record:
    client = order["clientProfileData"]
    payments = [p for t in order["paymentData"]["transactions"] for p in t["payments"]]
    return {
        "orderId": order["orderId"],
        "creationDate": order["creationDate"],
        "clientName": f"{client['firstName']} {client['lastName']}",
        "items": None,
        "totalValue": order["value"],
        "paymentNames": ", ".join(p["paymentSystemName"] for p in payments),
        "status": order["status"],
        "statusDescription": order["statusDescription"],
        "marketPlaceOrderId": None,
        "sequence": order["sequence"],
        "salesChannel": order["salesChannel"],
        "affiliateId": order["affiliateId"],
        "origin": order["origin"],
        "workflowInErrorState": False,
        "workflowInRetry": False,
        "lastMessageUnread": None,
        "ShippingEstimatedDate": None,
        "ShippingEstimatedDateMax": None,
        "ShippingEstimatedDateMin": None,
        "orderIsComplete": True,
        "listId": None,
        "listType": None,
        "authorizedDate": order["authorizedDate"],
        "callCenterOperatorName": None,
        "totalItems": sum(i["quantity"] for i in order["items"]),
        "currencyCode": order["storePreferencesData"]["currencyCode"],
    }


def _whole_param(call: Call, name: str, default: int) -> int:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise oms_error(400, f"{name} must be a whole number, got {raw!r}") from None


def _date_filter(call: Call, name: str, field: str) -> Callable[[Record], bool] | None:
    raw = call.query.get(name)
    if not raw:
        return None
    prefix = f"{field}:["
    if not (raw.startswith(prefix) and raw.endswith("]") and " TO " in raw):
        raise oms_error(400, f"{name} must look like {field}:[<from> TO <to>], got {raw!r}")
    low_text, high_text = raw[len(prefix) : -1].split(" TO ", 1)
    try:
        low = None if low_text.strip() == "*" else datetime.fromisoformat(low_text.strip())
        high = None if high_text.strip() == "*" else datetime.fromisoformat(high_text.strip())
    except ValueError:
        raise oms_error(400, f"{name}: {raw!r} has a date that is not ISO 8601") from None

    def keep(order: Record) -> bool:
        text = order.get(field)
        if not text:
            return False
        when = datetime.fromisoformat(text)
        return (low is None or _aware(low) <= when) and (high is None or when <= _aware(high))

    return keep


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _filters(call: Call) -> Iterator[Callable[[Record], bool]]:
    statuses = call.query.get("f_status")
    if statuses:
        wanted = {s.strip() for s in statuses.split(",") if s.strip()}
        yield lambda order: order["status"] in wanted
    for name, field in (
        ("f_creationDate", "creationDate"),
        ("f_authorizedDate", "authorizedDate"),
        ("f_invoicedDate", "invoicedDate"),
    ):
        keep = _date_filter(call, name, field)
        if keep is not None:
            yield keep
    text = (call.query.get("q") or "").strip().lower()
    if text:

        def matches(order: Record) -> bool:
            client = order["clientProfileData"]
            name = f"{client['firstName']} {client['lastName']}"
            fields = (order["orderId"], client["email"], client["document"], name)
            return any(text in str(f).lower() for f in fields)

        yield matches


_SORT_KEYS: dict[str, Callable[[Record], Any]] = {
    "creationDate": lambda o: (datetime.fromisoformat(o["creationDate"]), int(o["sequence"])),
    "orderId": lambda o: o["orderId"],
    "totalValue": lambda o: o["value"],
    "items": lambda o: sum(i["quantity"] for i in o["items"]),
}


def list_orders(store: Store, call: Call) -> Reply:
    page = _whole_param(call, "page", 1)
    per_page = _whole_param(call, "per_page", DEFAULT_PER_PAGE)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise oms_error(400, f"per_page must be within 1..{MAX_PER_PAGE}, got {per_page}")
    if page < 1:
        raise oms_error(400, f"page must be 1 or more, got {page}")
    if page > MAX_PAGES:
        raise oms_error(400, f"Max page exceed ( {MAX_PAGES} ), refine filter")
    field, _, direction = (call.query.get("orderBy") or "creationDate,desc").partition(",")
    if field not in _SORT_KEYS or direction.lower() not in ("asc", "desc", ""):
        raise oms_error(400, f"orderBy must be one of {sorted(_SORT_KEYS)},asc|desc")
    orders = list(store.orders.values())
    for keep in _filters(call):
        orders = [o for o in orders if keep(o)]
    orders.sort(key=_SORT_KEYS[field], reverse=direction.lower() != "asc")
    total = len(orders)
    start = (page - 1) * per_page
    return Reply(
        body={
            "list": [_summary(o) for o in orders[start : start + per_page]],
            "facets": [],
            "paging": {
                "total": total,
                "pages": math.ceil(total / per_page),
                "currentPage": page,
                "perPage": per_page,
            },
            "stats": {
                "stats": {
                    "totalValue": _stats(orders, lambda o: o["value"]),
                    "totalItems": _stats(orders, lambda o: sum(i["quantity"] for i in o["items"])),
                }
            },
        }
    )


def _stats(orders: list[Record], measure: Callable[[Record], int]) -> Record:
    """VTEX's stats of a measure over the matching orders, with the facets its schema wants
    (origin, currencyCode)."""
    facets: Record = {}
    # Every key of the spec's example is there, with zero figures when no order has it.
    for facet, field, keys in (
        ("origin", lambda o: str(o["origin"]), ("Fulfillment", "Marketplace")),
        ("currencyCode", _currency, ("BRL",)),
    ):
        groups: dict[str, list[int]] = {key: [] for key in keys}
        for order in orders:
            groups.setdefault(field(order), []).append(measure(order))
        facets[facet] = {key: _figures(values, None) for key, values in groups.items()}
    return _figures([measure(o) for o in orders], facets)


def _number(value: float) -> int | float:
    # Whole figures as integers: the spec's (example-made) schema types some of them integer.
    return int(value) if float(value).is_integer() else float(value)


def _currency(order: Record) -> str:
    return str(order["storePreferencesData"]["currencyCode"])


def _figures(values: list[int], facets: Record | None) -> Record:
    count = len(values)
    mean = sum(values) / count if count else 0
    variance = sum((v - mean) ** 2 for v in values) / count if count else 0
    return {
        "Count": count,
        "Max": max(values, default=0),
        "Mean": _number(mean),
        "Min": min(values, default=0),
        "Missing": 0,
        "StdDev": _number(math.sqrt(variance)),
        "Sum": sum(values),
        "SumOfSquares": sum(v * v for v in values),
        "Facets": facets,
    }


# --------------------------------------------------------------------------- status changes


def start_handling(store: Store, call: Call) -> Reply:
    order = order_or_404(store, call.params["orderId"])
    if order["status"] != "ready-for-handling":
        raise oms_error(409, OMS003, code="OMS003")
    change_status(store, order, "handling", Moment.of(call))
    return Reply(status=204)


def cancel_order(store: Store, call: Call) -> Reply:
    """The ERP cancels (or accepts a customer's cancellation request: same call)."""
    order = order_or_404(store, call.params["orderId"])
    reason = None
    if call.has_body:
        reason = as_str(body_object(call).get("reason"), "reason")
    if order["status"] == "canceled":
        return _receipt(store, call, order)
    if order["status"] in ("invoice", "invoiced"):
        raise oms_error(400, "Invoiced orders cannot be canceled: send an Input invoice")
    if _invoiced(order, "Output") > 0:
        raise oms_error(400, "Partially invoiced orders cannot be canceled: send an Input invoice")
    requested = order["status"] == "cancellation-requested"
    change_status(store, order, "canceled", Moment.of(call))
    store.cancel_requested_from.pop(order["orderId"], None)
    now = oms_time(call.now)
    order["cancelReason"] = reason
    order["allowCancellation"] = False
    order["cancellationData"] = {
        "RequestedByUser": requested,
        "RequestedBySystem": False,
        "RequestedBySellerNotification": True,
        "RequestedByPaymentNotification": False,
        "Reason": reason,
        "CancellationDate": now,
    }
    return _receipt(store, call, order)


# --------------------------------------------------------------------------- cancellation requests

# Outside the cancellation window: a customer's request waits for the seller's decision.
REQUESTABLE = ("ready-for-handling", "handling")
WINDOW = "window-to-cancel"


def request_cancellation(
    store: Store, order_id: str, reason: str, moment: Moment, *, requested_by_user: bool = True
) -> str:
    """A customer (or the marketplace on their behalf) asks to cancel: the id of the request.
    Inside the cancellation window the order is canceled at once, as VTEX does. ValueError
    where no request can be made (canceled, invoiced, already requested): a test's misuse."""
    order = order_or_404(store, order_id)
    status = order["status"]
    if status != WINDOW and status not in REQUESTABLE:
        raise ValueError(f"order {order_id} is {status}: no cancellation request can be made")
    request_id = token(store, "cancellation-request", order_id).lower()
    requests: list[Record] = order.setdefault("cancellationRequests", [])
    requests.append(
        {
            "id": request_id,
            "reason": reason,
            "cancellationRequestDate": oms_time(moment.now),
            "requestedByUser": requested_by_user,
            "deniedBySeller": False,
            "deniedBySellerReason": None,
            "cancellationRequestDenyDate": None,
        }
    )
    if status == WINDOW:
        change_status(store, order, "canceled", moment)
        order["cancelReason"] = reason
        order["allowCancellation"] = False
        order["cancellationData"] = {
            "RequestedByUser": requested_by_user,
            "RequestedBySystem": False,
            "RequestedBySellerNotification": False,
            "RequestedByPaymentNotification": False,
            "Reason": reason,
            "CancellationDate": oms_time(moment.now),
        }
        return request_id
    store.cancel_requested_from[order_id] = status
    change_status(store, order, "cancellation-requested", moment)
    return request_id


def deny_cancellation_request(store: Store, call: Call) -> Reply:
    order = order_or_404(store, call.params["orderId"])
    body = body_object(call)
    request_id = as_str(body.get("cancellationRequestId"), "cancellationRequestId")
    reason = as_str(body.get("denyReason"), "denyReason")
    if not request_id or not reason:
        raise oms_error(400, "cancellationRequestId and denyReason are required")
    requests: list[Record] = order.get("cancellationRequests") or []
    request = next((r for r in requests if r["id"] == request_id), None)
    if request is None:
        raise oms_error(400, f"Cancellation request ID not found: {request_id}")
    if order["status"] in ("cancel", "canceled"):
        raise oms_error(400, "Order already canceled")
    if order["status"] != "cancellation-requested" or request["deniedBySeller"]:
        raise oms_error(
            400,
            f"Invalid order status: {order['status']}; a cancellation request can be denied "
            "while the order is cancellation-requested",
        )
    request["deniedBySeller"] = True
    request["deniedBySellerReason"] = reason
    request["cancellationRequestDenyDate"] = oms_time(call.now)
    before = store.cancel_requested_from.pop(order["orderId"], "ready-for-handling")
    change_status(store, order, before, Moment.of(call))
    return Reply(status=200)


# --------------------------------------------------------------------------- invoices


def _packages(order: Record) -> list[Record]:
    packages: list[Record] = order["packageAttachment"]["packages"]
    return packages


def _invoiced(order: Record, kind: str) -> int:
    return sum(p["invoiceValue"] for p in _packages(order) if p["type"] == kind)


def _cents_text(value: Any) -> int:
    if not isinstance(value, str) or not value.isdigit() or not value.isascii():
        raise oms_error(400, f"invoiceValue must be a string of integer cents, got {value!r}")
    cents = int(value)
    if cents <= 0:
        raise oms_error(400, "invoiceValue must be above 0")
    return cents


def _left_per_line(order: Record) -> list[int]:
    """Quantity of each order line not yet in an Output invoice."""
    left = [item["quantity"] for item in order["items"]]
    for package in _packages(order):
        if package["type"] == "Output":
            for item in package["items"]:
                left[item["itemIndex"]] -= item["quantity"]
    return left


def _package_items(order: Record, raw_items: Any, kind: str) -> list[Record]:
    if raw_items is None:
        return []
    if not isinstance(raw_items, list):
        raise oms_error(400, "items must be a list")
    left = _left_per_line(order)
    result = []
    for position, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            raise oms_error(400, f"items[{position}] must be an object")
        sku_id = str(raw.get("id", "")).strip()
        quantity, price = raw.get("quantity"), raw.get("price")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise oms_error(400, f"items[{position}].quantity must be a whole number >= 1")
        if isinstance(price, bool) or not isinstance(price, int) or price < 0:
            raise oms_error(400, f"items[{position}].price must be integer cents >= 0")
        lines = [i for i, item in enumerate(order["items"]) if item["id"] == sku_id]
        if not lines:
            raise oms_error(400, f"items[{position}]: SKU {sku_id!r} is not in the order")
        if kind == "Output":
            if quantity > sum(left[i] for i in lines):
                raise oms_error(
                    400,
                    f"items[{position}]: quantity {quantity} of SKU {sku_id} is more than is "
                    f"left to invoice ({sum(left[i] for i in lines)})",
                )
            index = next(i for i in lines if left[i] > 0)
            left[index] -= quantity  # a quantity spanning two lines is booked on the first
        else:
            index = lines[0]
        result.append({"itemIndex": index, "quantity": quantity, "price": price})
    return result


def invoice_order(store: Store, call: Call) -> Reply:
    order = order_or_404(store, call.params["orderId"])
    body = body_object(call)
    number = as_str(body.get("invoiceNumber"), "invoiceNumber")
    if not number:
        raise oms_error(400, "invoiceNumber is required")
    if any(p["invoiceNumber"] == number for p in _packages(order)):
        return _receipt(store, call, order)  # a re-post only regenerates the receipt
    kind = body.get("type")
    if kind not in ("Output", "Input"):
        raise oms_error(400, f"type must be Output or Input, got {kind!r}")
    value = _cents_text(body.get("invoiceValue"))
    issued = as_str(body.get("issuanceDate"), "issuanceDate")
    try:
        datetime.fromisoformat(issued or "")
    except ValueError:
        raise oms_error(400, f"issuanceDate must be an ISO 8601 date, got {issued!r}") from None
    invoicing.check_invoice(store, order, kind, value)  # VTEX's rules (and the strict ones)
    package = {
        "items": _package_items(order, body.get("items"), kind),
        "courier": body.get("courier") or "",
        "invoiceNumber": number,
        "invoiceValue": value,
        "invoiceUrl": body.get("invoiceUrl"),
        "issuanceDate": issued,
        "trackingNumber": body.get("trackingNumber") or None,
        "invoiceKey": body.get("invoiceKey"),
        "trackingUrl": body.get("trackingUrl") or None,
        "embeddedInvoice": body.get("embeddedInvoice"),
        "type": kind,
        "courierStatus": None,
        "cfop": None,
        "restitutions": {},
        "volumes": None,
        "EnableInferItems": None,
        "dispatchedDate": body.get("dispatchedDate"),
    }
    _packages(order).append(package)
    if kind == "Output" and invoicing.completes(order):
        order["invoicedDate"] = oms_time(call.now)
        order["allowCancellation"] = False
        change_status(store, order, "invoiced", Moment.of(call))
    return _receipt(store, call, order)


def update_invoice(store: Store, call: Call) -> Reply:
    order = order_or_404(store, call.params["orderId"])
    number = call.params["invoiceNumber"]
    package = next((p for p in _packages(order) if p["invoiceNumber"] == number), None)
    if package is None or " " in number or "#" in number:
        raise oms_error(404, "Invoice Not Found")
    body = body_object(call)
    tracking = as_str(body.get("trackingNumber"), "trackingNumber")
    if tracking is None:
        raise oms_error(400, "trackingNumber is required")
    package["trackingNumber"] = tracking
    package["trackingUrl"] = as_str(body.get("trackingUrl"), "trackingUrl")
    package["dispatchedDate"] = as_str(body.get("dispatchedDate"), "dispatchedDate")
    courier = as_str(body.get("courier"), "courier")
    if courier is not None:
        package["courier"] = courier
    return _receipt(store, call, order)


# --------------------------------------------------------------------------- tracking events

DELIVERED_FORMAT = "%Y-%m-%d %H:%M"  # deliveredDate as the spec documents it
_EVENT_FIELDS = ("city", "state", "description", "date")


def update_tracking_events(store: Store, call: Call) -> Reply:
    """PUT .../invoice/{invoiceNumber}/tracking: the invoice's whole tracking state."""
    order = order_or_404(store, call.params["orderId"])
    number = call.params["invoiceNumber"]
    package = next((p for p in _packages(order) if p["invoiceNumber"] == number), None)
    if package is None or " " in number or "#" in number:
        raise oms_error(404, "Invoice Not Found")
    if not package.get("trackingNumber"):
        raise oms_error(
            400, f"Invoice {number} has no tracking number: send it first (PATCH the invoice)"
        )
    body = body_object(call)
    delivered = body.get("isDelivered")
    if not isinstance(delivered, bool):
        raise oms_error(400, f"isDelivered must be true or false, got {delivered!r}")
    if "deliveredDate" not in body:
        raise oms_error(400, "deliveredDate is required (null when not delivered)")
    delivered_text = as_str(body["deliveredDate"], "deliveredDate")
    delivered_at = None
    if delivered_text is not None:
        try:
            delivered_at = datetime.strptime(delivered_text, DELIVERED_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise oms_error(
                400, f"deliveredDate must be yyyy-mm-dd hh:mm, got {delivered_text!r}"
            ) from None
    events = body.get("events")
    if not isinstance(events, list):
        raise oms_error(400, "events must be a list")
    data = []
    for event in events:
        if not isinstance(event, dict) or any(
            not isinstance(event.get(name), str) for name in _EVENT_FIELDS
        ):
            raise oms_error(400, f"each event needs {', '.join(_EVENT_FIELDS)} as text")
        data.append(
            {
                "lastChange": oms_time(call.now),
                "city": event["city"],
                "state": event["state"],
                "description": event["description"],
                "createDate": event["date"],
            }
        )
    package["courierStatus"] = {
        "status": "ok",
        "finished": delivered,
        "deliveredDate": oms_time(delivered_at) if delivered_at else None,
        "data": data,
    }
    return _receipt(store, call, order)
