"""Injected faults: reproducible by seed, never masking a 401, 429/5xx never applied."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from importer.sandbox import Faults, Sandbox

ClientFactory = Callable[..., httpx.Client]


def statuses(box: Sandbox, client: httpx.Client, count: int) -> list[int]:
    result = []
    for number in range(1, count + 1):
        try:
            result.append(
                client.put(f"/pricing/prices/{number}", json={"basePrice": 1}).status_code
            )
        except httpx.ReadTimeout:
            result.append(0)
    return result


def test_faults_are_reproducible_by_seed(make_client: ClientFactory) -> None:
    faults = Faults(rate_429=0.2, rate_5xx=0.2, rate_timeout=0.1, seed=42)
    first, second, other = (Sandbox(faults=faults), Sandbox(faults=faults), Sandbox())
    other.faults = Faults(rate_429=0.2, rate_5xx=0.2, rate_timeout=0.1, seed=43)
    runs = [statuses(box, make_client(box), 60) for box in (first, second, other)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert {429, 0, 200} <= set(runs[0]) and set(runs[0]) & {500, 502, 503}
    assert [r.fault for r in first.requests] == [r.fault for r in second.requests]


def test_a_429_carries_retry_after_and_applies_nothing(make_client: ClientFactory) -> None:
    box = Sandbox(faults=Faults(rate_429=1.0, retry_after=0.5))
    response = make_client(box).put("/pricing/prices/1", json={"basePrice": 10})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "0.5"
    assert response.headers["Ratelimit-Remaining"] == "0"
    assert box.prices == {}
    assert box.requests[-1].fault == "429"


def test_a_5xx_applies_nothing(make_client: ClientFactory) -> None:
    box = Sandbox(faults=Faults(rate_5xx=1.0))
    response = make_client(box).put("/pricing/prices/1", json={"basePrice": 10})
    assert response.status_code in (500, 502, 503)
    assert box.prices == {}


def test_a_timeout_is_raised_after_the_write_was_applied(make_client: ClientFactory) -> None:
    box = Sandbox(faults=Faults(rate_timeout=1.0))
    with pytest.raises(httpx.ReadTimeout):
        make_client(box).put("/pricing/prices/1", json={"basePrice": 10})
    assert box.prices[1]["basePrice"] == 10  # VTEX: a failed write may still have landed
    assert (box.requests[-1].fault, box.requests[-1].status) == ("timeout", 200)


def test_faults_never_mask_a_401(make_client: ClientFactory) -> None:
    box = Sandbox(faults=Faults(rate_429=1.0))
    assert make_client(box, auth=False).get("/pricing/prices/1").status_code == 401
    assert box.requests[-1].fault is None


def test_latency_goes_through_the_injected_sleep(make_client: ClientFactory) -> None:
    slept: list[float] = []
    box = Sandbox(faults=Faults(latency_ms=250), sleep=slept.append)
    make_client(box).get("/pricing/prices/1")
    assert slept == [0.25]


def test_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="sum to at most 1"):
        Faults(rate_429=0.6, rate_5xx=0.6)
