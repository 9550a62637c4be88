"""Shared fixtures: a working folder, a seeded sandbox, and a runtime on virtual time."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from importer.config import load_settings
from importer.files.watch import CompletenessGate
from importer.run.preflight import PREFLIGHT_CALL
from importer.run.runner import PassResult, run_pass
from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN, Runtime, build_runtime
from importer.sandbox import Faults, Sandbox
from importer.vtex.timing import VirtualClock

# The check a pass makes before it takes files (importer.run.preflight). Tests of an outage that
# must leave rows pending spare it (`Faults(..., spared=CHECK_UP)`): the outage starts after
# the check, the files are taken, and their calls fail. An outage that the check sees leaves
# the files in the inbox (tests/test_credentials_preflight.py).
CHECK_UP = frozenset({PREFLIGHT_CALL})
CHECK_PATH = PREFLIGHT_CALL.split(" ", 1)[1]

TEST_CONFIG = """
[vtex]
account = "teststore"
max_attempts = 6

[watch]
settle_s = 0

[flows.prices.columns]
sku_ref = ["Código"]
base_price = ["Preço Venda"]
list_price = ["Preço De"]

[flows.inventory.columns]
quantity = ["Saldo"]
"""
GUARD_OFF = """
# Off here: these tests move prices freely (random prices in the crash campaigns). The guard,
# on by default, has its own tests (tests/test_guard.py), which put this block back out.
[flows.prices.guard]
max_rise_pct = 0
max_fall_pct = 0
"""
TEST_CONFIG += GUARD_OFF


# Seconds each of the longest tests takes on the 2-core machine (wall per test of a whole
# `pytest -n 2` run, 2026-12-03, load 3-4 from other sessions: relative figures); a slow test
# not named here counts as 2 s. Only the order of the run uses them.
LONGEST_S = {
    "tests/test_catalog_e2e.py::test_a_2000_sku_workbook": 30,
    "tests/test_prices_e2e.py::test_only_changed_prices_are_sent_and_reported": 24,
    "tests/reliability/test_soak.py::test_a_short_fault_soak": 19,
    "tests/reliability/test_crash.py::test_catalog_survives": 18,
    "tests/reliability/test_crash.py::test_prices_survive": 16,
    "tests/reliability/test_incomplete_files.py": 14,
    "tests/reliability/test_bad_input.py::test_importer_watch_survives": 13,
    "tests/reliability/test_crash.py::test_inventory_batch_jobs": 13,
    "tests/reliability/test_security.py::test_the_app_token_never_appears": 11,
    "tests/test_cli.py::test_init_then_run": 11,
    "tests/reliability/test_crash.py::test_price_batch_jobs": 11,
    "tests/reliability/test_crash.py::test_inventory_survives": 10,
    "tests/reliability/test_crash.py::test_tracking_events": 9,
    "tests/reliability/test_crash.py::test_invoices_are_posted": 9,
    "tests/reliability/test_two_importers.py::test_two_importers_with_separate_state": 8,
    "tests/test_credentials_preflight.py::test_run_exits_3_when_vtex_refuses": 6,
    "tests/test_cli.py::test_orders_pull_writes": 6,
    "tests/test_cli.py::test_a_run_against_a_store_never_loads": 6,
    "tests/reliability/test_crash.py::test_cancellations_land_once_with_a_crash_at_every": 6,
    "tests/test_credentials_preflight.py::test_run_pull_and_config_exit_2": 5,
    "tests/test_storage_failures.py::test_run_exits_5_with_one_line": 5,
    "tests/read/test_read_workbook_cells.py::test_a_column_renders": 5,
    "tests/test_cli.py::test_run_exit_codes": 5,
    "tests/test_prices_e2e.py::test_every_row_lands_through_429": 5,
    "tests/test_report.py::test_many_rows_stream": 5,
    "tests/test_state_split.py::test_mypy_refuses": 4,
    "tests/reliability/test_two_importers.py::test_a_second_importer": 4,
    "tests/test_storage_failures.py::test_run_exits_5_when_another_process": 4,
    "tests/reliability/test_polling.py": 4,
    "tests/test_bulk_pricing.py::test_a_big_change_set": 4,
    "tests/test_cli.py::test_a_second_importer": 4,
    "tests/reliability/test_crash.py::test_orders_and_cancellations": 4,
}


def expected_seconds(item: pytest.Item) -> float:
    if item.get_closest_marker("slow") is None:
        return 0.0
    return max((s for prefix, s in LONGEST_S.items() if item.nodeid.startswith(prefix)), default=2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, longest first, so the short ones fill both workers at the end
    instead of one long test running alone while the other worker idles. A stable sort: the
    order is the same on every worker, as xdist requires."""
    items.sort(key=expected_seconds, reverse=True)


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist's `--dist load` first gives each worker a quarter of its share as one
    consecutive chunk: with the slow tests first, one worker would get all of them. One test
    at a time (`--maxschedchunk 1`, unless given) makes it hand the next test to whichever
    worker is free: longest first, then greedy. Not in a run without the slow tests
    (`-m "not slow"`, `tasks.py test --fast`): there nothing is long, and sending hundreds
    of short tests one by one only adds a round trip to each."""
    if "not slow" in (config.option.markexpr or ""):
        return
    if getattr(config.option, "maxschedchunk", 0) is None:
        config.option.maxschedchunk = 1


@pytest.fixture(autouse=True)
def no_real_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's or CI's VTEX_* / IMPORTER__* variables never reach a test: code that reads
    the process environment (the command line in-process, `load_settings()` without
    `environ`) must not pick a real account. Subprocess tests strip them too (test_cli)."""
    for name in list(os.environ):
        if name.startswith(("VTEX_", "IMPORTER__")):
            monkeypatch.delenv(name)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "importer.toml").write_text(TEST_CONFIG, encoding="utf-8")
    for flow in ("catalog", "prices", "inventory", "invoices", "tracking", "cancellations"):
        (tmp_path / "inbox" / flow).mkdir(parents=True)
    return tmp_path


def sandbox_client(
    sandbox: Sandbox, base_url: str = "https://teststore.vtexcommercestable.com.br"
) -> httpx.Client:
    """A client as a person (or the admin) would use against the store: VTEX's headers."""
    return httpx.Client(
        transport=sandbox.transport(),
        base_url=base_url,
        headers={
            "X-VTEX-API-AppKey": SANDBOX_KEY,
            "X-VTEX-API-AppToken": SANDBOX_TOKEN,
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )


def seed_store(
    sandbox: Sandbox,
    skus: int,
    warehouses: tuple[str, ...] = ("1_1",),
    *,
    over_http: bool = False,
) -> None:
    """Set the sandbox up through VTEX's own API calls, as a person would a real store.

    The calls go to the sandbox's route handlers through `Sandbox.seed_call` (no HTTP: 10,000
    SKUs in ~1 s instead of ~8 s); `over_http=True` sends the very same calls through httpx
    and the whole contract check, and tests/sandbox/test_sandbox_seed.py proves both leave
    the same store. Either way `sandbox.requests` is empty afterwards.
    """
    with sandbox_client(sandbox) as client:

        def post(path: str, body: dict[str, object]) -> Any:
            if not over_http:
                return sandbox.seed_call("POST", path, body)
            answer = client.post(path, json=body)
            answer.raise_for_status()
            return answer.json() if answer.content else None

        category_id = post(
            "/api/catalog/pvt/category",
            {
                "Name": "Roupas",
                "Keywords": "roupas",
                "Title": "Roupas",
                "Description": "Roupas",
                "AdWordsRemarketingCode": None,
                "LomadeeCampaignCode": None,
                "FatherCategoryId": None,
                "GlobalCategoryId": 0,
                "ShowInStoreFront": True,
                "IsActive": True,
                "ActiveStoreFrontLink": True,
                "ShowBrandFilter": True,
                "Score": 0,
                "StockKeepingUnitSelectionMode": "SPECIFICATION",
            },
        )["Id"]
        post("/api/catalog/pvt/brand", {"Id": 2000001, "Name": "Marca"})
        product_id = None
        for i in range(1, skus + 1):
            if product_id is None or i % 50 == 1:
                product_id = post(
                    "/api/catalog/pvt/product",
                    {
                        "Name": f"Produto {i}",
                        "CategoryId": category_id,
                        "BrandId": 2000001,
                        "RefId": f"P-{i:05d}",
                    },
                )["Id"]
            post(
                "/api/catalog/pvt/stockkeepingunit",
                {
                    "ProductId": product_id,
                    "Name": f"SKU {i}",
                    "RefId": f"SKU-{i:05d}",
                    "PackagedHeight": 10,
                    "PackagedLength": 10,
                    "PackagedWidth": 10,
                    "PackagedWeightKg": 100,
                    "IsActive": False,
                },
            )
        for wh in warehouses:
            post(
                "/api/logistics/pvt/configuration/warehouses",
                {
                    "id": wh,
                    "name": f"Warehouse {wh}",
                    "warehouseDocks": [
                        {
                            "dockId": "1",
                            "name": "Dock 1",
                            "time": "00:00:00",
                            "cost": "0.00",
                            "translateDays": "dias",
                            "costToDisplay": "0,00",
                        }
                    ],
                },
            )
    sandbox.requests.clear()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The emulator, checking every request against VTEX's OpenAPI specs where they are
    present; after the test, no request the importer sent may have broken them."""
    emulator = Sandbox(account="teststore", app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
    yield emulator
    broken = [(r.method, r.path, r.violations) for r in emulator.requests if r.violations]
    assert broken == [], "requests that VTEX's OpenAPI specs reject"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


RuntimeFactory = Callable[..., Runtime]


@pytest.fixture
def make_runtime(workdir: Path, clock: VirtualClock) -> Iterator[RuntimeFactory]:
    made: list[Runtime] = []

    def factory(sandbox: Sandbox, environ: dict[str, str] | None = None) -> Runtime:
        loaded = load_settings(cwd=workdir, environ=environ or {})
        runtime = build_runtime(loaded, sandbox=sandbox, clock=clock)
        made.append(runtime)
        return runtime

    yield factory
    for runtime in made:
        runtime.deps.store.close()


def one_pass(runtime: Runtime) -> PassResult:
    """`importer run` without the real-time wait: the gate sees each file twice."""
    return run_pass(runtime, CompletenessGate(settle_seconds=0), settle=lambda: None)


def drop(workdir: Path, flow: str, name: str, content: str | bytes) -> Path:
    path = workdir / "inbox" / flow / name
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    return path


__all__ = ["CHECK_PATH", "CHECK_UP", "Faults", "drop", "one_pass", "seed_store"]
