"""`importer reconcile prices|inventory`: an Admin edit after the importer sent a value is
read back, reported, and repaired by the next drop of the same file, and only that key."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from importer.deps import Clients
from importer.reconcile.readers import reader
from importer.reconcile.run import Reader, reconcile
from importer.rows import Payload
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


@pytest.mark.slow  # a landed file first (~0.3 s)
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


class Interrupting:
    """A reader that stops the run (as a kill would) on its n-th read."""

    def __init__(self, inner: Reader, stop_at: int) -> None:
        self.inner, self.stop_at, self.reads = inner, stop_at, 0

    async def read(self, sku_id: int, clients: Clients) -> object | None:
        self.reads += 1
        if self.reads == self.stop_at:
            raise KeyboardInterrupt
        return await self.inner.read(sku_id, clients)

    def compare(self, key: str, sku_id: int, sent: Payload, held: object | None) -> list[DriftRow]:
        return self.inner.compare(key, sku_id, sent, held)


@pytest.mark.slow  # a landed file first (~0.3 s)
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
