"""`importer watch`: a file dropped while it runs is processed without any other prompt."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from importer.run.runner import watch
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, seed_store


@pytest.mark.slow
@pytest.mark.parametrize("polling", [True, False], ids=["polling", "events"])
def test_watch_takes_a_dropped_file_and_keeps_running(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, polling: bool
) -> None:
    seed_store(sandbox, 2)
    sandbox.seed_orders(2, queue=True)
    runtime = make_runtime(sandbox, {"IMPORTER__WATCH__SCAN_INTERVAL_S": "0.2"})
    stop = threading.Event()
    thread = threading.Thread(
        target=watch, args=(runtime,), kwargs={"polling": polling, "stop": stop}, daemon=True
    )
    thread.start()
    try:
        drop(workdir, "prices", "a.csv", "sku_ref,base_price\nSKU-00001,3.00\n")
        drop(workdir, "prices", "~$a.csv", "lock file")  # Office's lock file: never taken
        done = workdir / "archive" / "done"
        deadline = time.monotonic() + 15
        while not (done / "a.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (done / "a.csv").exists()
        assert sandbox.prices[1]["basePrice"] == 3
        drop(workdir, "prices", "broken.csv", b"\x00\x01\x02garbage\xff" * 10)
        failed = workdir / "archive" / "failed"
        while not (failed / "broken.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (failed / "broken.csv").exists()  # reported, and the watcher goes on
        assert thread.is_alive()
        assert (workdir / "inbox" / "prices" / "~$a.csv").exists()
        # The same loop pulled the orders ready for handling.
        assert len(list((workdir / "outbox" / "orders").glob("orders-*.csv"))) == 1
        assert {sandbox.order_status(o) for o in sandbox.orders} == {"handling"}
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
