"""Injected failures: latency, 429 with Retry-After, 5xx, timeouts and dropped connections,
reproducible by seed.

Every authenticated request, and every request to a batch job's pre-signed storage URL,
draws once from `random.Random(seed)`, in arrival order, so a test that sends the same
requests in the same order sees the same faults. 401s draw nothing: an auth failure is never
masked by a fault. (A dropped connection draws twice more: before or
after, reset or EOF; with `rate_drop = 0` the sequence is what it was before drops existed.)

What a fault does to the request's effect:
- 429 and 5xx: the request is NOT applied (VTEX's Pricing docs: a response with Retry-After
  was not processed).
- timeout: the request IS applied, then the answer is lost. This is the worst case VTEX
  documents (a 500 on inventory may still have applied the change; catalog writes time out
  and must be re-resolved by RefId before a retry), and it is always so, to be deterministic.
- dropped connection: the connection is closed without any answer, half of the time BEFORE
  the request is applied (a gateway or load balancer gave up on it: nothing happened) and
  half of the time AFTER (the store applied it, then the connection died on the way back).
  The request log tells them apart (`fault` "drop-before" or "drop-after"; a "drop-before"
  is logged with status 0, nothing having answered); the client cannot, which is the point:
  a non-idempotent call must be re-read before it is sent again (API-NOTES §8.4). On a port
  the server closes the socket without writing a byte, with a reset (RST: the client sees
  httpx.ReadError, "connection reset by peer") or an orderly close (EOF: httpx's
  RemoteProtocolError, "server disconnected without sending a response"), drawn
  independently of before/after; in-process the transport raises that same httpx error.

The orders feed (Feed v3) misbehaves as VTEX warns it may (an SQS standard queue), through
`FeedDraw` (the Sandbox's `feed_duplicates` and `feed_shuffle`): that fraction of the events is
queued twice (the same eventId in two messages, so two deliveries with different handles), and
reads return the visible events in random order instead of oldest first. Its draws have their
own seeded sequence, so they never change which requests get 429/5xx/timeouts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TypeVar

import httpx

__all__ = ["Fault", "FaultDraw", "Faults", "FeedDraw"]

T = TypeVar("T")


@dataclass(frozen=True)
class Faults:
    """How often and how the sandbox misbehaves. Rates are fractions of requests (0..1)."""

    latency_ms: float = 0
    rate_429: float = 0.0
    retry_after: float = 1.0  # seconds, sent in the Retry-After header of every 429
    rate_5xx: float = 0.0  # answered 503, or now and then 500/502
    rate_timeout: float = 0.0  # in-process: httpx.ReadTimeout; on a port: stall, then close
    rate_drop: float = 0.0  # the connection is closed unanswered, before or after applying
    seed: int = 0
    # On a port, a timed-out request holds its connection until the client gives up (closes
    # it) or this many seconds pass, whichever comes first; then the socket is closed unanswered.
    timeout_stall_s: float = 30.0
    # Requests ("METHOD /path") that draw no fault and leave the seeded sequence alone: one
    # VTEX API still up while another is down (e.g. the importer's check before it takes
    # files answering, while the Pricing API fails every write).
    spared: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        rates = (self.rate_429, self.rate_5xx, self.rate_timeout, self.rate_drop)
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError(f"fault rates must be >= 0 and sum to at most 1, got {rates}")
        if self.latency_ms < 0 or self.retry_after < 0 or self.timeout_stall_s < 0:
            raise ValueError("latency_ms, retry_after and timeout_stall_s must be >= 0")

    @property
    def retry_after_header(self) -> str:
        """Whole seconds as HTTP wants them; fractions are kept so fast tests can use 0.01."""
        if float(self.retry_after).is_integer():
            return str(int(self.retry_after))
        return f"{self.retry_after:g}"


@dataclass(frozen=True)
class Fault:
    """One drawn fault. `status` is None for the unanswered ones (timeout, drop)."""

    kind: str  # "429" | "5xx" | "timeout" | "drop"
    status: int | None
    after: bool = False  # a drop: whether the request was applied before the connection died
    reset: bool = False  # a drop on a port: RST instead of an orderly close (EOF)

    @property
    def label(self) -> str:
        """What the request log records: "429", "500", "502", "503", "timeout",
        "drop-before" or "drop-after"."""
        if self.kind == "drop":
            return "drop-after" if self.after else "drop-before"
        return "timeout" if self.status is None else str(self.status)

    @property
    def applies(self) -> bool:
        """Whether the request is applied: timeouts and drops-after are, then go unanswered."""
        return self.kind == "timeout" or (self.kind == "drop" and self.after)

    def lost_answer(self, request: httpx.Request) -> httpx.TransportError | None:
        """The error the client gets instead of an answer; None when it gets an answer."""
        where = f"{request.method} {request.url.path}"
        applied = "applied" if self.applies else "not applied"
        if self.kind == "timeout":
            return httpx.ReadTimeout(
                f"sandbox: injected timeout on {where} (the request was {applied})",
                request=request,
            )
        if self.kind != "drop":
            return None
        if self.reset:
            return httpx.ReadError(
                f"[Errno 104] Connection reset by peer (sandbox: injected drop on {where}, "
                f"the request was {applied})",
                request=request,
            )
        return httpx.RemoteProtocolError(
            f"Server disconnected without sending a response (sandbox: injected drop on "
            f"{where}, the request was {applied})",
            request=request,
        )


_SERVER_ERRORS = (503, 503, 500, 502)  # mostly 503, as VTEX's gateways answer under load


class FaultDraw:
    """The seeded sequence of faults of one sandbox. Not thread-safe: call it under a lock."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)

    def next(self) -> Fault | None:
        f = self.faults
        roll = self._rng.random()
        if roll < f.rate_429:
            return Fault("429", 429)
        roll -= f.rate_429
        if roll < f.rate_5xx:
            return Fault("5xx", self._rng.choice(_SERVER_ERRORS))
        roll -= f.rate_5xx
        if roll < f.rate_timeout:
            return Fault("timeout", None)
        roll -= f.rate_timeout
        if roll < f.rate_drop:
            after = self._rng.random() < 0.5
            return Fault("drop", None, after=after, reset=self._rng.random() < 0.5)
        return None


class FeedDraw:
    """The orders feed's duplicates and disorder, reproducible by seed. Not thread-safe: call
    it under a lock."""

    def __init__(self, duplicates: float = 0.0, shuffle: bool = False, seed: int = 0) -> None:
        self.duplicates = duplicates
        self.shuffle = shuffle
        self._rng = random.Random(f"feed:{seed}")

    @property
    def duplicates(self) -> float:
        """The fraction (0..1) of events that are queued twice."""
        return self._duplicates

    @duplicates.setter
    def duplicates(self, rate: float) -> None:
        if not 0 <= rate <= 1:
            raise ValueError(f"feed_duplicates must be within 0..1, got {rate}")
        self._duplicates = rate

    def duplicate(self) -> bool:
        """Whether the event being queued is queued twice."""
        return self._duplicates > 0 and self._rng.random() < self._duplicates

    def shuffled(self, items: list[T]) -> list[T]:
        """`items` in random order when `shuffle` is on, else as they are."""
        if not self.shuffle:
            return items
        result = list(items)
        self._rng.shuffle(result)
        return result
