"""Timing of the reader on a million rows (not a test: run it by hand).

    .venv/bin/python tests/read/bench_read.py

Writes a 1,000,000-row, 5-column price CSV (';', decimal commas, ~40 MB) to a temporary
folder, then times read_table() on it and parse_decimal_column() on one column.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from importer.read import parse_decimal_column, read_table

ROWS = 1_000_000


def write_prices(path: Path) -> None:
    rng = np.random.default_rng(0)
    cents = rng.integers(1, 100_000_000, size=(ROWS, 3))
    frame = pd.DataFrame(
        {
            "Código": [f"{i:013d}" for i in range(ROWS)],
            "Preço Base": _brazilian(cents[:, 0]),
            "Preço Lista": _brazilian(cents[:, 1]),
            "Custo": _brazilian(cents[:, 2]),
            "Política": rng.integers(1, 10, size=ROWS).astype(str),
        }
    )
    frame.to_csv(path, sep=";", index=False, encoding="utf-8", lineterminator="\r\n")


def _brazilian(cents: np.ndarray) -> list[str]:
    return [f"{c // 100:,}".replace(",", ".") + f",{c % 100:02d}" for c in cents.tolist()]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prices.csv"
        write_prices(path)
        size = path.stat().st_size / 1e6
        start = time.perf_counter()
        table = read_table(path)
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        prices = parse_decimal_column(table.frame[1])
        parse_s = time.perf_counter() - start
    print(
        f"read_table: {ROWS:,} rows x {len(table.headers)} columns ({size:.0f} MB) "
        f"in {read_s:.2f} s"
    )
    print(
        f"parse_decimal_column: {ROWS:,} values in {parse_s:.2f} s (separator {prices.separator!r})"
    )
    assert len(table.frame) == ROWS and not prices.invalid.any()


if __name__ == "__main__":
    main()
