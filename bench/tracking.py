"""Benchmark: the tracking flow's requests per row and its time, for a file of invoices x events.

    .venv/bin/python -m bench.tracking [--invoices 1000] [--events 5]

A fresh sandbox (in-process, on virtual time) holds `--invoices` orders, each invoiced with a
tracking number. Three files of `--invoices x --events` rows (one event per row) are dropped
in turn: the first sends every invoice; the second lists the same events in another order (so
its bytes differ, and it is not skipped as a duplicate file); the third changes one event of
one invoice. For each, the OMS requests (from the sandbox's log), the pass's wall and CPU
time. It checks its answers: one Get order and one PUT per changed invoice, none for the
unchanged ones, every row reported as expected, and VTEX holding the changed event.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from loguru import logger

from bench import vtex_store
from bench.common import log, machine_lines
from importer.config import load_settings
from importer.files.watch import CompletenessGate
from importer.run.runner import run_pass
from importer.run.runtime import Runtime, build_runtime
from importer.vtex.timing import VirtualClock

GET = "GET /api/oms/pvt/orders/{orderId}"
PUT = "PUT /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking"
HEADER = "order_id,invoice_number,event_date,city,state,description,delivered,delivered_date"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracking", description=__doc__)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--events", type=int, default=5)
    args = parser.parse_args(argv)
    print(measure(args.invoices, args.events))
    return 0


def lines(orders: list[str], events: int, changed_city: str = "") -> list[str]:
    """Each invoice's events, one a day; the last one delivers it. `changed_city`: the
    second event of the first invoice happened there instead."""
    out = []
    for n, order_id in enumerate(orders):
        for e in range(events):
            city = changed_city if changed_city and n == 0 and e == 1 else f"Cidade {e}"
            last = e == events - 1
            delivered = f"true,2026-12-{events:02d} 18:00" if last else "false,"
            out.append(
                f"{order_id},NF{n},2026-12-{e + 1:02d} 10:00,{city},SP,evento {e},{delivered}"
            )
    return out


def measure(invoices: int = 1000, events: int = 5) -> str:
    if not 1 <= events <= 28:
        raise SystemExit("--events must be between 1 and 28 (one a day)")
    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    sandbox = vtex_store.new_sandbox()
    log(f"tracking: {invoices} orders, each invoiced with a tracking number")
    orders = sandbox.seed_orders(invoices, queue=False)
    for n, order_id in enumerate(orders):
        sandbox.set_order_status(order_id, "handling", queue=False)
        sandbox.seed_call(
            "POST",
            f"/api/oms/pvt/orders/{order_id}/invoice",
            {
                "type": "Output",
                "issuanceDate": "2026-12-01T10:00:00Z",
                "invoiceNumber": f"NF{n}",
                "invoiceValue": "1",
                "courier": "Transportadora",
                "trackingNumber": f"BR{n}",
                "trackingUrl": "",
                "items": [],
            },
        )
    rows = invoices * events
    changed = lines(orders, events, "Mudou")
    files = [
        ("first", lines(orders, events), {GET: invoices, PUT: invoices}, ("created", rows)),
        ("re-ordered", lines(orders, events)[::-1], {}, ("unchanged", rows)),
        ("one event changed", changed, {GET: 1, PUT: 1}, ("updated", events)),
    ]
    table = [
        f"Tracking: {invoices} invoices x {events} events = {rows} rows per file "
        "(in-process sandbox, virtual time)",
        "",
        "| file | Get order | PUT tracking | requests per row | wall s | CPU s |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-tracking-") as tmp:
        folder = vtex_store.workdir(Path(tmp))
        (folder / "inbox" / "tracking").mkdir()
        runtime = build_runtime(
            load_settings(cwd=folder, environ={}), sandbox=sandbox, clock=VirtualClock()
        )
        try:
            for i, (label, body, expected, (action, count)) in enumerate(files):
                log(f"tracking: {label}")
                sandbox.requests.clear()
                wall, cpu, counted = _drop(runtime, folder, f"eventos-{i}.csv", body)
                oms = Counter(
                    str(r.operation) for r in sandbox.requests if r.path.startswith("/api/oms/")
                )
                assert oms == Counter(expected), (label, oms)
                assert counted[action] == count, (label, counted)
                table.append(
                    f"| {label} | {oms[GET]} | {oms[PUT]} | {sum(oms.values()) / rows:.4f} "
                    f"| {wall:.2f} | {cpu:.2f} |"
                )
        finally:
            runtime.deps.store.close()
    [package] = sandbox.invoices(orders[0])
    assert package["courierStatus"]["data"][1]["city"] == "Mudou", package["courierStatus"]
    return "\n".join([*table, "", *machine_lines()])


def _drop(
    runtime: Runtime, folder: Path, name: str, body: list[str]
) -> tuple[float, float, Counter[str]]:
    path = folder / "inbox" / "tracking" / name
    path.write_text(HEADER + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_pass(runtime, CompletenessGate(settle_seconds=0), settle=lambda: None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    (report,) = result.reports
    summary = report.summary
    assert summary.invalid == summary.failed == summary.pending == 0, summary
    counted = Counter({"created": summary.created, "updated": summary.updated})
    counted["unchanged"] = summary.unchanged
    return wall, cpu, counted


if __name__ == "__main__":
    raise SystemExit(main())
