"""OMS tracking events: PUT .../invoice/{invoiceNumber}/tracking as VTEX documents it
(API-NOTES §12.3), what it answers when the invoice cannot take events, and what Get order
shows afterwards (packageAttachment.packages[].courierStatus)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from importer.sandbox import Sandbox
from importer.sandbox.jsonio import loads
from tests.sandbox.test_sandbox_orders import (
    ORDERS,
    ClientFactory,
    FakeClock,
    handled_order,
    invoice_body,
    oms_error,
    response_schemas,
)

__all__ = ["response_schemas"]  # a fixture, used below by name

TRACKING = "/api/oms/pvt/orders/{order}/invoice/{number}/tracking"
EVENTS = {
    "isDelivered": True,
    "deliveredDate": "2026-12-03 14:15",
    "events": [
        {"city": "Rio de Janeiro", "state": "RJ", "description": "Coletado", "date": "2026-12-01"},
        {"city": "Niterói", "state": "RJ", "description": "Entregue", "date": "2026-12-03"},
    ],
}


@pytest.fixture
def box() -> Sandbox:
    sandbox = Sandbox(clock=FakeClock())
    sandbox.seed_demo()
    return sandbox


@pytest.fixture
def oms(box: Sandbox, make_client: ClientFactory) -> httpx.Client:
    return make_client(box)


def invoiced(box: Sandbox, oms: httpx.Client, number: str, tracking: str = "BR1") -> str:
    placed = handled_order(box, oms)
    body = invoice_body(number, placed["value"]) | {"trackingNumber": tracking}
    assert oms.post(f"{ORDERS}/{placed['orderId']}/invoice", json=body).status_code == 200
    return str(placed["orderId"])


def test_the_events_replace_the_invoices_courier_status(
    box: Sandbox, oms: httpx.Client, response_schemas: Callable[[str, str, int], Any]
) -> None:
    order_id = invoiced(box, oms, "NF-1")
    response = oms.put(TRACKING.format(order=order_id, number="NF-1"), json=EVENTS)
    assert response.status_code == 200, response.text
    template = "/api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking"
    validator = response_schemas("PUT", template, 200)
    assert [e.message for e in validator.iter_errors(loads(response.content))] == []
    assert box.requests[-1].violations == ()
    [package] = box.invoices(order_id)
    status = package["courierStatus"]
    assert (status["finished"], status["deliveredDate"]) == (
        True,
        "2026-12-03T14:15:00.0000000+00:00",
    )
    assert [(e["city"], e["createDate"]) for e in status["data"]] == [
        ("Rio de Janeiro", "2026-12-01"),
        ("Niterói", "2026-12-03"),
    ]
    # A second PUT is the whole state again: the list it carries is the list VTEX shows.
    again = EVENTS | {"isDelivered": False, "deliveredDate": None, "events": EVENTS["events"][:1]}
    assert oms.put(TRACKING.format(order=order_id, number="NF-1"), json=again).status_code == 200
    status = box.invoices(order_id)[0]["courierStatus"]
    assert (status["finished"], status["deliveredDate"], len(status["data"])) == (False, None, 1)


def test_an_invoice_that_cannot_take_events(box: Sandbox, oms: httpx.Client) -> None:
    order_id = invoiced(box, oms, "NF-1")
    unknown = oms.put(TRACKING.format(order="999-01", number="NF-1"), json=EVENTS)
    assert unknown.status_code == 404
    missing = oms.put(TRACKING.format(order=order_id, number="NF-2"), json=EVENTS)
    assert missing.status_code == 404 and oms_error(missing) == "Invoice Not Found"
    spaced = invoiced(box, oms, "NF 3")  # VTEX's known issue: it cannot be tracked
    assert oms.put(TRACKING.format(order=spaced, number="NF 3"), json=EVENTS).status_code == 404
    untracked = invoiced(box, oms, "NF-4", tracking="")
    refused = oms.put(TRACKING.format(order=untracked, number="NF-4"), json=EVENTS)
    assert refused.status_code == 400 and "no tracking number" in oms_error(refused)


@pytest.mark.parametrize(
    "change",
    [
        {"deliveredDate": "2026-12-03T14:15:00Z"},  # not yyyy-mm-dd hh:mm
        {"isDelivered": "true"},
        {"events": [{"city": "X", "state": "Y", "description": "Z"}]},  # no date
    ],
)
def test_bad_bodies_are_400(box: Sandbox, oms: httpx.Client, change: dict[str, Any]) -> None:
    order_id = invoiced(box, oms, "NF-1")
    response = oms.put(TRACKING.format(order=order_id, number="NF-1"), json=EVENTS | change)
    assert response.status_code == 400, response.text
    assert box.invoices(order_id)[0]["courierStatus"] is None


def test_delivered_date_is_required_even_when_null(box: Sandbox, oms: httpx.Client) -> None:
    order_id = invoiced(box, oms, "NF-1")
    body = {k: v for k, v in EVENTS.items() if k != "deliveredDate"}
    response = oms.put(TRACKING.format(order=order_id, number="NF-1"), json=body)
    assert response.status_code == 400
