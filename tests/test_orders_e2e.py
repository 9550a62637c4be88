"""Orders out to the ERP exactly once, and invoices and tracking back to VTEX."""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from importer.orders.export import ORDER_COLUMNS, money
from importer.orders.pull import OrderPuller
from importer.orders.run import export_order, pull_orders
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, sandbox_client, seed_store


def exported_rows(workdir: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((workdir / "outbox" / "orders").glob("orders-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def configure_feed(sandbox: Sandbox) -> None:

    from importer.vtex.orders import FEED_CONFIG

    with sandbox_client(sandbox) as client:
        client.post("/api/orders/feed/config", json=FEED_CONFIG).raise_for_status()
    sandbox.requests.clear()


def ready_store(sandbox: Sandbox, orders: int) -> None:
    seed_store(sandbox, 20)
    sandbox.seed_orders(orders, queue=True)
    sandbox.requests.clear()


@pytest.mark.slow
def test_one_pull_exports_every_ready_order_once_and_moves_them_to_handling(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    ready_store(sandbox, 50)
    runtime = make_runtime(sandbox)
    result = pull_orders(runtime.deps)
    assert len(result.exported) == 50 and len(result.handled) == 50
    rows = exported_rows(workdir)
    assert len({r["order_id"] for r in rows}) == 50
    expected_items = sum(len(o["items"]) for o in sandbox.orders.values())
    assert len(rows) == expected_items  # one row per item
    for order_id, order in sandbox.orders.items():
        mine = [r for r in rows if r["order_id"] == order_id]
        assert Decimal(mine[0]["order_total"]) == money(order["value"])
        for row, item in zip(mine, order["items"], strict=True):
            assert row["sku_id"] == str(item["id"])
            assert Decimal(row["unit_price"]) == money(item["sellingPrice"])
            assert int(row["quantity"]) == item["quantity"]
        assert sandbox.order_status(order_id) == "handling"
    assert sandbox.feed_pending() == []
    # The exported SKUs carry the ERP's own codes where the importer knows them.
    assert all(r["sku_ref"] for r in rows)


def test_duplicate_and_out_of_order_events_never_export_twice(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    ready_store(sandbox, 20)
    sandbox.feed_duplicates = 0.5
    sandbox.feed_shuffle = True
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)
    pull_orders(runtime.deps)
    per_order = Counter(r["order_id"] for r in exported_rows(workdir))
    assert len(per_order) == 20
    assert all(per_order[o] == len(sandbox.orders[o]["items"]) for o in per_order)
    assert sandbox.feed_pending() == []


def test_a_crash_between_the_file_and_the_commit_loses_no_order_and_exports_none_twice(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready_store(sandbox, 25)
    runtime = make_runtime(sandbox)
    configure_feed(sandbox)  # in use already: the orders come through the feed, 10 at a time

    async def killed(self: OrderPuller, order_ids: list[str], result: object) -> None:
        if order_ids:  # the first lot is on disk: the process dies before telling VTEX
            raise SystemExit("killed after writing the file")

    with monkeypatch.context() as patch:
        patch.setattr(OrderPuller, "_handle", killed)
        with pytest.raises(SystemExit):
            pull_orders(runtime.deps)
    assert len({r["order_id"] for r in exported_rows(workdir)}) == 10  # the first lot's file
    assert all(sandbox.order_status(o) == "ready-for-handling" for o in sandbox.orders)

    sandbox.advance(300)  # the uncommitted events become visible again
    runtime.deps.store.close()
    again = make_runtime(sandbox)
    pull_orders(again.deps)
    per_order = Counter(r["order_id"] for r in exported_rows(workdir))
    assert set(per_order) == set(sandbox.orders)
    for order_id, order in sandbox.orders.items():
        assert per_order[order_id] == len(order["items"])  # exactly one export each
        assert sandbox.order_status(order_id) == "handling"
    assert sandbox.feed_pending() == []


def test_an_order_is_exported_again_only_when_a_person_asks(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    ready_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)
    order_id = sorted(sandbox.orders)[0]
    pull_orders(runtime.deps)
    assert len({p.name for p in (workdir / "outbox" / "orders").glob("*.csv")}) == 1
    result = export_order(runtime.deps, order_id)
    assert len(result.files) == 1
    with result.files[0].open(encoding="utf-8-sig") as handle:
        assert {r["order_id"] for r in csv.DictReader(handle)} == {order_id}


def invoices_file(sandbox: Sandbox, tracking: bool) -> str:
    lines = ["order_id,invoice_number,invoice_value,issuance_date,courier,tracking_number"]
    for n, (order_id, order) in enumerate(sorted(sandbox.orders.items()), start=1):
        value = money(order["value"])
        track = f"Correios,BR{n:09d}" if tracking else ","
        lines.append(f"{order_id},NF{n:05d},{value},2026-11-27T10:00:00Z,{track}")
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_invoices_for_50_orders_then_tracking_updates_without_new_invoices(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    ready_store(sandbox, 50)
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)
    drop(workdir, "invoices", "notas.csv", invoices_file(sandbox, tracking=False))
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.failed, summary.invalid) == (50, 0, 0)
    assert all(sandbox.order_status(o) == "invoiced" for o in sandbox.orders)
    sandbox.requests.clear()

    drop(workdir, "invoices", "notas-rastreio.csv", invoices_file(sandbox, tracking=True))
    summary = one_pass(runtime).reports[0].summary
    assert (summary.updated, summary.created, summary.failed) == (50, 0, 0)
    posts = [r for r in sandbox.requests if r.method == "POST" and r.path.endswith("/invoice")]
    patches = [r for r in sandbox.requests if r.method == "PATCH"]
    assert posts == [] and len(patches) == 50
    assert all(len(sandbox.invoices(o)) == 1 for o in sandbox.orders)
    first = sorted(sandbox.orders)[0]
    assert sandbox.invoices(first)[0]["trackingNumber"] == "BR000000001"


def test_invoice_rows_for_unknown_orders_orders_not_handled_and_values_too_high(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    ready_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    first, second = sorted(sandbox.orders)
    pull_orders(runtime.deps)  # both in handling now
    sandbox.seed_orders(1, queue=False)  # a new order, canceled before it was invoiced
    third = next(o for o in sandbox.orders if o not in (first, second))
    sandbox.set_order_status(third, "canceled", queue=False)
    too_much = money(sandbox.orders[second]["value"]) + Decimal("0.01")
    drop(
        workdir,
        "invoices",
        "notas.csv",
        (
            "order_id,invoice_number,invoice_value\n"
            f"{first},NF1,{money(sandbox.orders[first]['value'])}\n"
            "999999-01,NF2,10.00\n"
            f"{third},NF3,1.00\n"
            f"{second},NF4,{too_much}\n"
            f"{second},NF 5/6,1.00\n"
        ),
    )
    report = one_pass(runtime).reports[0]
    assert report.flatten(["row", "action", "type"]) == [
        [2, "created", ""],
        [3, "failed", "unknown-order"],
        [4, "failed", "order-not-in-handling"],
        [5, "failed", "value-above-total"],
        [6, "invalid", "invalid-combination"],
    ]
    assert "left to invoice" in report.rows[3].reason


def test_orders_as_a_workbook_and_from_list_orders(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    from openpyxl import load_workbook

    ready_store(sandbox, 4)
    runtime = make_runtime(
        sandbox, {"IMPORTER__ORDERS__FILE_FORMAT": "xlsx", "IMPORTER__ORDERS__SOURCE": "list"}
    )
    result = pull_orders(runtime.deps)
    assert len(result.exported) == 4 and len(result.handled) == 4
    assert not any(r.path.startswith("/api/orders/feed") for r in sandbox.requests)
    book = load_workbook(result.files[0], read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    header, body = rows[0], rows[1:]
    # FORMATS.md's 27 columns first, in their order; issue 12's are added after them.
    assert header[0] == "order_id" and header[26] == "seller"
    assert list(header) == ORDER_COLUMNS and len(header) > 27
    totals = {r[0]: Decimal(str(r[header.index("order_total")])) for r in body}
    assert totals == {o: money(v["value"]) for o, v in sandbox.orders.items()}
    assert pull_orders(runtime.deps).exported == []


def test_a_cancellation_of_an_exported_order_reaches_the_erp_once(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    ready_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)
    first = sorted(sandbox.orders)[0]
    sandbox.set_order_status(first, "cancellation-requested")
    result = pull_orders(runtime.deps)
    assert result.cancellations == [first]
    notices = sorted((workdir / "outbox" / "orders").glob("cancellations-*.csv"))
    assert len(notices) == 1
    with notices[0].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["order_id"], r["state"]) for r in rows] == [(first, "cancellation-requested")]
    assert rows[0]["exported_in"].startswith("orders-")
    sandbox.set_order_status(first, "cancellation-requested")  # the event again
    assert pull_orders(runtime.deps).cancellations == []
    assert sandbox.feed_pending() == []
