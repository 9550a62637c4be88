"""Watching the inbox: a file is taken only once complete, only once, and never a temp file."""

from __future__ import annotations

import io
import os
import struct
import sys
import threading
from pathlib import Path

import openpyxl
import pytest
from watchdog.events import (
    DirModifiedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
)

from importer.files.watch import (
    CLAIM_DIR,
    Candidate,
    CompletenessGate,
    InboxEvents,
    _Waker,
    claim,
    claimed_files,
    is_ignored_name,
    scan_inbox,
)
from importer.flows.registry import FLOW_NAMES


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def drop(inbox: Path, flow: str, name: str, data: bytes = b"sku;qty\n1;2\n") -> Candidate:
    folder = inbox / flow
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return Candidate(flow, path)


def xlsx_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["sku_ref", "base_price"])
    for n in range(200):
        ws.append([f"SKU-{n}", n * 1.5])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole2_bytes() -> bytes:
    """A minimal OLE2 compound file (the container of .xls): FAT, directory, 3 data sectors."""
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIII", header, 44, 1, 1, 0, 0)  # 1 FAT sector; directory at sector 1
    struct.pack_into("<IIII", header, 56, 4096, ENDOFCHAIN, 0, ENDOFCHAIN)
    struct.pack_into("<I", header, 72, 0)  # no DIFAT sectors
    struct.pack_into("<109I", header, 76, 0, *([FREESECT] * 108))
    fat = [FATSECT, ENDOFCHAIN, 3, 4, ENDOFCHAIN] + [FREESECT] * 123
    sectors = [struct.pack("<128I", *fat), b"\0" * 512] + [bytes([n]) * 512 for n in range(3)]
    return bytes(header) + b"".join(sectors)


@pytest.mark.parametrize(
    "name",
    [
        "~$book.xlsx",
        ".hidden.csv",
        "x.csv.part",
        "x.crdownload",
        "precos.csv.TMP",
        "precos.csv.partial",
        ".DS_Store",
        "3F2A91C0",  # Excel's save-in-progress temporary file
    ],
)
def test_lock_hidden_and_partial_files_are_ignored(name: str) -> None:
    assert is_ignored_name(name)


@pytest.mark.parametrize(
    "name", ["precos.csv", "Estoque Loja 1.xlsx", "notes.pdf", "part.csv", "20261127.csv"]
)
def test_ordinary_names_are_not_ignored(name: str) -> None:
    assert not is_ignored_name(name)


def test_scan_lists_files_per_flow_oldest_first(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    newer = drop(inbox, "prices", "b.csv")
    older = drop(inbox, "inventory", "z.xlsx")
    same_time = drop(inbox, "prices", "a.pdf")  # unsupported: still listed, the pipeline reports it
    os.utime(older.path, ns=(1, 1_000_000_000))
    os.utime(newer.path, ns=(1, 2_000_000_000))
    os.utime(same_time.path, ns=(1, 2_000_000_000))
    for ignored in ("~$b.xlsx", ".b.csv", "b.csv.part", "b.crdownload"):
        drop(inbox, "prices", ignored)
    (inbox / "prices" / "subfolder").mkdir()
    drop(inbox / "prices", CLAIM_DIR, "claimed.csv")
    (inbox / "loose.csv").write_text("not in a flow folder")

    assert scan_inbox(inbox) == [older, same_time, newer]


def test_the_scan_sees_the_folder_of_every_flow(tmp_path: Path) -> None:
    # The default once listed the first wave's four flows: a later flow's folder was skipped
    # wherever a caller did not pass the registry's names.
    inbox = tmp_path / "inbox"
    dropped = [drop(inbox, flow, f"{flow}.csv") for flow in FLOW_NAMES]
    for i, candidate in enumerate(dropped):
        os.utime(candidate.path, ns=(1, (i + 1) * 1_000_000_000))
    assert scan_inbox(inbox) == dropped


def test_scan_of_a_missing_inbox_is_empty(tmp_path: Path) -> None:
    assert scan_inbox(tmp_path / "nowhere") == []


def test_a_stable_file_is_ready_after_the_settle_time(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = CompletenessGate(settle_seconds=2.0, clock=clock)
    candidate = drop(tmp_path, "prices", "precos.csv")

    assert gate.ready([candidate]) == []  # first sight: nothing to compare with
    clock.now += 1.9
    assert gate.ready([candidate]) == []
    clock.now += 0.1
    assert gate.ready([candidate]) == [candidate]


def test_a_file_growing_between_checks_is_not_ready(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = CompletenessGate(settle_seconds=2.0, clock=clock)
    candidate = drop(tmp_path, "prices", "precos.csv")

    gate.ready([candidate])
    for _ in range(3):
        clock.now += 5
        with candidate.path.open("ab") as fh:
            fh.write(b"3;4\n")
        assert gate.ready([candidate]) == []
    clock.now += 2
    assert gate.ready([candidate]) == [candidate]


def test_an_empty_file_is_ready_only_after_three_settle_times(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = CompletenessGate(settle_seconds=2.0, clock=clock)
    candidate = drop(tmp_path, "prices", "empty.csv", b"")

    gate.ready([candidate])
    clock.now += 5.9
    assert gate.ready([candidate]) == []
    clock.now += 0.1
    assert gate.ready([candidate]) == [candidate]


@pytest.mark.parametrize("name", ["book.xlsx", "book.csv"])  # a workbook is known by its bytes
def test_a_truncated_workbook_is_not_ready_until_complete(tmp_path: Path, name: str) -> None:
    clock = FakeClock()
    gate = CompletenessGate(settle_seconds=2.0, clock=clock)
    whole = xlsx_bytes()
    candidate = drop(tmp_path, "prices", name, whole[: len(whole) // 2])

    gate.ready([candidate])
    clock.now += 30
    assert gate.ready([candidate]) == []  # stable, but its central directory is not there yet

    candidate.path.write_bytes(whole)
    assert gate.ready([candidate]) == []
    clock.now += 2
    assert gate.ready([candidate]) == [candidate]


def test_a_workbook_that_never_opens_whole_is_let_through_to_be_reported(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = CompletenessGate(settle_seconds=2.0, clock=clock, broken_after_seconds=300)
    whole = xlsx_bytes()
    candidate = drop(tmp_path, "prices", "broken.xlsx", whole[: len(whole) // 2])

    gate.ready([candidate])
    clock.now += 299
    assert gate.ready([candidate]) == []
    clock.now += 1
    assert gate.ready([candidate]) == [candidate]


def test_an_xls_is_ready_only_when_every_sector_is_there(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = CompletenessGate(settle_seconds=2.0, clock=clock)
    whole = ole2_bytes()
    candidate = drop(tmp_path, "prices", "legacy.xls", whole[:-512])

    gate.ready([candidate])
    clock.now += 30
    assert gate.ready([candidate]) == []

    candidate.path.write_bytes(whole)
    gate.ready([candidate])
    clock.now += 2
    assert gate.ready([candidate]) == [candidate]


def test_a_vanished_file_is_forgotten(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = CompletenessGate(settle_seconds=2.0, clock=clock)
    candidate = drop(tmp_path, "prices", "precos.csv")
    stat = candidate.path.stat()
    gate.ready([candidate])

    candidate.path.unlink()
    clock.now += 1
    assert gate.ready([candidate]) == []
    # The same name with the same size and time comes back: it is watched from scratch.
    candidate.path.write_bytes(b"sku;qty\n1;2\n")
    os.utime(candidate.path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    clock.now += 2
    assert gate.ready([candidate]) == []
    clock.now += 2
    assert gate.ready([candidate]) == [candidate]


def test_claim_moves_the_file_into_the_claim_folder(tmp_path: Path) -> None:
    candidate = drop(tmp_path, "prices", "precos.csv")

    claimed = claim(candidate)

    assert claimed == tmp_path / "prices" / CLAIM_DIR / "precos.csv"
    assert claimed.read_bytes() == b"sku;qty\n1;2\n"
    assert not candidate.path.exists()
    assert scan_inbox(tmp_path) == []


def test_claim_of_a_vanished_file_returns_none(tmp_path: Path) -> None:
    candidate = drop(tmp_path, "prices", "precos.csv")
    assert claim(candidate) is not None

    assert claim(candidate) is None  # someone (here: we) already took it


def test_claim_never_overwrites_a_file_left_claimed(tmp_path: Path) -> None:
    leftover = drop(tmp_path / "prices", CLAIM_DIR, "precos.csv", b"from before the crash")
    candidate = drop(tmp_path, "prices", "precos.csv", b"new drop")

    assert claim(candidate) is None
    assert leftover.path.read_bytes() == b"from before the crash"
    assert candidate.path.read_bytes() == b"new drop"


def test_claimed_files_finds_what_a_crash_left(tmp_path: Path) -> None:
    first = claim(drop(tmp_path, "prices", "precos.csv"))
    second = claim(drop(tmp_path, "inventory", "estoque.xlsx"))
    drop(tmp_path, "catalog", "waiting.csv")  # not claimed: not a leftover
    assert first is not None and second is not None
    os.utime(second, ns=(1, 1_000_000_000))

    assert claimed_files(tmp_path) == [Candidate("inventory", second), Candidate("prices", first)]


@pytest.mark.parametrize(
    ("event", "wakes"),
    [
        (FileCreatedEvent("/in/prices/precos.csv"), True),
        (FileModifiedEvent("/in/prices/precos.csv"), True),
        (FileClosedEvent("/in/prices/precos.csv"), True),
        (FileMovedEvent("/in/prices/p.crdownload", "/in/prices/p.csv"), True),
        (FileModifiedEvent("/in/prices/p.crdownload"), False),
        (FileCreatedEvent("/in/prices/~$book.xlsx"), False),
        (FileOpenedEvent("/in/prices/precos.csv"), False),  # our own gate reading it
        (FileClosedNoWriteEvent("/in/prices/precos.csv"), False),
        (DirModifiedEvent("/in/prices"), False),
    ],
)
def test_only_events_about_real_files_wake_the_loop(event: FileSystemEvent, wakes: bool) -> None:
    flag = threading.Event()
    _Waker(flag).on_any_event(event)

    assert flag.is_set() is wakes


def test_polling_events_fire_on_a_new_file(tmp_path: Path) -> None:
    (tmp_path / "prices").mkdir()

    with InboxEvents(tmp_path, polling=True, poll_interval=0.05) as events:
        assert events.wait(0) is False
        drop(tmp_path, "prices", "precos.csv")
        assert events.wait(5) is True


@pytest.mark.slow
def test_polling_events_ignore_partial_downloads(tmp_path: Path) -> None:
    (tmp_path / "prices").mkdir()

    with InboxEvents(tmp_path, polling=True, poll_interval=0.05) as events:
        drop(tmp_path, "prices", "precos.csv.crdownload")
        assert events.wait(0.3) is False


@pytest.mark.skipif(sys.platform != "linux", reason="inotify's open/close events are Linux's")
def test_native_events_are_not_woken_by_reading_a_file(tmp_path: Path) -> None:
    candidate = drop(tmp_path, "prices", "precos.csv")

    with InboxEvents(tmp_path) as events:
        candidate.path.read_bytes()
        assert events.wait(0.2) is False
        drop(tmp_path, "prices", "estoque.csv")
        assert events.wait(5) is True
