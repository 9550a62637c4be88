"""Prices through VTEX's Bulk Pricing API: one job for a big change set, its error file mapped
back to rows, per-SKU calls below the threshold or where the account lacks the feature, and a
crash mid-job resumed by polling the same job."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from importer.report import read_report_csv
from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import Faults, Sandbox
from importer.sandbox import bulk_pricing as sandbox_bulk
from importer.sandbox.core import LoggedRequest
from importer.vtex.batch_jobs import JobStatus
from importer.vtex.bulk_pricing import BulkPricingClient
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

START = "POST /api/price-importer/pvt/import/{importType}"
POLL = "GET /api/price-importer/pvt/batches/{batchId}"
ERRORS = "GET /api/price-importer/pvt/batches/{batchId}/errors"
UNKNOWN_SKUS = (900_001, 900_002, 900_003)


def prices(sku_ids: list[int], *, bump: int = 0, cost: bool = True) -> str:
    lines = ["sku_id,base_price,list_price" + (",cost_price" if cost else "")]
    for i in sku_ids:
        base = Decimal(20) + Decimal(i % 997) / 100 + bump
        line = f"{i},{base},{base + 5}"
        lines.append(line + (f",{base - 8}" if cost else ""))
    return "\n".join(lines) + "\n"


def count(sandbox: Sandbox, operation: str) -> int:
    return sum(1 for r in sandbox.requests if r.operation == operation)


def storage(sandbox: Sandbox, method: str) -> list[LoggedRequest]:
    return [r for r in sandbox.requests if r.method == method and "storage" in (r.operation or "")]


def per_sku_writes(sandbox: Sandbox) -> list[str]:
    return [
        r.path for r in sandbox.requests if r.method in ("PUT", "PATCH") and "/pricing/" in r.path
    ]


def assert_prices_are(sandbox: Sandbox, sku_ids: list[int], *, bump: int = 0) -> None:
    for i in sku_ids:
        base = Decimal(20) + Decimal(i % 997) / 100 + bump
        held = sandbox.prices[i]
        assert (held["basePrice"], held["listPrice"], held["costPrice"]) == (
            base,
            base + 5,
            base - 8,
        ), i


def report_rows(workdir: Path, name: str) -> list[dict[str, str]]:
    (path,) = sorted((workdir / "outbox" / "reports").glob(f"{name}.*.report.csv"))
    return read_report_csv(path)


def seed_many_skus(sandbox: Sandbox, n: int) -> None:
    """A store with `n` SKUs: the first made through VTEX's API, the rest copied from it (the
    catalog calls are not what these tests are about, and 5,000 of them cost seconds)."""
    seed_store(sandbox, 1)
    first = sandbox.skus[1]
    for i in range(2, n + 1):
        sandbox.skus[i] = {**first, "Id": i, "RefId": f"SKU-{i:05d}", "Name": f"SKU {i}"}
    sandbox.store.reindex()


@pytest.mark.slow
def test_a_big_change_set_goes_as_one_job_and_its_errors_come_back_as_rows(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_many_skus(sandbox, 5_000)
    runtime = make_runtime(sandbox)
    sku_ids = [*range(1, 5_001), *UNKNOWN_SKUS]
    drop(workdir, "prices", "precos.csv", prices(sku_ids))

    summary = one_pass(runtime).reports[0].summary

    assert (summary.created, summary.pending, summary.failed) == (5_000, 3, 0)
    # One job, not 5,003 PUTs: start, upload, a few polls, the error file.
    assert count(sandbox, START) == 1
    assert len(storage(sandbox, "PUT")) == 1
    assert 1 <= count(sandbox, POLL) <= 6
    assert count(sandbox, ERRORS) == 1 and len(storage(sandbox, "GET")) == 1
    assert per_sku_writes(sandbox) == []
    assert_prices_are(sandbox, list(range(1, 5_001)))
    # The upload goes to the storage host, as text/csv, without VTEX's credentials.
    (upload,) = storage(sandbox, "PUT")
    assert upload.headers["content-type"] == "text/csv"
    assert "x-vtex-api-appkey" not in upload.headers
    assert not upload.violations  # the sandbox refuses VTEX credentials on storage URLs
    # Rows the error file names: row number, column and VTEX's message; pending.
    rows = {r["key"]: r for r in report_rows(workdir, "precos.csv") if r["action"] == "pending"}
    assert sorted(rows) == [f"id:{i}" for i in UNKNOWN_SKUS]
    first = rows["id:900001"]
    assert first["row"] == "5002" and first["column"] == "sku_id"
    assert "SKU_NOT_FOUND" in first["reason"]
    assert "SKU ID 900001 does not exist in the catalog" in first["reason"]
    assert runtime.deps.store.pending_keys("prices") == {f"id:{i}" for i in UNKNOWN_SKUS}

    # The next pass sends them again, per SKU: VTEX's Pricing API takes a price for any id.
    sandbox.requests.clear()
    retried = one_pass(runtime).reports[0].summary
    assert (retried.created, retried.pending) == (3, 0)
    assert count(sandbox, START) == 0
    assert sorted(per_sku_writes(sandbox)) == [f"/pricing/prices/{i}" for i in UNKNOWN_SKUS]
    assert runtime.deps.store.pending_keys("prices") == set()


@pytest.mark.slow
def test_below_the_threshold_and_rows_the_csv_cannot_carry_go_per_sku(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 120)
    env = {"IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": "50"}
    runtime = make_runtime(sandbox, env)
    drop(workdir, "prices", "poucos.csv", prices(list(range(1, 41))))
    assert one_pass(runtime).reports[0].summary.created == 40
    assert count(sandbox, START) == 0 and len(per_sku_writes(sandbox)) == 40

    # 60 rows with a cost price go as a job; 60 without one cannot (the CSV requires it).
    sandbox.requests.clear()
    with_cost = prices(list(range(1, 61)), bump=1).splitlines()
    without_cost = prices(list(range(61, 121)), bump=1, cost=False).splitlines()[1:]
    drop(workdir, "prices", "misto.csv", "\n".join(with_cost + [f"{x}," for x in without_cost]))
    summary = one_pass(runtime).reports[0].summary
    assert summary.created + summary.updated == 120
    assert count(sandbox, START) == 1
    assert sorted(int(p.rsplit("/", 1)[1]) for p in per_sku_writes(sandbox)) == list(range(61, 121))
    assert_prices_are(sandbox, list(range(1, 61)), bump=1)


@pytest.mark.slow
def test_an_account_without_bulk_pricing_gets_per_sku_calls_and_is_not_asked_again(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 100)
    sandbox.store.features_off.add("bulk-pricing")
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": "50"})
    drop(workdir, "prices", "a.csv", prices(list(range(1, 101))))
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.pending, summary.failed) == (100, 0, 0)
    assert count(sandbox, START) == 1  # the probe, answered 403
    assert len(per_sku_writes(sandbox)) == 100
    assert_prices_are(sandbox, list(range(1, 101)))

    sandbox.requests.clear()
    drop(workdir, "prices", "b.csv", prices(list(range(1, 101)), bump=2))
    assert one_pass(runtime).reports[0].summary.updated == 100
    assert count(sandbox, START) == 0  # remembered: no probe for every file
    assert len(per_sku_writes(sandbox)) == 100
    assert_prices_are(sandbox, list(range(1, 101)), bump=2)


class Crash(BaseException):
    """The importer process dying (not an error it could handle)."""


def test_a_crash_mid_job_resumes_by_polling_the_same_job(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_store(sandbox, 100)
    env = {"IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": "50"}
    first = make_runtime(sandbox, env)
    real_status = BulkPricingClient.status

    async def dies(self: BulkPricingClient, batch_id: str) -> JobStatus | None:
        raise Crash

    monkeypatch.setattr(BulkPricingClient, "status", dies)
    drop(workdir, "prices", "c.csv", prices(list(range(1, 101))))
    with pytest.raises(Crash):
        one_pass(first)
    (job,) = first.deps.store.open_batches("prices")
    # The job and its rows were recorded before the upload; the rows are pending.
    assert len(first.deps.store.pending_keys("prices")) == 100
    assert len(storage(sandbox, "PUT")) == 1

    monkeypatch.setattr(BulkPricingClient, "status", real_status)
    first.deps.store.close()
    second = make_runtime(sandbox, env)
    result = one_pass(second)
    assert count(sandbox, START) == 1  # no second job
    polled = {r.path.rsplit("/", 1)[1] for r in sandbox.requests if r.operation == POLL}
    assert polled == {job.batch_id}
    assert len(storage(sandbox, "PUT")) == 1  # uploaded once
    assert per_sku_writes(sandbox) == []
    assert_prices_are(sandbox, list(range(1, 101)))
    settled = next(r for r in result.reports if r.summary.file == "batch-prices").summary
    assert settled.created == 100
    assert second.deps.store.open_batches("prices") == []
    assert second.deps.store.pending_count("prices") == 0
    # The file the crash left claimed is finished: nothing left to send.
    finished = next(r for r in result.reports if r.summary.file == "c.csv").summary
    assert (finished.unchanged, finished.created) == (100, 0)
    assert Counter(p.name for p in (workdir / "archive" / "done").iterdir()) == {"c.csv": 1}


def test_a_job_answered_429_or_5xx_is_retried_like_any_call(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 100)
    sandbox.faults = Faults(rate_429=0.2, rate_5xx=0.3, retry_after=1, seed=2)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": "50"})
    drop(workdir, "prices", "d.csv", prices(list(range(1, 101))))
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.pending, summary.failed) == (100, 0, 0)
    faulted = {r.operation for r in sandbox.requests if r.fault}
    assert faulted & {START, POLL}  # the job's own calls met faults, and were retried
    assert len(sandbox.store.batch_jobs) == 1  # a refused start created no job
    assert per_sku_writes(sandbox) == []
    assert_prices_are(sandbox, list(range(1, 101)))


@pytest.mark.slow
def test_a_failed_job_leaves_its_rows_pending_and_they_land_per_sku_next_pass(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_store(sandbox, 60)
    # VTEX fails the whole job in validation (here: the sandbox expects another header).
    monkeypatch.setitem(sandbox_bulk._REQUIRED, "base", ("SKU", "Cost", "Base"))
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": "50"})
    drop(workdir, "prices", "f.csv", prices(list(range(1, 61))))
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.pending) == (0, 60)
    (job,) = sandbox.store.batch_jobs.values()
    assert job["status"] == "FAILED" and sandbox.prices == {}
    rows = report_rows(workdir, "f.csv")
    assert {r["action"] for r in rows} == {"pending"}
    assert f"job {job['batchId']} ended FAILED: VTEX applied none of its rows" in rows[0]["reason"]

    sandbox.requests.clear()
    retried = one_pass(runtime).reports[0].summary
    assert (retried.created, retried.pending) == (60, 0)
    assert count(sandbox, START) == 0 and len(per_sku_writes(sandbox)) == 60
    assert_prices_are(sandbox, list(range(1, 61)))


@pytest.mark.slow
def test_a_newer_file_waits_for_a_job_still_running_and_is_not_overtaken_by_it(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    # The sandbox's clock stands still: the job moves one stage per poll, whatever the load.
    sandbox = Sandbox(
        account="teststore", app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN, clock=lambda: 0.0
    )
    seed_store(sandbox, 60)
    impatient = {
        "IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": "50",
        "IMPORTER__VTEX__BATCH_WAIT_MAX_S": "0",  # one look at the job, then go on
    }
    runtime = make_runtime(sandbox, impatient)
    drop(workdir, "prices", "old.csv", prices(list(range(1, 61))))
    assert one_pass(runtime).reports[0].summary.pending == 60
    (job,) = runtime.deps.store.open_batches("prices")

    # A newer file for the same SKUs while the job runs: its rows wait (no second job).
    drop(workdir, "prices", "new.csv", prices(list(range(1, 61)), bump=3))
    waited = [r.summary for r in one_pass(runtime).reports if r.summary.file == "new.csv"]
    assert waited[0].pending == 60
    assert count(sandbox, START) == 1

    # Once the job settles, the newer values are sent: they are what VTEX ends with.
    runtime.deps.store.close()
    patient = make_runtime(sandbox, {"IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": "50"})
    result = one_pass(patient)
    settled = next(r for r in result.reports if r.summary.file == "batch-prices")
    assert settled.summary.created == 60
    assert sandbox.store.batch_jobs[job.batch_id]["status"] == "COMPLETED"
    assert_prices_are(sandbox, list(range(1, 61)), bump=3)
    assert patient.deps.store.pending_count("prices") == 0
    assert [r.violations for r in sandbox.requests if r.violations] == []
