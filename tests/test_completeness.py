"""A file is taken whole, reported once, and archived once (issue 10, items 4, 5 and 9).

- a file a process of this machine holds open for writing is not ready, however quiet;
- a file that changed while it was processed is read again, never archived half-read, and
  gets one report for its final content;
- with `[watch] done_marker`, a file is taken only once its marker exists;
- a file is judged by its own age, so a one-shot `run` reports an old empty file or broken
  workbook at once, and a file the importer may not read is reported;
- an archive move that fails leaves the file claimed, with its one report, and the next pass
  archives it without a second report and without sending anything again.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import importer.pipeline as pipeline
from importer.config import WatchSettings
from importer.files.openfiles import open_for_writing
from importer.files.watch import CLAIM_DIR, Candidate, CompletenessGate
from importer.run.runner import make_gate, run_pass
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

HOUR = 3600.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def no_writers(paths: Iterable[Path]) -> set[Path]:
    """What /proc shows of a writer on another machine of an SMB share: nothing."""
    return set()


def candidate(folder: Path, name: str, data: bytes, *, age_s: float = 0.0) -> Candidate:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    if age_s:
        then = time.time() - age_s
        os.utime(path, (then, then))
    return Candidate(folder.name, path)


def price_lines(first: int, last: int) -> str:
    return "".join(f"SKU-{i:05d},{i}.90\n" for i in range(first, last + 1))


def report_pairs(workdir: Path, name: str) -> list[str]:
    return sorted(p.name for p in (workdir / "outbox" / "reports").glob(f"{name}.*.report.*"))


def price_puts(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.requests if r.method == "PUT" and "/pricing/prices/" in r.path]


def claimed_names(workdir: Path, flow: str) -> list[str]:
    claim_dir = workdir / "inbox" / flow / CLAIM_DIR
    return sorted(p.name for p in claim_dir.rglob("*") if p.is_file())


# --- open for writing (Linux /proc) --------------------------------------------------------


def test_a_file_open_for_writing_is_seen_and_one_open_for_reading_is_not(tmp_path: Path) -> None:
    path = tmp_path / "precos.csv"
    path.write_text("sku_ref,base_price\n")
    with path.open("a") as writer:
        assert open_for_writing([path]) == {path}
        writer.write("SKU-1,1.00\n")
    with path.open("r"):
        assert open_for_writing([path]) == set()
    with path.open("r+"):
        assert open_for_writing([path]) == {path}
    assert open_for_writing([path]) == set()


def test_where_proc_cannot_be_read_no_writer_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "precos.csv"
    with path.open("w"):
        assert open_for_writing([path], proc=tmp_path / "no-proc") == set()


def test_a_quiet_file_another_process_holds_open_for_writing_is_not_ready(
    tmp_path: Path,
) -> None:
    """A real writer in another process: it wrote its first page and computes the next one."""
    clock = FakeClock()
    gate = CompletenessGate(settle_seconds=2.0, clock=clock)
    dropped = candidate(tmp_path / "prices", "precos.csv", b"")
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            f"fh = open({str(dropped.path)!r}, 'a')\n"
            "fh.write('sku_ref,base_price\\nSKU-1,1.00\\n'); fh.flush()\n"
            "print('written', flush=True)\n"
            "sys.stdin.read()\n"  # the pause: until the test lets it finish
            "fh.write('SKU-2,2.00\\n')\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "written\n"
        old = time.time() - HOUR
        os.utime(dropped.path, (old, old))  # old by its mtime
        assert gate.ready([dropped]) == []
        clock.now += HOUR  # and quiet for an hour between two looks
        assert gate.ready([dropped]) == []
        assert gate.waiting == 1
    finally:
        writer.communicate("", timeout=30)
    assert dropped.path.read_text().endswith("SKU-2,2.00\n")
    assert gate.ready([dropped]) == []  # its last page just landed
    clock.now += 2
    assert gate.ready([dropped]) == [dropped]  # closed and quiet: complete


# --- changed while processed ----------------------------------------------------------------


@pytest.mark.slow
def test_a_file_appended_to_while_it_is_processed_is_read_again_and_reported_once(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An ERP writes its first page, pauses longer than settle_s (the gate cannot see it: a
    writer on another machine), and appends the second page through its open handle while
    the importer is processing the first: to the claimed file, since the claim was a rename."""
    seed_store(sandbox, 40)
    runtime = make_runtime(sandbox, {"IMPORTER__WATCH__SETTLE_S": "0.2"})
    path = workdir / "inbox" / "prices" / "precos.csv"
    handle = path.open("w", encoding="utf-8")
    handle.write("sku_ref,base_price\n" + price_lines(1, 20))
    handle.flush()
    time.sleep(0.5)  # longer than settle_s

    processing = threading.Event()
    second_page_written = threading.Event()

    def writer() -> None:
        processing.wait(30)
        handle.write(price_lines(21, 40))
        handle.close()
        second_page_written.set()

    real_validate = pipeline.validate

    def validate_while_the_writer_goes_on(*args: Any, **kwargs: Any) -> Any:
        processing.set()
        second_page_written.wait(30)
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(pipeline, "validate", validate_while_the_writer_goes_on)
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    gate = CompletenessGate(settle_seconds=0.2, writers=no_writers)
    result = run_pass(runtime, gate, settle=lambda: time.sleep(0.3))
    thread.join(10)

    [report] = [r for r in result.reports if r.summary.file == "precos.csv"]
    s = report.summary
    assert (s.status, s.rows_read, s.created, s.unchanged) == ("done", 40, 40, 0)
    assert sorted(r.key for r in report.rows) == [f"SKU-{i:05d}" for i in range(1, 41)]
    assert {i: sandbox.prices[i]["basePrice"] for i in range(1, 41)} == {
        i: Decimal(f"{i}.90") for i in range(1, 41)
    }
    puts = price_puts(sandbox)
    assert sorted(puts) == sorted({f"/pricing/prices/{i}" for i in range(1, 41)})  # once each
    assert len(report_pairs(workdir, "precos.csv")) == 2
    archived = workdir / "archive" / "done" / "precos.csv"
    assert archived.read_text().count("\n") == 41
    assert not result.left_behind and not claimed_names(workdir, "prices")


def test_a_file_that_changes_while_its_report_is_written_is_reported_once_for_its_end(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_store(sandbox, 10)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\n" + price_lines(1, 5))
    real_write_report = pipeline.write_report
    writes: list[str] = []

    def write_report_while_the_writer_appends(report: Any, *args: Any, **kwargs: Any) -> Any:
        written = real_write_report(report, *args, **kwargs)
        writes.append(report.summary.file)
        if len(writes) == 1:
            [claimed] = (workdir / "inbox" / "prices" / CLAIM_DIR).rglob("precos.csv")
            with claimed.open("a", encoding="utf-8") as fh:
                fh.write(price_lines(6, 10))
        return written

    monkeypatch.setattr(pipeline, "write_report", write_report_while_the_writer_appends)
    [report] = one_pass(runtime).reports
    assert len(writes) == 2  # the first report was taken back
    assert (report.summary.rows_read, report.summary.created) == (10, 10)
    assert len(report_pairs(workdir, "precos.csv")) == 2
    assert sorted(price_puts(sandbox)) == sorted({f"/pricing/prices/{i}" for i in range(1, 11)})
    assert (workdir / "archive" / "done" / "precos.csv").read_text().count("\n") == 11


# --- the done marker ------------------------------------------------------------------------


def test_with_a_done_marker_a_file_is_ready_only_once_its_marker_exists(tmp_path: Path) -> None:
    gate = CompletenessGate(settle_seconds=2.0, done_marker=".ok", writers=no_writers)
    folder = tmp_path / "prices"
    data = candidate(folder, "precos.csv", b"sku_ref,base_price\nSKU-1,1.00\n", age_s=HOUR)
    assert gate.ready([data]) == []
    assert gate.waiting == 1
    assert gate.ready([data, candidate(folder, "precos.csv.OK", b"")]) == []  # case counts
    marker = candidate(folder, "precos.csv.ok", b"", age_s=HOUR)
    assert gate.ready([data, marker]) == [data]  # the marker itself is never a candidate
    assert gate.waiting == 0


def test_a_claimed_file_takes_its_done_marker_with_it(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 5)
    runtime = make_runtime(sandbox, {"IMPORTER__WATCH__DONE_MARKER": ".ok"})
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\n" + price_lines(1, 5))
    gate = make_gate(runtime.deps.loaded.settings.watch)
    assert run_pass(runtime, gate).waiting == 1  # no marker yet: still being written
    assert price_puts(sandbox) == []

    drop(workdir, "prices", "precos.csv.ok", "")
    result = run_pass(runtime, gate)
    assert [r.summary.file for r in result.reports] == ["precos.csv"]  # the marker: no report
    assert result.reports[0].summary.created == 5
    assert sorted(p.name for p in (workdir / "inbox" / "prices").iterdir()) == [CLAIM_DIR]
    assert [p.name for p in (workdir / "archive" / "done").iterdir()] == ["precos.csv"]


def test_a_done_marker_must_be_a_name_suffix() -> None:
    assert WatchSettings(done_marker=".done").done_marker == ".done"
    for bad in ("ok", ".", "./x", ".a\\b"):
        with pytest.raises(ValueError, match="suffix"):
            WatchSettings(done_marker=bad)


# --- judged by their own age (one-shot runs) ------------------------------------------------


def broken_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["sku_ref", "base_price"])
    out = io.BytesIO()
    book.save(out)
    whole = out.getvalue()
    return whole[: len(whole) // 2]


def test_a_file_older_than_the_settle_time_is_ready_at_first_sight(tmp_path: Path) -> None:
    gate = CompletenessGate(settle_seconds=2.0, clock=FakeClock(), writers=no_writers)
    folder = tmp_path / "prices"
    old = candidate(folder, "old.csv", b"sku_ref,base_price\nSKU-1,1.00\n", age_s=10)
    empty = candidate(folder, "empty.csv", b"", age_s=10)
    broken = candidate(folder, "broken.xlsx", broken_workbook(), age_s=HOUR)
    fresh = candidate(folder, "fresh.csv", b"sku_ref,base_price\nSKU-1,1.00\n")
    young_empty = candidate(folder, "young-empty.csv", b"", age_s=3)  # needs 3 x 2 s
    young_broken = candidate(folder, "young-broken.xlsx", broken_workbook(), age_s=10)
    every = [old, empty, broken, fresh, young_empty, young_broken]
    assert gate.ready(every) == [old, empty, broken]
    assert gate.waiting == 3


def test_a_file_from_a_clock_ahead_of_ours_waits_for_two_looks(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = CompletenessGate(settle_seconds=2.0, clock=clock, writers=no_writers)
    ahead = candidate(tmp_path / "prices", "ahead.csv", b"sku_ref\nSKU-1\n", age_s=-HOUR)
    assert gate.ready([ahead]) == []
    clock.now += 2
    assert gate.ready([ahead]) == [ahead]


def test_a_one_shot_run_reports_an_old_empty_file_and_an_old_broken_workbook(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """As `importer run` from cron does it: a fresh gate each run, one settle wait."""
    runtime = make_runtime(sandbox, {"IMPORTER__WATCH__SETTLE_S": "0.2"})
    inbox = workdir / "inbox" / "prices"
    candidate(inbox, "vazio.csv", b"", age_s=HOUR)
    candidate(inbox, "quebrado.xlsx", broken_workbook(), age_s=HOUR)
    gate = make_gate(runtime.deps.loaded.settings.watch)
    result = run_pass(runtime, gate, settle=lambda: time.sleep(0.2))
    assert sorted((r.summary.file, r.summary.status) for r in result.reports) == [
        ("quebrado.xlsx", "failed"),
        ("vazio.csv", "failed"),
    ]
    assert result.waiting == 0 and result.needs_attention
    assert sorted(p.name for p in (workdir / "archive" / "failed").iterdir()) == [
        "quebrado.xlsx",
        "vazio.csv",
    ]


def deny_reading(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The tests run as root, who may read a mode-000 file: the refusal is injected where
    the importer opens the file (the gate's look and the pipeline's read)."""
    real_open = Path.open

    def open_unless_denied(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_unless_denied)
    real_os_open = os.open

    def os_open_unless_denied(path: Any, *args: Any, **kwargs: Any) -> int:
        # Inputs are opened without following links (`importer.read.entry.open_regular`).
        if os.path.basename(os.fsdecode(path)) == name:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open_unless_denied)


def test_a_file_the_importer_may_not_read_is_reported_and_archived_in_failed(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "secreto.csv", "sku_ref,base_price\nSKU-1,1.00\n")
    deny_reading(monkeypatch, "secreto.csv")
    [report] = one_pass(runtime).reports
    assert report.summary.status == "failed"
    assert "may not read this file (permission denied)" in report.summary.error
    assert "read access" in report.summary.error
    assert [p.name for p in (workdir / "archive" / "failed").iterdir()] == ["secreto.csv"]
    assert len(report_pairs(workdir, "secreto.csv")) == 2


# --- a failing archive ----------------------------------------------------------------------


def block_folder(folder: Path) -> Callable[[], None]:
    """A file where the folder should be: what a read-only folder is to a non-root user
    (root ignores modes). Returns what unblocks it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.exists():
        folder.rmdir()
    folder.write_text("in the way")
    return folder.unlink


def test_a_failed_archive_move_leaves_one_report_and_the_next_pass_archives_it(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 5)
    runtime = make_runtime(sandbox)
    unblock = block_folder(workdir / "archive" / "done")
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\n" + price_lines(1, 5))

    first = one_pass(runtime)
    [report] = first.reports
    assert (report.summary.status, report.summary.created) == ("done", 5)
    assert "could not be moved into" in report.left_behind
    assert first.needs_attention  # `run` exits 1: a person must fix the archive folder
    assert claimed_names(workdir, "prices") == ["precos.csv"]
    assert not (workdir / "archive" / "failed").exists()
    assert len(report_pairs(workdir, "precos.csv")) == 2
    sent = len(_writes(sandbox))

    again = one_pass(runtime)  # still blocked: nothing new, still claimed
    assert [r.left_behind != "" for r in again.reports] == [True]
    assert claimed_names(workdir, "prices") == ["precos.csv"]

    unblock()
    last = one_pass(runtime)
    assert [r.left_behind for r in last.reports] == [""]
    assert not last.needs_attention
    assert [p.name for p in (workdir / "archive" / "done").iterdir()] == ["precos.csv"]
    assert not (workdir / "archive" / "failed").exists()
    assert claimed_names(workdir, "prices") == []
    assert len(report_pairs(workdir, "precos.csv")) == 2  # still the one report
    assert len(_writes(sandbox)) == sent  # nothing sent again


def test_a_report_that_cannot_be_written_leaves_the_file_claimed_then_one_report(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 5)
    runtime = make_runtime(sandbox)
    unblock = block_folder(workdir / "outbox" / "reports")
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\n" + price_lines(1, 5))

    first = one_pass(runtime)
    [report] = first.reports
    assert "report could not be written" in report.left_behind
    assert first.needs_attention
    assert claimed_names(workdir, "prices") == ["precos.csv"]
    puts = len(price_puts(sandbox))
    assert puts == 5

    unblock()
    last = one_pass(runtime)
    assert [r.left_behind for r in last.reports] == [""]
    assert len(report_pairs(workdir, "precos.csv")) == 2
    assert [p.name for p in (workdir / "archive" / "done").iterdir()] == ["precos.csv"]
    assert not (workdir / "archive" / "failed").exists()
    assert len(price_puts(sandbox)) == puts  # VTEX already had every row


def _writes(sandbox: Sandbox) -> list[object]:
    """What was sent to VTEX, without the read-only credentials check each pass makes."""
    return [r for r in sandbox.requests if r.method != "GET"]
