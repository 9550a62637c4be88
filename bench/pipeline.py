"""Benchmark: read -> validate -> hash -> diff of a price file, against plain pandas.

    .venv/bin/python -m bench.pipeline [--rows 10000,100000,1000000] [--seed N]

For each size, two price CSVs are generated (the second with 1% of the rows changed), then
every measurement runs in a fresh interpreter (this module, with a hidden `--child` flag) so
that each one's peak memory is its own. Results go to stdout as Markdown; progress to stderr.
See bench/README.md for what each column means.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Result, child_main, log, machine_lines, run_child

DEFAULT_ROWS = (10_000, 100_000, 1_000_000)
DEFAULT_SEED = 20_260_101
CHANGED_EVERY = 100  # 1% of the rows change between the first and the second file
BEST_OF_LIMIT = 100_000  # sizes up to this are timed best of 3; larger ones once
HEADER = "sku_ref,base_price,list_price,cost_price\n"
STAGES = ("read", "validate", "hash", "diff")

FIRST, SECOND, CHANGED, SNAPSHOT = "first.csv", "second.csv", "changed.txt", "snapshot.parquet"


# -- the parent: generate, run each measurement in its own process, print the tables ------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description="Time read+validate+hash+diff of a price CSV against pandas' pyarrow "
        "reader + hash_pandas_object, with peak memory of each.",
    )
    parser.add_argument(
        "--rows",
        type=sizes,
        default=DEFAULT_ROWS,
        help="comma-separated row counts (default: 10000,100000,1000000)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="data generator seed")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(CHILDREN, args.child)
    print(measure(args.rows, args.seed))
    return 0


def measure(sizes: Sequence[int], seed: int = DEFAULT_SEED) -> str:
    """Every size, measured; the tables as Markdown."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        floor = {who: _child("floor", who)["peak_mib"] for who in ("baseline", "ours")}
        for rows in sizes:
            folder = Path(tmp) / str(rows)
            folder.mkdir()
            repeats = 3 if rows <= BEST_OF_LIMIT else 1
            log(f"{rows:,} rows: generating")
            generated = _child("generate", folder, rows, seed)
            log(f"{rows:,} rows: first file through ours + Store.commit + snapshot_hashes")
            store = _child("prepare", folder, repeats)
            log(f"{rows:,} rows: baseline (best of {repeats})")
            baseline = _child("baseline", folder, repeats)
            log(f"{rows:,} rows: ours (best of {repeats})")
            ours = _child("ours", folder, repeats)
            results.append(
                {
                    "rows": rows,
                    "changed": generated["changed"],
                    "repeats": repeats,
                    "baseline": baseline,
                    "ours": ours,
                    "store": store,
                }
            )
            log(f"{rows:,} rows: baseline {baseline['total']:.3f} s, ours {ours['total']:.3f} s")
    return _render(results, floor)


def _child(mode: str, *args: object) -> Result:
    return run_child("bench.pipeline", mode, *args)


def _render(results: list[Result], floor: dict[str, float]) -> str:
    lines = [
        "# Pipeline benchmark: price CSV, second file with 1% of rows changed",
        "",
        "| size | baseline s | ours s | ratio ours/baseline | read | validate | hash | diff "
        "| peak MiB ours | peak MiB baseline |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base, ours = r["baseline"], r["ours"]
        stages = " | ".join(f"{ours['stages'][s]:.3f}" for s in STAGES)
        lines.append(
            f"| {r['rows']:,} | {base['total']:.3f} | {ours['total']:.3f} "
            f"| {ours['total'] / base['total']:.2f}x | {stages} "
            f"| {ours['peak_mib']:.0f} | {base['peak_mib']:.0f} |"
        )
    lines += [
        "",
        "Times in seconds: best of 3 up to 100,000 rows, one run above. The stage columns are "
        "the stages of ours in its fastest run (they add up to `ours s`). Peak = the "
        "measuring process's VmHWM; an interpreter that has only imported what it needs "
        f"already holds {floor['baseline']:.0f} MiB (baseline: pandas) and "
        f"{floor['ours']:.0f} MiB (ours: importer).",
        "",
        "## The first drop: snapshot store (SQLite, `importer.state.store.Store`)",
        "",
        "| size | rows changed (found / made) | Store.commit s | snapshot_hashes s "
        "| peak MiB (first file + commit + load) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        store = r["store"]
        lines.append(
            f"| {r['rows']:,} | {r['ours']['changed']:,} / {r['changed']:,} "
            f"| {store['commit_s']:.3f} | {store['load_s']:.3f} | {store['peak_mib']:.0f} |"
        )
    lines += [
        "",
        "`Store.commit` is timed once (it is what the first drop of a file costs); "
        "`snapshot_hashes` like the pipeline (best of 3 up to 100,000 rows).",
        "",
        "## Machine",
        "",
        *machine_lines(),
    ]
    return "\n".join(lines)


def sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of row counts: {text!r}") from None
    if not sizes or min(sizes) < CHANGED_EVERY:
        raise argparse.ArgumentTypeError(f"row counts must be at least {CHANGED_EVERY}")
    return sizes


# -- the children: one measurement each, a JSON line on stdout -----------------------------------


def _floor(who: str) -> Result:
    """What the interpreter holds with only the imports of one side."""
    import pandas  # noqa: F401

    if who == "ours":
        import importer.diff
        import importer.flows.spec
        import importer.read
        import importer.validate  # noqa: F401
    return {}


def _generate(folder: str, rows: str, seed: str) -> Result:
    """first.csv, second.csv (1% of base prices changed) and changed.txt (their sku_refs)."""
    import numpy as np

    n = int(rows)
    rng = np.random.default_rng(int(seed))
    base = rng.integers(100, 1_000_000, size=n)  # cents: 1.00 .. 9999.99
    list_price = base + rng.integers(0, 50_000, size=n)
    cost = (base * rng.uniform(0.3, 0.9, size=n)).astype(np.int64)
    changed = np.sort(rng.choice(n, size=n // CHANGED_EVERY, replace=False))
    new_base = base[changed] + rng.integers(1, 1_000, size=len(changed))  # always differs

    refs = [f"SKU-{i + 1:07d}" for i in range(n)]
    lines = [
        f"{ref},{_money(b)},{_money(lp)},{_money(c)}\n"
        for ref, b, lp, c in zip(
            refs, base.tolist(), list_price.tolist(), cost.tolist(), strict=True
        )
    ]
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    _write(out / FIRST, lines)
    for i, b in zip(changed.tolist(), new_base.tolist(), strict=True):
        lines[i] = f"{refs[i]},{_money(b)},{_money(int(list_price[i]))},{_money(int(cost[i]))}\n"
    _write(out / SECOND, lines)
    (out / CHANGED).write_text("\n".join(refs[i] for i in changed.tolist()), encoding="utf-8")
    return {"changed": len(changed)}


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _write(path: Path, lines: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        out.writelines(lines)


def _prepare(folder: str, repeats: str) -> Result:
    """The first file's snapshot: built from our records (saved for the `ours` child), then
    committed to a real Store (timed once) and loaded back with snapshot_hashes (timed)."""
    import pandas as pd

    from importer.state import Applied, Store

    out = Path(folder)
    records = read_validate_hash(out / FIRST)
    snapshot = pd.DataFrame(
        {"key": records["key"].astype(object), "hash": records["hash"].astype("int64")}
    )
    snapshot.to_parquet(out / SNAPSHOT, index=False)
    applied = [
        Applied(key, hash_, payload={})
        for key, hash_ in zip(snapshot["key"].tolist(), snapshot["hash"].tolist(), strict=True)
    ]
    del records

    store = Store(out / "state" / "importer.sqlite3")
    try:
        start = time.perf_counter()
        committed = store.commit("prices", applied)
        commit_s = time.perf_counter() - start
        del applied
        assert committed == len(snapshot), (committed, len(snapshot))
        load_s = float("inf")
        for _ in range(int(repeats)):
            start = time.perf_counter()
            loaded = store.snapshot_hashes("prices")
            load_s = min(load_s, time.perf_counter() - start)
    finally:
        store.close()
    # The snapshot the `ours` child diffs against must be the one the store returns.
    assert loaded["key"].dtype == object and loaded["hash"].dtype == "int64", loaded.dtypes
    loaded = loaded.sort_values("key", ignore_index=True)
    expected = snapshot.sort_values("key", ignore_index=True)
    assert loaded["key"].tolist() == expected["key"].tolist()
    assert (loaded["hash"].to_numpy() == expected["hash"].to_numpy()).all()
    return {"commit_s": commit_s, "load_s": load_s}


def warm_up() -> None:
    """Import what ours uses, so that the clock does not count the imports."""
    import importer.config
    import importer.diff
    import importer.flows.spec
    import importer.read
    import importer.state
    import importer.validate  # noqa: F401


def read_validate_hash(path: Path) -> Any:
    from importer.config import FlowSettings
    from importer.diff import content_hash
    from importer.flows.prices import FLOW, PRICES
    from importer.read import ReadOptions, read_table
    from importer.validate import validate

    settings = FlowSettings()
    table = read_table(path, ReadOptions(settings.encoding, settings.delimiter, settings.sheet))
    checked = validate(table, FLOW, settings, file_name=path.name, now=datetime.now(UTC))
    assert not checked.errors, checked.errors[:3]
    records = checked.records
    records["hash"] = content_hash(records, PRICES.hashed)
    return records


def _baseline(folder: str, repeats: str) -> Result:
    import pandas as pd

    path = Path(folder) / SECOND
    best = float("inf")
    for _ in range(int(repeats)):
        start = time.perf_counter()
        frame = pd.read_csv(path, engine="pyarrow", dtype=str)
        hashed = pd.util.hash_pandas_object(frame, index=False)
        best = min(best, time.perf_counter() - start)
        assert len(hashed) == len(frame) > 0
        del frame, hashed
    return {"total": best}


def _ours(folder: str, repeats: str) -> Result:
    """read_table + validate + content_hash + diff on the second file, as process_file does."""
    import pandas as pd

    from importer.config import FlowSettings
    from importer.diff import content_hash, diff
    from importer.flows.prices import FLOW, PRICES
    from importer.read import ReadOptions, read_table
    from importer.validate import validate

    out = Path(folder)
    path = out / SECOND
    expected = set((out / CHANGED).read_text(encoding="utf-8").split())
    snapshot = pd.read_parquet(out / SNAPSHOT)
    snapshot = pd.DataFrame(  # as Store.snapshot_hashes returns it
        {"key": snapshot["key"].astype(object), "hash": snapshot["hash"].astype("int64")}
    )
    settings = FlowSettings()
    options = ReadOptions(settings.encoding, settings.delimiter, settings.sheet)

    best: dict[str, float] | None = None
    changed = 0
    for _ in range(int(repeats)):
        t0 = time.perf_counter()
        table = read_table(path, options)
        t1 = time.perf_counter()
        checked = validate(table, FLOW, settings, file_name=path.name, now=datetime.now(UTC))
        records = checked.records
        t2 = time.perf_counter()
        records["hash"] = content_hash(records, PRICES.hashed)
        t3 = time.perf_counter()
        changes = diff(records, snapshot)
        t4 = time.perf_counter()

        # A benchmark that computes the wrong answer is worthless.
        assert not checked.errors, checked.errors[:3]
        assert len(records) == len(snapshot), (len(records), len(snapshot))
        found = set(changes.changed["key"].tolist())
        assert found == expected, (len(found), len(expected), sorted(found ^ expected)[:5])
        assert changes.new.empty and not changes.absent
        assert changes.unchanged == len(snapshot) - len(expected)
        changed = len(found)

        stages = dict(zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True))
        if best is None or t4 - t0 < sum(best.values()):
            best = stages
        del table, checked, records, changes
    assert best is not None
    return {"total": sum(best.values()), "stages": best, "changed": changed}


CHILDREN: dict[str, Callable[..., Result]] = {
    "floor": _floor,
    "generate": _generate,
    "prepare": _prepare,
    "baseline": _baseline,
    "ours": _ours,
}


if __name__ == "__main__":
    raise SystemExit(main())
