"""A token bucket per VTEX API, on an injected clock.

Hand-written rather than aiolimiter because tests drive it with a virtual clock, and because
a 429 must pause the whole API (VTEX: "stop all further requests and wait"), not one caller.
"""

from __future__ import annotations

import asyncio

from importer.vtex.timing import Clock


class TokenBucket:
    def __init__(self, per_second: float, burst: int, clock: Clock) -> None:
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock.monotonic()
        self._paused_until = 0.0
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
                self._refill(now)
                # The epsilon keeps float rounding (0.9999999) from turning into a wait too
                # small to move the clock, which would spin forever.
                if self._tokens >= 1 - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                await self._clock.sleep(max((1 - self._tokens) / self.per_second, 1e-6))

    def pause(self, seconds: float) -> None:
        """VTEX said 429: nobody sends on this API for `seconds`, and the burst is spent."""
        now = self._clock.monotonic()
        self._paused_until = max(self._paused_until, now + seconds)
        self._tokens = 0.0
        # Tokens refill only from the end of the pause: the paused time earns no burst.
        self._updated = max(self._paused_until, self._updated)
