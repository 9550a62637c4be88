"""Benchmark: requests sent per changed row, per flow and kind of change.

    .venv/bin/python -m bench.calls [--skus 200] [--changed 20]

For each kind of change, a fresh sandbox (in-process, on virtual time) is seeded with
`--skus` SKUs, a first file brings every row to VTEX, then a second file changes `--changed`
of them. Only the second file's requests are counted, from the sandbox's request log:

- per-SKU calls: the requests that carry a changed row (their operation is listed per kind);
- overhead: the rest, per file (the warehouse list, SKU lookups not yet remembered, ...).

The batch paths (`batch_threshold`) are off, so each row takes the per-SKU calls; two last
rows measure the batch jobs (Bulk Pricing, batch inventory) with the threshold at 1. Each
kind checks its answer: every changed row updated in the report, no row failed, and VTEX
holding the new values; and the per-SKU calls are exactly the kind's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from loguru import logger

from bench import vtex_store
from bench.common import log, machine_lines
from importer.config import load_settings
from importer.files.watch import CompletenessGate
from importer.models import FileReport
from importer.run.runner import run_pass
from importer.run.runtime import build_runtime
from importer.sandbox import Sandbox
from importer.vtex.timing import VirtualClock

DEFAULT_SKUS = 200
DEFAULT_CHANGED = 20
IMAGE = "https://images.example.com/{ref}.jpg"


@dataclass(frozen=True)
class Kind:
    label: str
    flow: str
    header: str
    row: Callable[[int, int], str]  # (sku number, version) -> a line of the file
    per_sku: tuple[str, ...]  # the operations that carry a changed row
    expected: float  # per-SKU calls per changed row
    check: Callable[[Sandbox, int], None]  # VTEX holds version 2 of SKU i
    batch_threshold: int = 0


def _price(i: int, version: int) -> str:
    return f"{10 + i}.{version:02d}"


def _fixed(i: int, version: int) -> str:
    return f"{5 + i}.{version:02d}"


def _check_base(sandbox: Sandbox, i: int) -> None:
    held = sandbox.prices[sandbox.sku_refids[vtex_store.sku_ref(i)]]
    assert Decimal(str(held["basePrice"])) == Decimal(_price(i, 2)), held


def _check_fixed(sandbox: Sandbox, i: int) -> None:
    held = sandbox.prices[sandbox.sku_refids[vtex_store.sku_ref(i)]]
    values = [Decimal(str(f["value"])) for f in held.get("fixedPrices") or []]
    assert values == [Decimal(_fixed(i, 2))], held


def _check_stock(sandbox: Sandbox, i: int) -> None:
    held = sandbox.inventory[(sandbox.sku_refids[vtex_store.sku_ref(i)], vtex_store.WAREHOUSE)]
    assert int(held["quantity"]) == i + 2, held


def _check_lead_time(sandbox: Sandbox, i: int) -> None:
    _check_stock(sandbox, i)
    held = sandbox.inventory[(sandbox.sku_refids[vtex_store.sku_ref(i)], vtex_store.WAREHOUSE)]
    assert str(held["leadTime"]).startswith("2."), held


def _check_sku_name(sandbox: Sandbox, i: int) -> None:
    sku = sandbox.skus[sandbox.sku_refids[f"CAT-{i:06d}"]]
    assert sku["Name"] == f"Item {i} v2", sku


def _catalog_row(i: int, version: int) -> str:
    ref = f"CAT-{i:06d}"
    return (
        f"CP-{i:06d},Produto {i},Bench > Itens,Marca Bench,{ref},Item {i} v{version},"
        f"10,10,10,0.5,{IMAGE.format(ref=ref.lower())}"
    )


KINDS = (
    Kind(
        "inventory: quantity",
        "inventory",
        "sku_ref,warehouse_id,quantity",
        lambda i, v: f"{vtex_store.sku_ref(i)},{vtex_store.WAREHOUSE},{i + v}",
        ("PATCH /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}/quantity",),
        1.0,
        _check_stock,
    ),
    Kind(
        "inventory: quantity and lead time",
        "inventory",
        "sku_ref,warehouse_id,quantity,lead_time",
        lambda i, v: f"{vtex_store.sku_ref(i)},{vtex_store.WAREHOUSE},{i + v},{v}",
        ("PUT /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}",),
        1.0,
        _check_lead_time,
    ),
    Kind(
        "prices: base price changed",
        "prices",
        "sku_ref,base_price",
        lambda i, v: f"{vtex_store.sku_ref(i)},{_price(i, v)}",
        ("GET /pricing/prices/{itemId}", "PUT /pricing/prices/{itemId}"),
        2.0,
        _check_base,
    ),
    Kind(
        "prices: only a fixed price changed",
        "prices",
        "sku_ref,base_price,trade_policy,fixed_price",
        lambda i, v: f"{vtex_store.sku_ref(i)},,1,{_fixed(i, v)}",
        ("PATCH /pricing/prices/{itemId}/fixed",),
        1.0,
        _check_fixed,
    ),
    Kind(
        "catalog: a SKU's name changed",
        "catalog",
        "product_ref,product_name,category,brand,sku_ref,sku_name,"
        "height_cm,width_cm,length_cm,weight_kg,image_urls",
        _catalog_row,
        (
            "GET /api/catalog/pvt/stockkeepingunit/{skuId}",
            "PUT /api/catalog/pvt/stockkeepingunit/{skuId}",
        ),
        2.0,
        _check_sku_name,
    ),
    # The batch paths, with the threshold at 1: the rows they can carry go in one job per
    # file, so no per-SKU call may be left, and every request is per-file overhead.
    Kind(
        "inventory, batch job: quantity and lead time",
        "inventory",
        "sku_ref,warehouse_id,quantity,lead_time",
        lambda i, v: f"{vtex_store.sku_ref(i)},{vtex_store.WAREHOUSE},{i + v},{v}",
        ("PUT /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}",),
        0.0,
        _check_lead_time,
        batch_threshold=1,
    ),
    Kind(
        "prices, Bulk Pricing: base, list and cost price",
        "prices",
        "sku_ref,base_price,list_price,cost_price",
        lambda i, v: f"{vtex_store.sku_ref(i)},{_price(i, v)},{_price(i + 5, v)},1.{v:02d}",
        ("GET /pricing/prices/{itemId}", "PUT /pricing/prices/{itemId}"),
        0.0,
        _check_base,
        batch_threshold=1,
    ),
)


@dataclass
class Counted:
    kind: Kind
    changed: int
    per_sku: int
    overhead: Counter[str]

    @property
    def total(self) -> int:
        return self.per_sku + sum(self.overhead.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.calls", description="Requests sent per changed row."
    )
    parser.add_argument("--skus", type=int, default=DEFAULT_SKUS)
    parser.add_argument("--changed", type=int, default=DEFAULT_CHANGED)
    args = parser.parse_args(argv)
    print(measure(args.skus, args.changed))
    return 0


def measure(skus: int = DEFAULT_SKUS, changed: int = DEFAULT_CHANGED) -> str:
    if not 0 < changed <= skus:
        raise SystemExit("--changed must be between 1 and --skus")
    # The importer's per-file log lines would drown the progress: errors only.
    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    counted = []
    for kind in KINDS:
        log(f"calls: {kind.label}")
        counted.append(_count(kind, skus, changed))
    return _render(counted, skus)


def _count(kind: Kind, skus: int, changed: int) -> Counted:
    sandbox = vtex_store.new_sandbox()
    vtex_store.seed(sandbox, skus)
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as tmp:
        folder = vtex_store.workdir(Path(tmp), batch_threshold=kind.batch_threshold)
        runtime = build_runtime(
            load_settings(cwd=folder, environ={}), sandbox=sandbox, clock=VirtualClock()
        )
        try:
            first = [kind.row(i, 1) for i in range(1, skus + 1)]
            report = _drop(runtime, folder, kind, "first.csv", first)
            assert report.summary.failed == report.summary.invalid == 0, report.summary
            # Every `skus // changed`-th row changes, spread over the file.
            step = skus // changed
            moved = set(range(step, step * changed + 1, step))
            second = [kind.row(i, 2 if i in moved else 1) for i in range(1, skus + 1)]
            sandbox.requests.clear()
            report = _drop(runtime, folder, kind, "second.csv", second)
        finally:
            runtime.deps.store.close()
    summary = report.summary
    assert summary.updated == len(moved) and summary.unchanged == skus - len(moved), summary
    assert summary.failed == summary.pending == summary.invalid == 0, summary
    for i in moved:
        kind.check(sandbox, i)
    operations = Counter(str(r.operation) for r in sandbox.requests)
    per_sku = sum(operations.pop(op, 0) for op in kind.per_sku)
    assert per_sku == kind.expected * len(moved), (kind.label, per_sku, operations)
    return Counted(kind, len(moved), per_sku, operations)


def _drop(runtime: object, folder: Path, kind: Kind, name: str, lines: list[str]) -> FileReport:
    from importer.run.runtime import Runtime

    assert isinstance(runtime, Runtime)
    path = folder / "inbox" / kind.flow / name
    path.write_text(kind.header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    result = run_pass(runtime, CompletenessGate(settle_seconds=0), settle=lambda: None)
    (report,) = result.reports
    return report


def _render(counted: list[Counted], skus: int) -> str:
    lines = [
        "# Requests per changed row",
        "",
        "| flow: kind of change | changed rows | per-SKU calls | per-SKU calls per changed row "
        "| overhead per file | all requests per changed row |",
        "|---|---:|---|---:|---|---:|",
    ]
    for c in counted:
        calls = (
            " + ".join(op.split(" ", 1)[0] for op in c.kind.per_sku)
            if c.kind.expected
            else "none: one batch job"
        )
        overhead = ", ".join(f"{op} x{n}" for op, n in sorted(c.overhead.items())) or "none"
        lines.append(
            f"| {c.kind.label} | {c.changed} | {calls} | {c.per_sku / c.changed:.2f} "
            f"| {overhead} | {c.total / c.changed:.2f} |"
        )
    lines += [
        "",
        f"A store of {skus} SKUs, a first file with all of them, then a second file with the "
        "changed rows spread over it; only the second file's requests are counted. Batch "
        "thresholds off, except in the batch rows (threshold 1), whose requests are per file "
        "whatever the number of rows. Each row checked: updated in the report, and VTEX "
        "holding the new value.",
        "",
        *machine_lines(),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
