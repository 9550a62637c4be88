"""Stock is sent with the moment the ERP counted it (VTEX's dateUtcOnBalanceSystem): the row's
balance_at, or the file's modification time; a retry hours later keeps that moment, so VTEX
does not release the reservations of orders the count does not reflect (an oversell)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from importer.sandbox import Faults, Sandbox
from tests.conftest import CHECK_UP, RuntimeFactory, drop, one_pass, sandbox_client, seed_store

SAO_PAULO = {"IMPORTER__FLOWS__INVENTORY__TIMEZONE": "America/Sao_Paulo"}


def stock_writes(sandbox: Sandbox) -> dict[str, dict[str, object]]:
    """The body of the last stock write per SKU x warehouse ("1/1_1"), as VTEX got it."""
    writes: dict[str, dict[str, object]] = {}
    for r in sandbox.requests:
        if r.method in ("PUT", "PATCH") and "/inventory/skus/" in r.path and r.status < 300:
            parts = r.path.split("/")
            writes[f"{parts[6]}/{parts[8]}"] = r.body
    return writes


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def written_at(path: Path, moment: datetime) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def test_every_stock_write_says_when_the_erp_counted(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 4, warehouses=("1_1", "WH-SP"))
    runtime = make_runtime(sandbox, SAO_PAULO)
    path = drop(
        workdir,
        "inventory",
        "estoque.csv",
        (
            "sku_id,warehouse_id,quantity,lead_time,balance_at\n"
            "1,1_1,10,3,01/12/2026 08:30\n"  # the ERP's clock: São Paulo, UTC-3
            "2,1_1,4,,2026-12-01T08:30:00-02:00\n"  # an offset is kept, not re-read
            "3,WH-SP,7,,\n"  # no count time: the file's
            "4,1_1,1,2,2026-12-01\n"  # a bare date: that day's start (never too late)
        ),
    )
    file_time = datetime(2026, 12, 2, 6, 15, 42, tzinfo=UTC)
    written_at(path, file_time)
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.invalid) == (4, 0)

    sent = stock_writes(sandbox)
    assert {k: v.get("dateUtcOnBalanceSystem") for k, v in sent.items()} == {
        "1/1_1": "2026-12-01T11:30:00Z",  # the PUT (lead time in the file)
        "2/1_1": "2026-12-01T10:30:00Z",  # the PATCH carries it too
        "3/WH-SP": utc(file_time),
        "4/1_1": "2026-12-01T03:00:00Z",
    }
    assert sandbox.inventory[(1, "1_1")]["dateUtcOnBalanceSystem"] == "2026-12-01T11:30:00"


def test_a_count_in_the_future_is_refused_on_its_row(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    drop(
        workdir,
        "inventory",
        "estoque.csv",
        f"sku_id,warehouse_id,quantity,balance_at\n1,1_1,5,{tomorrow}\n2,1_1,6,ontem\n",
    )
    report = one_pass(runtime).reports[0]
    assert report.summary.invalid == 2 and stock_writes(sandbox) == {}
    assert report.flatten(["row", "action", "column", "type"]) == [
        [2, "invalid", "balance_at", "out-of-range"],
        [3, "invalid", "balance_at", "type-error"],
    ]
    assert "already past" in report.rows[0].reason


def test_a_new_count_of_the_same_quantity_is_not_sent_again(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """balance_at is not part of what the diff compares: a file stamped with its own time
    would otherwise send every row on every export."""
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    drop(workdir, "inventory", "a.csv", "sku_id,warehouse_id,quantity\n1,1_1,5\n2,1_1,6\n")
    one_pass(runtime)
    sandbox.requests.clear()
    drop(
        workdir,
        "inventory",
        "b.csv",
        "sku_id,warehouse_id,quantity,balance_at\n1,1_1,5,2026-12-01T10:00:00Z\n2,1_1,7,\n",
    )
    summary = one_pass(runtime).reports[0].summary
    assert (summary.unchanged, summary.updated) == (1, 1)
    assert list(stock_writes(sandbox)) == ["2/1_1"]


def test_a_late_retry_keeps_the_count_time_and_does_not_oversell(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """The ERP counts 10 units; VTEX is down, so the row waits. Meanwhile an order for 3 is
    placed and goes into handling: its items are picked, which that count did not see. When
    the retry lands, VTEX must keep those 3 reserved (7 for sale, as there are on the shelf),
    not release them as it would for a count taken at the retry's own time (10 for sale)."""
    seed_store(sandbox, 1)
    sandbox.store.release_by_count_time = True
    runtime = make_runtime(sandbox)
    counted = datetime.now(UTC) - timedelta(hours=2)
    path = drop(workdir, "inventory", "estoque.csv", "sku_id,warehouse_id,quantity\n1,1_1,10\n")
    written_at(path, counted)
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP)  # VTEX is unavailable
    assert one_pass(runtime).reports[0].summary.pending == 1
    sandbox.faults = None

    order = sandbox.add_order([{"id": 1, "quantity": 3, "price": 1990}])
    with sandbox_client(sandbox) as client:
        started = client.post(f"/api/oms/pvt/orders/{order['orderId']}/start-handling")
        assert started.status_code == 204
    reservation = sandbox.store.reservations[f"{order['orderId']}-0"]
    assert reservation["status"] == "Acknowledged"
    # It went into handling an hour ago (the sandbox's clock is the wall clock): an hour after
    # the count, an hour before the retry.
    reservation["acknowledgedAt"] = (counted + timedelta(hours=1)).isoformat()

    retry = one_pass(runtime).reports[0]
    assert (retry.summary.file, retry.summary.created) == ("pending-inventory", 1)
    assert sandbox.available(1, "1_1") == 7  # not 10: the 3 picked units are not sold again
    assert stock_writes(sandbox)["1/1_1"]["dateUtcOnBalanceSystem"] == utc(counted)
    with sandbox_client(sandbox) as client:
        (balance,) = client.get("/api/logistics/pvt/inventory/skus/1").json()["balance"]
    assert (balance["totalQuantity"], balance["reservedQuantity"]) == (10, 3)

    # The next count sees the picking (7 on the shelf): it releases the reservation.
    drop(workdir, "inventory", "estoque-2.csv", "sku_id,warehouse_id,quantity\n1,1_1,7\n")
    assert one_pass(runtime).reports[0].summary.updated == 1
    assert sandbox.available(1, "1_1") == 7 and sandbox.store.reservations == {}


def test_full_mode_zeroes_absent_rows_as_of_the_file(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    full = {
        "IMPORTER__FLOWS__INVENTORY__MODE": "full",
        "IMPORTER__FLOWS__INVENTORY__MAX_REMOVALS": "1",
    }
    runtime = make_runtime(sandbox, full)
    first = drop(
        workdir, "inventory", "a.csv", "sku_id,warehouse_id,quantity\n1,1_1,5\n2,1_1,6\n3,1_1,1\n"
    )
    written_at(first, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    one_pass(runtime)
    second = drop(workdir, "inventory", "b.csv", "sku_id,warehouse_id,quantity\n1,1_1,5\n2,1_1,6\n")
    written_at(second, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    sandbox.requests.clear()
    assert one_pass(runtime).reports[0].summary.deactivated == 1
    assert stock_writes(sandbox) == {
        "3/1_1": {
            "quantity": 0,
            "unlimitedQuantity": False,
            "dateUtcOnBalanceSystem": "2026-12-02T09:00:00Z",
        }
    }
