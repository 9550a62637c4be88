"""Rows VTEX could not take stay pending, are reported, and land on a later pass by themselves."""

from __future__ import annotations

from pathlib import Path

from importer.report import read_report_csv
from importer.sandbox import Faults, Sandbox
from tests.conftest import CHECK_UP, RuntimeFactory, drop, one_pass, seed_store


def test_pending_rows_land_on_the_next_pass_without_a_new_file(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP)  # VTEX is down
    drop(workdir, "prices", "p.csv", "sku_ref,base_price\nSKU-00001,1.00\nSKU-00002,2.00\n")
    reports = one_pass(runtime).reports
    assert len(reports) == 1  # rows that just spent their retries wait for the next pass
    first = reports[0]
    assert (first.summary.pending, first.summary.created) == (2, 0)
    assert first.flatten(["row", "action", "type"]) == [
        [2, "pending", "vtex-unavailable"],
        [3, "pending", "vtex-unavailable"],
    ]
    assert "retried automatically" in first.rows[0].reason
    csv = next((workdir / "outbox" / "reports").glob("p.csv.*.report.csv"))
    assert [r["action"] for r in read_report_csv(csv)] == ["pending", "pending"]
    assert (workdir / "archive" / "done" / "p.csv").exists()
    assert sandbox.prices == {}

    sandbox.faults = None  # VTEX is back; nobody drops anything
    retry = one_pass(runtime).reports[0]
    assert retry.summary.file == "pending-prices"
    assert retry.summary.created == 2
    assert runtime.deps.store.pending_count() == 0
    assert set(sandbox.prices) == {1, 2}

    sandbox.requests.clear()
    assert one_pass(runtime).reports == []  # nothing left to do
    assert sandbox.requests == []


def test_a_newer_file_supersedes_a_pending_row(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP)
    drop(workdir, "prices", "old.csv", "sku_ref,base_price\nSKU-00001,1.00\n")
    one_pass(runtime)
    assert runtime.deps.store.pending_count() == 1

    sandbox.faults = None
    drop(workdir, "prices", "new.csv", "sku_ref,base_price\nSKU-00001,5.00\n")
    reports = one_pass(runtime).reports
    # The newer file wins; the stale pending value is never sent.
    assert [r.summary.file for r in reports] == ["new.csv"]
    assert sandbox.prices[1]["basePrice"] == 5
    assert runtime.deps.store.pending_count() == 0
    sent = [r.body["basePrice"] for r in sandbox.requests if r.method == "PUT" and r.status == 200]
    assert sent == [5]
