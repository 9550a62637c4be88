"""The sandbox meters VTEX's documented limits per account, on its own (injectable) clock."""

from __future__ import annotations

from importer.sandbox import Sandbox
from importer.sandbox.metering import DOCUMENTED, BurstLimit, Limits, Metering, MinuteLimit
from importer.vtex.timing import VirtualClock
from tests.conftest import SANDBOX_KEY, SANDBOX_TOKEN, sandbox_client, seed_store

PUT = "PUT /pricing/prices/{itemId}"
DELETE = "DELETE /pricing/prices/{itemId}"
SKU = "GET /api/catalog/pvt/stockkeepingunit/{skuId}"
PRICE = {"basePrice": 10.0, "costPrice": 5.0, "fixedPrices": []}


def test_pricing_writes_have_500_credits_refilled_at_33_per_second() -> None:
    """VTEX's Pricing table: POST/PUT 33/s with 500 burst credits, DELETE 16/s with 300; an
    idle second refills the route's rate; at 0 credits a 429 with Retry-After."""
    clock = VirtualClock()
    meter = Metering(clock.monotonic)
    verdicts = [meter.admit(PUT) for _ in range(501)]
    assert all(v.allowed for v in verdicts[:500]) and not verdicts[500].allowed
    assert verdicts[0].headers == {
        "Ratelimit-Limit": "500",
        "Ratelimit-Remaining": "499",
        "Ratelimit-Reset": "1",
    }
    assert verdicts[500].headers == {
        "Ratelimit-Limit": "500",
        "Ratelimit-Remaining": "0",
        "Ratelimit-Reset": "16",  # 500 credits at 33/s
        "Retry-After": "1",
    }
    clock.now += 1  # one idle second: 33 credits back
    assert sum(meter.admit(PUT).allowed for _ in range(40)) == 33
    # Per route: the DELETE route has its own 300 credits, the PATCH route its own 500.
    assert sum(meter.admit(DELETE).allowed for _ in range(310)) == 300
    assert meter.admit("PATCH /pricing/prices/{itemId}/fixed").allowed
    assert meter.admit("GET /pricing/prices/{itemId}").headers == {}  # GET: not metered
    assert meter.refused == 1 + 7 + 10


def test_catalog_has_a_budget_per_endpoint_and_one_per_account_each_minute() -> None:
    """VTEX: 15,000 per minute per endpoint, 45,000 per account (here a thousandth of each,
    the same rule at a test's size)."""
    assert (DOCUMENTED.catalog_endpoint, DOCUMENTED.catalog_account) == (
        MinuteLimit(15_000),
        MinuteLimit(45_000),
    )
    clock = VirtualClock()
    meter = Metering(
        clock.monotonic, Limits(catalog_endpoint=MinuteLimit(15), catalog_account=MinuteLimit(45))
    )
    assert sum(meter.admit(SKU).allowed for _ in range(16)) == 15
    verdict = meter.admit(SKU)
    assert not verdict.allowed and verdict.headers == {}  # no headers documented for Catalog
    others = ["GET /api/catalog/pvt/product/{productId}", "POST /api/catalog/pvt/product"]
    assert sum(meter.admit(op).allowed for op in others for _ in range(15)) == 30
    assert not meter.admit("GET /api/catalog/pvt/brand/{brandId}").allowed  # the account's
    clock.now += 60  # the next minute
    assert meter.admit(SKU).allowed


def test_get_order_has_6000_per_minute_and_logistics_is_not_metered() -> None:
    assert DOCUMENTED.orders_get == MinuteLimit(6_000)
    clock = VirtualClock()
    meter = Metering(clock.monotonic, Limits(orders_get=MinuteLimit(6)))
    get = "GET /api/oms/pvt/orders/{orderId}"
    assert sum(meter.admit(get).allowed for _ in range(7)) == 6
    meter.drain(get)  # spent already: nothing more this minute
    clock.now += 60
    assert meter.admit(get).allowed
    # Logistics documents no numbers: never refused.
    put = "PUT /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}"
    assert all(meter.admit(put).allowed for _ in range(100))


def test_a_metered_sandbox_answers_a_real_429_and_applies_nothing() -> None:
    clock = VirtualClock()
    sandbox = Sandbox(
        account="teststore",
        app_key=SANDBOX_KEY,
        app_token=SANDBOX_TOKEN,
        clock=clock.monotonic,
        metered=Limits(pricing_write=BurstLimit(per_second=2, credits=3)),
    )
    seed_store(sandbox, 2)
    with sandbox_client(sandbox, "https://api.vtex.com/teststore") as client:
        answers = [client.put("/pricing/prices/1", json=PRICE) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert answers[-1].headers["Ratelimit-Remaining"] == "0"
        assert answers[-1].headers["Ratelimit-Reset"] == "2"  # 3 credits at 2/s, rounded up
        refused = client.put("/pricing/prices/2", json=PRICE)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert 2 not in sandbox.prices  # "the current request was rate-limited and not processed"
        clock.now += 0.5  # one credit back
        assert client.put("/pricing/prices/2", json=PRICE).status_code == 200
    assert 2 in sandbox.prices


def test_the_sandbox_is_not_metered_unless_asked() -> None:
    """Tests drive the importer on a virtual clock against a sandbox on the real one: metering
    them would refuse what VTEX, on one clock, would not."""
    assert Sandbox(account="teststore").metering is None
    metered = Sandbox(account="teststore", metered=True).metering
    assert metered is not None and metered.limits == DOCUMENTED
