"""Dropped connections: closed without an answer, before or after the request was applied,
in-process and on a real socket, with the error a real client gets."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import httpx
import pytest

from importer.sandbox import Faults, Sandbox
from tests.reliability.live import LiveSandbox

ClientFactory = Callable[..., httpx.Client]
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)


def put_prices(client: httpx.Client, count: int) -> list[str]:
    """PUT a price for SKUs 1..count; the name of the error each one raised."""
    errors = []
    for sku in range(1, count + 1):
        with pytest.raises(DROPPED) as raised:
            client.put(f"/pricing/prices/{sku}", json={"basePrice": sku})
        errors.append(type(raised.value).__name__)
    return errors


def test_a_dropped_connection_is_applied_only_when_logged_drop_after(
    make_client: ClientFactory,
) -> None:
    box = Sandbox(faults=Faults(rate_drop=1.0, seed=5))
    errors = put_prices(make_client(box), 40)
    assert set(errors) == {"RemoteProtocolError", "ReadError"}  # EOF and reset, both seen
    labels = {r.path: r.fault for r in box.requests}
    assert set(labels.values()) == {"drop-before", "drop-after"}
    for record in box.requests:
        sku = int(record.path.rsplit("/", 1)[1])
        if record.fault == "drop-after":  # applied, then the answer was lost
            assert (box.prices[sku]["basePrice"], record.status) == (sku, 200)
        else:  # nothing happened
            assert (sku not in box.prices, record.status) == (True, 0)


def test_drops_are_reproducible_and_leave_the_other_faults_sequence_alone(
    make_client: ClientFactory,
) -> None:
    def labels(faults: Faults) -> list[str | None]:
        box = Sandbox(faults=faults)
        client = make_client(box)
        for sku in range(1, 61):
            with contextlib.suppress(httpx.TransportError):
                client.put(f"/pricing/prices/{sku}", json={"basePrice": 1})
        return [r.fault for r in box.requests]

    mixed = Faults(rate_429=0.2, rate_5xx=0.2, rate_timeout=0.1, rate_drop=0.2, seed=3)
    first = labels(mixed)
    assert first == labels(mixed)
    # Drops take the last slice of each roll: up to the first drop, the same seed without
    # drops draws the same 429s, 5xx and timeouts (seeded tests written before drops hold).
    without = labels(Faults(rate_429=0.2, rate_5xx=0.2, rate_timeout=0.1, seed=3))
    first_drop = next(i for i, label in enumerate(first) if label and label.startswith("drop"))
    assert first_drop > 0 and first[:first_drop] == without[:first_drop]
    assert {"429", "timeout", "drop-before", "drop-after"} <= set(first)


@pytest.fixture
def served() -> Iterator[LiveSandbox]:
    with LiveSandbox(Sandbox(faults=Faults(rate_drop=1.0, seed=11))) as live:
        yield live


def test_on_a_port_the_socket_is_closed_unanswered_with_a_reset_or_an_eof(
    served: LiveSandbox, auth_headers: dict[str, str], json_headers: dict[str, str]
) -> None:
    headers = {**auth_headers, **json_headers}
    with httpx.Client(base_url=served.url, headers=headers, timeout=5) as client:
        errors = put_prices(client, 30)
        assert set(errors) == {"RemoteProtocolError", "ReadError"}
        box = served.sandbox
        after = {int(r.path.rsplit("/", 1)[1]) for r in box.requests if r.fault == "drop-after"}
        assert after and set(box.prices) == after
        box.faults = None  # the server is unharmed: the next connection is answered
        assert client.get("/pricing/prices/1").status_code in (200, 404)
