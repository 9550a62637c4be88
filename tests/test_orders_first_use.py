"""Orders on first use: the catch-up that the feed's creation owes, and the sweep.

A first pull creates the feed's configuration, then lists the orders that were ready before it
(they made no event). Killed anywhere in between, the next pull must still export every one of
them, once. The tests kill a first pull at each of its steps in turn: before and after each
request (VTEX did not see it / VTEX applied it and the answer was lost) and at each local side
effect (a store write, a file published).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import importer.orders.pull as pull_module
from importer.config import load_settings
from importer.orders.run import pull_orders
from importer.run.runtime import Runtime, build_runtime
from importer.sandbox import Sandbox
from importer.state import Store
from importer.vtex.timing import VirtualClock
from tests.conftest import TEST_CONFIG, RuntimeFactory, sandbox_client, seed_store

ORDERS = 2


class Died(BaseException):
    """The process died here: nothing after this point ran (not an Exception: no retry or
    error handler of the importer may catch it)."""


@dataclass
class Tripwire:
    """Counts a pull's steps and dies at the `kill_at`-th (None: counts only)."""

    kill_at: int | None = None
    steps: list[str] = field(default_factory=list)

    def step(self, label: str) -> None:
        self.steps.append(label)
        if self.kill_at is not None and len(self.steps) == self.kill_at:
            raise Died(label)


class TrappedSandbox:
    """The sandbox as a transport, with a step before and after each request it answers."""

    def __init__(self, sandbox: Sandbox, trip: Tripwire) -> None:
        self.sandbox, self.trip = sandbox, trip

    def __call__(self, request: httpx.Request) -> httpx.Response:
        label = f"{request.method} {request.url.path}"
        self.trip.step(f"before {label}")
        response = self.sandbox(request)
        self.trip.step(f"after {label}")
        return response


LOCAL_STEPS: list[tuple[Any, str]] = [
    (Store, "set_value"),
    (Store, "set_values"),
    (Store, "set_order_states"),
    (pull_module, "publish"),
    (pull_module, "write_orders_temp"),
]


@contextmanager
def tripped(monkeypatch: pytest.MonkeyPatch, trip: Tripwire) -> Iterator[None]:
    with monkeypatch.context() as patch:
        for holder, name in LOCAL_STEPS:
            original = getattr(holder, name)

            def wrapped(
                *args: Any, _original: Callable[..., Any] = original, _name: str = name, **kw: Any
            ) -> Any:
                trip.step(_name)
                return _original(*args, **kw)

            patch.setattr(holder, name, wrapped)
        yield


def new_world(root: Path, sandbox: Sandbox) -> list[str]:
    """A fresh working folder, a store without a feed config (as on first use, or after VTEX
    deleted it), and orders that became ready meanwhile: they made no event."""
    root.mkdir()
    (root / "importer.toml").write_text(TEST_CONFIG, encoding="utf-8")
    with sandbox_client(sandbox) as client:
        client.delete("/api/orders/feed/config")  # 404 when there is none: fine
    return sandbox.seed_orders(ORDERS, queue=False)


def runtime_for(folder: Path, sandbox: Sandbox, trip: Tripwire | None = None) -> Runtime:
    loaded = load_settings(cwd=folder, environ={})
    if trip is None:
        return build_runtime(loaded, sandbox=sandbox, clock=VirtualClock())
    transport = httpx.MockTransport(TrappedSandbox(sandbox, trip))
    return build_runtime(loaded, sandbox=sandbox, clock=VirtualClock(), transport=transport)


def exported_once(folder: Path) -> Counter[str]:
    """How many orders files hold each order (a file has one row per item)."""
    files: Counter[str] = Counter()
    for path in sorted((folder / "outbox" / "orders").glob("orders-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            files.update({row["order_id"] for row in csv.DictReader(handle)})
    return files


def calibrate(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    folder = tmp_path / "calibration"
    ready = new_world(folder, sandbox)
    trip = Tripwire()
    runtime = runtime_for(folder, sandbox, trip)
    with tripped(monkeypatch, trip):
        result = pull_orders(runtime.deps)
    runtime.deps.store.close()
    assert sorted(result.exported) == sorted(ready)
    return trip.steps


@pytest.mark.slow
def test_a_first_pull_killed_at_any_step_still_exports_every_ready_order_once(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_store(sandbox, 5)
    steps = calibrate(tmp_path, sandbox, monkeypatch)
    assert "after POST /api/orders/feed/config" in steps  # the gap this is about
    lost: list[str] = []
    for k, label in enumerate(steps, start=1):
        folder = tmp_path / f"kill-{k}"
        ready = new_world(folder, sandbox)
        trip = Tripwire(kill_at=k)
        dying = runtime_for(folder, sandbox, trip)
        with tripped(monkeypatch, trip), pytest.raises(Died):
            pull_orders(dying.deps)
        dying.deps.store.close()
        sandbox.advance(300)  # past the visibility timeout: unread events come back
        restarted = runtime_for(folder, sandbox)
        pull_orders(restarted.deps)
        pull_orders(restarted.deps)
        restarted.deps.store.close()
        exported = exported_once(folder)
        wrong = {o: n for o, n in exported.items() if n != 1}
        missing = sorted(set(ready) - set(exported))
        stuck = [o for o in ready if sandbox.order_status(o) != "handling"]
        hidden = [p.name for p in (folder / "outbox" / "orders").glob(".*")]
        if wrong or missing or stuck or hidden:
            lost.append(
                f"killed at step {k} ({label}): missing {missing}, twice {wrong}, not in "
                f"handling {stuck}, hidden files {hidden}"
            )
        assert sandbox.feed_config() is not None
        for order_id in stuck:  # out of the next world's List Orders: each kill on its own
            sandbox.set_order_status(order_id, "canceled", queue=False)
    assert lost == [], "\n".join(lost)


def test_the_sweep_exports_a_ready_order_the_feed_never_delivered_once(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 5)
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)  # first use: the config, and the catch-up
    # An order whose event never came (it expired unread, or the config was gone when the
    # order was paid and came back before the next pull).
    lost = sandbox.add_order(queue=False)["orderId"]
    assert pull_orders(runtime.deps).exported == []  # the feed has nothing; no sweep due
    assert sandbox.order_status(lost) == "ready-for-handling"

    swept = pull_orders(runtime.deps, sweep=True)  # `importer orders pull --sweep`
    assert swept.exported == [lost] and swept.swept
    assert sandbox.order_status(lost) == "handling"
    assert pull_orders(runtime.deps, sweep=True).exported == []
    assert exported_once(workdir) == Counter({lost: 1})


def test_a_pull_sweeps_by_itself_once_the_last_sweep_is_sweep_interval_s_old(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 5)
    runtime = make_runtime(sandbox, {"IMPORTER__ORDERS__SWEEP_INTERVAL_S": "3600"})
    start = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    runtime.deps.now = lambda: start
    pull_orders(runtime.deps)
    assert runtime.deps.store.get_value(pull_module.LAST_SWEEP) == start.isoformat()
    lost = sandbox.add_order(queue=False)["orderId"]
    runtime.deps.now = lambda: start + timedelta(minutes=59)
    assert pull_orders(runtime.deps).exported == []
    runtime.deps.now = lambda: start + timedelta(minutes=60)
    assert pull_orders(runtime.deps).exported == [lost]
    assert (
        runtime.deps.store.get_value(pull_module.LAST_SWEEP)
        == (start + timedelta(hours=1)).isoformat()
    )


def test_sweep_interval_s_zero_sweeps_only_when_asked(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 5)
    runtime = make_runtime(sandbox, {"IMPORTER__ORDERS__SWEEP_INTERVAL_S": "0"})
    pull_orders(runtime.deps)
    lost = sandbox.add_order(queue=False)["orderId"]
    runtime.deps.now = lambda: datetime.now(UTC) + timedelta(days=30)
    assert pull_orders(runtime.deps).exported == []
    assert pull_orders(runtime.deps, sweep=True).exported == [lost]
