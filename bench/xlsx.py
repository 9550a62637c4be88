"""Benchmark: reading a price workbook (XLSX), ours against python-calamine into a DataFrame.

    .venv/bin/python -m bench.xlsx [--rows 100000] [--seed N]

The workbook is written with openpyxl in write-only mode: a header row, then `sku_ref` as
text and `base_price`, `list_price`, `cost_price` as numbers (two decimals), as an ERP's
Excel export has them. Each measurement runs in its own interpreter (peak memory per
measurement), best of 3:

- baseline: `python_calamine.CalamineWorkbook.from_path(path)`, the first sheet's
  `to_python()`, into `pandas.DataFrame(rows[1:], columns=rows[0])`: the least a reader
  built on calamine can cost;
- ours: `importer.read.read_table(path)`: the same parse plus what the importer promises on
  top (every cell as the text a person would type, numbers marked, Excel row numbers, the
  zip-bomb guard).

Both answers are checked against each other: the same headers, refs and prices.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.common import Result, best_of, child_main, log, machine_lines, run_child

DEFAULT_ROWS = 100_000
DEFAULT_SEED = 20_260_101
REPEATS = 3
WORKBOOK = "prices.xlsx"
HEADERS = ("sku_ref", "base_price", "list_price", "cost_price")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.xlsx",
        description="Time reading a price XLSX against python-calamine into a DataFrame.",
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(CHILDREN, args.child)
    print(measure(args.rows, args.seed))
    return 0


def measure(rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as tmp:
        log(f"xlsx {rows:,} rows: writing the workbook (openpyxl, write-only)")
        made = run_child("bench.xlsx", "generate", tmp, rows, seed)
        log(f"xlsx {rows:,} rows: calamine -> DataFrame, then ours (best of {REPEATS})")
        baseline = run_child("bench.xlsx", "baseline", tmp)
        ours = run_child("bench.xlsx", "ours", tmp)
    ratio = ours["total"] / baseline["total"]
    return "\n".join(
        [
            "# Reading a price workbook (XLSX): ours against python-calamine -> DataFrame",
            "",
            "| rows | file MiB | baseline s | ours s | ratio ours/baseline "
            "| peak MiB baseline | peak MiB ours |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| {rows:,} | {made['mib']:.1f} | {baseline['total']:.3f} | {ours['total']:.3f} "
            f"| {ratio:.2f}x | {baseline['peak_mib']:.0f} | {ours['peak_mib']:.0f} |",
            "",
            f"Best of {REPEATS}, each side in its own interpreter; both answers checked "
            "(headers, refs, prices).",
            "",
            *machine_lines(),
        ]
    )


# -- the children --------------------------------------------------------------------------------


def _generate(folder: str, rows: str, seed: str) -> Result:
    import numpy as np
    from openpyxl import Workbook

    n = int(rows)
    rng = np.random.default_rng(int(seed))
    base = rng.integers(100, 1_000_000, size=n) / 100
    list_price = base + rng.integers(0, 50_000, size=n) / 100
    cost = np.round(base * rng.uniform(0.3, 0.9, size=n), 2)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Preços")
    sheet.append(list(HEADERS))
    for i, (b, lp, c) in enumerate(
        zip(base.tolist(), list_price.tolist(), cost.tolist(), strict=True), start=1
    ):
        sheet.append([f"SKU-{i:07d}", b, round(lp, 2), c])
    path = Path(folder) / WORKBOOK
    book.save(path)
    return {"mib": path.stat().st_size / 2**20}


def _baseline(folder: str) -> Result:
    import pandas as pd
    from python_calamine import CalamineWorkbook

    path = Path(folder) / WORKBOOK
    frames: list[pd.DataFrame] = []

    def read() -> None:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        frames.append(pd.DataFrame(rows[1:], columns=rows[0]))

    total = best_of(REPEATS, read)
    frame = frames[-1]
    assert tuple(frame.columns) == HEADERS and len(frame) > 0
    # What ours is checked against: the refs and the prices, as calamine reads them.
    frame.to_parquet(Path(folder) / "calamine.parquet")
    return {"total": total}


def _ours(folder: str) -> Result:
    import numpy as np
    import pandas as pd

    from importer.read import Table, read_table

    path = Path(folder) / WORKBOOK
    tables: list[Table] = []
    total = best_of(REPEATS, lambda: tables.append(read_table(path)))
    table = tables[-1]
    expected = pd.read_parquet(Path(folder) / "calamine.parquet")
    assert table.kind == "xlsx" and tuple(table.headers) == HEADERS, table.headers
    body = table.frame  # the data rows (the header row is table.headers)
    assert len(body) == len(expected), (len(body), len(expected))
    assert body[0].tolist() == expected["sku_ref"].tolist()
    for position, name in enumerate(HEADERS[1:], start=1):
        # Each price reads back as the very number Excel holds (shortest exact text).
        numbers = pd.to_numeric(body[position]).to_numpy(dtype=np.float64)
        assert np.array_equal(numbers, expected[name].to_numpy(dtype=np.float64)), name
        assert table.numeric is not None and bool(table.numeric[position].all())
    assert table.row_numbers[0] == 2 and table.row_numbers[-1] == len(expected) + 1
    return {"total": total}


CHILDREN: dict[str, Callable[..., Result]] = {
    "generate": _generate,
    "baseline": _baseline,
    "ours": _ours,
}


if __name__ == "__main__":
    raise SystemExit(main())
