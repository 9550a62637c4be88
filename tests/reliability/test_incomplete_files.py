"""Files that are still being written are never read early (issue 5, part 2).

One real `importer watch` (a subprocess, against the sandbox on a loopback port) runs while
five writers work in the inbox at once, as ERPs, Office, copies and browsers do:

- a slow writer appends one price row every 0.5 s for 10 s, then closes;
- a 3.6 MB stock export (200 rows) is copied in 256 KiB chunks with pauses, lines cut mid-way;
- an Office-style save: a `~$` lock file, the workbook written slowly under a `.tmp` name
  (paused longer than the settle time), then renamed into place;
- a workbook written half, left alone for twice the settle time, then completed: only its
  missing zip directory says it is not done;
- a browser download written to `.crdownload` with a long pause, then renamed;
- an ERP export written in two pages through one open handle, with a pause three times the
  settle time between them (computing its next page): only the open handle (seen in /proc)
  says it is not done (issue 10, item 4).

Office's `~$x.xlsx` and LibreOffice's `.~lock.x.xlsx#` lock files sit in the inbox throughout.

Each file must be processed exactly once, whole: one report whose counts are the full row
count, every row in the sandbox, every price sent once; lock and temporary files are never
taken, reported nor archived.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from importer.sandbox import Sandbox
from tests.conftest import seed_store
from tests.reliability.drop_kit import (
    archived,
    leftovers,
    make_workdir,
    report_summaries,
    requests_per_path,
    stop_importer,
    wait_until,
)
from tests.reliability.live import LiveSandbox, start_importer

# Slow: importers watching files being written. `tasks.py test --fast` leaves this out.
pytestmark = pytest.mark.slow


# The settle time is the importer's one promise: a file unchanged for that long is complete.
# Every writer below pauses at most a third of it between writes (the slow writer, the copy),
# or pauses longer but in a way the importer must see through (a temporary name, a workbook
# without its zip directory, a handle still open for writing).
SETTLE_S = 1.5
SLOW_ROWS, SLOW_EVERY_S = 20, 0.5  # 10 seconds of appending
BIG_ROWS, BIG_CHUNK, BIG_PAUSE_S = 200, 256 * 1024, 0.25
NOTE = "observação do ERP " * 900  # ~17 KB per row: 200 rows make a 3+ MB file

LOCK_FILES = {
    "prices": ["~$precos-office.xlsx", ".~lock.precos-office.xlsx#"],
    "inventory": ["~$estoque-parcial.xlsx", ".~lock.estoque-parcial.xlsx#"],
}


def price(i: int) -> Decimal:
    return Decimal(f"{i}.90")


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the writers -------------------------------------------------------------------------


def slow_writer(inbox: Path) -> None:
    with (inbox / "prices" / "precos-lento.csv").open("w", encoding="utf-8") as fh:
        fh.write("sku_ref,base_price\n")
        fh.flush()
        for i in range(1, SLOW_ROWS + 1):
            time.sleep(SLOW_EVERY_S)
            fh.write(f"SKU-{i:05d},{price(i)}\n")
            fh.flush()


def big_copy(inbox: Path) -> None:
    lines = ["sku_ref,warehouse_id,quantity,observacao"]
    lines += [f"SKU-{i:05d},1_1,{i},{NOTE}{i}" for i in range(1, BIG_ROWS + 1)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    assert len(data) > 3_000_000
    with (inbox / "inventory" / "estoque-grande.csv").open("wb") as fh:
        for start in range(0, len(data), BIG_CHUNK):
            fh.write(data[start : start + BIG_CHUNK])  # cut anywhere, mid-line included
            fh.flush()
            time.sleep(BIG_PAUSE_S)


def office_save(inbox: Path) -> None:
    folder = inbox / "prices"
    (folder / "~$precos-office.xlsx").write_bytes(b"\x0bMaria Silva" + b" " * 150)
    (folder / ".~lock.precos-office.xlsx#").write_text(
        "Maria Silva,maria,ERP-PC,27.11.2026 06:00,file:///C:/Users/maria/AppData/;",
        encoding="utf-8",
    )
    data = xlsx_bytes(
        ["sku_ref", "base_price"], [[f"SKU-{i:05d}", float(price(i))] for i in range(21, 41)]
    )
    temp = folder / "~WRL0042.tmp"
    with temp.open("wb") as fh:
        fh.write(data[: len(data) // 2])
        fh.flush()
        time.sleep(2 * SETTLE_S)  # a slow share: longer than the settle time
        fh.write(data[len(data) // 2 :])
    os.replace(temp, folder / "precos-office.xlsx")


def workbook_in_two_steps(inbox: Path) -> None:
    folder = inbox / "inventory"
    (folder / "~$estoque-parcial.xlsx").write_bytes(b"\x0bJoao" + b" " * 150)
    (folder / ".~lock.estoque-parcial.xlsx#").write_text("Joao,joao,ERP-PC;", encoding="utf-8")
    data = xlsx_bytes(
        ["sku_ref", "warehouse_id", "quantity"],
        [[f"SKU-{i:05d}", "WH-2", 1000 + i] for i in range(1, 31)],
    )
    with (folder / "estoque-parcial.xlsx").open("wb") as fh:
        fh.write(data[: len(data) // 2])
        fh.flush()
        time.sleep(2 * SETTLE_S)  # stable, but without its zip directory: not complete
        fh.write(data[len(data) // 2 :])


def browser_download(inbox: Path) -> None:
    folder = inbox / "prices"
    lines = ["sku_ref,base_price"] + [f"SKU-{i:05d},{price(i)}" for i in range(41, 51)]
    partial = folder / "precos-download.csv.crdownload"
    with partial.open("w", encoding="utf-8") as fh:
        fh.write("\n".join(lines[:5]) + "\n")
        fh.flush()
        time.sleep(2 * SETTLE_S)
        fh.write("\n".join(lines[5:]) + "\n")
    os.replace(partial, folder / "precos-download.csv")


PAGE_ROWS = 10


def export_in_pages(inbox: Path) -> None:
    with (inbox / "prices" / "precos-paginas.csv").open("w", encoding="utf-8") as fh:
        fh.write("sku_ref,base_price\n")
        for page in range(2):
            first = 51 + page * PAGE_ROWS
            fh.write("".join(f"SKU-{i:05d},{price(i)}\n" for i in range(first, first + PAGE_ROWS)))
            fh.flush()
            if page == 0:
                time.sleep(3 * SETTLE_S)  # the next page takes a while; the file stays open


WRITERS: list[Callable[[Path], None]] = [
    slow_writer,
    big_copy,
    office_save,
    workbook_in_two_steps,
    browser_download,
    export_in_pages,
]
EXPECTED_ROWS = {
    "precos-lento.csv": SLOW_ROWS,
    "estoque-grande.csv": BIG_ROWS,
    "precos-office.xlsx": 20,
    "estoque-parcial.xlsx": 30,
    "precos-download.csv": 10,
    "precos-paginas.csv": 2 * PAGE_ROWS,
}
PRICED = range(1, 51 + 2 * PAGE_ROWS)


def test_files_still_being_written_are_taken_once_and_whole(tmp_path: Path) -> None:
    work = make_workdir(tmp_path / "work", settle_s=SETTLE_S, scan_interval_s=0.3)
    inbox = work / "inbox"
    sandbox = Sandbox(account="teststore", app_key="sandbox-key", app_token="sandbox-token")
    seed_store(sandbox, BIG_ROWS, warehouses=("1_1", "WH-2"))
    errors: list[BaseException] = []

    def run(writer: Callable[[Path], None]) -> None:
        try:
            writer(inbox)
        except BaseException as exc:  # reported by the test, not lost in a thread
            errors.append(exc)

    with LiveSandbox(sandbox) as live:
        watcher = start_importer(["watch"], work, live.url)
        threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in WRITERS]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert not errors, errors
            wait_until(
                lambda: (
                    set(archived(work)) | set(archived(work, "failed")) >= set(EXPECTED_ROWS)
                    or watcher.poll() is not None
                ),
                30,
                "every file archived",
            )
        finally:
            _out, err = stop_importer(watcher)

    assert archived(work, "failed") == Counter(), err[-3000:]
    assert archived(work) == Counter(dict.fromkeys(EXPECTED_ROWS, 1)), err[-3000:]
    summaries = report_summaries(work)
    assert set(summaries) == set(EXPECTED_ROWS)  # no report for a lock or temporary file
    for name, rows in EXPECTED_ROWS.items():
        [summary] = summaries[name]  # processed exactly once
        counts = (summary["status"], summary["rows read"], summary["created"], summary["invalid"])
        assert counts == ("done", rows, rows, 0), (name, summary)

    # Only the lock files are left in the inbox; nothing is left claimed.
    assert leftovers(work) == sorted(
        f"{flow}/{name}" for flow, names in LOCK_FILES.items() for name in names
    )
    # Every row is in VTEX, and every price was sent exactly once.
    prices = {i: sandbox.prices[i]["basePrice"] for i in PRICED}
    assert prices == {i: price(i) for i in PRICED}
    puts = requests_per_path(sandbox, "PUT", "/pricing/prices/")
    assert puts == Counter({f"/pricing/prices/{i}": 1 for i in PRICED})
    stock = {key: rec["quantity"] for key, rec in sandbox.inventory.items()}
    assert stock == {(i, "1_1"): i for i in range(1, BIG_ROWS + 1)} | {
        (i, "WH-2"): 1000 + i for i in range(1, 31)
    }
