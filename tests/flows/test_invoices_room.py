"""The invoices room on its own: its spellings and row rules, and `push_invoices` against an
order of the in-process sandbox (no files, no pass). See tests/test_orders_*.py end to end."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from importer.deps import Clients
from importer.flows.invoices import FLOW, push_invoices
from importer.messages import render
from importer.models import Action
from importer.orders.money import minor_units
from importer.outcomes import PushResult
from importer.rows import OutRow
from importer.sandbox import Sandbox
from tests.flows.rooms import NOW, against, by_row, check, demo_sandbox, writes

ISSUED = "2026-12-03T10:00:00Z"


def invoice_row(order_id: str, **cells: Any) -> OutRow:
    """A new invoice row as the invoices room sends it (validated and normalised)."""
    row: dict[str, Any] = {
        "row": 2,
        "key": f"{order_id}|NF-1",
        "order_id": order_id,
        "invoice_number": "NF-1",
        "invoice_value": "133.98",
        "issuance_date": ISSUED,
        "invoice_key": "",
        "invoice_url": "",
        "invoice_type": "Output",
        "courier": "",
        "tracking_number": "",
        "tracking_url": "",
        "items": "",
        "hash": 1,
    }
    row.update(cells)
    return OutRow.from_payload(row)


# -- the rules --------------------------------------------------------------------------------


def test_invoice_types_are_spelt_as_vtex_spells_them_and_an_unknown_one_is_refused() -> None:
    rows = [
        {"order_id": "1", "invoice_number": "A", "invoice_type": t}
        for t in ("", "Saída", "ENTRADA", "input", "venda")
    ]
    frame, errors = check(FLOW, rows, raw={"invoice_type": {4: "Venda"}})
    assert frame["invoice_type"].tolist() == ["Output", "Output", "Input", "Input", ""]
    assert by_row(errors) == {6: ("invalid-combination", "invoice_type")}
    assert errors[0].value == "Venda"  # what the file says, not the normalised blank
    assert errors[0].message == '"invoice_type" must be Output (a sale) or Input (a return).'


def test_an_items_list_that_does_not_parse_is_refused_with_the_format() -> None:
    good = ("17:2", "17:1|19:3:19,90", " 17 : 2 | 0019:1:5.5 ")
    bad = ("17x2", "17:2;19:1", "17:", "17:1:1.999", "17:2|")
    rows = [{"order_id": "1", "invoice_number": "A", "items": i} for i in good + bad]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {row: ("invalid-combination", "items") for row in range(5, 10)}
    assert [e.value for e in errors] == list(bad)
    assert 'sku_id:quantity or sku_id:quantity:unit_price, separated by "|"' in errors[0].message


def test_an_invoice_number_vtex_cannot_track_or_a_missing_key_is_refused() -> None:
    rows = [
        {"order_id": "1", "invoice_number": "NF 12"},
        {"order_id": "1", "invoice_number": "12/A"},
        {"order_id": "1", "invoice_number": "NF-12_b.3"},  # fine
        {"order_id": "", "invoice_number": "NF-1"},
        {"order_id": "1", "invoice_number": ""},
    ]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {
        2: ("invalid-combination", "invoice_number"),
        3: ("invalid-combination", "invoice_number"),
        5: ("missing-cell", "order_id"),
        6: ("missing-cell", "invoice_number"),
    }
    assert errors[0].message == render("invoice-number-characters")


def test_money_goes_to_vtex_in_the_currency_s_exact_minor_units() -> None:
    assert minor_units("133.98") == 13398
    assert minor_units("19.9") == 1990
    assert minor_units(Decimal("0.005")) is None  # not rounded away: the row says so
    assert minor_units("19990", 0) == 19990  # CLP, JPY: no x100
    assert minor_units("19990.00", 0) == 19990
    assert minor_units("19990.5", 0) is None
    assert minor_units("1.234", 3) == 1234  # KWD


# -- the send, against a sandbox order -------------------------------------------------------


def order_in_handling(sandbox: Sandbox, seed: int = 0) -> str:
    [order_id] = sandbox.seed_orders(1, seed=seed)
    sandbox.set_order_status(order_id, "handling")
    sandbox.requests.clear()
    return order_id


def send(sandbox: Sandbox, rows: list[OutRow], new: bool = True) -> PushResult:
    async def work(clients: Clients) -> PushResult:
        return await push_invoices(rows, clients.orders, 4, lambda r: new, lambda: NOW)

    return against(sandbox, work)


def test_an_invoice_without_items_invoices_the_whole_order_as_written() -> None:
    sandbox = demo_sandbox()
    order_id = order_in_handling(sandbox)  # 2 x SKU 17 at 62.04, shipping 9.90: 133.98
    row = invoice_row(order_id, invoice_key="3526" * 11, tracking_number="BR123", courier="Loggi")
    [outcome] = send(sandbox, [row]).outcomes
    assert outcome.action is Action.CREATED
    [post] = writes(sandbox)
    assert post.path == f"/api/oms/pvt/orders/{order_id}/invoice"
    assert post.body == {
        "type": "Output",
        "issuanceDate": ISSUED,
        "invoiceNumber": "NF-1",
        "invoiceValue": "13398",
        "invoiceKey": "3526" * 11,
        "invoiceUrl": None,
        "courier": "Loggi",
        "trackingNumber": "BR123",
        "trackingUrl": "",
        "items": [{"id": "17", "quantity": 2, "price": 6204}],
    }
    assert [i["invoiceNumber"] for i in sandbox.invoices(order_id)] == ["NF-1"]


def test_an_invoice_without_issuance_date_is_dated_by_the_pass_clock() -> None:
    """Not the machine's wall clock: a pass (or a test) with its own clock dates it."""
    sandbox = demo_sandbox()
    order_id = order_in_handling(sandbox)
    [outcome] = send(sandbox, [invoice_row(order_id, issuance_date="")]).outcomes
    assert outcome.action is Action.CREATED
    [post] = writes(sandbox)
    assert post.body["issuanceDate"] == NOW.isoformat(timespec="seconds")


def test_rows_of_one_order_go_in_order_and_each_sees_what_is_left() -> None:
    sandbox = demo_sandbox()
    order_id = order_in_handling(sandbox)
    first = invoice_row(order_id, invoice_value="62.04", items="17:1")
    second = invoice_row(
        order_id, row=3, key=f"{order_id}|NF-2", invoice_number="NF-2", invoice_value="71.94"
    )
    third = invoice_row(
        order_id, row=4, key=f"{order_id}|NF-3", invoice_number="NF-3", invoice_value="0.01"
    )
    result = send(sandbox, [third, second, first])
    outcome = {o.record.line: o for o in result.outcomes}
    assert [p.body["invoiceNumber"] for p in writes(sandbox)] == ["NF-1", "NF-2"]
    # The second invoices what the first left: one unit of SKU 17.
    assert writes(sandbox)[1].body["items"] == [{"id": "17", "quantity": 1, "price": 6204}]
    assert outcome[2].action is outcome[3].action is Action.CREATED
    assert (outcome[4].action, outcome[4].type, outcome[4].column) == (
        Action.FAILED,
        "value-above-total",
        "invoice_value",
    )
    assert "only 0.00 of order" in outcome[4].reason


def test_an_invoice_above_what_is_left_or_for_a_canceled_order_is_not_sent() -> None:
    sandbox = demo_sandbox()
    handling = order_in_handling(sandbox)
    [canceled] = sandbox.seed_orders(1, seed=5)
    sandbox.set_order_status(canceled, "canceled")
    sandbox.requests.clear()
    rows = [
        invoice_row(handling, invoice_value="133.99"),
        invoice_row(canceled, row=3, key=f"{canceled}|NF-1"),
        invoice_row("NO-SUCH-ORDER", row=4, key="NO-SUCH-ORDER|NF-1"),
    ]
    outcome = {o.record.line: o for o in send(sandbox, rows).outcomes}
    assert writes(sandbox) == []
    assert (outcome[2].type, outcome[2].value) == ("value-above-total", "133.99")
    assert "the invoice is 133.99 but only 133.98" in outcome[2].reason
    assert (outcome[3].type, outcome[3].column) == ("order-not-in-handling", "order_id")
    assert 'is "canceled": VTEX takes invoices from "ready-for-handling"' in outcome[3].reason
    assert (outcome[4].type, outcome[4].column) == ("unknown-order", "order_id")
    assert {o.action for o in outcome.values()} == {Action.FAILED}


def test_an_order_is_invoiced_from_every_status_vtex_takes_an_invoice_in() -> None:
    """Issue 12 item 4: not only handling. Ready for handling (the ERP "prepares the invoice"
    there), a customer's cancellation request (invoicing lets the order go on)."""
    sandbox = demo_sandbox()
    ids = sandbox.seed_orders(3)
    sandbox.set_order_status(ids[1], "cancellation-requested")
    sandbox.set_order_status(ids[2], "request-cancel")
    sandbox.requests.clear()
    rows = [
        invoice_row(
            order_id, row=2 + n, key=f"{order_id}|NF-1", invoice_value=_value(sandbox, order_id)
        )
        for n, order_id in enumerate(ids)
    ]
    outcome = send(sandbox, rows).outcomes
    assert [o.action for o in outcome] == [Action.CREATED] * 3, [o.reason for o in outcome]
    assert [sandbox.order_status(o) for o in ids] == ["invoiced"] * 3


def _value(sandbox: Sandbox, order_id: str) -> str:
    return str(Decimal(sandbox.orders[order_id]["value"]) / 100)


def test_a_clp_order_is_invoiced_in_whole_pesos_and_a_kwd_one_in_fils() -> None:
    """CurrencyDecimalDigits decides the scale: 0 digits is no x100, 3 digits x1000; a value
    the currency cannot hold is the row's error, not a rounding."""
    sandbox = demo_sandbox()
    line = [{"id": 17, "quantity": 1, "price": 19990}]
    clp = sandbox.add_order(line, shipping=0, tax=0, currency="CLP")["orderId"]
    odd = sandbox.add_order(line, shipping=0, tax=0, currency="CLP")["orderId"]
    kwd = sandbox.add_order(line, shipping=0, tax=0, currency="KWD")["orderId"]
    for order_id in (clp, odd, kwd):
        sandbox.set_order_status(order_id, "handling")
    sandbox.requests.clear()
    rows = [
        invoice_row(clp, invoice_value="19990", items="17:1:19990"),
        invoice_row(odd, row=3, key=f"{odd}|NF-1", invoice_value="19990.50"),
        invoice_row(kwd, row=4, key=f"{kwd}|NF-1", invoice_value="19.990"),
    ]
    outcome = {o.record.line: o for o in send(sandbox, rows).outcomes}
    posted = {p.path.split("/")[5]: p.body for p in writes(sandbox)}
    assert posted[clp]["invoiceValue"] == "19990"
    assert posted[clp]["items"] == [{"id": "17", "quantity": 1, "price": 19990}]
    assert posted[kwd]["invoiceValue"] == "19990"
    assert odd not in posted
    assert (outcome[3].action, outcome[3].type, outcome[3].column) == (
        Action.FAILED,
        "invoice-value-precision",
        "invoice_value",
    )
    assert outcome[3].reason.startswith("CLP has 0 decimal digit(s)")
    assert [sandbox.order_status(o) for o in (clp, odd, kwd)] == [
        "invoiced",
        "handling",
        "invoiced",
    ]


def test_an_item_the_order_does_not_have_fails_its_row_with_vtex_s_reason() -> None:
    sandbox = demo_sandbox()
    order_id = order_in_handling(sandbox)
    [outcome] = send(
        sandbox, [invoice_row(order_id, invoice_value="10.00", items="999:1")]
    ).outcomes
    assert (outcome.action, outcome.type, outcome.status) == (Action.FAILED, "vtex-rejected", 400)
    assert "SKU '999' is not in the order" in outcome.reason
    assert sandbox.invoices(order_id) == []


def test_a_return_waits_until_the_order_is_fully_invoiced() -> None:
    sandbox = demo_sandbox()
    order_id = order_in_handling(sandbox)
    sale = invoice_row(order_id, invoice_value="62.04", items="17:1")
    back = invoice_row(
        order_id,
        row=3,
        key=f"{order_id}|DEV-1",
        invoice_number="DEV-1",
        invoice_type="Input",
        invoice_value="62.04",
        items="17:1",
    )
    outcome = {o.record.line: o for o in send(sandbox, [sale, back]).outcomes}
    assert [p.body["invoiceNumber"] for p in writes(sandbox)] == ["NF-1"]
    assert (outcome[3].action, outcome[3].type) == (Action.PENDING, "waiting-full-invoice")
    assert "once order" in outcome[3].reason and "fully invoiced" in outcome[3].reason


def test_a_known_invoice_sends_its_new_tracking_and_refuses_a_changed_value() -> None:
    sandbox = demo_sandbox()
    order_id = order_in_handling(sandbox)
    send(sandbox, [invoice_row(order_id)])
    sandbox.requests.clear()
    tracked = invoice_row(order_id, tracking_number="BR999", courier="Correios")
    [outcome] = send(sandbox, [tracked], new=False).outcomes
    [patch] = writes(sandbox)
    assert patch.method == "PATCH" and patch.path.endswith(f"/{order_id}/invoice/NF-1")
    assert patch.body == {
        "trackingNumber": "BR999",
        "trackingUrl": None,
        "dispatchedDate": None,
        "courier": "Correios",
    }
    assert (outcome.action, outcome.column, outcome.value) == (
        Action.UPDATED,
        "tracking_number",
        "BR999",
    )
    sandbox.requests.clear()
    changed = invoice_row(
        order_id, invoice_value="100.00", tracking_number="BR999", courier="Correios"
    )
    [outcome] = send(sandbox, [changed], new=False).outcomes
    assert writes(sandbox) == []  # the tracking is what VTEX has; no second invoice
    assert (outcome.action, outcome.type, outcome.column, outcome.value) == (
        Action.FAILED,
        "invoice-changed",
        "invoice_value",
        "100.00",
    )
    assert "Issue a new invoice number" in outcome.reason


def test_a_whole_order_invoice_s_items_add_up_to_its_price_definition() -> None:
    """3 units for 100.00 (VTEX's unit price 33.33): the items say 2 x 33.33 + 1 x 33.34, as
    the order's total does, not 3 x 33.33 (0.01 short of the invoice's value)."""
    sandbox = demo_sandbox()
    line = {
        "id": 17,
        "quantity": 3,
        "price": 3500,
        "sellingPrice": 3333,
        "sellingPrices": [{"value": 6666, "quantity": 2}, {"value": 3334, "quantity": 1}],
    }
    order_id = sandbox.add_order([line], shipping=0, tax=0)["orderId"]
    sandbox.set_order_status(order_id, "handling")
    sandbox.requests.clear()
    [outcome] = send(sandbox, [invoice_row(order_id, invoice_value="100.00")]).outcomes
    assert outcome.action is Action.CREATED, outcome.reason
    [post] = writes(sandbox)
    assert post.body["items"] == [
        {"id": "17", "quantity": 2, "price": 3333},
        {"id": "17", "quantity": 1, "price": 3334},
    ]
    assert sum(i["price"] * i["quantity"] for i in post.body["items"]) == 10000
    assert sandbox.order_status(order_id) == "invoiced"
