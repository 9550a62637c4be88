"""VTEX's documented rate limits, metered per account on the sandbox's clock (opt-in).

    sandbox = Sandbox(clock=virtual.monotonic, metered=True)   # or `importer sandbox --metered`
    sandbox.metering.drain("PUT /pricing/prices/{itemId}")     # another integration spent them

What is metered, as VTEX documents it (API-NOTES §8.1):
- Pricing, per route: POST and PUT 33 per second with 500 burst credits, DELETE 16 per second
  with 300 (the Pricing API's "Rate limits per route"). A request above the per-second rate
  takes a credit, idle time refills them at that rate, and at 0 the answer is 429. That is a
  token bucket of the credits, refilled at the route's rate. PATCH (the fixed-price upsert) is
  counted with POST and PUT: VTEX's table names no PATCH, and it is a write like them. GET is
  "under review": not metered. Every metered answer carries `Ratelimit-Limit` (total credits),
  `Ratelimit-Remaining` (credits left) and `Ratelimit-Reset` (whole seconds until they are all
  back); a 429 also `Retry-After` (whole seconds until a credit is back: "the current request
  was rate-limited and not processed").
- Catalog: 45,000 requests per minute per account and 15,000 per minute per endpoint; Orders:
  6,000 per minute per account for Get order. VTEX documents neither headers nor Retry-After
  for them: the answer past the budget is a bare 429, counted in windows of a minute.

Off unless asked: the tests drive the importer on a virtual clock against a sandbox on the
real one, and a virtual second is no real second (docs/RELIABILITY.md, "Rate limits").
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["DOCUMENTED", "BurstLimit", "Limits", "Metering", "MinuteLimit", "Verdict"]


@dataclass(frozen=True)
class BurstLimit:
    """A per-second rate with burst credits (Pricing)."""

    per_second: float
    credits: int


@dataclass(frozen=True)
class MinuteLimit:
    """A number of requests per minute (Catalog, Orders)."""

    per_minute: int


@dataclass(frozen=True)
class Limits:
    pricing_write: BurstLimit = BurstLimit(per_second=33, credits=500)
    pricing_delete: BurstLimit = BurstLimit(per_second=16, credits=300)
    catalog_account: MinuteLimit = MinuteLimit(45_000)
    catalog_endpoint: MinuteLimit = MinuteLimit(15_000)
    orders_get: MinuteLimit = MinuteLimit(6_000)


DOCUMENTED = Limits()

# Get order, and its sibling by order group, share the Orders limit VTEX documents.
_ORDERS_GET = frozenset({"GET /api/oms/pvt/orders/{orderId}"})


@dataclass(frozen=True)
class Verdict:
    """Whether a request may be answered, and the headers its answer carries."""

    allowed: bool
    headers: Mapping[str, str] = field(default_factory=dict)


class _Credits:
    """Burst credits of one Pricing route: spent above the rate, refilled at it."""

    def __init__(self, limit: BurstLimit, now: float) -> None:
        self.limit = limit
        self.tokens = float(limit.credits)
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            gained = (now - self.updated) * self.limit.per_second
            self.tokens = min(float(self.limit.credits), self.tokens + gained)
            self.updated = now

    def take(self, now: float) -> Verdict:
        self._refill(now)
        allowed = self.tokens >= 1
        if allowed:
            self.tokens -= 1
        rate = self.limit.per_second
        headers = {
            "Ratelimit-Limit": str(self.limit.credits),
            "Ratelimit-Remaining": str(math.floor(self.tokens)),
            "Ratelimit-Reset": str(math.ceil((self.limit.credits - self.tokens) / rate)),
        }
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil((1 - self.tokens) / rate)))
        return Verdict(allowed, headers)


class _Window:
    """Requests counted per minute of the clock."""

    def __init__(self, limit: MinuteLimit) -> None:
        self.limit = limit
        self.minute = -1
        self.count = 0

    def _roll(self, now: float) -> None:
        minute = math.floor(now / 60)
        if minute != self.minute:
            self.minute, self.count = minute, 0

    def spend_to(self, now: float, leave: int) -> None:
        self._roll(now)
        self.count = max(self.count, self.limit.per_minute - leave)

    def take(self, now: float) -> bool:
        self._roll(now)
        if self.count >= self.limit.per_minute:
            return False
        self.count += 1
        return True


class Metering:
    """The budgets of one account (a sandbox serves one), on `clock`. Thread-safe."""

    def __init__(self, clock: Callable[[], float], limits: Limits = DOCUMENTED) -> None:
        self.clock = clock
        self.limits = limits
        self._credits: dict[str, _Credits] = {}
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self.refused = 0  # requests answered 429 by the meter

    def admit(self, operation: str) -> Verdict:
        """Charge one request of `operation` ("PUT /pricing/prices/{itemId}") to its budgets."""
        method, _, template = operation.partition(" ")
        with self._lock:
            now = self.clock()
            if template.startswith("/pricing/"):
                limit = self._pricing_limit(method)
                if limit is None:
                    return Verdict(True)
                verdict = self._credits_of(operation, limit, now).take(now)
            elif template.startswith(("/api/catalog/", "/api/catalog_system/")):
                # Both budgets are charged only when both allow: a refused request is no load.
                account = self._window("catalog", self.limits.catalog_account)
                endpoint = self._window(operation, self.limits.catalog_endpoint)
                allowed = _both(account, endpoint, now)
                verdict = Verdict(allowed)
            elif operation in _ORDERS_GET:
                verdict = Verdict(self._window("orders", self.limits.orders_get).take(now))
            else:
                return Verdict(True)
            if not verdict.allowed:
                self.refused += 1
            return verdict

    def drain(self, operation: str, *, leave: int = 0) -> None:
        """Spend `operation`'s budget down to `leave` requests, as another integration on the
        account would: a Pricing route's credits, the Catalog account's minute (and the
        endpoint's), the Orders minute. The next requests meet what VTEX answers then."""
        method, _, template = operation.partition(" ")
        with self._lock:
            now = self.clock()
            limit = self._pricing_limit(method) if template.startswith("/pricing/") else None
            if limit is not None:
                credits = self._credits_of(operation, limit, now)
                credits._refill(now)
                credits.tokens = float(min(leave, credits.tokens))
                return
            if template.startswith(("/api/catalog/", "/api/catalog_system/")):
                windows = [
                    self._window("catalog", self.limits.catalog_account),
                    self._window(operation, self.limits.catalog_endpoint),
                ]
            elif operation in _ORDERS_GET:
                windows = [self._window("orders", self.limits.orders_get)]
            else:
                raise ValueError(f"{operation} is not metered")
            for window in windows:
                window.spend_to(now, leave)

    def _pricing_limit(self, method: str) -> BurstLimit | None:
        if method in ("POST", "PUT", "PATCH"):
            return self.limits.pricing_write
        if method == "DELETE":
            return self.limits.pricing_delete
        return None

    def _credits_of(self, operation: str, limit: BurstLimit, now: float) -> _Credits:
        credits = self._credits.get(operation)
        if credits is None:
            credits = self._credits[operation] = _Credits(limit, now)
        return credits

    def _window(self, key: str, limit: MinuteLimit) -> _Window:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(limit)
        return window


def _both(first: _Window, second: _Window, now: float) -> bool:
    if not first.take(now):
        return False
    if not second.take(now):
        first.count -= 1  # not answered: it does not count against the account either
        return False
    return True
