"""The buckets adapt to VTEX: `Ratelimit-*` headers spread requests before the credits run out;
a 429 halves the rate, which comes back step by step (AIMD). Against the metered sandbox on
the same virtual clock as the importer, so nothing is injected and nothing sleeps."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import httpx
import pytest
from loguru import logger

from importer.config import RateLimit, VtexSettings
from importer.sandbox import Sandbox
from importer.sandbox.metering import BurstLimit, Limits
from importer.vtex.http import Api, VtexHttp, make_buckets
from importer.vtex.ratelimit import Credits, TokenBucket
from importer.vtex.timing import VirtualClock
from tests.conftest import SANDBOX_KEY, SANDBOX_TOKEN, drop, one_pass, seed_store

PUT = "PUT /pricing/prices/{itemId}"
PRICE = {"basePrice": 10.0, "costPrice": 5.0, "fixedPrices": []}


def metered(clock: VirtualClock, limits: Limits | None = None) -> Sandbox:
    sandbox = Sandbox(
        account="teststore",
        app_key=SANDBOX_KEY,
        app_token=SANDBOX_TOKEN,
        clock=clock.monotonic,
        metered=limits or True,
    )
    seed_store(sandbox, 1)
    return sandbox


def client(sandbox: Sandbox, clock: VirtualClock, settings: VtexSettings) -> VtexHttp:
    return VtexHttp(
        settings,
        app_key=SANDBOX_KEY,
        app_token=SANDBOX_TOKEN,
        transport=sandbox.async_transport(),
        clock=clock,
        buckets=make_buckets(settings, clock),
    )


async def send(http: VtexHttp, n: int, api: Api, method: str, path: str, body: object) -> None:
    gate = asyncio.Semaphore(32)  # the importer's concurrency

    async def one() -> None:
        async with gate:
            await http.request(api, method, path, body=body)

    await asyncio.gather(*(one() for _ in range(n)))


def statuses(sandbox: Sandbox, status: int) -> int:
    return sum(1 for r in sandbox.requests if r.status == status)


@pytest.mark.slow  # ~0.35 s: 120 requests through the sandbox's contract check
def test_headers_spread_requests_so_a_client_faster_than_vtex_meets_no_429() -> None:
    """Configured at twice VTEX's rate (the account's budget is lower than the settings say):
    the burst credits are spent within seconds, and only the headers can tell. Without
    reading them this run met a 429 after ~2 virtual seconds."""
    clock = VirtualClock()
    sandbox = metered(clock, Limits(pricing_write=BurstLimit(per_second=10, credits=30)))
    settings = VtexSettings(
        account="teststore", rate_limits={"pricing": RateLimit(per_second=20, burst=20)}
    )

    async def go() -> TokenBucket:
        async with client(sandbox, clock, settings) as http:
            await send(http, 120, Api.PRICING, "PUT", "/pricing/prices/1", PRICE)
            return http._buckets["pricing"]

    bucket = asyncio.run(go())
    assert statuses(sandbox, 429) == 0 and sandbox.metering is not None
    assert sandbox.metering.refused == 0
    assert statuses(sandbox, 200) == 120
    # It slowed to about VTEX's 10/s, not further: 30 credits + 10/s carry 120 requests in
    # ~9 s, and the spreading took no more than a few seconds beyond that.
    assert min(rate for _, rate in bucket.history) >= 5
    assert clock.now < 12


def test_a_forced_drop_gives_a_real_429_then_the_rate_halves_and_comes_back_in_steps() -> None:
    """Another integration spends the account's Catalog minute: the next request gets VTEX's
    bare 429 (no Retry-After documented for Catalog: the minute), the rate halves once for
    every request that was in flight, then rises by a tenth of the configured rate per
    window without a 429, back to the configured rate and no further."""
    clock = VirtualClock()
    sandbox = metered(clock)
    settings = VtexSettings(
        account="teststore",
        rate_limits={"catalog": RateLimit(per_second=10, burst=10)},
        recover_window_s=1.0,
        recover_step=0.1,
    )
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(m.record["message"]), level="INFO")
    path = "/api/catalog/pvt/stockkeepingunit/1"

    async def go() -> TokenBucket:
        async with client(sandbox, clock, settings) as http:
            await send(http, 20, Api.CATALOG, "GET", path, None)
            assert sandbox.metering is not None
            sandbox.metering.drain("GET /api/catalog/pvt/stockkeepingunit/{skuId}")
            dropped_at = clock.now
            await send(http, 80, Api.CATALOG, "GET", path, None)
            assert clock.now - dropped_at >= 60  # the documented minute, honoured
            return http._buckets["catalog"]

    try:
        bucket = asyncio.run(go())
    finally:
        logger.remove(sink)
    assert statuses(sandbox, 429) == 1  # real, from the meter, and only one
    rates = [round(rate, 6) for _, rate in bucket.history]
    assert rates == [10, 5, 6, 7, 8, 9, 10]
    times = [t for t, _ in bucket.history[2:]]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    assert bucket.per_second == 10 == bucket.configured
    slowing = [m for m in messages if "429, waiting" in m]
    back = [m for m in messages if "back to 10 req/s" in m]
    assert len(slowing) == 1 and len(back) == 1, messages


def test_every_pricing_answer_is_read_and_low_credits_cap_the_burst() -> None:
    """One answer saying 40 of 500 credits are left, full in 14 s: no burst beyond the spare
    credits, and the rate at VTEX's refill rate (460/14 = 33/s) plus the spare over 14 s."""
    clock = VirtualClock()
    settings = VtexSettings(
        account="teststore", rate_limits={"pricing": RateLimit(per_second=100, burst=100)}
    )
    low = {"Ratelimit-Limit": "500", "Ratelimit-Remaining": "40", "Ratelimit-Reset": "14"}
    buckets = make_buckets(settings, clock)

    async def go() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, headers=low))
        async with VtexHttp(
            settings, app_key="k", app_token="t", transport=transport, clock=clock, buckets=buckets
        ) as http:
            for _ in range(31):
                await http.request(Api.PRICING, "PUT", "/pricing/prices/1", body=PRICE)

    asyncio.run(go())
    bucket = buckets["pricing"]
    rate = 0.9 * 460 / 14 + 0 / 14  # 40 credits left is under the 50 kept for requests in flight
    assert bucket.per_second == pytest.approx(rate)
    # The first request went out of the burst; after it, none: 30 more at ~29.6/s.
    assert clock.now == pytest.approx(30 / rate, rel=0.01)
    assert Credits.from_headers(low) == Credits(500, 40, 14)
    assert Credits.from_headers({"Ratelimit-Limit": "500"}) is None
    raw = [
        (b"RateLimit-Limit", b"500"),
        (b"ratelimit-remaining", b"40"),
        (b"RATELIMIT-RESET", b"14"),
    ]
    assert Credits.from_raw(raw) == Credits(500, 40, 14)  # header names are case-blind
    assert Credits.from_raw(raw[:2]) is None


@pytest.mark.slow  # ~1 s: a 150-row file through a whole pass
def test_a_prices_file_lands_whole_when_vtex_allows_less_than_configured(
    workdir: Path, make_runtime, clock: VirtualClock
) -> None:
    """The importer end to end with its default settings (30/s, 300 at once) against an
    account whose Pricing budget is a third of that: every row lands, none pending, and the
    meter refused nothing."""
    sandbox = Sandbox(
        account="teststore",
        app_key=SANDBOX_KEY,
        app_token=SANDBOX_TOKEN,
        clock=clock.monotonic,
        metered=Limits(pricing_write=BurstLimit(per_second=10, credits=60)),
    )
    seed_store(sandbox, 150)
    rows = "".join(f"SKU-{i:05d},{i}.50\n" for i in range(1, 151))
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\n" + rows)
    summary = one_pass(make_runtime(sandbox)).reports[0].summary
    assert summary.failed == summary.pending == 0
    assert summary.created + summary.updated == 150
    assert sandbox.metering is not None and sandbox.metering.refused == 0
    assert statuses(sandbox, 429) == 0


def test_429s_in_a_row_halve_the_rate_once_per_window() -> None:
    """A 429 during the pause of another (a request that was in flight), and one just after
    it: the same overload, one halving; a 429 a window later halves again."""
    clock = VirtualClock()
    bucket = TokenBucket(per_second=16, burst=16, clock=clock)  # a window of 10 s

    async def go() -> None:
        bucket.pause(1)
        bucket.pause(1)  # still paused
        clock.now += 2
        await bucket.acquire()
        bucket.pause(1)  # 2 s after the first: inside its window
        assert bucket.per_second == 8
        clock.now += 11
        await bucket.acquire()
        bucket.pause(1)
        assert bucket.per_second == 4

    asyncio.run(go())
