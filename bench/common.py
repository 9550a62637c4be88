"""What every benchmark shares: measurements in child interpreters (so that each one's peak
memory is its own), the machine's description, progress on stderr.

A benchmark module `bench.X` handles `--child MODE ARGS...` by calling `CHILDREN[MODE](*ARGS)`
and printing one JSON line (see `child_main`); the parent runs `run_child("bench.X", MODE,
...)` and gets that line back as a dict, with the child's `peak_mib`.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

Result = dict[str, Any]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def peak_mib() -> float:
    """This process's peak resident memory in MiB.

    VmHWM is per address space and starts afresh at exec. ru_maxrss is not: Linux carries the
    parent's high-water mark across fork+exec, so a child of a big parent would report the
    parent's size. ru_maxrss is the fallback where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_main(children: Mapping[str, Callable[..., Result]], args: list[str]) -> int:
    """Run one measurement in this (child) process and print its JSON line."""
    mode, *rest = args
    result = children[mode](*rest)
    result["peak_mib"] = peak_mib()
    print(json.dumps(result))
    return 0


def run_child(module: str, mode: str, *args: object, timeout: float | None = None) -> Result:
    """`python -m MODULE --child MODE ARGS...` in a fresh interpreter; its JSON line, plus
    `wall_s` (the child's whole life, imports included). A child that fails or outlives
    `timeout` fails the benchmark."""
    command = [sys.executable, "-m", module, "--child", mode, *map(str, args)]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"bench child {module} {mode!r} ran past {timeout:.0f} s") from None
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench child {module} {mode!r} failed (exit {done.returncode})")
    result: Result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    return result


def best_of(repeats: int, action: Callable[[], object]) -> float:
    """The fastest of `repeats` runs of `action`, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def machine_lines() -> list[str]:
    """The machine, as the tables' footnote: cores, CPU, RAM, load, versions."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- CPUs: {len(os.sched_getaffinity(0))} ({_cpu_model()}), RAM {_ram_gib():.0f} GiB, "
        f"load average at the end {load}",
        f"- Python {platform.python_version()}, pandas {_version('pandas')}, pyarrow "
        f"{_version('pyarrow')}, numpy {_version('numpy')}, python-calamine "
        f"{_version('python-calamine')}, csv-diff {_version('csv-diff')}, "
        f"SQLite {sqlite3.sqlite_version}",
        f"- {platform.platform()}",
    ]


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "(not installed)"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _ram_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return 0.0
