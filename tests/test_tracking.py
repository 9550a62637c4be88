"""Tracking events end to end, in-process: a file of event rows, grouped per invoice, becomes
one PUT .../tracking per invoice whose events changed, and the sandbox holds what was sent."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

HEADER = "order_id,invoice_number,event_date,city,state,description,delivered,delivered_date"


def invoiced_orders(sandbox: Sandbox, count: int = 2) -> list[str]:
    """Orders in handling, each with invoice NF<n> carrying tracking number BR<n>."""
    seed_store(sandbox, 4)
    orders = sandbox.seed_orders(count, queue=False)
    for n, order_id in enumerate(orders, start=1):
        sandbox.set_order_status(order_id, "handling", queue=False)
        sandbox.seed_call(
            "POST",
            f"/api/oms/pvt/orders/{order_id}/invoice",
            {
                "type": "Output",
                "issuanceDate": "2026-12-01T10:00:00Z",
                "invoiceNumber": f"NF{n}",
                "invoiceValue": "100",
                "courier": "Transportadora X",
                "trackingNumber": f"BR{n}",
                "trackingUrl": "",
                "items": [],
            },
        )
    sandbox.requests.clear()
    return orders


def events_file(first: str, second: str, *, third_city: str = "Campinas") -> str:
    return (
        "\n".join(
            [
                HEADER,
                f"{first},NF1,2026-12-01 09:00,São Paulo,SP,Coletado,false,",
                f"{second},NF2,2026-12-01 10:00,Rio de Janeiro,RJ,Coletado,false,",
                f"{first},NF1,2026-12-02 08:30,{third_city},SP,Em trânsito,false,",
                f"{second},NF2,2026-12-02 11:00,Niterói,RJ,Saiu para entrega,false,",
                f"{first},NF1,2026-12-03 14:15,Curitiba,PR,Entregue,true,2026-12-03 14:15",
            ]
        )
        + "\n"
    )


def puts(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.requests if r.method == "PUT" and r.path.endswith("/tracking")]


def courier_status(sandbox: Sandbox, order_id: str) -> dict[str, Any]:
    [package] = sandbox.invoices(order_id)
    status: dict[str, Any] = package["courierStatus"]
    return status


@pytest.mark.slow  # three passes, each with its report pair: 0.6-1.2 s
def test_events_go_whole_per_invoice_once_and_again_only_when_one_changes(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    first, second = invoiced_orders(sandbox)
    runtime = make_runtime(sandbox)
    drop(workdir, "tracking", "eventos.csv", events_file(first, second))
    report = one_pass(runtime).reports[0]
    assert (report.summary.created, report.summary.failed, report.summary.invalid) == (5, 0, 0)
    assert report.flatten(["row", "key", "action"]) == [
        [2, f"{first}|NF1", "created"],
        [3, f"{second}|NF2", "created"],
        [4, f"{first}|NF1", "created"],
        [5, f"{second}|NF2", "created"],
        [6, f"{first}|NF1", "created"],
    ]
    # One Get order per order and one PUT per invoice, not one per event.
    oms = Counter(r.operation for r in sandbox.requests if r.path.startswith("/api/oms/"))
    assert oms == {
        "GET /api/oms/pvt/orders/{orderId}": 2,
        "PUT /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking": 2,
    }
    status = courier_status(sandbox, first)
    # The ERP's clock is UTC here (the flow's timezone); deliveredDate to the minute.
    assert (status["finished"], status["deliveredDate"]) == (
        True,
        "2026-12-03T14:15:00.0000000+00:00",
    )
    assert [(e["city"], e["description"], e["createDate"]) for e in status["data"]] == [
        ("São Paulo", "Coletado", "2026-12-01T09:00:00Z"),
        ("Campinas", "Em trânsito", "2026-12-02T08:30:00Z"),
        ("Curitiba", "Entregue", "2026-12-03T14:15:00Z"),
    ]
    assert courier_status(sandbox, second)["finished"] is False

    sandbox.requests.clear()
    # The same events in another order (other bytes: not a duplicate file): nothing changed.
    header, *rows = events_file(first, second).splitlines()
    drop(workdir, "tracking", "eventos-2.csv", "\n".join([header, *reversed(rows)]) + "\n")
    summary = one_pass(runtime).reports[0].summary
    assert (summary.unchanged, summary.created, summary.updated) == (5, 0, 0)
    oms = [r for r in sandbox.requests if r.path.startswith("/api/oms/")]
    assert oms == []  # an unchanged invoice costs nothing, not even a Get order

    drop(workdir, "tracking", "eventos-3.csv", events_file(first, second, third_city="Jundiaí"))
    report = one_pass(runtime).reports[0]
    assert (report.summary.updated, report.summary.unchanged) == (3, 2)
    assert puts(sandbox) == [f"/api/oms/pvt/orders/{first}/invoice/NF1/tracking"]
    cities = [e["city"] for e in courier_status(sandbox, first)["data"]]
    assert cities == ["São Paulo", "Jundiaí", "Curitiba"]  # the whole list, once


@pytest.mark.slow  # 0.3-0.5 s on the loaded 2-core machine; the room tests cover the rules fast
def test_a_bad_row_holds_its_whole_invoice_and_says_so_on_every_row(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    first, second = invoiced_orders(sandbox)
    runtime = make_runtime(sandbox)
    content = events_file(first, second).replace("2026-12-02 08:30", "2026-13-02 08:30")
    repeated = content.splitlines()[2]  # NF2's first event again: the same event, once
    drop(workdir, "tracking", "eventos.csv", content + repeated + "\n")
    report = one_pass(runtime).reports[0]
    assert report.flatten(["row", "action", "type"]) == [
        [2, "skipped", "tracking-invoice-incomplete"],
        [3, "created", ""],
        [4, "invalid", "type-error"],
        [5, "created", ""],
        [6, "skipped", "tracking-invoice-incomplete"],
        [7, "invalid", "duplicate-key"],
    ]
    assert len(courier_status(sandbox, second)["data"]) == 2
    assert "row 4 of invoice NF1" in report.rows[0].reason
    assert puts(sandbox) == [f"/api/oms/pvt/orders/{second}/invoice/NF2/tracking"]
    assert sandbox.invoices(first)[0]["courierStatus"] is None  # VTEX's list untouched
    assert report.summary.unsettled == 2  # the same file dropped again is processed again


@pytest.mark.slow  # two passes: 0.3-0.5 s
def test_events_wait_for_their_invoice_and_dates_follow_the_erps_clock(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    first, _ = invoiced_orders(sandbox)
    config = workdir / "importer.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[flows.tracking]\ntimezone = "America/Sao_Paulo"\n',
        encoding="utf-8",
    )
    runtime = make_runtime(sandbox)
    lines = [
        HEADER,
        f"{first},NF9,2026-12-01 09:00,São Paulo,SP,Coletado,,",
        "999999-01,NF1,2026-12-01 09:00,São Paulo,SP,Coletado,,",
        f"{first},NF9,2026-12-03 14:15,Santos,SP,Entregue,sim,03/12/2026 14:15",
    ]
    drop(workdir, "tracking", "eventos.csv", "\n".join(lines) + "\n")
    report = one_pass(runtime).reports[0]
    assert report.flatten(["row", "action", "type"]) == [
        [2, "pending", "tracking-waiting-invoice"],
        [3, "failed", "unknown-order"],
        [4, "pending", "tracking-waiting-invoice"],
    ]
    assert puts(sandbox) == []
    # The invoice arrives (the invoices flow, or VTEX's admin): the next pass sends its events.
    sandbox.seed_call(
        "POST",
        f"/api/oms/pvt/orders/{first}/invoice",
        {
            "type": "Output",
            "issuanceDate": "2026-12-01T10:00:00Z",
            "invoiceNumber": "NF9",
            "invoiceValue": "1",
            "courier": "X",
            "trackingNumber": "BR9",
            "trackingUrl": "",
            "items": [],
        },
    )
    retried = one_pass(runtime).reports[0]
    assert retried.summary.file == "pending-tracking"
    assert retried.flatten(["row", "action"]) == [[2, "created"], [4, "created"]]  # per event
    assert puts(sandbox) == [f"/api/oms/pvt/orders/{first}/invoice/NF9/tracking"]
    [request] = [r for r in sandbox.requests if r.method == "PUT"]
    assert isinstance(request.body, dict)
    # 09:00 and 14:15 in São Paulo (UTC-3) are 12:00 and 17:15 UTC.
    assert [e["date"] for e in request.body["events"]] == [
        "2026-12-01T12:00:00Z",
        "2026-12-03T17:15:00Z",
    ]
    assert (request.body["isDelivered"], request.body["deliveredDate"]) == (
        True,
        "2026-12-03 17:15",
    )
