"""The HTTP plumbing: hosts, headers, HTTPS only, retries that honour Retry-After, rate limits."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from importer.config import RateLimit, VtexSettings
from importer.errors import ConfigError, FatalVtexError, RetriableVtexError, RowRejectedError
from importer.vtex.http import Api, VtexHttp, base_urls, encode_json
from importer.vtex.timing import VirtualClock

SECRET = "s3cr3t-token-value"


def make(handler, clock: VirtualClock, **settings: object) -> VtexHttp:  # type: ignore[no-untyped-def]
    return VtexHttp(
        VtexSettings(account="mystore", **settings),  # type: ignore[arg-type]
        app_key="key",
        app_token=SECRET,
        transport=httpx.MockTransport(handler),
        clock=clock,
    )


def test_each_api_goes_to_its_own_host() -> None:
    urls = base_urls(VtexSettings(account="mystore"))
    assert urls[Api.CATALOG] == "https://mystore.vtexcommercestable.com.br"
    assert urls[Api.PRICING] == "https://api.vtex.com/mystore"
    assert urls[Api.LOGISTICS_BATCH] == "https://logistics.vtexcommercestable.com.br/mystore"
    one = base_urls(VtexSettings(account="mystore", base_url="http://127.0.0.1:8700/"))
    assert set(one.values()) == {"http://127.0.0.1:8700"}


@pytest.mark.parametrize("url", ["http://example.com", "ftp://127.0.0.1", "http://10.0.0.5:80"])
def test_plain_http_is_refused_except_to_loopback(url: str) -> None:
    with pytest.raises(ConfigError, match="use https://"):
        base_urls(VtexSettings(account="mystore", base_url=url))


def test_every_call_carries_auth_and_content_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    async def go() -> None:
        async with make(handler, VirtualClock()) as http:
            await http.request(Api.PRICING, "GET", "/pricing/prices/1")

    asyncio.run(go())
    headers = seen[0].headers
    assert str(seen[0].url) == "https://api.vtex.com/mystore/pricing/prices/1"
    assert headers["X-VTEX-API-AppKey"] == "key"
    assert headers["X-VTEX-API-AppToken"] == SECRET
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"


def test_retry_after_is_honoured_and_pauses_the_api() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(503),
            httpx.Response(200, json=True),
        ]
    )
    clock = VirtualClock()

    async def go() -> int:
        async with make(lambda request: next(answers), clock, backoff_initial_s=1.0) as http:
            response = await http.request(Api.PRICING, "PUT", "/pricing/prices/1", body={})
            return response.status_code

    assert asyncio.run(go()) == 200
    # The Retry-After, then (second attempt) a jittered backoff between 1 and 2 s, plus the
    # token refill after the pause (a 429 leaves no burst): 1/30 s per request.
    assert 7.0 + 1.0 <= clock.slept <= 7.0 + 2.0 + 0.1


def test_errors_are_classified_and_never_carry_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        status = int(request.url.path.rsplit("/", 1)[1])
        return httpx.Response(status, text="nope")

    async def call(status: int) -> Exception:
        async with make(handler, VirtualClock(), max_attempts=2) as http:
            try:
                await http.request(Api.PRICING, "PUT", f"/pricing/prices/{status}", body={})
            except Exception as exc:
                return exc
        raise AssertionError("no error")

    assert isinstance(asyncio.run(call(503)), RetriableVtexError)
    assert isinstance(asyncio.run(call(403)), FatalVtexError)
    rejected = asyncio.run(call(400))
    assert isinstance(rejected, RowRejectedError) and rejected.status == 400
    for status in (503, 403, 400):
        assert SECRET not in repr(asyncio.run(call(status)))


def test_rate_limit_spaces_requests_in_virtual_time() -> None:
    clock = VirtualClock()

    async def go() -> None:
        settings = {"rate_limits": {"pricing": RateLimit(per_second=10, burst=5)}}
        async with make(lambda r: httpx.Response(200), clock, **settings) as http:
            await asyncio.gather(
                *(
                    http.request(Api.PRICING, "PUT", f"/pricing/prices/{i}", body={})
                    for i in range(25)
                )
            )

    asyncio.run(go())
    # 5 go at once (burst), the other 20 at 10/s.
    assert clock.now == pytest.approx(2.0, abs=0.05)


def test_decimals_are_sent_exactly() -> None:
    assert (
        encode_json({"v": Decimal("1234.56"), "w": Decimal("0.1")}) == b'{"v": 1234.56, "w": 0.1}'
    )


def test_a_long_retry_after_is_capped_and_a_pause_carries_over_to_the_next_client() -> None:
    from importer.vtex.http import make_buckets

    clock = VirtualClock()
    settings = VtexSettings(account="mystore", max_attempts=1, backoff_max_s=30)
    buckets = make_buckets(settings, clock)
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "3600"}), httpx.Response(200, json=True)]
    )

    def client() -> VtexHttp:
        return VtexHttp(
            settings,
            app_key="key",
            app_token=SECRET,
            clock=clock,
            buckets=buckets,
            transport=httpx.MockTransport(lambda request: next(answers)),
        )

    async def first() -> None:
        async with client() as http:
            with pytest.raises(RetriableVtexError):
                await http.request(Api.PRICING, "PUT", "/pricing/prices/1", body={})

    async def second() -> None:
        async with client() as http:
            await http.request(Api.PRICING, "PUT", "/pricing/prices/1", body={})

    asyncio.run(first())
    asyncio.run(second())  # a new client, a new event loop: the pause still holds
    # Capped at backoff_max_s, not an hour; then one token refills (no burst after a 429), at
    # half the configured 30/s: a 429 halves the rate (importer/vtex/ratelimit.py).
    assert clock.now == pytest.approx(30.0 + 1 / 15, abs=0.01)


def test_a_trust_store_that_does_not_exist_is_a_config_error_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a traceback on the first call: the person is told which variable to fix."""
    from importer.config import load_settings
    from importer.run.runtime import build_runtime

    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing-ca.pem"))
    loaded = load_settings(
        cwd=tmp_path,
        environ={"VTEX_ACCOUNT": "acme", "VTEX_APP_KEY": "k", "VTEX_APP_TOKEN": "t"},
    )
    with pytest.raises(ConfigError, match=r"SSL_CERT_FILE is set to .*missing-ca\.pem"):
        build_runtime(loaded)


def test_a_trust_store_that_holds_no_certificates_is_a_config_error_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importer.config import load_settings
    from importer.run.runtime import build_runtime

    bundle = tmp_path / "ca.pem"
    bundle.write_text("this is not a certificate\n", encoding="utf-8")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    loaded = load_settings(
        cwd=tmp_path,
        environ={"VTEX_ACCOUNT": "acme", "VTEX_APP_KEY": "k", "VTEX_APP_TOKEN": "t"},
    )
    with pytest.raises(ConfigError, match=r"holds no readable PEM certificates"):
        build_runtime(loaded)


def test_a_cookie_vtex_sets_never_rides_along_on_later_calls(clock: VirtualClock) -> None:
    """Each call stands on its key and token alone: a session or auth cookie a response
    sets (VTEX's hosts do set some) is not sent back, so no call depends on the one before."""
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        cookie = "VtexIdclientAutCookie_mystore=abc; Path=/; Domain=.vtexcommercestable.com.br"
        return httpx.Response(200, json={}, headers={"Set-Cookie": cookie})

    async def two_calls() -> None:
        async with make(handler, clock) as http:
            await http.request(Api.CATALOG, "GET", "/api/catalog/pvt/category/1")
            await http.request(Api.CATALOG, "GET", "/api/catalog/pvt/category/2")

    asyncio.run(two_calls())
    assert seen == [None, None]
