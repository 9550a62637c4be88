"""The fault soak (tests/reliability/soak.py), short and seeded: a real `importer watch`
against a loopback sandbox that throws 429s, 5xx, timeouts and dropped connections at it
while files keep arriving; afterwards VTEX holds exactly what the files said.

About half of its price and stock files go as VTEX batch jobs (a separate batch soak would
cost more than the suite can spend), so the faults hit job calls and storage URLs too; the
other half go per SKU. The minutes-long batch soak is `python -m tests.reliability.soak
--batch`. Below it, what the soaks found, pinned down in-process."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import Faults, Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass
from tests.reliability.soak import SoakPlan, batched, run_soak

# Slow: a fault soak on a live sandbox. `tasks.py test --fast` leaves this module out.
pytestmark = pytest.mark.slow


# The mix of faults, on a time scale a test can afford: Retry-After 0.1 s, a client
# that gives up on a stalled answer after 1 s, backoff from 50 ms, and a rate halved by a 429
# that is back whole after 0.1 s: these 429s are drawn at random, one call in ten, not
# VTEX's answer to load; at the default 10 s a step the halved rates (README, "Rate limits
# and priorities") slow the passes so much that the inbox stays full and the dropper never
# gets to its invoices turn (measured: 33 s, no invoices file, against 18 s on main).
PER_SKU = SoakPlan(
    drop_seconds=7,
    seed=20261127,
    faults=Faults(
        latency_ms=5,
        rate_429=0.10,
        retry_after=0.1,
        rate_5xx=0.10,
        rate_timeout=0.05,
        rate_drop=0.05,
        seed=20261127,
        timeout_stall_s=5,
    ),
    file_every_s=0.4,
    order_every_s=0.8,
    max_backlog=3,
    settle_idle_s=30,
    feed_patience_s=2,
    importer_env={
        "IMPORTER__VTEX__TIMEOUT_S": "1",
        "IMPORTER__VTEX__BACKOFF_INITIAL_S": "0.05",
        "IMPORTER__VTEX__BACKOFF_MAX_S": "0.5",
        "IMPORTER__VTEX__RECOVER_WINDOW_S": "0.1",
        "IMPORTER__VTEX__RECOVER_STEP": "1",
        "IMPORTER__WATCH__SETTLE_S": "0.1",
        "IMPORTER__WATCH__SCAN_INTERVAL_S": "0.2",
        "IMPORTER__ORDERS__PULL_INTERVAL_S": "1",
    },
)
SHORT = batched(PER_SKU, share=0.5, poll_s=0.01)


def test_a_short_fault_soak_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    result = run_soak(tmp_path, SHORT, log=lambda _: None)
    assert result.problems == [], result.table()
    intent = result.intent
    # The soak did what it claims: every flow, invalid rows, orders, and every fault kind.
    assert set(intent.files.values()) == {"prices", "inventory", "catalog", "invoices"}
    assert intent.invoices and intent.orders and any(intent.bad_rows.values())
    assert all(result.faults[kind] > 0 for kind in ("429", "5xx", "timeout", "dropped"))
    assert (result.rows_lost, result.duplicates) == (0, 0)
    # Batch jobs ran for both flows (the audit checks each ran once and to completion), and
    # the costs and lead times they carried are what VTEX holds.
    assert result.jobs is not None and all(result.jobs.ran[f] > 0 for f in ("prices", "inventory"))
    assert intent.costs and intent.lead_times


class DropsTheFirstBrandCreate(Sandbox):
    """A sandbox whose first brand create is dropped before VTEX applies it (a reset)."""

    dropped = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not self.dropped and (request.method, request.url.path) == ("POST", BRAND_CREATE):
            self.dropped = True
            raise httpx.ReadError("connection reset by peer (not applied)", request=request)
        return super().__call__(request)


BRAND_CREATE = "/api/catalog/pvt/brand"


def test_a_brand_create_dropped_before_vtex_applied_it_does_not_fail_the_next_new_brand(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    """What the batch soak found: the brand list read again after the dropped create replaced
    the one the resolver held, so the created brand's Id was not in it, and the next new brand
    was sent with that same Id (VTEX: 409 "already exists"): its product failed for good."""
    sandbox = DropsTheFirstBrandCreate(
        account="teststore", app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN
    )
    header = "product_ref,product_name,category,brand,sku_ref,height_cm,width_cm,length_cm," + (
        "weight_kg,image_urls"
    )
    rows = [
        f"P{n},Produto {n},Moda > Camisas,Marca {n},S{n},10,20,30,0.5,https://img.example.com/{n}.jpg"
        for n in (1, 2)
    ]
    drop(workdir, "catalog", "catalogo.csv", "\n".join([header, *rows]) + "\n")
    summary = one_pass(make_runtime(sandbox)).reports[0].summary
    assert sandbox.dropped
    assert (summary.failed, summary.skipped, summary.products_not_saved) == (0, 0, 0)
    assert sorted(b["Name"] for b in sandbox.brands.values()) == ["Marca 1", "Marca 2"]
    assert sorted(p["Name"] for p in sandbox.products.values()) == ["Produto 1", "Produto 2"]
