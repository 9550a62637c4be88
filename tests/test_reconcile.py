"""`importer reconcile prices|inventory`: an Admin edit after the importer sent a value is
read back, reported, and repaired by the next drop of the same file, and only that key."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from importer.cli import app
from importer.deps import Clients
from importer.reconcile.readers import reader
from importer.reconcile.run import Reader, reconcile
from importer.reconcile.schedule import due_flows, run_due
from importer.rows import Payload
from importer.run.runner import watch
from importer.run.runtime import Runtime
from importer.sandbox import Sandbox
from importer.state.reconcile import DriftRow, Reconciling
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

PRICES = "sku_ref,base_price,list_price\nSKU-00001,10.00,12.00\nSKU-00002,20.00,25.00\n"
PRICES += "SKU-00003,30.00,35.00\n"
STOCK = "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,5\nSKU-00002,1_1,7\nSKU-00003,1_1,9\n"


def drift_rows(paths: list[Path]) -> list[dict[str, str]]:
    csv_path = next(p for p in paths if p.suffix == ".csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def writes(sandbox: Sandbox, prefix: str) -> list[str]:
    return [
        r.path
        for r in sandbox.requests
        if r.method in ("PUT", "PATCH", "POST") and r.path.startswith(prefix)
    ]


def landed(workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, flow: str) -> Runtime:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    drop(workdir, flow, f"{flow}-1.csv", PRICES if flow == "prices" else STOCK)
    assert one_pass(runtime).reports[0].summary.created == 3
    sandbox.requests.clear()
    return runtime


@pytest.mark.slow  # a landed file first (~0.3 s)
def test_an_admin_price_edit_is_reported_and_the_same_file_repairs_only_it(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed(workdir, sandbox, make_runtime, "prices")
    sandbox.prices[2]["basePrice"] = Decimal("19.90")  # someone edits it in the Admin

    result = reconcile("prices", reader("prices"), runtime.deps)

    assert (result.checked, result.drifted_keys) == (3, 1)
    assert [p.name for p in result.paths] == [
        f"reconcile-prices.{result.paths[0].name.split('.')[1]}.xlsx",
        f"reconcile-prices.{result.paths[0].name.split('.')[1]}.csv",
    ]
    rows = drift_rows(result.paths)
    assert [(r["key"], r["column"], r["sent"], r["vtex_now"], r["kind"]) for r in rows] == [
        ("SKU-00002", "base_price", "20", "19.90", "changed")
    ]
    assert "19.90" in rows[0]["note"]
    # Reads only: nothing written to VTEX.
    assert writes(sandbox, "/pricing/") == []

    # The ERP drops the very same file again: only the drifted key is sent.
    drop(workdir, "prices", "prices-2.csv", PRICES)
    summary = one_pass(runtime).reports[0].summary
    assert (summary.updated, summary.unchanged) == (1, 2)
    assert writes(sandbox, "/pricing/") == ["/pricing/prices/2"]
    assert sandbox.prices[2]["basePrice"] == Decimal("20.00")


def test_no_drift_writes_an_empty_report_and_refreshes_nothing(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed(workdir, sandbox, make_runtime, "prices")
    hashes = runtime.deps.store.snapshot_hashes("prices")

    result = reconcile("prices", reader("prices"), runtime.deps)

    assert (result.checked, result.drifted_keys, drift_rows(result.paths)) == (3, 0, [])
    assert runtime.deps.store.snapshot_hashes("prices").equals(hashes)
    drop(workdir, "prices", "prices-2.csv", PRICES)
    assert one_pass(runtime).reports[0].summary.status == "duplicate"


@pytest.mark.slow  # a landed file first (~0.3 s)
def test_a_stock_edit_and_a_deleted_price_are_drift(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed(workdir, sandbox, make_runtime, "inventory")
    sandbox.inventory[(3, "1_1")]["quantity"] = 2
    result = reconcile("inventory", reader("inventory"), runtime.deps)
    assert [(d.key, d.column, d.sent, d.vtex_now) for d in result.drift] == [
        ("SKU-00003|1_1", "quantity", "9", "2")
    ]
    drop(workdir, "inventory", "inventory-2.csv", STOCK)
    summary = one_pass(runtime).reports[0].summary
    assert (summary.updated, summary.unchanged) == (1, 2)
    assert sandbox.inventory[(3, "1_1")]["quantity"] == 9

    drop(workdir, "prices", "prices-1.csv", PRICES)
    one_pass(runtime)
    del sandbox.prices[1]  # the price is gone from VTEX: GET answers 404
    gone = reconcile("prices", reader("prices"), runtime.deps)
    assert [(d.key, d.column, d.sent, d.vtex_now, d.kind) for d in gone.drift] == [
        ("SKU-00001", "base_price", "10", "", "missing")
    ]


@pytest.mark.slow  # a landed file first (~0.3 s)
def test_lead_times_are_compared_as_durations(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    stock = "sku_ref,warehouse_id,quantity,lead_time\nSKU-00001,1_1,5,3\n"
    stock += "SKU-00002,1_1,7,0.12:00:00\nSKU-00003,1_1,9,2\n"
    drop(workdir, "inventory", "inventory-1.csv", stock)
    assert one_pass(runtime).reports[0].summary.created == 3
    # VTEX spells them "3.00:00:00" and "12:00:00": the same durations, no drift.
    assert reconcile("inventory", reader("inventory"), runtime.deps).drift == []
    sandbox.inventory[(3, "1_1")]["leadTime"] = "5.00:00:00"  # edited in the Admin
    drifted = reconcile("inventory", reader("inventory"), runtime.deps)
    assert [(d.key, d.column, d.sent, d.vtex_now) for d in drifted.drift] == [
        ("SKU-00003|1_1", "lead_time", "2.00:00:00", "5.00:00:00")
    ]


class Interrupting:
    """A reader that stops the run (as a kill would) on its n-th read."""

    def __init__(self, inner: Reader, stop_at: int) -> None:
        self.inner, self.stop_at, self.reads = inner, stop_at, 0

    async def read(self, sku_id: int, clients: Clients, sent: Sequence[Payload]) -> object | None:
        self.reads += 1
        if self.reads == self.stop_at:
            raise KeyboardInterrupt
        return await self.inner.read(sku_id, clients, sent)

    def compare(self, key: str, sku_id: int, sent: Payload, held: object | None) -> list[DriftRow]:
        return self.inner.compare(key, sku_id, sent, held)


def test_an_interrupted_reconcile_resumes_where_it_stopped(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed(workdir, sandbox, make_runtime, "prices")
    sandbox.prices[1]["basePrice"] = Decimal("9.00")
    sandbox.prices[3]["listPrice"] = Decimal("36.00")

    interrupted = Interrupting(reader("prices"), stop_at=2)
    with pytest.raises(KeyboardInterrupt):
        reconcile("prices", interrupted, runtime.deps, chunk=1)
    # The first chunk was recorded: its drift and its mark survive the stop.
    progress = Reconciling(runtime.deps.store.database).progress("prices")
    assert progress is not None and (progress.after, progress.checked) == ("SKU-00001", 1)
    assert list(workdir.glob("outbox/reports/reconcile-*")) == []

    sandbox.requests.clear()
    result = reconcile("prices", reader("prices"), runtime.deps, chunk=1)
    reads = [r.path for r in sandbox.requests if r.method == "GET"]
    assert reads == ["/pricing/prices/2", "/pricing/prices/3"]  # SKU 1 is not read again
    assert result.checked == 3
    assert [(d.key, d.column, d.vtex_now) for d in result.drift] == [
        ("SKU-00001", "base_price", "9.00"),
        ("SKU-00003", "list_price", "36.00"),
    ]
    assert Reconciling(runtime.deps.store.database).progress("prices") is None


def test_the_schedule_reconciles_the_flows_the_folder_uses_every_h_hours(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed(workdir, sandbox, make_runtime, "prices")
    start = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    runtime.deps.now = lambda: start
    # Inventory has no key in the snapshot: the folder does not use it, nothing is read.
    assert due_flows(runtime.deps, 24) == ["prices"]
    assert [r.flow for r in run_due(runtime.deps, 24)] == ["prices"]
    assert due_flows(runtime.deps, 24) == []
    runtime.deps.now = lambda: start + timedelta(hours=23, minutes=59)
    assert due_flows(runtime.deps, 24) == []
    runtime.deps.now = lambda: start + timedelta(hours=24)
    assert due_flows(runtime.deps, 24) == ["prices"]


@pytest.mark.slow  # watch runs in a thread (~0.5 s)
def test_watch_runs_the_reconcile_when_every_h_is_set(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(
        sandbox,
        {"IMPORTER__WATCH__SCAN_INTERVAL_S": "0.1", "IMPORTER__RECONCILE__EVERY_H": "24"},
    )
    drop(workdir, "prices", "prices-1.csv", PRICES)
    one_pass(runtime)
    sandbox.prices[3]["basePrice"] = Decimal("29.00")
    stop = threading.Event()
    thread = threading.Thread(
        target=watch, args=(runtime,), kwargs={"polling": True, "stop": stop}, daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not list(workdir.glob("outbox/reports/reconcile-prices.*.csv")):
            assert time.monotonic() < deadline, "watch never reconciled"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    (report,) = workdir.glob("outbox/reports/reconcile-prices.*.csv")
    assert [(r["key"], r["vtex_now"]) for r in drift_rows([report])] == [("SKU-00003", "29.00")]


def test_the_command_reconciles_catalog_and_prices_and_refuses_other_flows(
    tmp_path: Path,
) -> None:
    cli = CliRunner()
    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    config = str(tmp_path / "importer.toml")
    catalog = cli.invoke(app, ["reconcile", "catalog", "--config", config])
    assert catalog.exit_code == 0, catalog.output
    assert "0 key(s) read back, 0 drifted, 0 kept" in catalog.output
    assert cli.invoke(app, ["reconcile", "orders", "--config", config]).exit_code == 64
    # Nothing sent yet: nothing to read back, an empty report, exit 0.
    done = cli.invoke(app, ["reconcile", "prices", "--config", config])
    assert done.exit_code == 0, done.output
    assert "0 key(s) read back, 0 drifted" in done.output
    (report,) = tmp_path.glob("outbox/reports/reconcile-prices.*.csv")
    assert drift_rows([report]) == []
