"""A token bucket per VTEX API, on an injected clock, that adapts to what VTEX says.

Hand-written rather than aiolimiter because tests drive it with a virtual clock, and because
a 429 must pause the whole API (VTEX: "stop all further requests and wait"), not one caller.

The rate in force is the lowest of three:
- the configured one (`[vtex.rate_limits]`);
- after a 429, a backed-off one: halved (once per pause, however many requests in flight
  come back 429, and at most once per `recover_window_s`), then raised by `recover_step` of
  the configured rate per `recover_window_s` with requests going through and no 429, back
  to the configured rate (AIMD). VTEX's Pricing API asks to "reduce the rate of requests per
  second" after a 429, and its guide on avoiding rate-limit errors asks for backoff that
  gradually increases the delay;
- while the `Ratelimit-*` headers (VTEX sends them on every Pricing response) say the burst
  credits are running low, a spread one: the rate at which VTEX refills them plus what is left
  above a reserve, shared over the seconds until they are full again, so the credits last until
  `Ratelimit-Reset` and the 429 does not come (slowing down before the limit, not after).

Each change of regime is logged once: slowing down, each step back up (debug), back to the
configured rate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from loguru import logger

from importer.vtex.timing import Clock

# Never below this share of the configured rate: an API halved again and again still moves.
MIN_SHARE = 1 / 16
# Of the refill rate the headers imply, only this much is counted on: `Ratelimit-Reset` comes
# in whole seconds, so the rate derived from it can be a little high.
REFILL_TRUST = 0.9
HISTORY_LEN = 200


@dataclass(frozen=True)
class Adaptation:
    """How a bucket reacts to VTEX (the `[vtex]` settings of the same names)."""

    slow_down_below: float = 0.2  # share of Ratelimit-Limit at which requests are spread
    recover_window_s: float = 10.0  # after a 429: one step back up per window without one
    recover_step: float = 0.1  # share of the configured rate added per window


@dataclass(frozen=True)
class Credits:
    """What a response said of its route's budget: VTEX's `Ratelimit-Limit` (total burst
    credits), `Ratelimit-Remaining` (credits left) and `Ratelimit-Reset` (seconds until they
    are all back)."""

    limit: float
    remaining: float
    reset_s: float

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Credits | None:
        """None when a header is missing or not a number (the API does not send them)."""
        try:
            limit = float(headers["Ratelimit-Limit"])
            remaining = float(headers["Ratelimit-Remaining"])
            reset = float(headers["Ratelimit-Reset"])
        except (KeyError, ValueError):
            return None
        if limit <= 0 or remaining < 0 or reset < 0:
            return None
        return cls(limit, min(remaining, limit), reset)

    @classmethod
    def from_raw(cls, raw: Iterable[tuple[bytes, bytes]]) -> Credits | None:
        """The same from a response's raw header pairs, in one pass over them: every answer
        is read, and a case-blind lookup of three names through httpx.Headers cost more
        (~27 us an answer) than all the rest of this module's work on it."""
        limit = remaining = reset = None
        for name, value in raw:
            if name[:10].lower() != b"ratelimit-":
                continue
            rest = name[10:].lower()
            if rest == b"remaining":
                remaining = value
            elif rest == b"reset":
                reset = value
            elif rest == b"limit":
                limit = value
        if limit is None or remaining is None or reset is None:
            return None
        try:
            numbers = float(limit), float(remaining), float(reset)
        except ValueError:
            return None
        if numbers[0] <= 0 or numbers[1] < 0 or numbers[2] < 0:
            return None
        return cls(numbers[0], min(numbers[1], numbers[0]), numbers[2])


class TokenBucket:
    def __init__(
        self,
        per_second: float,
        burst: int,
        clock: Clock,
        *,
        name: str = "",
        adaptation: Adaptation | None = None,
    ) -> None:
        self.name = name or "API"
        self.configured = per_second
        self.per_second = per_second  # the rate in force
        self.burst = burst
        self._clock = clock
        self._adaptation = adaptation or Adaptation()
        self._tokens = float(burst)
        self._updated = clock.monotonic()
        self._paused_until = 0.0
        self._backed_off = per_second  # the AIMD rate: below `configured` after a 429
        self._stepped_at = 0.0  # when the backed-off rate last changed
        self._halved_at = -float("inf")  # when a 429 last halved it
        # Per HTTP method (VTEX meters GET, POST/PUT and DELETE apart): the spread rate the
        # headers asked for, and until when (the credits are full by then).
        self._spread: dict[str, tuple[float, float]] = {}
        # (time, rate) at each change of the rate in force, for tests and diagnosis.
        self._spreading = False  # logged as spreading, until the credits are back
        self.history: list[tuple[float, float]] = [(self._updated, per_second)]
        # A bucket outlives one event loop (the runtime keeps it across files, each pushed in
        # its own asyncio.run), and an asyncio.Lock belongs to one loop: one lock per loop.
        self._locks: dict[int, asyncio.Lock] = {}

    def _refill(self, now: float) -> None:
        if now <= self._updated:
            return
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.per_second)
        self._updated = now

    async def acquire(self) -> None:
        """Wait until one request may go out; requests leave in the order they asked."""
        loop = id(asyncio.get_running_loop())
        lock = self._locks.get(loop)
        if lock is None:
            lock = asyncio.Lock()
            self._locks = {loop: lock}  # the old loop is gone: forget its lock
        async with lock:
            while True:
                now = self._clock.monotonic()
                if now < self._paused_until:
                    await self._clock.sleep(self._paused_until - now)
                    continue
                if self._spread:
                    self._retune(now)  # a spread ends when its credits are full again
                self._refill(now)
                # The epsilon keeps float rounding (0.9999999) from turning into a wait too
                # small to move the clock, which would spin forever.
                if self._tokens >= 1 - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                await self._clock.sleep(max((1 - self._tokens) / self.per_second, 1e-6))

    def pause(self, seconds: float) -> None:
        """VTEX said 429: nobody sends on this API for `seconds`, the burst is spent, and the
        rate is halved (once for the requests that were in flight together)."""
        now = self._clock.monotonic()
        already_paused = now < self._paused_until
        self._refill(now)
        self._paused_until = max(self._paused_until, now + seconds)
        self._tokens = 0.0
        # Tokens refill only from the end of the pause: the paused time earns no burst.
        self._updated = max(self._paused_until, self._updated)
        self._stepped_at = self._paused_until  # the recovery windows start when sending does
        # A request sent before the pause began, or a 429 within a window of the last
        # halving: the same overload, halved once (one decrease per window, as TCP's AIMD).
        if already_paused or now - self._halved_at < self._adaptation.recover_window_s:
            return
        self._halved_at = now
        floor = self.configured * MIN_SHARE
        self._backed_off = max(floor, self._backed_off / 2)
        self._retune(now)
        logger.warning(
            "VTEX {}: 429, waiting {:g}s and slowing to {:.3g} req/s; back up to {:g} req/s "
            "gradually",
            self.name,
            seconds,
            self.per_second,
            self.configured,
        )

    def succeeded(self) -> None:
        """A request went through: after a 429, one step back up per window of these."""
        if self._backed_off >= self.configured:
            return
        now = self._clock.monotonic()
        if now - self._stepped_at < self._adaptation.recover_window_s:
            return
        step = self._adaptation.recover_step * self.configured
        self._backed_off = min(self.configured, self._backed_off + step)
        self._stepped_at = now
        self._retune(now)
        if self._backed_off >= self.configured:
            logger.info(
                "VTEX {}: no 429 for a while: back to {:g} req/s", self.name, self.configured
            )
        else:
            logger.debug("VTEX {}: going back up: {:.3g} req/s", self.name, self._backed_off)

    def observe(self, method: str, credits: Credits) -> None:
        """What a response's `Ratelimit-*` headers said: spread the requests while the credits
        are low, so that they last until VTEX has refilled them."""
        now = self._clock.monotonic()
        adaptation = self._adaptation
        low = credits.remaining <= adaptation.slow_down_below * credits.limit
        if credits.reset_s <= 0 or not (low or method in self._spread):
            self._end_spread(method, now)  # full (or never low): nothing to spread
            return
        # Reset is the time to refill what is missing: that gives VTEX's refill rate. Once
        # spreading, the same sum goes on as the credits come back, so the rate rises with
        # them instead of jumping back and forth at the threshold.
        refill = (credits.limit - credits.remaining) / credits.reset_s
        reserve = adaptation.slow_down_below * credits.limit / 2  # for requests in flight
        spare = max(0.0, credits.remaining - reserve)
        rate = max(self.configured * MIN_SHARE, REFILL_TRUST * refill + spare / credits.reset_s)
        if rate >= self.configured:
            self._end_spread(method, now)
            return
        self._refill(now)
        self._tokens = min(self._tokens, spare)  # no burst beyond what VTEX has left
        self._spread[method] = (rate, now + credits.reset_s)
        self._retune(now)
        if not self._spreading:
            self._spreading = True
            logger.warning(
                "VTEX {}: {:g} of {:g} burst credits left (full again in {:g}s): spreading "
                "requests at {:.3g} req/s",
                self.name,
                credits.remaining,
                credits.limit,
                credits.reset_s,
                self.per_second,
            )

    def _end_spread(self, method: str, now: float) -> None:
        if self._spread.pop(method, None) is not None:
            self._retune(now)

    def _retune(self, now: float) -> None:
        """Set the rate in force to the lowest of the configured, backed-off and spread ones."""
        if self._spread:
            self._spread = {m: entry for m, entry in self._spread.items() if entry[1] > now}
        if self._spreading and not self._spread:
            self._spreading = False
            logger.info("VTEX {}: burst credits refilled: no longer spreading requests", self.name)
        rate = min([self.configured, self._backed_off, *(r for r, _ in self._spread.values())])
        if rate == self.per_second:
            return
        self._refill(now)  # what was earned so far, at the old rate
        self.per_second = rate
        self.history.append((now, rate))
        if len(self.history) > HISTORY_LEN:
            del self.history[: len(self.history) - HISTORY_LEN]
