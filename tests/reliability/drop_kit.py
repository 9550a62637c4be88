"""What the file-drop reliability tests share: a working folder for a live importer, waiting
for what it does, stopping it, and reading what it left behind (archive, reports, requests).

Used with `live.py` (the sandbox on a port, the importer as a subprocess):

    work = make_workdir(tmp_path, settle_s=1.5, scan_interval_s=0.3)
    proc = start_importer(["watch"], work, live.url)
    wait_until(lambda: archived(work) == {"a.csv"}, 20, "a.csv archived")
    out, err = stop_importer(proc)
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from openpyxl import load_workbook

from importer.files.watch import CLAIM_DIR
from importer.sandbox import Sandbox

__all__ = [
    "archived",
    "claimed_now",
    "leftovers",
    "make_workdir",
    "report_summaries",
    "requests_per_path",
    "stop_importer",
    "wait_until",
]

FLOWS = ("catalog", "prices", "inventory", "invoices")


def make_workdir(
    root: Path,
    *,
    settle_s: float,
    scan_interval_s: float,
    orders: bool = False,
    pull_interval_s: float = 60.0,
    extra_toml: str = "",
) -> Path:
    """A working folder with its inbox laid out and an importer.toml for a fast, live test:
    short settle and scan times, quick retries, no client-side rate limit to speak of, and
    orders pulled only when asked."""
    root.mkdir(parents=True, exist_ok=True)
    for flow in FLOWS:
        (root / "inbox" / flow).mkdir(parents=True, exist_ok=True)
    (root / "importer.toml").write_text(
        f"""
[vtex]
account = "teststore"
max_attempts = 6
backoff_initial_s = 0.01
backoff_max_s = 0.05

# The sandbox on loopback: what is tested here is not VTEX's quotas, so the client-side
# limits (50 stock updates a second by default) must not set the pace.
[vtex.rate_limits]
catalog = {{ per_second = 1000, burst = 1000 }}
pricing = {{ per_second = 1000, burst = 1000 }}
logistics = {{ per_second = 1000, burst = 1000 }}
orders = {{ per_second = 1000, burst = 1000 }}

[watch]
settle_s = {settle_s}
scan_interval_s = {scan_interval_s}

[orders]
enabled = {"true" if orders else "false"}
pull_interval_s = {pull_interval_s}
{extra_toml}
""",
        encoding="utf-8",
    )
    return root


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` every 50 ms; fail the test naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for: {what}")
        time.sleep(0.05)


def stop_importer(proc: subprocess.Popen[str], timeout: float = 15) -> tuple[str, str]:
    """SIGTERM (what a service manager sends: `watch` finishes its pass and exits), then
    the captured stdout and stderr. Killed if it does not stop in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=5)
        raise AssertionError(f"the importer did not stop on SIGTERM:\n{err[-3000:]}") from None
    return out, err


def archived(work: Path, outcome: str = "done") -> Counter[str]:
    """Names in archive/<outcome>/, counted (an input archived twice shows up twice, once
    under a timestamped name, which is folded back to its own name here)."""
    folder = work / "archive" / outcome
    if not folder.is_dir():
        return Counter()
    return Counter(_original_name(p.name) for p in folder.iterdir())


def _original_name(name: str) -> str:
    # 'precos.20261127T044458Z-2.csv' -> 'precos.csv' (see importer/files/archive.py).
    parts = name.split(".")
    if len(parts) >= 3 and parts[-2][:8].isdigit() and "T" in parts[-2]:
        return ".".join([*parts[:-2], parts[-1]])
    return name


def report_summaries(work: Path) -> dict[str, list[dict[str, object]]]:
    """The Summary sheet of every .report.xlsx, grouped by the input file it reports on."""
    found: dict[str, list[dict[str, object]]] = {}
    for path in sorted((work / "outbox" / "reports").glob("*.report.xlsx")):
        book = load_workbook(path, read_only=True)
        try:
            rows = book["Summary"].iter_rows(min_row=2, values_only=True)
            summary = {str(field): value for field, value, *_ in rows}
        finally:
            book.close()
        found.setdefault(str(summary["file"]), []).append(summary)
    return found


def requests_per_path(sandbox: Sandbox, method: str, prefix: str) -> Counter[str]:
    """How many `method` requests the sandbox answered 2xx per path starting with `prefix`."""
    return Counter(
        r.path
        for r in sandbox.requests
        if r.method == method and r.path.startswith(prefix) and 200 <= r.status < 300
    )


def leftovers(work: Path, flows: Iterable[str] = FLOWS) -> list[str]:
    """Files still in the inbox or its claim folders (relative paths), lock files included."""
    found: list[str] = []
    for flow in flows:
        folder = work / "inbox" / flow
        for dirpath, _dirs, files in os.walk(folder):
            found += [str((Path(dirpath) / f).relative_to(work / "inbox")) for f in files]
    return sorted(found)


def claimed_now(work: Path, flow: str) -> list[Path]:
    """Files in inbox/<flow>/.importer/ (at any depth): claimed and not yet archived."""
    return sorted(p for p in (work / "inbox" / flow / CLAIM_DIR).rglob("*") if p.is_file())
