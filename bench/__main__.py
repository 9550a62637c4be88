"""Every benchmark, one after the other: `.venv/bin/python -m bench [--quick]`.

Each one also runs alone (`python -m bench.pipeline`, `bench.csvdiff`, `bench.xlsx`,
`bench.push`, `bench.calls`); see bench/README.md and docs/PERFORMANCE.md. The tables go to
stdout as Markdown, progress to stderr. `--quick` runs small sizes only (a smoke test of the
benchmarks, not figures to quote).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from bench import calls, csvdiff, pipeline, push, xlsx
from bench.common import log


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes only (smoke test)")
    parser.add_argument(
        "--only",
        choices=("pipeline", "csvdiff", "xlsx", "push", "calls"),
        action="append",
        help="run only these benchmarks (repeatable)",
    )
    args = parser.parse_args(argv)
    sizes = (10_000,) if args.quick else pipeline.DEFAULT_ROWS
    benchmarks: dict[str, Callable[[], str]] = {
        "pipeline": lambda: pipeline.measure(sizes),
        "csvdiff": lambda: csvdiff.measure(sizes),
        "xlsx": lambda: xlsx.measure(10_000 if args.quick else xlsx.DEFAULT_ROWS),
        "push": lambda: (
            push.measure(200, 150) if args.quick else push.measure()  # past each burst
        ),
        "calls": lambda: calls.measure(),
    }
    started = time.perf_counter()
    for name, run in benchmarks.items():
        if args.only and name not in args.only:
            continue
        log(f"== {name}")
        print(run(), end="\n\n", flush=True)
    log(f"all done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
