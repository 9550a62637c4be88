"""Benchmark: the diff of two price exports, ours against csv-diff on the same pair of files.

    .venv/bin/python -m bench.csvdiff [--rows 10000,100000,1000000] [--seed N]

The files are bench.pipeline's (the second with 1% of the base prices changed). Three
measurements, each in its own interpreter (peak memory per measurement):

- csv-diff 1.2 as a library: `compare(load_csv(first, key="sku_ref"), load_csv(second, ...))`;
- ours on the pair: read + validate + hash both files, then diff, the same inputs csv-diff has;
- ours as the importer runs a drop: the second file against the snapshot loaded from the
  SQLite store (`Store.snapshot_hashes`), which is what a drop costs once the first landed.

Every measurement checks its answer: exactly the changed keys, nothing new, nothing removed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import pipeline
from bench.common import Result, child_main, log, machine_lines, run_child

DEFAULT_ROWS = (10_000, 100_000, 1_000_000)
CSV_DIFF_TIMEOUT_S = 900  # past this csv-diff does not "complete in bounded time"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.csvdiff",
        description="Time our diff of two price CSVs against csv-diff on the same pair.",
    )
    parser.add_argument("--rows", type=pipeline.sizes, default=DEFAULT_ROWS)
    parser.add_argument("--seed", type=int, default=pipeline.DEFAULT_SEED)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(CHILDREN, args.child)
    print(measure(args.rows, args.seed))
    return 0


def measure(sizes: Sequence[int], seed: int = pipeline.DEFAULT_SEED) -> str:
    rows_out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-csvdiff-") as tmp:
        for rows in sizes:
            folder = Path(tmp) / str(rows)
            folder.mkdir()
            log(f"csvdiff {rows:,} rows: generating, and the first file into a store")
            run_child("bench.pipeline", "generate", folder, rows, seed)
            run_child("bench.pipeline", "prepare", folder, 1)
            log(f"csvdiff {rows:,} rows: csv-diff")
            theirs = run_child("bench.csvdiff", "csv_diff", folder, timeout=CSV_DIFF_TIMEOUT_S)
            log(f"csvdiff {rows:,} rows: ours on the pair, ours on a drop")
            pair = run_child("bench.csvdiff", "pair", folder)
            drop = run_child("bench.csvdiff", "drop", folder)
            rows_out.append(
                f"| {rows:,} | {theirs['total']:.3f} | {pair['total']:.3f} "
                f"| {theirs['total'] / pair['total']:.1f}x | {drop['total']:.3f} "
                f"| {theirs['total'] / drop['total']:.1f}x | {theirs['peak_mib']:.0f} "
                f"| {pair['peak_mib']:.0f} | {drop['peak_mib']:.0f} |"
            )
            log(f"csvdiff {rows:,}: csv-diff {theirs['total']:.2f} s, ours {pair['total']:.2f} s")
    return "\n".join(
        [
            "# Diff of two price CSVs (1% of rows changed): ours against csv-diff 1.2",
            "",
            "| size | csv-diff s | ours, pair s | csv-diff / ours, pair | ours, drop s "
            "| csv-diff / ours, drop | peak MiB csv-diff | peak MiB ours, pair "
            "| peak MiB ours, drop |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows_out,
            "",
            "Each figure is one run in a fresh interpreter. *Pair*: both files read, "
            "validated and hashed, then diffed (the inputs csv-diff has). *Drop*: the second "
            "file against the snapshot loaded from the SQLite store, as the importer handles "
            "a drop. Every run checks it found exactly the changed keys.",
            "",
            *machine_lines(),
        ]
    )


# -- the children --------------------------------------------------------------------------------


def _expected(folder: Path) -> set[str]:
    return set((folder / pipeline.CHANGED).read_text(encoding="utf-8").split())


def _csv_diff(folder: str) -> Result:
    from csv_diff import compare, load_csv

    out = Path(folder)
    start = time.perf_counter()
    with (
        (out / pipeline.FIRST).open(encoding="utf-8", newline="") as first,
        (out / pipeline.SECOND).open(encoding="utf-8", newline="") as second,
    ):
        result = compare(load_csv(first, key="sku_ref"), load_csv(second, key="sku_ref"))
    total = time.perf_counter() - start
    found = {str(change["key"]) for change in result["changed"]}
    assert found == _expected(out), (len(found), len(_expected(out)))
    assert not result["added"] and not result["removed"]
    return {"total": total}


def _pair(folder: str) -> Result:
    import pandas as pd

    from importer.diff import diff

    out = Path(folder)
    pipeline.warm_up()
    start = time.perf_counter()
    before = pipeline.read_validate_hash(out / pipeline.FIRST)
    snapshot = pd.DataFrame({"key": before["key"], "hash": before["hash"]})
    del before
    after = pipeline.read_validate_hash(out / pipeline.SECOND)
    changes = diff(after, snapshot)
    total = time.perf_counter() - start
    _check(changes, _expected(out), len(snapshot))
    return {"total": total}


def _drop(folder: str) -> Result:
    from importer.diff import diff
    from importer.state import Store

    out = Path(folder)
    pipeline.warm_up()
    start = time.perf_counter()
    records = pipeline.read_validate_hash(out / pipeline.SECOND)
    store = Store(out / "state" / "importer.sqlite3")
    try:
        snapshot = store.snapshot_hashes("prices")
    finally:
        store.close()
    changes = diff(records, snapshot)
    total = time.perf_counter() - start
    _check(changes, _expected(out), len(snapshot))
    return {"total": total}


def _check(changes: object, expected: set[str], known: int) -> None:
    from importer.diff import Changeset

    assert isinstance(changes, Changeset)
    found = set(changes.changed["key"].tolist())
    assert found == expected, (len(found), len(expected), sorted(found ^ expected)[:5])
    assert changes.new.empty and not changes.absent
    assert changes.unchanged == known - len(expected)


CHILDREN: dict[str, Callable[..., Result]] = {
    "csv_diff": _csv_diff,
    "pair": _pair,
    "drop": _drop,
}


if __name__ == "__main__":
    raise SystemExit(main())
