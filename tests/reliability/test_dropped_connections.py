"""Dropped connections against the importer (in-process, virtual time): what a repeat would
duplicate is looked up first, and that look-up-then-resend path keeps the configured backoff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from importer.config import load_settings
from importer.run.runtime import Runtime, build_runtime
from importer.sandbox import Faults, Sandbox
from importer.vtex.timing import VirtualClock
from tests.conftest import RuntimeFactory, drop, one_pass

CATALOG = (
    "product_ref,product_name,category,brand,sku_ref,ean,height_cm,width_cm,length_cm,"
    "weight_kg,image_urls\n"
    + "".join(
        f"P{n},Produto {n},Soak > Drops,Marca Drop,P{n}-A,{ean},10,20,30,0.5,"
        f"https://img.example.com/p{n}-1.jpg|https://img.example.com/p{n}-2.jpg\n"
        for n, ean in ((1, "7891000100017"), (2, "7891000100024"), (3, "7891000100031"))
    )
)


def test_catalog_creates_eans_and_images_land_once_when_connections_drop(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    sandbox.seed_demo()
    sandbox.faults = Faults(rate_drop=0.3, seed=4)
    runtime = make_runtime(sandbox)
    drop(workdir, "catalog", "c.csv", CATALOG)
    for _ in range(6):  # rows whose retries ran out are pending: later passes finish them
        one_pass(runtime)
        if runtime.deps.store.pending_count() == 0:
            break
    assert runtime.deps.store.pending_count() == 0
    # The dangerous case happened: writes a repeat would duplicate were applied, unanswered.
    assert {"drop-after", "drop-before"} <= {
        r.fault for r in sandbox.requests if r.method == "POST"
    }
    refs = [r for s in sandbox.skus.values() if str(r := s.get("RefId", "")).startswith("P")]
    assert sorted(refs) == ["P1-A", "P2-A", "P3-A"]
    for n, ean in ((1, "7891000100017"), (2, "7891000100024"), (3, "7891000100031")):
        sku_id = sandbox.sku_refids[f"P{n}-A"]
        assert sandbox.sku_eans(sku_id) == [ean]
        sources = sorted(str(f["SourceUrl"]) for f in sandbox.sku_files(sku_id))
        assert sources == [f"https://img.example.com/p{n}-{k}.jpg" for k in (1, 2)]
    assert [c["Name"] for c in sandbox.categories.values()].count("Drops") == 1
    assert [b["Name"] for b in sandbox.brands.values()].count("Marca Drop") == 1


@pytest.fixture
def flaky_creates(workdir: Path, sandbox: Sandbox, clock: VirtualClock) -> Iterator[Runtime]:
    """A runtime whose first three SKU creates get a 503 (nothing applied), with a backoff
    capped at 0.5 s."""
    failures = iter(range(3))

    def handler(request: httpx.Request) -> httpx.Response:
        creating = request.method == "POST" and request.url.path.endswith("/stockkeepingunit")
        if creating and next(failures, None) is not None:
            return httpx.Response(503, json={"error": "Service Unavailable"})
        return sandbox(request)

    environ = {"IMPORTER__VTEX__BACKOFF_MAX_S": "0.5"}
    loaded = load_settings(cwd=workdir, environ=environ)
    runtime = build_runtime(loaded, transport=httpx.MockTransport(handler), clock=clock)
    yield runtime
    runtime.deps.store.close()


def test_a_create_looked_up_before_it_is_resent_keeps_the_configured_backoff(
    workdir: Path, sandbox: Sandbox, clock: VirtualClock, flaky_creates: Runtime
) -> None:
    sandbox.seed_demo()
    drop(workdir, "catalog", "c.csv", CATALOG.split("\n", 2)[0] + "\n" + CATALOG.split("\n")[1])
    report = one_pass(flaky_creates).reports[0]
    assert (report.summary.created, report.summary.pending) == (1, 0)
    assert [s.get("RefId") for s in sandbox.skus.values()].count("P1-A") == 1
    # Three pauses of at most backoff_max_s (it was 2 + 4 + 8 s, whatever the settings).
    assert clock.slept <= 3 * 0.5
