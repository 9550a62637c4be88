"""Benchmark: push throughput against the sandbox with 50 ms of latency per call, against the
configured rate limit.

    .venv/bin/python -m bench.push [--prices 600] [--inventory 1100] [--latency-ms 50]

The sandbox is served on a loopback port (a thread of this process), seeded with SKUs and a
warehouse, with `--latency-ms` slept on every answer. The importer runs as a real subprocess
(`python -m importer run`) with its default settings (rate limits from importer/config.py,
concurrency 8), the batch paths off, on one new price file (every row a base-price change:
GET + PUT per SKU) and then one inventory file (PATCH per row).

What is measured, from the sandbox's request log (arrival times):
- requests/s of the per-SKU calls after the bucket's burst is spent: (calls - burst) over the
  time from the first to the last call. A bucket that is the only limit gives exactly its
  `per_second`; latency x calls in series would give less. Target: >= 90% of `per_second`;
- rows/s over the same span;
- the importer's wall time (start to exit, Python's start-up included).

Every run checks its answer: exit code 0, the expected calls and nothing else per SKU, and
VTEX (the sandbox) holding every price and quantity of the files afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bench import vtex_store
from bench.common import ROOT, log, machine_lines
from importer.config import VtexSettings
from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import Faults, Sandbox, serve
from importer.sandbox.core import LoggedRequest

DEFAULT_PRICES = 600  # 1,200 calls: 300 of burst, then 30 s at 30/s
DEFAULT_INVENTORY = 1_100  # 1,100 calls: 100 of burst, then 20 s at 50/s
DEFAULT_LATENCY_MS = 50.0
TARGET_SHARE = 0.9


@dataclass
class Throughput:
    flow: str
    rows: int
    calls: int
    bucket: str
    per_second: float
    burst: int
    span_s: float
    wall_s: float

    @property
    def requests_per_s(self) -> float:
        return (self.calls - self.burst) / self.span_s

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.span_s

    @property
    def share(self) -> float:
        return self.requests_per_s / self.per_second


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.push",
        description="Push throughput against the sandbox with latency, vs the rate limit.",
    )
    parser.add_argument("--prices", type=int, default=DEFAULT_PRICES, help="price rows")
    parser.add_argument("--inventory", type=int, default=DEFAULT_INVENTORY, help="stock rows")
    parser.add_argument("--latency-ms", type=float, default=DEFAULT_LATENCY_MS)
    parser.add_argument(
        "--concurrency", type=int, help="the importer's [vtex] concurrency (default: its own)"
    )
    args = parser.parse_args(argv)
    print(measure(args.prices, args.inventory, args.latency_ms, args.concurrency))
    return 0


def measure(
    prices: int = DEFAULT_PRICES,
    inventory: int = DEFAULT_INVENTORY,
    latency_ms: float = DEFAULT_LATENCY_MS,
    concurrency: int | None = None,
) -> str:
    limits = VtexSettings().rate_limits
    for flow, rows, bucket, calls_per_row in (
        ("prices", prices, "pricing", 2),
        ("inventory", inventory, "logistics", 1),
    ):
        if rows * calls_per_row <= limits[bucket].burst:
            raise SystemExit(
                f"--{flow} {rows} makes {rows * calls_per_row} calls, within the {bucket} "
                f"burst of {limits[bucket].burst}: nothing left to measure the rate on"
            )
    sandbox = vtex_store.new_sandbox()
    vtex_store.seed(sandbox, max(prices, inventory))
    sandbox.faults = Faults(latency_ms=latency_ms)
    server = serve(sandbox, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    results: list[Throughput] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
            folder = vtex_store.workdir(Path(tmp))
            log(f"push: {prices:,} price rows (GET + PUT each), {latency_ms:g} ms per call")
            results.append(_push_prices(sandbox, server.url, folder, prices, concurrency))
            log(f"push: {inventory:,} stock rows (PATCH each), {latency_ms:g} ms per call")
            results.append(_push_inventory(sandbox, server.url, folder, inventory, concurrency))
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
    return _render(results, latency_ms, concurrency or VtexSettings().concurrency)


def _push_prices(
    sandbox: Sandbox, url: str, folder: Path, rows: int, concurrency: int | None
) -> Throughput:
    expected = {vtex_store.sku_ref(i): f"{10 + i % 900}.{i % 100:02d}" for i in range(1, rows + 1)}
    lines = [f"{ref},{price}\n" for ref, price in expected.items()]
    (folder / "inbox" / "prices" / "prices.csv").write_text(
        "sku_ref,base_price\n" + "".join(lines), encoding="utf-8"
    )
    sandbox.requests.clear()
    wall = _run_importer(folder, url, concurrency)
    calls = _calls(sandbox, "/pricing/prices/")
    per_sku = {(r.method, r.path) for r in calls}
    ids = sandbox.sku_refids
    assert len(calls) == 2 * rows, (len(calls), rows)
    assert per_sku == {
        (method, f"/pricing/prices/{ids[ref]}") for ref in expected for method in ("GET", "PUT")
    }
    for ref, price in expected.items():
        held = sandbox.prices[ids[ref]]["basePrice"]
        assert Decimal(str(held)) == Decimal(price), (ref, held, price)
    return _throughput("prices", rows, calls, "pricing", wall)


def _push_inventory(
    sandbox: Sandbox, url: str, folder: Path, rows: int, concurrency: int | None
) -> Throughput:
    expected = {vtex_store.sku_ref(i): i % 97 for i in range(1, rows + 1)}
    lines = [f"{ref},{vtex_store.WAREHOUSE},{qty}\n" for ref, qty in expected.items()]
    (folder / "inbox" / "inventory" / "stock.csv").write_text(
        "sku_ref,warehouse_id,quantity\n" + "".join(lines), encoding="utf-8"
    )
    sandbox.requests.clear()
    wall = _run_importer(folder, url, concurrency)
    calls = _calls(sandbox, "/api/logistics/pvt/inventory/skus/")
    ids = sandbox.sku_refids
    assert len(calls) == rows and {r.method for r in calls} == {"PATCH"}, len(calls)
    for ref, quantity in expected.items():
        held = sandbox.inventory[(ids[ref], vtex_store.WAREHOUSE)]
        assert int(held["quantity"]) == quantity, (ref, held, quantity)
    return _throughput("inventory", rows, calls, "logistics", wall)


def _run_importer(folder: Path, url: str, concurrency: int | None) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VTEX_", "IMPORTER__"))}
    env.update(
        VTEX_BASE_URL=url,
        VTEX_APP_KEY=SANDBOX_KEY,
        VTEX_APP_TOKEN=SANDBOX_TOKEN,
        PYTHONPATH=str(ROOT),
    )
    if concurrency is not None:
        env["IMPORTER__VTEX__CONCURRENCY"] = str(concurrency)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "importer", "run"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"importer run exited {done.returncode}: see its log above")
    return wall


def _calls(sandbox: Sandbox, prefix: str) -> list[LoggedRequest]:
    calls = [r for r in sandbox.requests if r.path.startswith(prefix)]
    assert all(200 <= r.status < 300 or r.status == 404 for r in calls), "a call failed"
    assert not any(r.fault for r in calls), "no fault was asked for"
    return sorted(calls, key=lambda r: r.time)


def _throughput(
    flow: str, rows: int, calls: list[LoggedRequest], bucket: str, wall: float
) -> Throughput:
    limit = VtexSettings().rate_limits[bucket]
    return Throughput(
        flow=flow,
        rows=rows,
        calls=len(calls),
        bucket=bucket,
        per_second=limit.per_second,
        burst=limit.burst,
        span_s=calls[-1].time - calls[0].time,
        wall_s=wall,
    )


def _render(results: list[Throughput], latency_ms: float, concurrency: int) -> str:
    lines = [
        f"# Push throughput: sandbox on a loopback port, {latency_ms:g} ms per call",
        "",
        "| flow | rows | calls | bucket (per_second / burst) | calls/s after the burst "
        "| share of the limit | rows/s | importer wall s |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.flow} | {r.rows:,} | {r.calls:,} | {r.bucket} ({r.per_second:g} / {r.burst}) "
            f"| {r.requests_per_s:.1f} | {r.share:.0%} | {r.rows_per_s:.1f} | {r.wall_s:.1f} |"
        )
    lines += [
        "",
        "Calls/s after the burst = (calls - burst) / (last call - first call), from the "
        "sandbox's arrival times: a bucket that is the only limit gives its per_second. "
        f"Target: at least {TARGET_SHARE:.0%}. The importer ran with its default rate limits "
        f"and concurrency {concurrency}, batch thresholds off; every price and "
        "quantity was checked in the sandbox afterwards.",
        "",
        *machine_lines(),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
