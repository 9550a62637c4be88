"""A customer's cancellation request and the seller's answer (cancel or deny), as VTEX's guide
"Order canceling improvements" documents them (API-NOTES §12.1-12.2)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from importer.sandbox import Sandbox

ClientFactory = Callable[..., httpx.Client]
ORDERS = "/api/oms/pvt/orders"
DENY = "/api/orders/pvt/document/{}/deny-cancellation-request"


@pytest.fixture
def box() -> Sandbox:
    sandbox = Sandbox()
    sandbox.seed_demo()
    return sandbox


@pytest.fixture
def oms(box: Sandbox, make_client: ClientFactory) -> httpx.Client:
    return make_client(box)


def message(response: httpx.Response) -> str:
    return str(response.json()["error"]["message"])


def test_a_request_outside_the_window_waits_for_the_seller(box: Sandbox) -> None:
    ready = box.add_order()["orderId"]
    handling = box.add_order(status="handling")["orderId"]
    for order_id in (ready, handling):
        request_id = box.request_cancellation(order_id, "changed my mind")
        assert box.order_status(order_id) == "cancellation-requested"
        [request] = box.orders[order_id]["cancellationRequests"]
        assert request == {
            "id": request_id,
            "reason": "changed my mind",
            "cancellationRequestDate": request["cancellationRequestDate"],
            "requestedByUser": True,
            "deniedBySeller": False,
            "deniedBySellerReason": None,
            "cancellationRequestDenyDate": None,
        }
    with pytest.raises(ValueError, match="no cancellation request can be made"):
        box.request_cancellation(ready, "again")  # one open request at a time


def test_a_request_inside_the_window_cancels_at_once(box: Sandbox) -> None:
    order_id = box.add_order(status="window-to-cancel")["orderId"]
    box.request_cancellation(order_id, "wrong size")
    assert box.order_status(order_id) == "canceled"
    assert box.orders[order_id]["cancellationData"]["RequestedByUser"] is True


def test_deny_puts_the_order_back_and_answers_200_without_a_body(
    box: Sandbox, oms: httpx.Client
) -> None:
    order_id = box.add_order(status="handling")["orderId"]
    request_id = box.request_cancellation(order_id, "changed my mind")
    body = {"cancellationRequestId": request_id, "denyReason": "already shipped"}
    response = oms.post(DENY.format(order_id), json=body)
    assert (response.status_code, response.content) == (200, b"")
    assert box.order_status(order_id) == "handling"
    [request] = box.orders[order_id]["cancellationRequests"]
    assert (request["deniedBySeller"], request["deniedBySellerReason"]) == (True, "already shipped")
    assert request["cancellationRequestDenyDate"]
    again = oms.post(DENY.format(order_id), json=body)
    assert again.status_code == 400 and message(again).startswith("Invalid order status")


def test_what_deny_refuses(box: Sandbox, oms: httpx.Client) -> None:
    order_id = box.add_order()["orderId"]
    request_id = box.request_cancellation(order_id, "changed my mind")
    wrong = oms.post(
        DENY.format(order_id), json={"cancellationRequestId": "nope", "denyReason": "x"}
    )
    assert wrong.status_code == 400 and "Cancellation request ID not found" in message(wrong)
    some = {"cancellationRequestId": "a", "denyReason": "x"}
    unknown = oms.post(DENY.format("404-01"), json=some)
    assert unknown.status_code == 404
    # The ERP accepted the request instead (Cancel order): nothing is left to deny.
    assert oms.post(f"{ORDERS}/{order_id}/cancel", json={"reason": "ok"}).status_code == 200
    assert box.orders[order_id]["cancellationData"]["RequestedByUser"] is True
    late = oms.post(
        DENY.format(order_id), json={"cancellationRequestId": request_id, "denyReason": "x"}
    )
    assert late.status_code == 400 and message(late) == "Order already canceled"


def test_the_deny_s_contract_is_the_guide_s(box: Sandbox, oms: httpx.Client) -> None:
    """No OpenAPI spec of VTEX's has the call: importer/vtex/documented/ writes the guide's
    contract, and the sandbox checks requests against it like any other."""
    order_id = box.add_order()["orderId"]
    box.request_cancellation(order_id, "changed my mind")
    refused = oms.post(DENY.format(order_id), json={"cancellationRequestId": "x"})
    assert refused.status_code == 400
    assert any("denyReason" in v for v in refused.json()["violations"])
    assert box.order_status(order_id) == "cancellation-requested"
    assert box.contract is not None
    operation = "POST /api/orders/pvt/document/{orderId}/deny-cancellation-request"
    assert box.contract.operation_id("POST", DENY.format(order_id)) == operation
