"""Orders and invoices safety: each test pins a way these flows once lost, duplicated or
misreported an order or invoice (found in review)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import httpx
import pytest

from importer.orders.run import pull_orders
from importer.sandbox import Sandbox
from importer.state import Store
from tests.conftest import RuntimeFactory, drop, one_pass, sandbox_client, seed_store


def outbox_rows(folder: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("orders-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def vtex(sandbox: Sandbox) -> httpx.Client:
    """A client of the sandbox as another integration (or a person with Postman) would use."""
    return sandbox_client(sandbox)


# --------------------------------------------------------------------------- orders out


def test_a_crash_after_the_rename_exports_the_order_twice_once_the_erp_took_the_file(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pull.py:94-106 + recover() pull.py:79-84: the process dies after os.replace() but before
    the ledger says 'exported'. While it is down, the ERP does its job and takes the file from
    outbox/orders. On restart recover() sees no file, forgets the order and exports it again."""
    seed_store(sandbox, 5)
    sandbox.seed_orders(3, queue=True)
    runtime = make_runtime(sandbox)
    real = Store.set_order_states

    def dies_before_exported(self: Store, states: dict[str, tuple[str, str]]) -> None:
        if any(state == "exported" for state, _ in states.values()):
            raise SystemExit("killed after the file was renamed into outbox/orders")
        real(self, states)

    with monkeypatch.context() as patch:
        patch.setattr(Store, "set_order_states", dies_before_exported)
        with pytest.raises(SystemExit):
            pull_orders(runtime.deps)
    outbox = workdir / "outbox" / "orders"
    erp = workdir / "erp-took"
    erp.mkdir()
    for path in outbox.glob("orders-*.csv"):  # the ERP picks its files up
        shutil.move(path, erp / path.name)
    delivered = Counter(r["order_id"] for r in outbox_rows(erp))
    assert set(delivered) == set(sandbox.orders)

    runtime.deps.store.close()
    sandbox.advance(300)
    again = make_runtime(sandbox)
    pull_orders(again.deps)
    twice = sorted({r["order_id"] for r in outbox_rows(outbox)})
    assert twice == [], f"orders the ERP received a second time: {twice}"
    assert all(sandbox.order_status(o) == "handling" for o in sandbox.orders)


def test_orders_that_became_ready_while_the_feed_config_was_gone_are_never_exported(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """pull.py:140-148: a missing config (VTEX deletes it after a retention period without
    events, API-NOTES §6.1) is re-created, but the orders that became ready meanwhile had no
    event and nothing looks for them (FLOWS §7 reconciliation by List orders)."""
    seed_store(sandbox, 5)
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)  # creates the feed config
    assert sandbox.feed_config() is not None
    sandbox.advance(345600 + 60)  # a quiet store: 4 days without an event, VTEX drops the config
    order_id = sandbox.add_order()["orderId"]  # paid and ready, while there is no config
    assert sandbox.order_status(order_id) == "ready-for-handling"

    for _ in range(3):
        pull_orders(runtime.deps)
    assert sandbox.order_status(order_id) == "handling", "the order never reached the ERP"
    assert {r["order_id"] for r in outbox_rows(workdir / "outbox" / "orders")} == {order_id}


def test_a_feed_config_that_does_not_take_ready_for_handling_is_never_corrected(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """pull.py:141-144 only creates a config when there is none; FLOWS §7 step 1: 'If it is 404
    or differs from the wanted config, send POST'. A config left by an older setup (here one
    that takes only 'invoiced') means no order is ever exported."""
    seed_store(sandbox, 5)
    with vtex(sandbox) as client:
        client.post(
            "/api/orders/feed/config",
            json={
                "filter": {"type": "FromWorkflow", "status": ["invoiced"]},
                "queue": {
                    "visibilityTimeoutInSeconds": 240,
                    "MessageRetentionPeriodInSeconds": 345600,
                },
            },
        ).raise_for_status()
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)  # the importer starts and checks the config
    order_id = sandbox.add_order()["orderId"]  # an order paid after the importer started
    pull_orders(runtime.deps)
    assert sandbox.order_status(order_id) == "handling", "the order never reached the ERP"


def test_the_xlsx_export_corrupts_phone_numbers_with_a_leading_apostrophe(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """export.py:189-195: _xlsx_cell() runs CSV-injection escaping on every text cell, but in a
    workbook a text cell is never evaluated: the ERP reads "'+5511987654321" as the phone."""
    from openpyxl import load_workbook

    seed_store(sandbox, 5)
    order = sandbox.add_order(
        client={"phone": "+5511987654321"},
        address={"complement": "-"},
        queue=True,
    )
    runtime = make_runtime(sandbox, {"IMPORTER__ORDERS__FILE_FORMAT": "xlsx"})
    result = pull_orders(runtime.deps)
    book = load_workbook(result.files[0], read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["order_id"] == order["orderId"]
    assert (row["client_phone"], row["ship_complement"]) == ("+5511987654321", "-")


# --------------------------------------------------------------------------- invoices back


def handled_order(
    sandbox: Sandbox, make_runtime: RuntimeFactory, items: list[dict[str, int]]
) -> tuple[object, dict]:
    seed_store(sandbox, 5)
    order = sandbox.add_order(items, shipping=0, tax=0, queue=True)
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)
    assert sandbox.order_status(order["orderId"]) == "handling"
    sandbox.requests.clear()
    return runtime, order


def test_a_known_invoice_whose_items_changed_is_reported_updated_though_nothing_was_sent(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """invoices.py:99-111: only the value is compared; a changed item list (or key, URL, type)
    falls through to 'updated, already in VTEX: nothing sent' and the snapshot takes it, though
    VTEX keeps the old invoice (the module docstring promises a row error)."""
    runtime, order = handled_order(sandbox, make_runtime, [{"id": 1, "quantity": 2, "price": 1000}])
    oid = order["orderId"]
    header = "order_id,invoice_number,invoice_value,issuance_date,items\n"
    drop(workdir, "invoices", "a.csv", header + f"{oid},NF1,10.00,2026-01-10,1:1\n")
    assert one_pass(runtime).reports[0].summary.created == 1
    drop(workdir, "invoices", "b.csv", header + f"{oid},NF1,10.00,2026-01-10,1:2:5.00\n")
    report = one_pass(runtime).reports[0]
    assert sandbox.invoices(oid)[0]["items"][0]["quantity"] == 1  # VTEX still has 1 unit
    assert report.flatten(["action", "type"]) == [["failed", "invoice-changed"]]


def test_a_changed_invoice_value_is_swallowed_when_the_tracking_changed_too(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """invoices.py:78-98: the tracking branch returns UPDATED before the value check, so a
    value that changed along with the tracking is reported fine and stored in the snapshot."""
    runtime, order = handled_order(sandbox, make_runtime, [{"id": 1, "quantity": 2, "price": 1000}])
    oid = order["orderId"]
    header = "order_id,invoice_number,invoice_value,issuance_date,courier,tracking_number\n"
    drop(workdir, "invoices", "a.csv", header + f"{oid},NF1,10.00,2026-01-10,,\n")
    assert one_pass(runtime).reports[0].summary.created == 1
    drop(workdir, "invoices", "b.csv", header + f"{oid},NF1,15.00,2026-01-10,Correios,BR1\n")
    report = one_pass(runtime).reports[0]
    assert sandbox.invoices(oid)[0]["invoiceValue"] == 1000  # VTEX keeps 10.00
    assert ["failed", "invoice-changed"] in report.flatten(["action", "type"])


def test_a_return_invoice_is_posted_for_an_order_that_is_not_fully_invoiced(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """invoices.py:112-131: an Input invoice skips every check; FLOWS §8 / API-NOTES §6.5: a
    return before the whole order is invoiced triggers no refund, so it must wait (pending),
    not be posted and reported as created."""
    runtime, order = handled_order(sandbox, make_runtime, [{"id": 1, "quantity": 2, "price": 1000}])
    oid = order["orderId"]
    header = "order_id,invoice_number,invoice_value,issuance_date,invoice_type,items\n"
    drop(
        workdir,
        "invoices",
        "a.csv",
        header + f"{oid},NF1,10.00,2026-01-10,Output,1:1\n{oid},DEV1,10.00,2026-01-11,Input,1:1\n",
    )
    report = one_pass(runtime).reports[0]
    assert sandbox.order_status(oid) == "handling"  # half of it is still to invoice
    assert [p["invoiceNumber"] for p in sandbox.invoices(oid)] == ["NF1"]
    assert report.flatten(["row", "action"])[1] != [3, "created"]


def test_an_empty_items_column_after_a_partial_invoice_is_refused_by_vtex(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """invoices.py:150-160: empty items sends every line at its full quantity, even the units
    an earlier partial invoice covered; VTEX refuses the invoice for the rest of the order."""
    runtime, order = handled_order(
        sandbox,
        make_runtime,
        [{"id": 1, "quantity": 1, "price": 1000}, {"id": 2, "quantity": 1, "price": 2000}],
    )
    oid = order["orderId"]
    header = "order_id,invoice_number,invoice_value,issuance_date,items\n"
    drop(
        workdir,
        "invoices",
        "a.csv",
        header + f"{oid},NF1,10.00,2026-01-10,1:1\n{oid},NF2,20.00,2026-01-10,\n",
    )
    report = one_pass(runtime).reports[0]
    assert report.flatten(["row", "action", "type"]) == [[2, "created", ""], [3, "created", ""]]
    assert sandbox.order_status(oid) == "invoiced"


def test_an_invoice_number_vtex_has_with_another_value_is_reported_created(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """invoices.py:99 compares the value only for rows the snapshot knows (`not new`): a number
    VTEX already holds (posted from the admin, or by an earlier install) with another value is
    reported 'created' and stored as accepted, though VTEX keeps its own value (README: a
    changed value is an error asking for a new number)."""
    runtime, order = handled_order(sandbox, make_runtime, [{"id": 1, "quantity": 2, "price": 1000}])
    oid = order["orderId"]
    with vtex(sandbox) as client:
        client.post(
            f"/api/oms/pvt/orders/{oid}/invoice",
            json={
                "type": "Output",
                "issuanceDate": "2026-01-10T10:00:00Z",
                "invoiceNumber": "NF1",
                "invoiceValue": "1000",
                "courier": "",
                "items": [{"id": "1", "price": 1000, "quantity": 1}],
            },
        ).raise_for_status()
    header = "order_id,invoice_number,invoice_value,issuance_date,items\n"
    drop(workdir, "invoices", "a.csv", header + f"{oid},NF1,20.00,2026-01-10,1:2\n")
    report = one_pass(runtime).reports[0]
    assert [p["invoiceValue"] for p in sandbox.invoices(oid)] == [1000]
    assert report.flatten(["action", "type"]) == [["failed", "invoice-changed"]]


def test_an_order_vtex_refuses_to_handle_is_reported_and_does_not_block_the_feed(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importer.errors import RowRejectedError
    from importer.orders.run import pull_orders
    from importer.vtex.orders import OrdersClient

    sandbox.seed_orders(3, queue=True)
    refused = sorted(sandbox.orders)[0]
    original = OrdersClient.start_handling

    async def start_handling(self: OrdersClient, order_id: str) -> bool:
        if order_id == refused:
            raise RowRejectedError("refused", status=404, body="Order not found")
        return await original(self, order_id)

    monkeypatch.setattr(OrdersClient, "start_handling", start_handling)
    runtime = make_runtime(sandbox)
    result = pull_orders(runtime.deps)
    assert len(result.exported) == 3
    assert any(refused in p and "HTTP 404" in p for p in result.problems)
    assert sandbox.feed_pending() == []  # its event was committed: the feed flows on
