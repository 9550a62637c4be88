"""Crashes: the importer is SIGKILLed at seeded-random points of every flow, restarted, and VTEX
(the sandbox) must end exactly as intended.

For each flow, input after input is dropped; each is processed by a child process that is
killed (at the k-th sandbox request, before or after VTEX applies it; just before its k-th
local side effect; or on a timer) and restarted, several times per input, until at least
CRASH_KILLS (default 20) kills happened and a last run completed. Then: every row landed with
the file's values, nothing was added twice (image, EAN, specification value, invoice, order
export), every input is in archive/done exactly once, the inbox and its claim folder are empty,
and every input has exactly one report pair.

Prices and inventory run twice: per SKU, and as VTEX batch jobs (Bulk Pricing, batch
inventory). The batch campaigns aim one kill at each gap of a job's life (created but not
recorded, recorded but not uploaded, uploaded but not confirmed, confirmed, polling, finished
but not settled, settled but the file not recorded), draw the others at random, and also check
that every job the importer uploaded is one an undisturbed run uploads, with the same rows,
once, and that the rows the job's error file names are reported and then sent per SKU.

CRASH_SEED=<n> replays a run (the seed is printed, and is in every failure message);
CRASH_KILLS=100 runs a longer campaign by hand.
"""

from __future__ import annotations

import csv
import io
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from importer.orders.export import money
from importer.report import read_report_csv
from importer.sandbox import Sandbox
from importer.sandbox import storage as sandbox_storage
from importer.state import Store
from tests.conftest import (
    CHECK_UP,
    TEST_CONFIG,
    Faults,
    RuntimeFactory,
    one_pass,
    seed_store,
)
from tests.reliability.crash_harness import (
    Aim,
    CrashLog,
    Kill,
    RunOutcome,
    World,
    crash_campaign,
    crash_seed,
    drop_budget,
    kills_per_flow,
    twin_worlds,
)

pytestmark = [
    pytest.mark.skipif(
        sys.platform != "linux",
        reason="the crash tests fork children from a forkserver and SIGKILL them: Linux only",
    ),
    pytest.mark.slow,  # SIGKILL campaigns: `tasks.py test --fast` leaves this module out
]


@pytest.fixture
def seed() -> int:
    value = crash_seed()
    print(f"crash seed: {value} (CRASH_SEED={value} replays this run)")
    return value


def place(world: World, flow: str, name: str, content: str) -> None:
    """Drop a file as an ERP's export lands: whole, under its final name."""
    folder = world.workdir / "inbox" / flow
    temp = folder / f".{name}.part"
    temp.write_text(content, encoding="utf-8")
    temp.rename(folder / name)


# --- what every file flow must end with ----------------------------------------------------


def assert_files_settled(
    world: World, flow: str, names: list[str], log: CrashLog, *, pass_reports: bool = False
) -> None:
    """Every input archived once in done, nothing left in the inbox or its claim folder, and
    exactly one report pair per input (and no half-written report anywhere). `pass_reports`:
    the reports of passes that retried pending rows or settled a batch job a kill left
    unsettled (`pending-<flow>`, `batch-<flow>`: no input of their own) are allowed too."""
    inbox = world.workdir / "inbox" / flow
    left = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file())
    assert left == [], f"left in the inbox: {left}\n{log}"
    done = sorted(p.name for p in (world.workdir / "archive" / "done").iterdir())
    assert done == sorted(names), f"archive/done holds {done}\n{log}"
    failed = world.workdir / "archive" / "failed"
    assert not failed.exists() or list(failed.iterdir()) == [], log
    reports = world.workdir / "outbox" / "reports"
    everything = sorted(p.name for p in reports.iterdir())
    per_input: Counter[tuple[str, str]] = Counter()
    per_pass: Counter[str] = Counter()
    for name in everything:
        assert not name.startswith("."), f"a half-written report was left: {name}\n{log}"
        stem, _, kind = name.partition(".report.")  # '<input>.<UTC time>[-n]', 'xlsx'
        if pass_reports and stem.startswith((f"pending-{flow}.", f"batch-{flow}.")):
            per_pass[stem] += 1
            continue
        per_input[(stem.rsplit(".", 1)[0], kind)] += 1
    halves = [stem for stem, n in per_pass.items() if n != 2]
    assert halves == [], f"pass reports without their pair: {halves}\n{log}"
    expected = Counter({(n, kind): 1 for n in names for kind in ("xlsx", "csv")})
    assert per_input == expected, f"reports: {everything}\n{log}"


def assert_no_contract_violations(world: World, log: CrashLog) -> None:
    broken = [(r.method, r.path, r.violations) for r in world.sandbox.requests if r.violations]
    assert broken == [], f"requests that VTEX's OpenAPI specs reject: {broken[:3]}\n{log}"


@pytest.fixture
def worlds(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[World, World]]:
    setup = request.param
    with twin_worlds(tmp_path, TEST_CONFIG, setup) as pair:
        yield pair


# --- prices --------------------------------------------------------------------------------

PRICE_SKUS = 30


def price_files(i: int) -> list[tuple[str, dict[str, tuple[Decimal, Decimal]]]]:
    """Drop i: one file with every SKU the first time, then a random 70% of them with new
    prices; every third drop, two files at once (one pass takes both, in order)."""
    rng = random.Random(f"prices-{i}")
    files = []
    for part in ("a", "b") if i % 3 == 2 else ("",):
        rows: dict[str, tuple[Decimal, Decimal]] = {}
        for n in range(1, PRICE_SKUS + 1):
            if i == 0 or rng.random() < 0.7:
                base = Decimal(rng.randint(100, 99_999)) / 100
                rows[f"SKU-{n:05d}"] = (base, base + Decimal(rng.randint(0, 5_000)) / 100)
        files.append((f"prices-{i:02d}{part}.csv", rows))
    return files


def drop_prices(world: World, i: int) -> None:
    for name, rows in price_files(i):
        lines = ["sku_ref,base_price,list_price"]
        lines += [f"{ref},{base},{listed}" for ref, (base, listed) in rows.items()]
        place(world, "prices", name, "\n".join(lines) + "\n")


def store_for_prices(sandbox: Sandbox) -> None:
    seed_store(sandbox, PRICE_SKUS)


@pytest.mark.parametrize("worlds", [store_for_prices], indirect=True)
def test_prices_survive_sigkills_at_random_points(worlds: tuple[World, World], seed: int) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="prices",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_prices,
        kills=kills_per_flow(),
        seed=seed,
    )
    print(log)
    files = [file for i in range(log.drops) for file in price_files(i)]
    expected: dict[str, tuple[Decimal, Decimal]] = {}
    for _, rows in files:
        expected.update(rows)
    sandbox = crash.sandbox
    held = {
        ref: (price["basePrice"], price["listPrice"])
        for ref in expected
        if (price := sandbox.prices.get(sandbox.sku_refids[ref])) is not None
    }
    assert held == expected, log
    assert len(sandbox.prices) == PRICE_SKUS, log
    assert_files_settled(crash, "prices", [name for name, _ in files], log)
    assert_no_contract_violations(crash, log)


# --- inventory -----------------------------------------------------------------------------

STOCK_SKUS = 20
WAREHOUSES = ("1_1", "WH-2")


def stock_rows(i: int) -> dict[tuple[str, str], int]:
    """File i: every (SKU, warehouse) the first time, then a random 70% with new quantities."""
    rng = random.Random(f"inventory-{i}")
    rows: dict[tuple[str, str], int] = {}
    for n in range(1, STOCK_SKUS + 1):
        for warehouse in WAREHOUSES:
            if i == 0 or rng.random() < 0.7:
                rows[(f"SKU-{n:05d}", warehouse)] = rng.randint(0, 500)
    return rows


def drop_stock(world: World, i: int) -> None:
    lines = ["sku_ref,warehouse_id,quantity"]
    lines += [f"{ref},{wh},{qty}" for (ref, wh), qty in stock_rows(i).items()]
    place(world, "inventory", f"estoque-{i:02d}.csv", "\n".join(lines) + "\n")


def store_for_stock(sandbox: Sandbox) -> None:
    seed_store(sandbox, STOCK_SKUS, warehouses=WAREHOUSES)


@pytest.mark.parametrize("worlds", [store_for_stock], indirect=True)
def test_inventory_survives_sigkills_at_random_points(
    worlds: tuple[World, World], seed: int
) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="inventory",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_stock,
        kills=kills_per_flow(),
        seed=seed,
    )
    print(log)
    expected: dict[tuple[str, str], int] = {}
    for i in range(log.drops):
        expected.update(stock_rows(i))
    sandbox = crash.sandbox
    held = {
        (ref, wh): record["quantity"]
        for (ref, wh) in expected
        if (record := sandbox.inventory.get((sandbox.sku_refids[ref], wh))) is not None
    }
    assert held == expected, log
    assert len(sandbox.inventory) == STOCK_SKUS * len(WAREHOUSES), log
    names = [f"estoque-{i:02d}.csv" for i in range(log.drops)]
    assert_files_settled(crash, "inventory", names, log)
    assert_no_contract_violations(crash, log)


# --- prices and inventory as VTEX batch jobs -----------------------------------------------

# Change sets of 5 eligible rows or more go as one Bulk Pricing / batch inventory job; the
# importer polls after 1 ms, 2 ms, ... (the sandbox moves a job one stage per poll).
BATCH_CONFIG = (
    TEST_CONFIG.replace("[vtex]\n", "[vtex]\nbatch_poll_initial_s = 0.001\n", 1)
    + "\n[flows.prices]\nbatch_threshold = 5\n\n[flows.inventory]\nbatch_threshold = 5\n"
    + "batch_without_count_time = true\n"
)
# SKU ids the catalog does not have: the job's error file names them (Bulk Pricing:
# SKU_NOT_FOUND; batch inventory: UNKNOWN), and they are sent again per SKU.
UNKNOWN_IDS = (900_001, 900_002)
BULK_START = "POST /api/price-importer/pvt/import/{importType}"
BULK_POLL = "GET /api/price-importer/pvt/batches/{batchId}"
BULK_ERRORS = "GET /api/price-importer/pvt/batches/{batchId}/errors"
STOCK_START = "POST /availability/v1/inventory/batch"
STOCK_CONFIRM = "POST /availability/v1/inventory/batch/{batchId}/confirm"
STOCK_POLL = "GET /availability/v1/inventory/batch/{batchId}/status"
BULK_CREATE = "/api/price-importer/pvt/import/base-prices"
STOCK_CREATE = "/teststore/availability/v1/inventory/batch"  # the account is a path segment
UPLOAD = f"PUT {sandbox_storage.OPERATION}"
ERROR_FILE = f"GET {sandbox_storage.OPERATION}"
# The gaps of a job, each hit at least once (the other kills are drawn at random).
PRICE_JOB_AIMS = (
    Aim("request-after", BULK_START),  # created at VTEX, never recorded: an orphan, no rows
    Aim("request-before", UPLOAD),  # recorded, not uploaded
    Aim("request-after", UPLOAD),  # uploaded, not recorded as uploaded
    Aim("request-after", BULK_POLL, nth=2),  # polling
    Aim("request-before", BULK_ERRORS),  # finished at VTEX, not settled
    Aim("request-after", ERROR_FILE),  # settling: the error file read, nothing recorded
    Aim("step", "settle_batch:commit"),  # settled, the file's own outcomes not recorded
)
STOCK_JOB_AIMS = (
    Aim("request-after", STOCK_START),
    Aim("request-before", UPLOAD),
    Aim("request-after", UPLOAD),  # uploaded, not confirmed
    Aim("request-after", STOCK_CONFIRM),  # confirmed at VTEX, not recorded
    Aim("request-after", STOCK_POLL),
    Aim("request-after", ERROR_FILE),
    Aim("step", "settle_batch:commit"),
)
# Fewer kills per input, more inputs: each input's first kill can be aimed (20 kills make at
# least 7 inputs, one per aim).
BATCH_KILLS_PER_DROP = 3
LEAD_TIMES = ("1.00:00:00", "2.12:00:00", "3.00:00:00", "5.06:30:00")
Price = tuple[Decimal, Decimal, Decimal]  # base, list, cost


@pytest.fixture
def batch_worlds(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[World, World]]:
    with twin_worlds(tmp_path, BATCH_CONFIG, request.param) as pair:
        yield pair


def batch_price_files(i: int) -> list[tuple[str, dict[str, Price]]]:
    """Like `price_files`, every row with a cost and a list price (what a job can carry), and
    in every file the unknown SKU ids, with new prices."""
    rng = random.Random(f"batch-prices-{i}")
    files = []
    for part in ("a", "b") if i % 3 == 2 else ("",):
        rows: dict[str, Price] = {}
        for n in range(1, PRICE_SKUS + 1):
            if i == 0 or rng.random() < 0.7:
                rows[f"SKU-{n:05d}"] = batch_price(rng)
        for sku_id in UNKNOWN_IDS:
            rows[f"id:{sku_id}"] = batch_price(rng)
        files.append((f"lote-precos-{i:02d}{part}.csv", rows))
    return files


def batch_price(rng: random.Random) -> Price:
    base = Decimal(rng.randint(1_000, 99_999)) / 100
    return (
        base,
        base + Decimal(rng.randint(0, 5_000)) / 100,
        base - Decimal(rng.randint(1, 900)) / 100,
    )


def drop_batch_prices(world: World, i: int) -> None:
    for name, rows in batch_price_files(i):
        lines = ["sku_ref,sku_id,base_price,list_price,cost_price"]
        for key, (base, listed, cost) in rows.items():
            ref, sku_id = ("", key[3:]) if key.startswith("id:") else (key, "")
            lines.append(f"{ref},{sku_id},{base},{listed},{cost}")
        place(world, "prices", name, "\n".join(lines) + "\n")


def batch_stock_rows(i: int) -> dict[tuple[str, str], tuple[int, str]]:
    """Like `stock_rows`, every row with a lead time, and the unknown SKU ids in warehouse
    1_1 in every file."""
    rng = random.Random(f"batch-inventory-{i}")
    rows: dict[tuple[str, str], tuple[int, str]] = {}
    for n in range(1, STOCK_SKUS + 1):
        for warehouse in WAREHOUSES:
            if i == 0 or rng.random() < 0.7:
                rows[(f"SKU-{n:05d}", warehouse)] = (rng.randint(0, 500), rng.choice(LEAD_TIMES))
    for sku_id in UNKNOWN_IDS:
        rows[(f"id:{sku_id}", "1_1")] = (rng.randint(0, 500), rng.choice(LEAD_TIMES))
    return rows


def drop_batch_stock(world: World, i: int) -> None:
    lines = ["sku_ref,sku_id,warehouse_id,quantity,lead_time"]
    for (key, warehouse), (quantity, lead_time) in batch_stock_rows(i).items():
        ref, sku_id = ("", key[3:]) if key.startswith("id:") else (key, "")
        lines.append(f"{ref},{sku_id},{warehouse},{quantity},{lead_time}")
    place(world, "inventory", f"lote-estoque-{i:02d}.csv", "\n".join(lines) + "\n")


def finish_pending(world: World, log: CrashLog) -> None:
    """The rows the last input's job refused are retried per SKU on the next pass: run it (and
    one more, whose answer is then 0: nothing left pending, nothing new refused)."""
    for _ in range(2):
        world.run(["run"])
    assert world.history[-1].exitcode == 0, f"{log}\n{world.last_log}"
    store = Store(world.workdir / "state" / "importer.sqlite3")
    try:
        assert store.pending_count() == 0, log
        assert store.open_batches("prices") == store.open_batches("inventory") == [], log
    finally:
        store.close()


def job_files(sandbox: Sandbox) -> tuple[Counter[tuple[bytes, ...]], list[str], int]:
    """(the lines of every job VTEX received an upload for, header first, then in any order,
    counted; their final statuses; how many jobs were created and never uploaded)."""
    uploaded: Counter[tuple[bytes, ...]] = Counter()
    statuses: list[str] = []
    orphans = 0
    for job in sandbox.store.batch_jobs.values():
        content = sandbox_storage.content_of(sandbox.store, job["_object"])
        if content is None:
            orphans += 1
        else:
            header, *lines = content.splitlines()
            uploaded[(header, *sorted(lines))] += 1
            statuses.append(str(job["status"]))
    return uploaded, statuses, orphans


def assert_jobs_ran_once(crash: World, twin: World, create: str, log: CrashLog) -> int:
    """Every job the crashed importer uploaded is one the undisturbed twin uploaded too, with
    the same rows, as many times (a restart polls the job it recorded, never starts a second
    one for its rows), and ran to completion. Jobs created and never uploaded carry no rows;
    only a kill between VTEX creating a job and the importer recording it makes one (VTEX's
    create is not idempotent). `create`: the path that creates a job. Returns how many ran."""
    crashed, statuses, orphans = job_files(crash.sandbox)
    calm, _, calm_orphans = job_files(twin.sandbox)
    assert calm_orphans == 0, log
    assert crashed == calm, (
        f"{sum(crashed.values())} jobs uploaded through the kills, {sum(calm.values())} "
        f"without; only with kills: {list((crashed - calm).elements())[:2]}, only "
        f"without: {list((calm - crashed).elements())[:2]}\n{log}"
    )
    assert set(statuses) <= {"COMPLETED", "COMPLETED_WITH_ERRORS"}, f"{statuses}\n{log}"
    # Kills that can leave one: right after a create was applied, a step kill just before the
    # job is recorded (at "start_batch:begin"), or a timer.
    at_create = [v for kind, v in log.victims if kind == "request-after" and v == f"POST {create}"]
    could = len(at_create) + log.kinds.get("step", 0) + log.kinds.get("timer", 0)
    assert orphans <= could, f"{orphans} jobs never uploaded, {could} kills could explain\n{log}"
    return sum(crashed.values())


def job_phases(log: CrashLog) -> Counter[str]:
    """Where the request kills landed, in a job's life (for the figures in RELIABILITY.md)."""
    phases: Counter[str] = Counter()
    for kind, victim in log.victims:
        method, path = victim.split(" ", 1)
        if path.startswith("/sandbox-storage/"):
            phase = "upload" if method == "PUT" else "error file"
        elif path.endswith(("/import/base-prices", "/inventory/batch")):
            phase = "create"
        elif path.endswith("/confirm"):
            phase = "confirm"
        elif path.endswith("/errors"):
            phase = "errors"
        elif "/price-importer/" in path or "/inventory/batch/" in path:
            phase = "poll"
        else:
            phase = "other"
        phases[f"{phase} ({kind.removeprefix('request-')})"] += 1
    return phases


def print_batch_figures(log: CrashLog, files: int, rows: int, jobs: int, crash: World) -> None:
    _, _, orphans = job_files(crash.sandbox)
    phases = ", ".join(f"{k} {n}" for k, n in sorted(job_phases(log).items()))
    settled = sum("settle_batch" in kill for kill in log.kills)
    phases += f"; step kills aimed just after a job settled: {settled}"
    print(
        f"{log.flow} batch: {files} files, {rows} rows, {jobs} jobs run once each, {orphans} "
        f"created and never uploaded; request kills at: {phases}"
    )


def report_rows_of(world: World) -> dict[str, list[dict[str, str]]]:
    """Report name ('<input>' or 'batch-prices', 'pending-prices') -> its rows, all reports."""
    rows: dict[str, list[dict[str, str]]] = {}
    for path in sorted((world.workdir / "outbox" / "reports").glob("*.report.csv")):
        stem = path.name.partition(".report.")[0].rsplit(".", 1)[0]
        rows.setdefault(stem, []).extend(read_report_csv(path))
    return rows


def assert_refused_rows_reported_and_retried(
    world: World, flow: str, code: str, per_sku_write: str, log: CrashLog
) -> None:
    """The unknown SKUs came back in a job's error file, each with VTEX's code in a report, and
    were then sent on their own, per SKU (never in a later job of their pass)."""
    rows = [r for report in report_rows_of(world).values() for r in report]
    keys = {f"id:{i}" for i in UNKNOWN_IDS}
    in_error_file = {
        r["key"].split("|")[0]
        for r in rows
        if r["type"] == "vtex-batch-error" and code in r["reason"] and r["action"] == "pending"
    }
    assert in_error_file == keys, log
    sent_alone = {
        r.raw_path
        for r in world.sandbox.requests
        if r.operation == per_sku_write and r.status < 500
    }
    assert all(any(f"/{i}" in path for path in sent_alone) for i in UNKNOWN_IDS), log


@pytest.mark.parametrize("batch_worlds", [store_for_prices], indirect=True)
def test_price_batch_jobs_survive_sigkills_at_random_points(
    batch_worlds: tuple[World, World], seed: int
) -> None:
    crash, twin = batch_worlds
    log = crash_campaign(
        flow="prices",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_batch_prices,
        kills=kills_per_flow(),
        seed=seed,
        max_kills_per_drop=BATCH_KILLS_PER_DROP,
        ok_exits=frozenset({0, 1}),  # 1: a run whose job refused the unknown SKUs
        aims=PRICE_JOB_AIMS,
    )
    finish_pending(crash, log)
    print(log)
    files = [file for i in range(log.drops) for file in batch_price_files(i)]
    expected: dict[str, Price] = {}
    for _, rows in files:
        expected.update(rows)
    sandbox = crash.sandbox
    ids = {
        key: int(key[3:]) if key.startswith("id:") else sandbox.sku_refids[key] for key in expected
    }
    held = {
        key: (price["basePrice"], price["listPrice"], price["costPrice"])
        for key in expected
        if (price := sandbox.prices.get(ids[key])) is not None
    }
    assert held == expected, log  # the unknown SKUs too: per SKU, VTEX takes any id's price
    jobs = assert_jobs_ran_once(crash, twin, BULK_CREATE, log)
    assert jobs >= len(files), log  # every file's change set went as a job
    print_batch_figures(log, len(files), sum(len(rows) for _, rows in files), jobs, crash)
    assert_refused_rows_reported_and_retried(
        crash, "prices", "SKU_NOT_FOUND", "PUT /pricing/prices/{itemId}", log
    )
    assert_files_settled(crash, "prices", [name for name, _ in files], log, pass_reports=True)
    assert_no_contract_violations(crash, log)


@pytest.mark.parametrize("batch_worlds", [store_for_stock], indirect=True)
def test_inventory_batch_jobs_survive_sigkills_at_random_points(
    batch_worlds: tuple[World, World], seed: int
) -> None:
    crash, twin = batch_worlds
    log = crash_campaign(
        flow="inventory",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_batch_stock,
        kills=kills_per_flow(),
        seed=seed,
        max_kills_per_drop=BATCH_KILLS_PER_DROP,
        ok_exits=frozenset({0, 1}),
        aims=STOCK_JOB_AIMS,
    )
    finish_pending(crash, log)
    print(log)
    expected: dict[tuple[str, str], tuple[int, str]] = {}
    for i in range(log.drops):
        expected.update(batch_stock_rows(i))
    sandbox = crash.sandbox
    held = {
        (ref, wh): (record["quantity"], record["leadTime"])
        for (ref, wh) in expected
        if ref in sandbox.sku_refids
        and (record := sandbox.inventory.get((sandbox.sku_refids[ref], wh))) is not None
    }
    known = {k: v for k, v in expected.items() if not k[0].startswith("id:")}
    assert held == known, log
    assert len(sandbox.inventory) == STOCK_SKUS * len(WAREHOUSES), log  # no unknown SKU's stock
    jobs = assert_jobs_ran_once(crash, twin, STOCK_CREATE, log)
    assert jobs >= log.drops, log
    rows = sum(len(batch_stock_rows(i)) for i in range(log.drops))
    print_batch_figures(log, log.drops, rows, jobs, crash)
    assert_refused_rows_reported_and_retried(
        crash,
        "inventory",
        "UNKNOWN",
        "PUT /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}",
        log,
    )
    # Per SKU, VTEX refuses them for good: reported as failed, and no longer pending.
    failed = {
        r["key"].split("|")[0]
        for rows in report_rows_of(crash).values()
        for r in rows
        if r["action"] == "failed" and r["type"] == "vtex-rejected"
    }
    assert failed == {f"id:{i}" for i in UNKNOWN_IDS}, log
    names = [f"lote-estoque-{i:02d}.csv" for i in range(log.drops)]
    assert_files_settled(crash, "inventory", names, log, pass_reports=True)
    assert_no_contract_violations(crash, log)


# --- catalog (products, SKUs, EANs, images, specifications) --------------------------------

CATALOG_HEADERS = [
    "product_ref",
    "product_name",
    "category",
    "brand",
    "product_spec:Material",
    "sku_ref",
    "sku_name",
    "ean",
    "height_cm",
    "width_cm",
    "length_cm",
    "weight_kg",
    "image_urls",
    "sku_active",
    "sku_spec:Tamanho",
]
MATERIALS = ("Algodão", "Poliéster", "Linho")
SIZES = ("P", "M", "G", "GG")
PRODUCTS_PER_DROP, SKUS_PER_PRODUCT = 1, 2


def catalog_state(i: int) -> list[dict[str, str]]:
    """The whole catalog as file i lists it: drop i adds a product of two SKUs in a new
    category under a new brand, and changes about a third of the earlier products (name,
    material) and SKUs (name, EAN, image list, size): each change replaces an EAN, an image or
    a specification value."""
    product_versions: dict[int, int] = {}
    sku_versions: dict[int, int] = {}
    for j in range(i + 1):
        rng = random.Random(f"catalog-{j}")
        for p in product_versions:
            product_versions[p] += rng.random() < 0.3
        for s in sku_versions:
            sku_versions[s] += rng.random() < 0.35
        for k in range(PRODUCTS_PER_DROP):
            p = j * PRODUCTS_PER_DROP + k + 1
            product_versions[p] = 0
            for n in range(SKUS_PER_PRODUCT):
                sku_versions[(p - 1) * SKUS_PER_PRODUCT + n + 1] = 0
    rows = []
    for s, sv in sorted(sku_versions.items()):
        p = (s - 1) // SKUS_PER_PRODUCT + 1
        pv = product_versions[p]
        rows.append(
            {
                "product_ref": f"P{p:03d}",
                "product_name": f"Produto {p} v{pv}",
                "category": f"Moda > Linha {p % 2} > Sub {p}",
                "brand": f"Marca {p}",
                "product_spec:Material": MATERIALS[pv % 3],
                "sku_ref": f"S{s:04d}",
                "sku_name": f"SKU {s} v{sv}",
                "ean": f"789{s:04d}{sv:06d}",
                "height_cm": "10",
                "width_cm": "20",
                "length_cm": "30",
                "weight_kg": "0.5",
                # The first image changes with every version, the second every other one.
                "image_urls": f"https://img.example.com/s{s}/v{sv}-a.jpg"
                f"|https://img.example.com/s{s}/b{sv // 2}.jpg",
                "sku_active": "true",
                "sku_spec:Tamanho": SIZES[(s + sv) % 4],
            }
        )
    return rows


def drop_catalog(world: World, i: int) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CATALOG_HEADERS)
    writer.writeheader()
    writer.writerows(catalog_state(i))
    place(world, "catalog", f"catalogo-{i:02d}.csv", out.getvalue())


def assert_catalog_is(sandbox: Sandbox, rows: list[dict[str, str]], log: CrashLog) -> None:
    """Every product and SKU with the file's values; no EAN, image, specification value,
    category or brand twice."""
    problems: list[str] = []
    for row in rows:
        product_id = sandbox.product_refids.get(row["product_ref"])
        sku_id = sandbox.sku_refids.get(row["sku_ref"])
        if product_id is None or sku_id is None:
            problems.append(f"{row['sku_ref']}: missing in VTEX")
            continue
        product, sku = sandbox.products[product_id], sandbox.skus[sku_id]
        if product["Name"] != row["product_name"]:
            problems.append(f"{row['product_ref']}: name {product['Name']!r}")
        brand = sandbox.brands[product["BrandId"]]["Name"]
        leaf = sandbox.categories[product["CategoryId"]]["Name"]
        if (brand, leaf) != (row["brand"], row["category"].rsplit(" > ", 1)[-1]):
            problems.append(f"{row['product_ref']}: brand {brand!r}, category {leaf!r}")
        materials = [s["Text"] for s in sandbox.product_specs(product_id)]
        if materials != [row["product_spec:Material"]]:
            problems.append(f"{row['product_ref']}: Material {materials}")
        if sku["Name"] != row["sku_name"] or not sku["IsActive"]:
            problems.append(f"{row['sku_ref']}: {sku['Name']!r} active={sku['IsActive']}")
        if sandbox.sku_eans(sku_id) != [row["ean"]]:
            problems.append(f"{row['sku_ref']}: EANs {sandbox.sku_eans(sku_id)}")
        images = [f["SourceUrl"] for f in sandbox.sku_files(sku_id)]
        if images != row["image_urls"].split("|"):  # main image first, each once
            problems.append(f"{row['sku_ref']}: images {images}")
        sizes = [s["Text"] for s in sandbox.sku_specs(sku_id)]
        if sizes != [row["sku_spec:Tamanho"]]:
            problems.append(f"{row['sku_ref']}: Tamanho {sizes}")
    assert problems == [], f"{problems[:10]}\n{log}"
    assert len(sandbox.skus) == len(rows), log
    assert len(sandbox.products) == len({r["product_ref"] for r in rows}), log
    categories = Counter(
        (c["Name"], c.get("FatherCategoryId")) for c in sandbox.categories.values()
    )
    assert [c for c, n in categories.items() if n > 1] == [], log
    brands = Counter(b["Name"] for b in sandbox.brands.values())
    assert [b for b, n in brands.items() if n > 1] == [], log


def empty_store(sandbox: Sandbox) -> None:
    """The catalog test starts from nothing: its files create categories and brands too."""


@pytest.mark.parametrize("worlds", [empty_store], indirect=True)
def test_catalog_survives_sigkills_at_random_points(worlds: tuple[World, World], seed: int) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="catalog",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_catalog,
        kills=kills_per_flow(),
        seed=seed,
    )
    print(log)
    assert_catalog_is(crash.sandbox, catalog_state(log.drops - 1), log)
    names = [f"catalogo-{i:02d}.csv" for i in range(log.drops)]
    assert_files_settled(crash, "catalog", names, log)
    assert_no_contract_violations(crash, log)


# --- orders out ----------------------------------------------------------------------------

ORDERS_PER_DROP = 5


def new_orders(world: World, i: int) -> None:
    """Orders become ready for handling (the same ones in both worlds), and a customer's order
    of the lot before, which the ERP already has, is canceled."""
    world.sandbox.seed_orders(ORDERS_PER_DROP, seed=i, queue=True)
    for order_id in canceled_orders(world.sandbox, i):
        if world.sandbox.order_status(order_id) != "canceled":
            world.sandbox.set_order_status(order_id, "canceled")


def canceled_orders(sandbox: Sandbox, i: int) -> list[str]:
    """The orders canceled by drop i: the first of each earlier lot."""
    ids = list(sandbox.orders)  # in the order they were placed
    return [ids[lot * ORDERS_PER_DROP] for lot in range(i)]


def cancellation_notices(world: World) -> Counter[tuple[str, str]]:
    notices: Counter[tuple[str, str]] = Counter()
    for path in sorted((world.workdir / "outbox" / "orders").glob("cancellations-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            notices.update((row["order_id"], row["state"]) for row in csv.DictReader(handle))
    return notices


def after_a_killed_pull(world: World) -> None:
    # The next pull comes later: events the killed one read but never committed are back.
    world.sandbox.advance(300)


def exported(world: World) -> dict[str, list[str]]:
    """order id -> the outbox/orders files holding its rows (one entry per item row)."""
    holders: dict[str, list[str]] = {}
    for path in sorted((world.workdir / "outbox" / "orders").glob("orders-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                holders.setdefault(row["order_id"], []).append(path.name)
    return holders


def store_for_orders(sandbox: Sandbox) -> None:
    seed_store(sandbox, 10)


@pytest.mark.parametrize("worlds", [store_for_orders], indirect=True)
def test_orders_and_cancellations_reach_the_erp_exactly_once_through_sigkills(
    worlds: tuple[World, World], seed: int
) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="orders",
        args=["orders", "pull"],
        crash=crash,
        twin=twin,
        drop=new_orders,
        kills=kills_per_flow(),
        seed=seed,
        after_kill=after_a_killed_pull,
    )
    print(log)
    sandbox = crash.sandbox
    assert len(sandbox.orders) == log.drops * ORDERS_PER_DROP
    holders = exported(crash)
    assert set(holders) == set(sandbox.orders), log
    twice = {o: files for o, files in holders.items() if len(set(files)) != 1}
    assert twice == {}, f"orders in more than one file: {twice}\n{log}"
    rows = {o: len(files) for o, files in holders.items()}
    assert rows == {o: len(order["items"]) for o, order in sandbox.orders.items()}, log
    canceled = set(canceled_orders(sandbox, log.drops - 1))
    statuses = {sandbox.order_status(o) for o in sandbox.orders if o not in canceled}
    assert statuses == {"handling"}, log
    assert sandbox.feed_pending() == [], log
    notices = cancellation_notices(crash)
    assert notices == Counter({(o, "canceled"): 1 for o in canceled}), f"{notices}\n{log}"
    hidden = [p.name for p in (crash.workdir / "outbox" / "orders").iterdir() if p.name[0] == "."]
    assert hidden == [], log
    assert_no_contract_violations(crash, log)


# --- invoices in ---------------------------------------------------------------------------

INVOICED_PER_DROP = 4
INVOICE_ORDERS = INVOICED_PER_DROP * drop_budget(kills_per_flow())


def orders_in_handling(sandbox: Sandbox) -> None:
    """Orders the ERP already has (the orders flow is tested above): in handling, no events."""
    seed_store(sandbox, 10)
    for order_id in sandbox.seed_orders(INVOICE_ORDERS, queue=False):
        sandbox.set_order_status(order_id, "handling", queue=False)


def invoice_rows(sandbox: Sandbox, i: int) -> dict[str, dict[str, Any]]:
    """File i invoices the i-th lot of orders and sends tracking for the lot before it."""
    orders = sorted(sandbox.orders)
    rows: dict[str, dict[str, Any]] = {}
    for lot, tracking in ((i - 1, True), (i, False)):
        for order_id in orders[lot * INVOICED_PER_DROP : (lot + 1) * INVOICED_PER_DROP]:
            if lot < 0:
                continue
            rows[order_id] = {
                "invoice_number": f"NF{order_id.split('-')[0][-6:]}",
                "invoice_value": money(sandbox.orders[order_id]["value"]),
                "tracking_number": f"BR{order_id.split('-')[0][-6:]}" if tracking else "",
            }
    return rows


def drop_invoices(world: World, i: int) -> None:
    rows = invoice_rows(world.sandbox, i)
    if (i + 1) * INVOICED_PER_DROP > INVOICE_ORDERS:
        raise AssertionError("more drops than orders prepared for them (drop_budget)")
    lines = ["order_id,invoice_number,invoice_value,issuance_date,courier,tracking_number"]
    for order_id, row in rows.items():
        courier = "Correios" if row["tracking_number"] else ""
        lines.append(
            f"{order_id},{row['invoice_number']},{row['invoice_value']},"
            f"2026-11-27T10:00:00Z,{courier},{row['tracking_number']}"
        )
    place(world, "invoices", f"notas-{i:02d}.csv", "\n".join(lines) + "\n")


@pytest.mark.parametrize("worlds", [orders_in_handling], indirect=True)
def test_invoices_are_posted_exactly_once_through_sigkills(
    worlds: tuple[World, World], seed: int
) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="invoices",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_invoices,
        kills=kills_per_flow(),
        seed=seed,
    )
    print(log)
    sandbox = crash.sandbox
    expected: dict[str, dict[str, Any]] = {}
    for i in range(log.drops):
        expected.update(invoice_rows(sandbox, i))
    held = {
        order_id: [
            (p["invoiceNumber"], Decimal(p["invoiceValue"]) / 100, p.get("trackingNumber") or "")
            for p in sandbox.invoices(order_id)
        ]
        for order_id in expected
    }
    wanted = {
        o: [(r["invoice_number"], r["invoice_value"], r["tracking_number"])]
        for o, r in expected.items()
    }
    assert held == wanted, log
    assert {sandbox.order_status(o) for o in expected} == {"invoiced"}, log
    others = [o for o in sandbox.orders if o not in expected and sandbox.invoices(o)]
    assert others == [], log
    names = [f"notas-{i:02d}.csv" for i in range(log.drops)]
    assert_files_settled(crash, "invoices", names, log)
    assert_no_contract_violations(crash, log)


# --- cancellations in ----------------------------------------------------------------------

# Per drop: an order to cancel, a customer's request to deny, and an invoiced order VTEX
# refuses to cancel (its row fails, so a completed run exits 1).
CANCEL_LOTS = 4  # the campaign makes one drop per aimed kill: 2
CANCEL_OP = "POST /api/oms/pvt/orders/{orderId}/cancel"
DENY_OP = "POST /api/orders/pvt/document/{orderId}/deny-cancellation-request"


def orders_to_cancel(sandbox: Sandbox, lots: int = CANCEL_LOTS) -> None:
    seed_store(sandbox, 5)
    for _ in range(lots):
        _, requested, invoiced = sandbox.seed_orders(3, queue=False)
        sandbox.set_order_status(requested, "handling", queue=False)
        sandbox.request_cancellation(requested, "changed my mind")
        sandbox.set_order_status(invoiced, "invoiced", queue=False)


def cancel_lot(sandbox: Sandbox, i: int) -> list[str]:
    """The i-th lot's orders: to cancel, to deny, invoiced."""
    ids = sorted(sandbox.orders, key=lambda o: int(sandbox.orders[o]["sequence"]))
    return ids[3 * i : 3 * i + 3]


def cancellation_file(sandbox: Sandbox, i: int) -> str:
    if 3 * (i + 1) > len(sandbox.orders):
        raise AssertionError("more drops than order lots prepared")
    ready, requested, invoiced = cancel_lot(sandbox, i)
    return (
        f"order_id,action,reason\n{ready},cancel,sem estoque\n{requested},deny,já enviado\n"
        f"{invoiced},cancel,fraude\n"
    )


def drop_cancellations(world: World, i: int) -> None:
    place(world, "cancellations", f"cancelamentos-{i:02d}.csv", cancellation_file(world.sandbox, i))


def assert_cancellations_landed_once(sandbox: Sandbox, drops: int, log: object) -> None:
    """Each lot: canceled and denied once, with the file's reasons; the invoiced order left
    as it was; the lots after the last drop untouched."""
    # Every call VTEX got, refused or not: a second deny would be refused (400), not lost.
    posts = Counter(r.path for r in sandbox.requests if r.method == "POST")
    for i in range(drops):
        ready, requested, invoiced = cancel_lot(sandbox, i)
        assert (sandbox.order_status(ready), sandbox.orders[ready]["cancelReason"]) == (
            "canceled",
            "sem estoque",
        ), log
        assert posts[f"/api/oms/pvt/orders/{ready}/cancel"] == 1, log
        assert sandbox.order_status(requested) == "handling", log
        [request] = sandbox.orders[requested]["cancellationRequests"]
        assert request["deniedBySellerReason"] == "já enviado", log
        assert posts[f"/api/orders/pvt/document/{requested}/deny-cancellation-request"] == 1, log
        assert sandbox.order_status(invoiced) == "invoiced", log
    after = [sandbox.order_status(o) for o in cancel_lot(sandbox, drops)]
    assert after == ["ready-for-handling", "cancellation-requested", "invoiced"], log


# One request at a time, so that a kill aimed at the n-th request of the calibration run hits
# the same call in the crash run (the three orders of a file are otherwise read side by side).
SERIAL_CONFIG = TEST_CONFIG.replace("max_attempts = 6", "max_attempts = 6\nconcurrency = 1")


def test_cancellations_are_sent_exactly_once_through_sigkills(tmp_path: Path, seed: int) -> None:
    """Real SIGKILLs, one per drop, aimed at the gaps of this flow: after VTEX applied the
    cancel, and after it applied the deny (the importer never learns either). Every other
    kill point is in test_cancellations_land_once_with_a_crash_at_every_point."""
    with twin_worlds(tmp_path, SERIAL_CONFIG, orders_to_cancel) as (crash, twin):
        campaign_of_cancellations(crash, twin, seed)


def campaign_of_cancellations(crash: World, twin: World, seed: int) -> None:
    aims = (
        Aim("request-after", CANCEL_OP),
        Aim("request-after", DENY_OP),
    )
    log = crash_campaign(
        flow="cancellations",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_cancellations,
        kills=len(aims),
        seed=seed,
        max_kills_per_drop=1,
        ok_exits=frozenset({0, 1}),  # 1: the invoiced order's row failed, as it must
        aims=aims,
    )
    print(log)
    assert_cancellations_landed_once(crash.sandbox, log.drops, log)
    names = [f"cancelamentos-{i:02d}.csv" for i in range(log.drops)]
    assert_files_settled(crash, "cancellations", names, log)
    # The refused row is on its file's report, once. A file read again after a kill that
    # came after its rows landed counts them unchanged (the snapshot has them).
    for name, rows in report_rows_of(crash).items():
        actions = Counter(r["action"] for r in rows)
        assert actions["failed"] == 1 and set(actions) <= {"created", "failed"}, (name, log)
    assert_no_contract_violations(crash, log)


# --- the gaps the campaigns found, pinned down one by one (in-process, no fork) ------------


class Died(BaseException):
    """The process died here: nothing after this point of the pass ran."""


def die_on_call(monkeypatch: pytest.MonkeyPatch, target: str, call: int = 1) -> None:
    """Make `module.attribute` kill the pass on its `call`-th call (and work otherwise)."""
    owner, attribute = target.rsplit(".", 1)
    module = module_or_class(owner)
    original = getattr(module, attribute)
    calls = 0

    def dying(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call:
            raise Died(target)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, attribute, dying)


def crash_then_restart(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    call: int = 1,
) -> list[str]:
    """Drop a price file, die at `target`, restart: the summaries of the restarted pass."""
    seed_store(sandbox, 3)
    place_file(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-00001,10\nSKU-00002,20\n")
    first = make_runtime(sandbox)
    with monkeypatch.context() as patch:
        die_on_call(patch, target, call)
        with pytest.raises(Died):
            one_pass(first)
    first.deps.store.close()
    result = one_pass(make_runtime(sandbox))
    assert sandbox.prices[sandbox.sku_refids["SKU-00002"]]["basePrice"] == Decimal(20)
    assert sorted(p.name for p in (workdir / "archive" / "done").iterdir()) == ["precos.csv"]
    reports = sorted(p.name for p in (workdir / "outbox" / "reports").iterdir())
    assert len(reports) == 2 and all(n.startswith("precos.csv.") for n in reports), reports
    return [r.summary.status for r in result.reports]


def place_file(workdir: Path, flow: str, name: str, content: str) -> None:
    (workdir / "inbox" / flow / name).write_text(content, encoding="utf-8")


def test_a_crash_between_the_report_and_the_archive_writes_no_second_report(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses = crash_then_restart(
        workdir, sandbox, make_runtime, monkeypatch, "importer.pipeline.archive_file"
    )
    assert statuses == ["done"]


def test_a_crash_before_the_report_is_written_is_not_reported_as_a_duplicate_of_itself(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses = crash_then_restart(
        workdir, sandbox, make_runtime, monkeypatch, "importer.pipeline.write_report"
    )
    assert statuses == ["done"]  # the outcome was recorded, the report was not: not "duplicate"


def test_a_crash_between_the_two_files_of_a_report_leaves_one_whole_pair(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # os.replace: the workbook into place (1st call), then the CSV (2nd): death in between.
    statuses = crash_then_restart(workdir, sandbox, make_runtime, monkeypatch, "os.replace", call=2)
    assert statuses == ["done"]
    assert not [p for p in (workdir / "outbox" / "reports").iterdir() if p.name[0] == "."]


@pytest.mark.parametrize(
    "target", ["importer.state.store.Store.set_values", "importer.orders.pull.publish"]
)
def test_a_crash_while_writing_cancellations_gives_the_erp_one_notice(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
) -> None:
    """Before the ledger has the notices (the hidden file is dropped, the events come back) and
    after (the hidden file is published, the events find their notice): one notice either way."""
    from importer.orders.run import pull_orders

    seed_store(sandbox, 5)
    order_id = sandbox.seed_orders(2, queue=True)[0]
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)
    sandbox.set_order_status(order_id, "canceled")
    owner, attribute = target.rsplit(".", 1)
    holder = module_or_class(owner)
    original = getattr(holder, attribute)

    def dying(*args: Any, **kwargs: Any) -> Any:
        raise Died(target)

    with monkeypatch.context() as patch:
        patch.setattr(holder, attribute, dying)
        with pytest.raises(Died):
            pull_orders(runtime.deps)
    assert getattr(holder, attribute) is original
    sandbox.advance(300)  # the events the dead pull read come back
    pull_orders(runtime.deps)
    pull_orders(runtime.deps)
    notices: Counter[tuple[str, str]] = Counter()
    for path in (workdir / "outbox" / "orders").glob("cancellations-*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            notices.update((r["order_id"], r["state"]) for r in csv.DictReader(handle))
    assert notices == Counter({(order_id, "canceled"): 1})
    assert not [p for p in (workdir / "outbox" / "orders").iterdir() if p.name[0] == "."]
    assert sandbox.feed_pending() == []


class Tripwire:
    """In-process kill points, as crash_harness counts them in a child: every request to the
    sandbox (before or after it applies it) and every local side effect (a store transaction
    beginning or committed, a rename, a replace, an unlink). Raises `Died` at the armed one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, kind: str = "", at: int = 0) -> None:
        self.kind, self.at = kind, at
        self.requests = self.steps = 0
        self.labels: list[str] = []
        self.methods: list[str] = []  # of each request, in order
        for name in ("replace", "rename", "unlink"):
            monkeypatch.setattr(os, name, self._step_wrapper(getattr(os, name), f"os.{name}"))
        original_tx = Store._tx
        trip = self

        @contextmanager
        def tx(store: Store) -> Iterator[Any]:
            caller = sys._getframe(2).f_code.co_name
            trip.step(f"{caller}:begin")
            with original_tx(store) as db:
                yield db
            trip.step(f"{caller}:commit")

        monkeypatch.setattr(Store, "_tx", tx)
        original_call = Sandbox.__call__

        def call(sandbox: Sandbox, request: httpx.Request) -> httpx.Response:
            self.requests += 1
            self.methods.append(request.method)
            hit = self.kind.startswith("request") and self.requests == self.at
            if hit and self.kind == "request-before":
                raise Died(f"before request {self.at}")
            response = original_call(sandbox, request)
            if hit:
                raise Died(f"after request {self.at}")
            return response

        monkeypatch.setattr(Sandbox, "__call__", call)

    def _step_wrapper(self, original: Any, label: str) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.step(label)
            return original(*args, **kwargs)

        return wrapped

    def step(self, label: str) -> None:
        self.steps += 1
        self.labels.append(label)
        if self.kind == "step" and self.steps == self.at:
            raise Died(label)


def test_cancellations_land_once_with_a_crash_at_every_point(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every kill point of a run, one drop each: the process dies (in-process: `Died`) just
    before each local side effect, and before and after each write VTEX gets; a fresh runtime
    finishes. Reads are left out: dying just before or after one leaves VTEX and the store as
    dying before the next point does. Each lot is canceled and denied once, with the file's
    reasons; every file is archived once with one report pair. (The SIGKILL campaign above
    aims real kills at this flow's gaps.)"""
    # A drop per kill point (32: the file's 24, and the status file's 4 writes, each a replace
    # and its temporary's removal), and the lot after them.
    orders_to_cancel(sandbox, lots=34)
    place_file(workdir, "cancellations", "cancelamentos-00.csv", cancellation_file(sandbox, 0))
    with monkeypatch.context() as patch:
        calibration = Tripwire(patch)
        one_pass(make_runtime(sandbox))
    writes = [n for n, method in enumerate(calibration.methods, start=1) if method == "POST"]
    points = [(kind, n) for n in writes for kind in ("request-before", "request-after")]
    points += [("step", n) for n in range(1, calibration.steps + 1)]
    # What the calibration made: a call per order; the claim, the file's ledger rows, the
    # snapshot, the report pair and the archive.
    assert len(writes) == 3, calibration.methods
    for label in ("os.rename", "commit:commit", "finish_file:commit", "os.replace"):
        assert label in calibration.labels, calibration.labels
    for i, (kind, at) in enumerate(points, start=1):
        name = f"cancelamentos-{i:02d}.csv"
        place_file(workdir, "cancellations", name, cancellation_file(sandbox, i))
        runtime = make_runtime(sandbox)
        with monkeypatch.context() as patch:
            Tripwire(patch, kind, at)
            with pytest.raises(Died):
                one_pass(runtime)
        runtime.deps.store.close()
        one_pass(make_runtime(sandbox))
    drops = len(points) + 1
    where = f"{len(points)} kill points: {calibration.labels}"
    assert_cancellations_landed_once(sandbox, drops, where)
    done = sorted(p.name for p in (workdir / "archive" / "done").iterdir())
    assert done == [f"cancelamentos-{i:02d}.csv" for i in range(drops)], where
    reports = Counter(
        p.name.partition(".report.")[0].rsplit(".", 1)[0]
        for p in (workdir / "outbox" / "reports").iterdir()
    )
    assert reports == Counter({name: 2 for name in done}), where
    assert list((workdir / "inbox" / "cancellations").rglob("*.csv")) == [], where


def module_or_class(dotted: str) -> Any:
    """`importer.state.store.Store` -> the class; `importer.orders.pull` -> the module."""
    if dotted in sys.modules:
        return sys.modules[dotted]
    module, name = dotted.rsplit(".", 1)
    return getattr(sys.modules[module], name)


@pytest.mark.parametrize("worlds", [store_for_prices], indirect=True)
def test_the_kills_land_where_they_are_aimed(worlds: tuple[World, World]) -> None:
    """The harness itself: a request kill stops the importer at that request, before or after
    VTEX applied it; a step kill before any local side effect leaves everything untouched."""
    crash, _ = worlds
    drop_prices(crash, 0)
    sandbox = crash.sandbox
    start = len(sandbox.requests)
    untouched = crash.run(["run"], Kill("step", 1))  # before the claim, its first
    # The pass's first local side effect is the store's own write check (a pass starts only
    # with a writable store), before the credentials check: nothing has gone out.
    assert untouched.killed and untouched.requests == 0
    assert sandbox.requests[start:] == []
    assert [p.name for p in (crash.workdir / "inbox" / "prices").glob("*.csv")] == ["prices-00.csv"]

    def applied_since(start: int) -> list[tuple[str, str]]:
        return [(r.method, r.raw_path) for r in sandbox.requests[start:]]

    # The importer sends 8 requests at a time: those already sent when it dies are applied,
    # as VTEX would; the one the kill is aimed at is applied after, or never.
    start = len(sandbox.requests)
    before = crash.run(["run"], Kill("request-before", 5))
    assert before.killed and before.victim is not None
    assert before.victim not in applied_since(start)
    start = len(sandbox.requests)
    after = crash.run(["run"], Kill("request-after", 3))
    assert after.killed and after.victim in applied_since(start)
    finished = crash.run(["run"])
    assert (finished.killed, finished.exitcode) == (False, 0)
    assert len(sandbox.prices) == PRICE_SKUS


def test_a_file_archived_just_before_a_crash_does_not_swallow_the_next_one_of_its_name(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger never learnt that precos.csv was archived; the next precos.csv (new prices)
    is then left claimed by a second crash: it must be processed, not taken for the first."""
    seed_store(sandbox, 3)
    for price, target in [
        ("10", "importer.state.store.Store.set_archived"),
        ("55", "importer.state.store.Store.start_file"),
    ]:
        place_file(workdir, "prices", "precos.csv", f"sku_ref,base_price\nSKU-00001,{price}\n")
        runtime = make_runtime(sandbox)
        with monkeypatch.context() as patch:
            die_on_call(patch, target)
            with pytest.raises(Died):
                one_pass(runtime)
        runtime.deps.store.close()
        assert len(list((workdir / "archive" / "done").iterdir())) == 1  # the first file only
    one_pass(make_runtime(sandbox))
    assert sandbox.prices[sandbox.sku_refids["SKU-00001"]]["basePrice"] == Decimal(55)
    assert len(list((workdir / "archive" / "done").iterdir())) == 2
    assert len(list((workdir / "outbox" / "reports").iterdir())) == 2 * 2


def test_a_crash_between_the_two_files_of_a_pass_report_leaves_no_half_of_it(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report of a pass's own work (here: pending rows retried) has no input file to be
    finished with: before the fix, a kill between its workbook and its CSV left the workbook
    alone and the CSV's temporary file in outbox/reports for good."""
    seed_store(sandbox, 3)
    sandbox.faults = Faults(
        rate_5xx=1.0, spared=CHECK_UP
    )  # VTEX down: the file's rows stay pending
    place_file(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-00001,10\nSKU-00002,20\n")
    first = make_runtime(sandbox)
    assert one_pass(first).reports[0].summary.pending == 2
    sandbox.faults = None
    reports = workdir / "outbox" / "reports"
    with monkeypatch.context() as patch:
        # os.replace: the retry's workbook into place (1st call), then its CSV (2nd).
        die_on_call(patch, "os.replace", call=2)
        with pytest.raises(Died):
            one_pass(first)
    assert [p.name for p in reports.iterdir() if p.name.startswith((".", "pending-"))] != []
    first.deps.store.close()
    one_pass(make_runtime(sandbox))
    left = sorted(p.name for p in reports.iterdir())
    assert [n for n in left if n.startswith(".")] == []
    pairs = Counter(n.partition(".report.")[0] for n in left)
    assert set(pairs.values()) == {2}, left  # whole pairs only
    assert sandbox.prices[sandbox.sku_refids["SKU-00002"]]["basePrice"] == Decimal(20)


# --- tracking events in ---------------------------------------------------------------------

TRACKED_ORDERS = 2  # the first order has two invoices: 2 Get order + 3 PUT per run
TRACKED_INVOICES = (("NF1", 0), ("NF2", 0), ("NF3", 1))  # (number, order)


def orders_with_tracking_numbers(sandbox: Sandbox) -> None:
    """Orders already invoiced, each invoice with its tracking number (the invoices flow is
    tested above): what VTEX needs before it takes tracking events."""
    seed_store(sandbox, 4)
    orders = sandbox.seed_orders(TRACKED_ORDERS, queue=False)
    for order_id in orders:
        sandbox.set_order_status(order_id, "handling", queue=False)
    for number, order in TRACKED_INVOICES:
        sandbox.seed_call(
            "POST",
            f"/api/oms/pvt/orders/{orders[order]}/invoice",
            {
                "type": "Output",
                "issuanceDate": "2026-12-01T10:00:00Z",
                "invoiceNumber": number,
                "invoiceValue": "1",
                "courier": "X",
                "trackingNumber": f"BR-{number}",
                "trackingUrl": "",
                "items": [],
            },
        )


def tracking_events(i: int) -> list[tuple[str, str, str]]:
    """File i's events of every invoice: (date, city, description), one more each file, so
    that every file changes every invoice (and so is a full run of the flow)."""
    return [
        (f"2026-12-{day:02d} 10:00", f"Cidade {day}", f"evento {day}") for day in range(1, i + 2)
    ]


def drop_tracking(world: World, i: int) -> None:
    (world.workdir / "inbox" / "tracking").mkdir(exist_ok=True)
    orders = sorted(world.sandbox.orders)
    lines = ["order_id,invoice_number,event_date,city,state,description"]
    for number, order in TRACKED_INVOICES:
        for date, city, text in tracking_events(i):
            lines.append(f"{orders[order]},{number},{date},{city},SP,{text}")
    place(world, "tracking", f"eventos-{i:02d}.csv", "\n".join(lines) + "\n")


def held_events(sandbox: Sandbox) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    held = {}
    for order_id in sorted(sandbox.orders):
        for package in sandbox.invoices(order_id):
            data = (package.get("courierStatus") or {}).get("data") or []
            held[(order_id, package["invoiceNumber"])] = [
                (e["createDate"], e["city"], e["description"]) for e in data
            ]
    return held


def kill_points(calibration: RunOutcome) -> tuple[list[Kill], list[Kill]]:
    """Every point of a run at which a kill leaves a different state behind: before each
    request and after the last (after request k is before request k + 1: nothing local
    happens between them), and before each local side effect, where a transaction counts once
    (killed before its commit, it is rolled back: as if killed before it began)."""
    requests = [Kill("request-before", k) for k in range(1, calibration.requests + 1)]
    requests.append(Kill("request-after", calibration.requests))
    steps = [
        Kill("step", k, aim=label)
        for k, label in enumerate(calibration.step_labels, start=1)
        if not label.endswith(":begin")
    ]
    return requests, steps


@pytest.mark.parametrize("worlds", [orders_with_tracking_numbers], indirect=True)
def test_tracking_events_survive_a_kill_at_every_point_of_a_run(
    worlds: tuple[World, World],
) -> None:
    """Not drawn at random: the flow's run is short, so each of its kill points gets a kill,
    and the restart must finish the work. The request kills share one file: until the
    snapshot moves, a restart sends the same requests in the same order, so each restart is
    killed at the next one. A step kill leaves a side effect the restart does not make again,
    so each has a file of its own. VTEX must end with each invoice's events as the last file
    lists them, once each, and every file settled with one report pair."""
    crash, twin = worlds
    started = time.monotonic()
    drop_tracking(twin, 0)
    calibration = twin.run(["run"])
    assert calibration.exitcode == 0, twin.last_log
    operations = [r.operation for r in twin.sandbox.requests]
    request_kills, step_kills = kill_points(calibration)
    log = CrashLog("tracking", 0)
    log.events.append(f"calibrated: {operations}, steps {list(calibration.step_labels)}")
    drop_tracking(crash, 0)
    log.drops = 1
    for kill in request_kills:
        outcome = crash.run(["run"], kill)
        log.record(0, kill, outcome)
        assert outcome.killed, f"{kill} was never reached\n{log}"
    for kill in step_kills:
        final = crash.run(["run"])
        log.record(log.drops - 1, None, final)
        assert final.exitcode == 0, f"{log}\n{crash.last_log}"
        drop_tracking(crash, log.drops)
        outcome = crash.run(["run"], kill)
        log.record(log.drops, kill, outcome)
        assert outcome.killed, f"{kill} was never reached\n{log}"
        log.drops += 1
    final = crash.run(["run"])
    log.record(log.drops - 1, None, final)
    assert final.exitcode == 0, f"{log}\n{crash.last_log}"
    log.seconds = time.monotonic() - started
    print(log)
    orders = sorted(crash.sandbox.orders)
    last = [(f"{d[:10]}T{d[11:]}:00Z", c, t) for d, c, t in tracking_events(log.drops - 1)]
    wanted = {(orders[order], number): last for number, order in TRACKED_INVOICES}
    assert held_events(crash.sandbox) == wanted, log
    store = Store(crash.workdir / "state" / "importer.sqlite3")
    try:  # one snapshot row per invoice, nothing left to send again
        assert (store.snapshot_count("tracking"), store.pending_count()) == (3, 0), log
    finally:
        store.close()
    names = [f"eventos-{i:02d}.csv" for i in range(log.drops)]
    assert_files_settled(crash, "tracking", names, log)
    assert_no_contract_violations(crash, log)
