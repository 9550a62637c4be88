"""The same sandbox on a real loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from importer.sandbox import Faults, Sandbox, SandboxServer, serve


@pytest.fixture
def served(
    sandbox: Sandbox,
) -> Iterator[SandboxServer]:
    server = serve(sandbox, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_real_request_is_answered(
    served: SandboxServer, auth_headers: dict[str, str], json_headers: dict[str, str]
) -> None:
    headers = {**auth_headers, **json_headers}
    with httpx.Client(base_url=served.url, headers=headers, timeout=5) as client:
        put = client.put("/sandbox/pricing/prices/1", json={"basePrice": 19.9})
        assert put.status_code == 200
        assert put.headers["Ratelimit-Limit"]
        got = client.get("/pricing/prices/1")
        assert '"basePrice":19.9' in got.text
        assert (
            client.get("/pricing/prices/1", headers={"X-VTEX-API-AppToken": "x"}).status_code == 401
        )
    assert served.server_address[0] == "127.0.0.1"


@pytest.mark.slow
def test_a_timeout_stalls_until_the_client_gives_up(
    served: SandboxServer,
    sandbox: Sandbox,
    auth_headers: dict[str, str],
    json_headers: dict[str, str],
) -> None:
    sandbox.faults = Faults(rate_timeout=1.0, timeout_stall_s=10)
    headers = {**auth_headers, **json_headers}
    with (
        httpx.Client(base_url=served.url, headers=headers, timeout=0.3) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.put("/pricing/prices/2", json={"basePrice": 1})
    assert sandbox.prices[2]["basePrice"] == 1


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_only_loopback_hosts_are_accepted(sandbox: Sandbox, host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve(sandbox, host, 0)
