"""HTTP plumbing shared by every VTEX API: hosts, auth, rate limits, retries, error classes.

Every call carries both auth headers plus `Content-Type` and `Accept` (VTEX's specs mark them
required even on GETs). HTTPS only; plain HTTP is accepted only for loopback hosts (the
sandbox). Retries honour `Retry-After`, otherwise back off exponentially with jitter; a
429 pauses the whole API's bucket and halves its rate; `Ratelimit-*` headers spread
requests before the credits run out (`ratelimit`). Exceptions carry method, path and
status, never credentials.

Every failed attempt is logged once, with what failed (`failure_kind`: 429, 5xx, timeout,
dropped, ...): "VTEX <kind>: retry in ...", or "VTEX <kind>: gave up ..." when it is not
retried here (attempts spent, or a call a repeat could duplicate), so the log accounts for
every fault VTEX threw.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import random
import ssl
from collections.abc import Mapping
from decimal import Decimal
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpx
from loguru import logger
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
)

from importer.config import VtexSettings
from importer.errors import (
    ConfigError,
    FatalVtexError,
    RetriableVtexError,
    RowRejectedError,
)
from importer.vtex.ratelimit import Adaptation, Credits, TokenBucket
from importer.vtex.timing import Clock, RealClock

RETRIABLE_STATUS = {423, 429, 500, 502, 503, 504}
LOOPBACK_NAMES = {"localhost"}


class NoResponseError(RetriableVtexError):
    """No HTTP answer came back. `kind`: "timeout", "dropped" (the connection was closed or
    reset unanswered: the request may or may not have been applied) or "unreachable" (no
    connection: it was not sent)."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def _no_response(where: str, exc: httpx.HTTPError) -> NoResponseError:
    """The error for a request that got no HTTP answer, by what happened to it."""
    if isinstance(exc, httpx.TimeoutException):
        return NoResponseError(f"{where}: timed out", kind="timeout")
    if isinstance(exc, httpx.ConnectError):
        return NoResponseError(
            f"{where}: connection failed ({type(exc).__name__})", kind="unreachable"
        )
    return NoResponseError(
        f"{where}: connection dropped unanswered ({type(exc).__name__})", kind="dropped"
    )


def failure_kind(error: BaseException | None) -> str:
    """What a failed attempt met, as the log names it: "429", "5xx", "423", "timeout",
    "dropped", "unreachable", or the error's type."""
    if isinstance(error, NoResponseError):
        return error.kind
    if isinstance(error, RetriableVtexError) and error.status is not None:
        return "5xx" if error.status >= 500 else str(error.status)
    return type(error).__name__ if error else ""


class Api(StrEnum):
    CATALOG = "catalog"
    PRICING = "pricing"
    LOGISTICS = "logistics"
    LOGISTICS_BATCH = "logistics_batch"
    ORDERS = "orders"


# Which rate-limit bucket each API draws from (batch inventory shares Logistics' budget).
BUCKET_OF = {
    Api.CATALOG: "catalog",
    Api.PRICING: "pricing",
    Api.LOGISTICS: "logistics",
    Api.LOGISTICS_BATCH: "logistics",
    Api.ORDERS: "orders",
}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url.rstrip("/")
    raise ConfigError(
        f"VTEX base URL {url!r} refused: use https:// (plain http:// only to 127.0.0.1 or "
        "localhost, for the sandbox)"
    )


def check_trust_store(environ: Mapping[str, str]) -> None:
    """httpx trusts the CA bundle named by SSL_CERT_FILE / SSL_CERT_DIR: one that does not
    exist fails every call with a traceback, so it is a configuration error up front."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        value = environ.get(name)
        if value and not Path(value).exists():
            raise ConfigError(
                f"{name} is set to {value}, which does not exist: point it at your "
                "certificate authorities' bundle, or unset it to use the built-in one"
            )
    cafile = environ.get("SSL_CERT_FILE")
    if cafile and Path(cafile).is_file():
        try:
            _tls_for(cafile, environ.get("SSL_CERT_DIR"))  # the context the clients will use
        except (ssl.SSLError, ValueError, OSError):
            raise ConfigError(
                f"SSL_CERT_FILE is set to {cafile}, which holds no readable PEM "
                "certificates: point it at your certificate authorities' bundle, or unset it"
            ) from None


def verified_tls() -> ssl.SSLContext:
    """The certificate-checking TLS context every client of this process shares: httpx's own
    default (certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR). Building one reads and parses
    the whole CA bundle (50 to 90 ms of CPU), and a pass opens a client for its check and one
    per file: once per process is enough. The variables are part of the key, so a changed
    trust store is honoured."""
    return _tls_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_for(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    """What httpx builds for `verify=True` (httpx._config.create_ssl_context)."""
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    if capath:
        return ssl.create_default_context(capath=capath)
    return ssl.create_default_context(cafile=certifi.where())


def base_urls(settings: VtexSettings) -> dict[Api, str]:
    """Each API's host as VTEX's specs declare it, or one host for all (`base_url`)."""
    if settings.base_url:
        one = check_base_url(settings.base_url)
        return dict.fromkeys(Api, one)
    account, env = settings.account, settings.environment
    if not account.replace("-", "").isalnum():
        raise ConfigError(f"VTEX account {account!r} is not a valid account name")
    store = f"https://{account}.{env}.com.br"
    return {
        Api.CATALOG: store,
        Api.PRICING: f"https://api.vtex.com/{account}",
        Api.LOGISTICS: store,
        Api.LOGISTICS_BATCH: f"https://logistics.{env}.com.br/{account}",
        Api.ORDERS: store,
    }


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        # Money has far fewer than 15 significant digits, so the float's shortest repr is the
        # same decimal text; refuse anything that would not survive the trip.
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise ValueError(f"{value} cannot be sent exactly as a JSON number")
        return as_float
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def encode_json(body: object) -> bytes:
    return json.dumps(body, default=_json_default, ensure_ascii=False).encode("utf-8")


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    date = response.headers.get("Date")
    now = parsedate_to_datetime(date) if date else None
    if now is None:
        return None
    return max(0.0, (when - now).total_seconds())


def make_buckets(settings: VtexSettings, clock: Clock) -> dict[str, TokenBucket]:
    adaptation = Adaptation(
        slow_down_below=settings.slow_down_below,
        recover_window_s=settings.recover_window_s,
        recover_step=settings.recover_step,
    )
    return {
        name: TokenBucket(limit.per_second, limit.burst, clock, name=name, adaptation=adaptation)
        for name, limit in settings.rate_limits.items()
    }


class _KeepsNoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _StatelessClient(httpx.AsyncClient):
    """An httpx client that keeps no cookies. VTEX's APIs authenticate each call by its key
    and token headers; a cookie a response sets (a session, a workspace, an auth cookie)
    must not ride along on the calls after it, which must mean the same whatever came
    before. It is cheaper too: httpx parses every response's cookies into a urllib request
    of its own, a tenth of a call's CPU."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _KeepsNoCookies()

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        pass


class VtexHttp:
    """One per run. Use as `async with VtexHttp(...) as http:`."""

    def __init__(
        self,
        settings: VtexSettings,
        *,
        app_key: str,
        app_token: str,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        buckets: dict[str, TokenBucket] | None = None,
    ) -> None:
        """`buckets` (see `make_buckets`) carry rate-limit state from one client to the next,
        so that a 429 pause or a spent burst is not forgotten between files."""
        self.settings = settings
        self._bases = base_urls(settings)
        self._clock = clock or RealClock()
        self._rng = rng or random.Random()
        self._headers = {
            "X-VTEX-API-AppKey": app_key,
            "X-VTEX-API-AppToken": app_token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._buckets = buckets if buckets is not None else make_buckets(settings, self._clock)
        # Bounded keep-alive: VTEX scales behind DNS and does not support long-pinned
        # connections (API-NOTES §1.1b).
        self._client = _StatelessClient(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout_s),
            limits=httpx.Limits(
                max_connections=settings.concurrency * 2,
                max_keepalive_connections=settings.concurrency,
                keepalive_expiry=30.0,
            ),
            verify=verified_tls(),
            follow_redirects=False,
        )
        self.sent = 0  # requests that left, retries included
        self.retries = 0

    async def __aenter__(self) -> VtexHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    @property
    def clock(self) -> Clock:
        return self._clock

    def url(self, api: Api, path: str) -> str:
        return self._bases[api] + path

    async def request(
        self,
        api: Api,
        method: str,
        path: str,
        *,
        body: object = None,
        params: Mapping[str, str] | None = None,
        allow_not_found: bool = False,
        replay: bool = True,
    ) -> httpx.Response:
        """Send with retries; returns the response of a 2xx (or a 404 if allowed).

        `replay=False` is for calls a repeat could duplicate (catalog creates): only a 429,
        which VTEX guarantees was not processed, is retried here; a timeout or 5xx is raised
        so that the caller can look the thing up before sending it again."""
        retry_on = (
            retry_if_exception_type(RetriableVtexError)
            if replay
            else retry_if_exception(lambda e: isinstance(e, RetriableVtexError) and e.status == 429)
        )
        retrying = self._retrying(retry_on)
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._send_once(api, method, path, body, params, allow_not_found)
        except RetriableVtexError as error:
            attempts = retrying.statistics.get("attempt_number", 1)
            why = (
                f"after {attempts} attempt(s)"
                if replay or error.status == 429
                else "at once: a repeat could duplicate it, so it is looked up first"
            )
            logger.warning("VTEX {}: gave up {}: {}", failure_kind(error), why, error)
            raise
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _send_once(
        self,
        api: Api,
        method: str,
        path: str,
        body: object,
        params: Mapping[str, str] | None,
        allow_not_found: bool,
    ) -> httpx.Response:
        bucket = self._buckets.get(BUCKET_OF[api])
        if bucket is not None:
            await bucket.acquire()
        where = f"{method} {path}"
        content = encode_json(body) if body is not None else None
        self.sent += 1
        try:
            response = await self._client.request(
                method,
                self.url(api, path),
                content=content,
                params=params,
                headers=self._headers,
            )
        except httpx.TransportError as exc:
            raise _no_response(where, exc) from None
        status = response.status_code
        if bucket is not None:
            # Every answer of an API that sends Ratelimit-* says how much budget is left: the
            # bucket slows down before it is spent rather than after a 429.
            credits = Credits.from_raw(response.headers.raw)
            if credits is not None:
                bucket.observe(method, credits)
        if 200 <= status < 300 or (status == 404 and allow_not_found):
            if bucket is not None:
                bucket.succeeded()
            return response
        text = response.text[:500]
        if status in RETRIABLE_STATUS:
            wait = retry_after_seconds(response)
            if wait is not None:
                # An hour-long Retry-After would stall every flow; past the cap the row goes
                # pending and is retried on a later pass instead.
                wait = min(wait, self.settings.backoff_max_s)
            if status == 429 and bucket is not None:
                # Without Retry-After, VTEX's one documented wait: the Orders guide's minute.
                bucket.pause(wait if wait is not None else 60.0)
            raise RetriableVtexError(
                f"{where}: HTTP {status}", status=status, body=text, retry_after=wait
            )
        if status in (401, 403):
            raise FatalVtexError(
                f"{where}: HTTP {status}: credentials or role refused", status=status, body=text
            )
        raise RowRejectedError(f"{where}: HTTP {status}: {text}", status=status, body=text)

    async def storage_request(
        self, method: str, url: str, *, content: bytes = b"", headers: Mapping[str, str]
    ) -> httpx.Response:
        """A request to a pre-signed cloud-storage URL (a batch job's upload or error file):
        `headers` only, NEVER the VTEX key and token (the host is a third party, e.g. S3).
        Retried like VTEX calls; any other non-2xx raises RowRejectedError (an expired or
        refused URL). Errors name the host only: the URL's query is its signature."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if not (parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))):
            raise RowRejectedError(f"{method} storage URL on {host!r} refused: not https")
        where = f"{method} {parts.scheme}://{parts.netloc}{parts.path}"
        retrying = self._retrying(retry_if_exception_type(RetriableVtexError))
        try:
            async for attempt in retrying:
                with attempt:
                    self.sent += 1
                    try:
                        response = await self._client.request(
                            method, url, content=content or None, headers=dict(headers)
                        )
                    except httpx.TransportError as exc:
                        raise _no_response(where, exc) from None
                    status = response.status_code
                    if 200 <= status < 300:
                        return response
                    text = response.text[:300]
                    if status in RETRIABLE_STATUS:
                        raise RetriableVtexError(
                            f"{where}: HTTP {status}", status=status, body=text
                        )
                    raise RowRejectedError(
                        f"{where}: HTTP {status}: {text}", status=status, body=text
                    )
        except RetriableVtexError as error:
            attempts = retrying.statistics.get("attempt_number", 1)
            logger.warning(
                "storage {}: gave up after {} attempt(s): {}", failure_kind(error), attempts, error
            )
            raise
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _retrying(self, retry: Any) -> AsyncRetrying:
        """The retry policy of every call: `max_attempts`, the backoff of `_wait` on the
        injected clock, each retry logged; `retry` says which failures are retried."""
        return AsyncRetrying(
            sleep=self._clock.sleep,
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            retry=retry,
            before_sleep=self._log_retry,
            reraise=True,
        )

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetriableVtexError) and error.retry_after is not None:
            return error.retry_after
        return self.backoff_s(state.attempt_number)

    def backoff_s(self, attempt: int) -> float:
        """The pause after failed attempt `attempt` (1, 2, ...): exponential from
        `backoff_initial_s`, capped at `backoff_max_s`, jittered to spread many rows' retries."""
        ceiling = min(
            self.settings.backoff_max_s, self.settings.backoff_initial_s * 2 ** (attempt - 1)
        )
        return self._rng.uniform(ceiling / 2, ceiling)

    async def pause_after(self, attempt: int) -> None:
        """Sleep `backoff_s(attempt)`: for callers that retry on their own (a create that is
        looked up before it is sent again), so they keep the configured backoff too."""
        await self._clock.sleep(self.backoff_s(attempt))

    def _log_retry(self, state: RetryCallState) -> None:
        self.retries += 1
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "VTEX {}: retry in {:.1f}s (attempt {}): {}",
            failure_kind(error),
            wait,
            state.attempt_number,
            error,
        )


def json_body(response: httpx.Response) -> Any:
    """The parsed body, money as Decimal; None for an empty body."""
    if not response.content:
        return None
    return json.loads(response.content, parse_float=Decimal)
