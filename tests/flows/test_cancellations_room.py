"""The cancellations room on its own: its spellings and row rules, and `push_cancellations`
against orders of the in-process sandbox (no files, no pass). End to end:
tests/test_cancellations.py."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from importer.deps import Clients
from importer.flows.cancellations import FLOW, push_cancellations
from importer.models import Action
from importer.outcomes import PushResult
from importer.rows import OutRow
from importer.sandbox import Faults, Sandbox
from tests.flows.rooms import against, by_row, check, demo_sandbox, writes

CANCEL_OP = "POST /api/oms/pvt/orders/{orderId}/cancel"
DENY_OP = "POST /api/orders/pvt/document/{orderId}/deny-cancellation-request"


def row(order_id: str, action: str, reason: str = "", previous: Any = None, **cells: Any) -> OutRow:
    """A row as the room sends it (validated and normalised; `previous`: what the snapshot
    keeps of its key, as `prepare` gives it)."""
    record: dict[str, Any] = {
        "row": 2,
        "key": f"{order_id}|{action}",
        "order_id": order_id,
        "action": action,
        "reason": reason,
        "hash": 1,
    }
    record.update(cells)
    return replace(OutRow.from_payload(record), previous=previous)


def send(sandbox: Sandbox, rows: list[OutRow]) -> PushResult:
    async def work(clients: Clients) -> PushResult:
        return await push_cancellations(rows, clients.orders, 4)

    return against(sandbox, work)


def ready_order(sandbox: Sandbox, seed: int = 0) -> str:
    [order_id] = sandbox.seed_orders(1, seed=seed)
    sandbox.requests.clear()
    return order_id


def requested_order(sandbox: Sandbox, seed: int = 0, *, handling: bool = False) -> str:
    """An order a customer asked to cancel, outside the cancellation window."""
    [order_id] = sandbox.seed_orders(1, seed=seed)
    if handling:
        sandbox.set_order_status(order_id, "handling")
    sandbox.request_cancellation(order_id, "changed my mind")
    sandbox.requests.clear()
    return order_id


# -- the rules --------------------------------------------------------------------------------


def test_the_action_is_cancel_or_deny_in_any_case_and_anything_else_is_refused() -> None:
    rows = [
        {"order_id": "1-01", "action": a, "reason": "r"}
        for a in ("cancel", " CANCEL ", "Deny", "cancelar", "")
    ]
    frame, errors = check(FLOW, rows, raw={"action": {3: "cancelar", 4: ""}})
    assert frame["action"].tolist() == ["cancel", "cancel", "deny", "", ""]
    assert by_row(errors) == {5: ("invalid-combination", "action"), 6: ("missing-cell", "action")}
    unknown = errors[0]
    assert unknown.value == "cancelar"
    assert unknown.message.startswith('"action" is "cancelar"; it must be cancel')


def test_every_row_needs_its_reason() -> None:
    """VTEX's deny requires a denyReason; FORMATS.md asks a reason of every cancel."""
    rows = [
        {"order_id": "1-01", "action": "deny", "reason": ""},
        {"order_id": "2-01", "action": "cancel", "reason": ""},
        {"order_id": "", "action": "cancel", "reason": "stock"},
        {"order_id": "3-01", "action": "cancel", "reason": "stock"},
    ]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {
        2: ("missing-cell", "reason"),
        3: ("missing-cell", "reason"),
        4: ("missing-cell", "order_id"),
    }
    assert "VTEX denies a cancellation request only with a reason" in errors[0].message
    assert "every cancel carries its reason" in errors[1].message


# -- the send, against sandbox orders ---------------------------------------------------------


def test_a_cancel_sends_its_reason_once_and_the_order_is_canceled() -> None:
    sandbox = demo_sandbox()
    order_id = ready_order(sandbox)
    [outcome] = send(sandbox, [row(order_id, "cancel", "out of stock")]).outcomes
    assert (outcome.action, outcome.reason) == (Action.CREATED, "")
    [post] = writes(sandbox)
    assert (post.operation, post.body) == (CANCEL_OP, {"reason": "out of stock"})
    assert sandbox.order_status(order_id) == "canceled"
    assert sandbox.orders[order_id]["cancelReason"] == "out of stock"
    # The order is read first: 2 requests for the row.
    assert [r.method for r in sandbox.requests] == ["GET", "POST"]


def test_an_order_canceled_already_is_not_canceled_again() -> None:
    """What a pass that died after VTEX's 200 left: the next one reads the order and sends
    nothing. Another reason held by VTEX is a warning on the row's reason."""
    sandbox = demo_sandbox()
    same, other = ready_order(sandbox, 1), ready_order(sandbox, 2)
    send(sandbox, [row(same, "cancel", "stock"), row(other, "cancel", "fraud", row=3)])
    sandbox.requests.clear()
    rows = [row(same, "cancel", "stock"), row(other, "cancel", "stock-out", row=3)]
    outcome = {o.record.line: o for o in send(sandbox, rows).outcomes}
    assert writes(sandbox) == []
    assert (outcome[2].action, outcome[2].reason) == (
        Action.CREATED,
        "already canceled in VTEX: nothing sent",
    )
    assert (outcome[3].action, outcome[3].type, outcome[3].column, outcome[3].value) == (
        Action.WARNING,
        "canceled-with-other-reason",
        "reason",
        "stock-out",
    )
    assert 'with the reason "fraud": nothing was sent' in outcome[3].reason


def test_an_invoiced_order_is_refused_with_vtex_s_message() -> None:
    sandbox = demo_sandbox()
    order_id = ready_order(sandbox)
    sandbox.set_order_status(order_id, "invoiced")
    sandbox.requests.clear()
    [outcome] = send(sandbox, [row(order_id, "cancel", "stock")]).outcomes
    assert (outcome.action, outcome.type, outcome.status, outcome.column) == (
        Action.FAILED,
        "cancel-refused",
        400,
        "order_id",
    )
    assert '(HTTP 400): "Invoiced orders cannot be canceled: send an Input invoice"' in (
        outcome.reason
    )
    assert sandbox.order_status(order_id) == "invoiced"


def test_an_unknown_order_fails_its_row_and_nothing_is_sent() -> None:
    sandbox = demo_sandbox()
    outcomes = send(sandbox, [row("404-01", "cancel", "x"), row("404-02", "deny", "no", row=3)])
    assert {(o.action, o.type, o.column) for o in outcomes.outcomes} == {
        (Action.FAILED, "unknown-order", "order_id")
    }
    assert writes(sandbox) == []


def test_a_deny_answers_the_customer_s_request_and_the_order_goes_back() -> None:
    sandbox = demo_sandbox()
    ready, handling = requested_order(sandbox, 1), requested_order(sandbox, 2, handling=True)
    assert sandbox.order_status(ready) == "cancellation-requested"
    request_id = sandbox.orders[ready]["cancellationRequests"][0]["id"]
    rows = [row(ready, "deny", "already shipped"), row(handling, "deny", "made to order", row=3)]
    outcomes = send(sandbox, rows).outcomes
    assert {o.action for o in outcomes} == {Action.CREATED}
    denies = writes(sandbox)
    assert [d.operation for d in denies] == [DENY_OP, DENY_OP]
    by_order = {d.path.split("/")[5]: d for d in denies}
    assert by_order[ready].body == {
        "cancellationRequestId": request_id,
        "denyReason": "already shipped",
    }
    # VTEX puts the order back where it was before the request (the guide's step 6).
    assert (sandbox.order_status(ready), sandbox.order_status(handling)) == (
        "ready-for-handling",
        "handling",
    )
    [request] = sandbox.orders[ready]["cancellationRequests"]
    assert (request["deniedBySeller"], request["deniedBySellerReason"]) == (True, "already shipped")


def test_a_deny_already_made_is_not_sent_again() -> None:
    sandbox = demo_sandbox()
    order_id = requested_order(sandbox)
    send(sandbox, [row(order_id, "deny", "shipped")])
    sandbox.requests.clear()
    [same] = send(sandbox, [row(order_id, "deny", "shipped")]).outcomes
    [other] = send(sandbox, [row(order_id, "deny", "too late")]).outcomes
    assert writes(sandbox) == []
    assert (same.action, same.reason) == (Action.CREATED, "already denied in VTEX: nothing sent")
    assert (other.action, other.type, other.value) == (
        Action.WARNING,
        "denied-with-other-reason",
        "too late",
    )


def test_a_deny_without_a_request_is_not_sent_and_one_vtex_refuses_carries_its_message() -> None:
    sandbox = demo_sandbox()
    no_request = ready_order(sandbox, 1)
    canceled = requested_order(sandbox, 2)
    send(sandbox, [row(canceled, "cancel", "ok")])  # the ERP accepted the request, in VTEX
    sandbox.requests.clear()
    rows = [row(no_request, "deny", "no"), row(canceled, "deny", "no", row=3)]
    outcome = {o.record.line: o for o in send(sandbox, rows).outcomes}
    assert (outcome[2].action, outcome[2].type) == (Action.FAILED, "no-cancellation-request")
    assert 'is "ready-for-handling" and has no cancellation request' in outcome[2].reason
    assert (outcome[3].action, outcome[3].type, outcome[3].status) == (
        Action.FAILED,
        "deny-refused",
        400,
    )
    assert '"Order already canceled"' in outcome[3].reason
    assert [w.path.split("/")[5] for w in writes(sandbox)] == [canceled]


def test_cancel_then_deny_of_one_order_go_in_file_order() -> None:
    sandbox = demo_sandbox()
    order_id = requested_order(sandbox)
    rows = [row(order_id, "deny", "no", row=3), row(order_id, "cancel", "ok", row=2)]
    outcome = {o.record.line: o for o in send(sandbox, rows).outcomes}
    assert outcome[2].action is Action.CREATED  # the cancel accepted the customer's request
    assert (outcome[3].action, outcome[3].type) == (Action.FAILED, "deny-refused")
    assert sandbox.order_status(order_id) == "canceled"
    assert sandbox.orders[order_id]["cancellationData"]["RequestedByUser"] is True
    assert [r.method for r in sandbox.requests] == ["GET", "POST", "POST"]  # one read


def test_a_changed_reason_of_a_done_row_sends_nothing() -> None:
    sandbox = demo_sandbox()
    done = row("1-01", "cancel", "fraud", previous={"reason": "stock"})
    [outcome] = send(sandbox, [done]).outcomes
    assert sandbox.requests == []
    assert (outcome.action, outcome.type, outcome.column, outcome.value) == (
        Action.UNCHANGED,
        "cancellation-done-before",
        "reason",
        "fraud",
    )
    assert 'the cancel of order 1-01 was already sent, with the reason "stock"' in outcome.reason


def test_a_timeout_leaves_the_row_pending_and_is_not_replayed() -> None:
    """Neither call is documented as safe to repeat: a timed-out one is not sent again in the
    pass (the row is pending); the next pass reads the order before sending."""
    sandbox = demo_sandbox()
    order_id = ready_order(sandbox)
    read = f"GET /api/oms/pvt/orders/{order_id}"
    sandbox.faults = Faults(rate_timeout=1.0, spared=frozenset({read}))
    [outcome] = send(sandbox, [row(order_id, "cancel", "stock")]).outcomes
    assert (outcome.action, outcome.type) == (Action.PENDING, "vtex-unavailable")
    assert [r.operation for r in sandbox.requests].count(CANCEL_OP) == 1


def test_a_changed_reason_is_told_the_reason_vtex_holds() -> None:
    """Landed as a warning (VTEX had it canceled with another reason): the snapshot keeps
    VTEX's reason, and a later row is told that one."""
    sandbox = demo_sandbox()
    order_id = ready_order(sandbox)
    send(sandbox, [row(order_id, "cancel", "fraude")])
    [warned] = send(sandbox, [row(order_id, "cancel", "stock")]).outcomes
    assert warned.action is Action.WARNING
    later = row(order_id, "cancel", "other", previous=warned.record.payload())
    [outcome] = send(sandbox, [later]).outcomes
    assert 'with the reason "fraude"' in outcome.reason
