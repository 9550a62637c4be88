"""Inventory through VTEX's batch inventory jobs: create, upload, confirm, poll, the error file
mapped back to rows; per-SKU calls where the account lacks the (early access) feature; an
expired job's rows retried; and the pre-signed storage the sandbox emulates."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from importer.report import read_report_csv
from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import Sandbox, serve
from importer.vtex.batch_inventory import BatchInventoryClient, iso_duration
from tests.conftest import RuntimeFactory, drop, one_pass, sandbox_client, seed_store

CREATE = "POST /availability/v1/inventory/batch"
CONFIRM = "POST /availability/v1/inventory/batch/{batchId}/confirm"
STATUS = "GET /availability/v1/inventory/batch/{batchId}/status"
ERRORS = "GET /availability/v1/inventory/batch/{batchId}/errors"
# Batch jobs cannot carry the count time, so stock goes in them only when a store says so.
ENV = {
    "IMPORTER__FLOWS__INVENTORY__BATCH_THRESHOLD": "100",
    "IMPORTER__FLOWS__INVENTORY__BATCH_WITHOUT_COUNT_TIME": "true",
}
WAREHOUSES = ("1_1", "WH-SP")


def stock(skus: range, *, extra: str = "", bump: int = 0) -> str:
    lines = ["sku_id,warehouse_id,quantity,unlimited,lead_time"]
    for i in skus:
        lines.append(f"{i},1_1,{i % 50 + bump},false,{i % 4}")
        lines.append(f"{i},WH-SP,{i % 7 + bump},{'true' if i % 10 == 0 else 'false'},0.12:00:00")
    return "\n".join(lines) + "\n" + extra


def assert_stock_is(sandbox: Sandbox, skus: range, *, bump: int = 0) -> None:
    for i in skus:
        held, other = sandbox.inventory[(i, "1_1")], sandbox.inventory[(i, "WH-SP")]
        lead = f"{i % 4}.00:00:00" if i % 4 else "00:00:00"
        assert (held["quantity"], held["leadTime"]) == (i % 50 + bump, lead), i
        assert (other["quantity"], other["leadTime"]) == (i % 7 + bump, "12:00:00"), i
        assert other["unlimitedQuantity"] is (i % 10 == 0)


def count(sandbox: Sandbox, operation: str) -> int:
    return sum(1 for r in sandbox.requests if r.operation == operation)


def per_sku_writes(sandbox: Sandbox) -> list[str]:
    return [
        r.path for r in sandbox.requests if r.method in ("PUT", "PATCH") and "/inventory/" in r.path
    ]


def test_lead_times_become_iso_8601_durations() -> None:
    assert [iso_duration(t) for t in ("3.00:00:00", "00:30:00", "0.12:00:05", "00:00:00")] == [
        "PT72H",
        "PT30M",
        "PT12H5S",
        "PT0S",
    ]


@pytest.mark.slow
def test_a_big_stock_file_goes_as_one_confirmed_job_and_its_errors_come_back_as_rows(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 150, warehouses=WAREHOUSES)
    runtime = make_runtime(sandbox, ENV)
    # Two rows name a SKU VTEX does not have; two carry no lead time (they go per SKU, so
    # that the lead time set in VTEX is kept: the batch CSV would zero it).
    extra = "99998,1_1,5,false,1\n99999,WH-SP,5,false,1\n"
    big = drop(workdir, "inventory", "estoque.csv", stock(range(1, 151), extra=extra))
    written = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    os.utime(big, (written.timestamp(), written.timestamp()))
    drop(workdir, "inventory", "sem-prazo.csv", "sku_id,warehouse_id,quantity\n1,1_1,9\n")

    result = one_pass(runtime)
    summary = result.reports[0].summary
    # The CSV cannot say when the stock was counted: the report says so.
    (warning,) = summary.file_warnings
    assert warning.startswith("302 stock rows went in a VTEX batch inventory job")

    assert (summary.created, summary.pending, summary.failed) == (300, 2, 0)
    assert [count(sandbox, op) for op in (CREATE, CONFIRM, ERRORS)] == [1, 1, 1]
    assert 1 <= count(sandbox, STATUS) <= 4
    # The file's own rows never went per SKU; the lead-time-less file did (a PATCH).
    assert per_sku_writes(sandbox) == [
        "/api/logistics/pvt/inventory/skus/1/warehouses/1_1/quantity"
    ]
    assert_stock_is(sandbox, range(2, 151))
    assert sandbox.inventory[(1, "1_1")]["quantity"] == 9
    assert sandbox.inventory[(1, "1_1")]["leadTime"] == "1.00:00:00"  # kept by the PATCH
    # The CSV: VTEX's columns in order, the account, ISO 8601 lead times.
    (uploaded,) = [
        o["content"] for p, o in sandbox.store.stored_objects.items() if p.count("/") == 1
    ]
    lines = uploaded.decode().splitlines()
    assert lines[0] == "item_id,account_name,container_id,quantity,unlimited,lead_time"
    assert lines[1:3] == ["1,teststore,1_1,1,false,PT24H", "1,teststore,WH-SP,1,false,PT12H"]
    # Rows the error file names: row number, column, VTEX's code and message; pending.
    (report,) = sorted((workdir / "outbox" / "reports").glob("estoque.csv.*.report.csv"))
    pending = [r for r in read_report_csv(report) if r["action"] == "pending"]
    assert [(r["row"], r["column"], r["value"]) for r in pending] == [
        ("302", "sku_id", "99998"),
        ("303", "sku_id", "99999"),
    ]
    assert "UNKNOWN" in pending[0]["reason"]
    assert "item_id 99998 does not exist" in pending[0]["reason"]

    # The next pass sends them again on their own (per SKU): VTEX refuses them for good.
    sandbox.requests.clear()
    retried = one_pass(runtime).reports[0].summary
    assert (retried.failed, retried.pending) == (2, 0)
    assert count(sandbox, CREATE) == 0 and len(per_sku_writes(sandbox)) == 2
    # Sent per SKU after the job, they still say when the file counted them.
    assert {
        r.body["dateUtcOnBalanceSystem"] for r in sandbox.requests if r.method in ("PUT", "PATCH")
    } == {"2026-12-01T08:00:00Z"}
    assert runtime.deps.store.pending_count("inventory") == 0


@pytest.mark.slow
def test_without_batch_without_count_time_a_big_stock_file_goes_per_sku_with_its_count_time(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 60, warehouses=WAREHOUSES)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__INVENTORY__BATCH_THRESHOLD": "100"})
    drop(workdir, "inventory", "estoque.csv", stock(range(1, 61)))
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.file_warnings) == (120, [])
    assert count(sandbox, CREATE) == 0 and len(per_sku_writes(sandbox)) == 120
    assert all(r.body.get("dateUtcOnBalanceSystem") for r in sandbox.requests if r.method == "PUT")
    assert_stock_is(sandbox, range(1, 61))


def test_a_row_whose_file_says_when_it_was_counted_never_goes_in_a_batch_job(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 60, warehouses=WAREHOUSES)
    runtime = make_runtime(sandbox, ENV)
    lines = stock(range(1, 61)).splitlines()
    dated = [lines[0] + ",balance_at"] + [
        line + (",2026-12-01T07:00:00Z" if n <= 10 else ",") for n, line in enumerate(lines[1:], 1)
    ]
    drop(workdir, "inventory", "estoque.csv", "\n".join(dated) + "\n")
    summary = one_pass(runtime).reports[0].summary
    assert summary.created == 120 and count(sandbox, CONFIRM) == 1
    assert summary.file_warnings[0].startswith("110 stock rows went in a VTEX batch")
    writes = set(per_sku_writes(sandbox))
    per_sku = [r for r in sandbox.requests if r.path in writes]
    assert len(per_sku) == 10
    assert {r.body["dateUtcOnBalanceSystem"] for r in per_sku} == {"2026-12-01T07:00:00Z"}
    assert_stock_is(sandbox, range(1, 61))


def test_an_account_without_batch_inventory_gets_the_same_stock_per_sku(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 60, warehouses=WAREHOUSES)
    sandbox.store.features_off.add("batch-inventory")
    runtime = make_runtime(sandbox, ENV)
    drop(workdir, "inventory", "estoque.csv", stock(range(1, 61)))
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.pending, summary.failed) == (120, 0, 0)
    assert count(sandbox, CREATE) == 1 and count(sandbox, CONFIRM) == 0
    assert len(per_sku_writes(sandbox)) == 120
    assert_stock_is(sandbox, range(1, 61))


class Crash(BaseException):
    """The importer process dying."""


def test_a_job_that_expired_unconfirmed_after_a_crash_has_its_rows_sent_again(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_store(sandbox, 60, warehouses=WAREHOUSES)
    first = make_runtime(sandbox, ENV)
    real_confirm = BatchInventoryClient.confirm

    async def dies(self: BatchInventoryClient, batch_id: str) -> None:
        raise Crash

    monkeypatch.setattr(BatchInventoryClient, "confirm", dies)
    drop(workdir, "inventory", "estoque.csv", stock(range(1, 61)))
    with pytest.raises(Crash):
        one_pass(first)
    (job,) = first.deps.store.open_batches("inventory")
    first.deps.store.close()
    monkeypatch.setattr(BatchInventoryClient, "confirm", real_confirm)
    sandbox.advance(31 * 60)  # past the 30 minutes VTEX gives to confirm an upload

    second = make_runtime(sandbox, ENV)
    result = one_pass(second)
    settled = next(r for r in result.reports if r.summary.file == "batch-inventory")
    assert settled.summary.pending == 120
    assert "EXPIRED" in settled.rows[0].reason
    assert sandbox.store.batch_jobs[job.batch_id]["status"] == "EXPIRED"
    # Nothing was lost: the file left claimed is finished with a new job, and lands.
    assert_stock_is(sandbox, range(1, 61))
    assert second.deps.store.pending_count("inventory") == 0
    assert second.deps.store.open_batches("inventory") == []


def test_storage_urls_take_no_vtex_credentials_and_expire() -> None:
    sandbox = Sandbox(account="teststore", app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
    with sandbox_client(sandbox, "https://logistics.vtexcommercestable.com.br/teststore") as vtex:
        created = vtex.post("/availability/v1/inventory/batch").json()
    url = created["upload"]["url"]
    assert url.startswith("https://sandbox-uploads.s3.amazonaws.com/")
    csv = b"item_id,account_name,container_id,quantity,unlimited,lead_time\n"
    with httpx.Client(transport=sandbox.transport()) as s3:
        leaked = s3.put(
            url, content=csv, headers={"Content-Type": "text/csv", "X-VTEX-API-AppKey": "k"}
        )
        assert leaked.status_code == 400 and sandbox.requests[-1].violations
        forged = s3.put(
            url.replace("Signature=", "Signature=0"),
            content=csv,
            headers={"Content-Type": "text/csv"},
        )
        assert forged.status_code == 403
        assert s3.put(url, content=csv, headers={"Content-Type": "text/csv"}).status_code == 200
        sandbox.advance(31 * 60)
        assert s3.put(url, content=csv, headers={"Content-Type": "text/csv"}).status_code == 403


@pytest.mark.slow
def test_over_a_loopback_port_the_upload_and_error_urls_are_on_the_same_server(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 60, warehouses=WAREHOUSES)
    server = serve(sandbox, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        runtime = make_runtime(sandbox, {**ENV, "VTEX_BASE_URL": server.url})
        assert runtime.sandbox is None  # real sockets, no in-process shortcut
        drop(workdir, "inventory", "e.csv", stock(range(1, 61), extra="99999,1_1,1,false,1\n"))
        summary = one_pass(runtime).reports[0].summary
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
    assert (summary.created, summary.pending) == (120, 1)
    assert count(sandbox, CREATE) == 1 and per_sku_writes(sandbox) == []
    storage = [r for r in sandbox.requests if "storage" in (r.operation or "")]
    assert [(r.method, r.path.split("/")[1], r.status) for r in storage] == [
        ("PUT", "sandbox-storage", 200),
        ("GET", "sandbox-storage", 200),
    ]
    assert_stock_is(sandbox, range(1, 61))
