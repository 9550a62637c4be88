"""Finding input files, deciding when each is complete, and claiming it.

The pieces of the watch loop (the loop itself lives in the CLI):

    InboxEvents.wait()        wakes the loop early when something changes in inbox/<flow>/
    scan_inbox()              what is in the inbox now, oldest first (regular files only)
    scan_refused()            links, FIFOs, devices: claimed at once, refused unread
    unsafe_folders()          flow or claim folders that are links: nothing is taken there
    CompletenessGate.ready()  which of those have stopped changing and open whole
    claim()                   atomically move one into inbox/<flow>/.importer/<owner>/
    claimed_files()           what a crash left claimed by this owner: finish those first

Each importer claims into a folder of its own (`owner`, see `importer.run.lock.claim_owner`), so
that a file another importer is working on is never taken for a crash's leftover: where the
folder lock cannot keep a second importer out (two machines on one SMB share, each with its
own state folder), the rename still gives every file to exactly one of them.

Events only shorten the wait; the scan is the truth. On an SMB share events may never arrive,
so the loop must scan on a timer anyway, and `polling=True` makes the events themselves come
from polling.

Time is injected: `CompletenessGate` never sleeps, it compares what it saw on earlier calls
with what it sees now according to its `clock`, so a test drives it call by call.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Self

from loguru import logger
from watchdog.events import (
    EVENT_TYPE_ATTRIB,
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from importer.files.openfiles import open_for_writing
from importer.flows.registry import FLOW_NAMES
from importer.read.entry import special_kind

# Every flow the registry knows: a folder of a newer flow is never skipped by default.
FLOWS = FLOW_NAMES
ACCEPTED_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods"})
CLAIM_DIR = ".importer"

# Office lock files (~$), hidden files (.), and what editors and browsers write before the
# real name exists.
_IGNORED_PREFIXES = ("~$", ".")
_IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


# Excel saves through a temporary file named with 8 hex digits and no extension
# (`3F2A91C0`), then renames it over the workbook: taking it would break the save.
_EXCEL_SAVE_TEMP = re.compile(r"[0-9A-Fa-f]{8}")


def is_ignored_name(name: str) -> bool:
    """True for names that are never taken: `~$book.xlsx`, `.hidden.csv`, `x.csv.part`,
    Excel's `3F2A91C0`..."""
    lowered = name.lower()
    return (
        lowered.startswith(_IGNORED_PREFIXES)
        or lowered.endswith(_IGNORED_SUFFIXES)
        or _EXCEL_SAVE_TEMP.fullmatch(name) is not None
    )


@dataclass(frozen=True)
class Candidate:
    """A file in `inbox/<flow>/` (or, once claimed, in `inbox/<flow>/.importer/`)."""

    flow: str
    path: Path


def scan_inbox(inbox: Path, flows: Sequence[str] = FLOWS) -> list[Candidate]:
    """Files directly in `inbox/<flow>/` that are not ignored, oldest mtime first, then name.

    Unsupported suffixes are included on purpose: the pipeline reports them, so the person who
    dropped a `.pdf` learns why nothing happened. A missing flow folder is simply empty.
    Only regular files: a symbolic link, a FIFO or a device is never looked into here (see
    `scan_refused`).
    """
    return _files_in(((flow, inbox / flow) for flow in flows), _REGULAR)


def scan_refused(inbox: Path, flows: Sequence[str] = FLOWS) -> list[Candidate]:
    """Entries directly in `inbox/<flow>/` that must be refused unread: symbolic links
    (wherever they point, the inbox included), FIFOs, devices, sockets, and folders named
    like an input (`prices.csv/`). They need no completeness check (nothing of them is ever
    read; opening a FIFO would block): they are claimed at once, and the pipeline reports
    them and moves the entry itself to archive/failed. Other folders are left alone."""
    return _files_in(((flow, inbox / flow) for flow in flows), _REFUSED)


def unsafe_folders(
    inbox: Path, flows: Sequence[str] = FLOWS, owner: str | None = None
) -> list[str]:
    """Why a flow folder, or its claim folder, cannot be used: it is a symbolic link (or not
    a folder at all). The importer takes nothing from such a flow until a person replaces it
    with a real folder: following it would read, create and move files wherever it points."""
    problems: list[str] = []
    for flow in flows:
        folder = inbox / flow
        for path in (folder, folder / CLAIM_DIR, *((folder / CLAIM_DIR / owner,) if owner else ())):
            what = _not_a_folder(path)
            if what is not None:
                problems.append(
                    f"{path} is {what}, not a folder: nothing in inbox/{flow} is taken until "
                    "it is replaced by a real folder"
                )
                break
    return problems


def _not_a_folder(path: Path) -> str | None:
    """What `path` is when it exists and is not a real folder (a link to one is not)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    return None if stat.S_ISDIR(mode) else (special_kind(mode) or "a file")


def claimed_files(
    inbox: Path, flows: Sequence[str] = FLOWS, owner: str | None = None
) -> list[Candidate]:
    """Files a crash left claimed by `owner` (in `inbox/<flow>/.importer/<owner>/`): the
    importer finishes them before taking new ones.

    Files directly in `.importer/` were claimed by a version without owners; they are adopted
    first, by the same atomic rename as a claim, so that of two importers only one finishes
    each. Another owner's folder is never looked into: its files are that importer's work in
    progress. Without `owner`, the files directly in `.importer/`."""
    if owner is None:
        return _files_in(((flow, inbox / flow / CLAIM_DIR) for flow in flows), _CLAIMED)
    for unowned in _files_in(((flow, inbox / flow / CLAIM_DIR) for flow in flows), _CLAIMED):
        _rename_into(unowned.path, unowned.path.parent, owner)
    return _files_in(((flow, inbox / flow / CLAIM_DIR / owner) for flow in flows), _CLAIMED)


def adopt_host_leftovers(inbox: Path, owner: str, flows: Sequence[str] = FLOWS) -> int:
    """Move files claimed on this host under another importer id (`.importer/<host>-<id>/`)
    into `owner`'s folder; returns how many. For a new id only (`claim_owner`'s `on_new`): the
    state folder that kept the old id is gone (deleted, recreated), and without this its
    claimed files would wait forever for an importer that no longer exists."""
    host = owner.rsplit("-", 1)[0]
    same_host = re.compile(re.escape(host) + r"-[0-9a-f]{8}")
    adopted = 0
    for flow in flows:
        claim_dir = inbox / flow / CLAIM_DIR
        if _not_a_folder(claim_dir) is not None:
            continue  # a link: never looked into (`unsafe_folders` tells the person)
        try:
            with os.scandir(claim_dir) as entries:
                folders = [
                    Path(e.path)
                    for e in entries
                    if e.name != owner
                    and same_host.fullmatch(e.name)
                    and e.is_dir(follow_symlinks=False)
                ]
        except (FileNotFoundError, NotADirectoryError):
            continue
        for folder in folders:
            for leftover in _files_in([(flow, folder)], _CLAIMED):
                if _rename_into(leftover.path, claim_dir, owner) is None:
                    logger.warning(
                        "{} stays in {}: a file of that name is claimed already",
                        leftover.path.name,
                        folder,
                    )
                    continue
                logger.warning(
                    "{}: claimed under an earlier importer id on this host ({}); finishing it",
                    leftover.path.name,
                    folder.name,
                )
                adopted += 1
    return adopted


def claim(candidate: Candidate, owner: str | None = None) -> Path | None:
    """Atomically move a ready file into `inbox/<flow>/.importer/<owner>/` (or `.importer/`
    itself without an owner); return its new path.

    The claim folder is inside the flow folder, so this is a rename within one folder tree,
    atomic even on an SMB share: the file is either still in the inbox or wholly ours.
    Returns None, leaving everything as it is, when:
    - the file vanished (someone else claimed or removed it);
    - a file of that name is already claimed (a crash left it; it is recovered first and a
      claimed file is never overwritten);
    - the file cannot be moved right now (on Windows, while another program has it open).
    """
    return _rename_into(candidate.path, candidate.path.parent / CLAIM_DIR, owner)


def _rename_into(path: Path, claim_dir: Path, owner: str | None) -> Path | None:
    folder = claim_dir / owner if owner else claim_dir
    target = folder / path.name
    # Checked on every claim, each level before anything is made in it: a flow or claim
    # folder that is a link would have folders made, and files moved, wherever it points.
    if not _real_folder(claim_dir.parent, path.name, make=False):
        return None
    for level in dict.fromkeys((claim_dir, folder)):
        if not _real_folder(level, path.name, make=True):
            return None
    if os.path.lexists(target):
        return None
    try:
        os.rename(path, target)
    except (FileNotFoundError, FileExistsError):
        return None
    except PermissionError as exc:
        logger.warning("{} is in use and stays in the inbox for now: {}", path, exc)
        return None
    return target


# Which entries of a folder `_files_in` lists.
_REGULAR, _REFUSED, _CLAIMED = "regular", "refused", "claimed"


def _is_listed(entry: os.DirEntry[str], which: str) -> bool:
    """Whether to list `entry` (never following a link to decide)."""
    if entry.is_file(follow_symlinks=False):
        return which != _REFUSED
    if which == _REGULAR:
        return False
    if entry.is_dir(follow_symlinks=False):
        # A folder is a person's own business (or, in `.importer/`, another importer's claim
        # folder) unless it is named like an input.
        return Path(entry.name).suffix.lower() in ACCEPTED_SUFFIXES
    return True  # a link, a FIFO, a device, a socket


def _real_folder(folder: Path, name: str, *, make: bool) -> bool:
    """Whether `folder` is a real folder (made first when `make`); a link, even to a folder,
    is not, and is logged: `name` stays in the inbox."""
    if make:
        try:
            folder.mkdir()
        except FileExistsError:  # there already: a folder, or a link, or a file
            pass
        except FileNotFoundError:  # the flow folder itself is gone, and the file with it
            return False
    what = _not_a_folder(folder)
    if what is None and folder.is_dir():
        return True
    if what is not None:
        logger.error(
            "{} is {}, not a folder: {} stays in the inbox until it is a real folder",
            folder,
            what,
            name,
        )
    return False


def _files_in(folders: Iterable[tuple[str, Path]], which: str) -> list[Candidate]:
    found: list[tuple[int, str, str, Path]] = []
    for flow, folder in folders:
        what = _not_a_folder(folder)
        if what is not None:
            # A flow or claim folder that is a link: listing it would take files from
            # wherever it points (`unsafe_folders` tells the person).
            logger.error("{} is {}, not a folder: nothing in it is taken", folder, what)
            continue
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if is_ignored_name(entry.name):
                        continue
                    try:
                        if not _is_listed(entry, which):
                            continue
                        mtime_ns = entry.stat(follow_symlinks=False).st_mtime_ns
                    except OSError:  # vanished between listing and stat: someone took it
                        continue
                    found.append((mtime_ns, entry.name, flow, Path(entry.path)))
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:  # an SMB/NFS hiccup: this folder is looked at next pass
            logger.warning("cannot list {}: {}; trying again next pass", folder, exc)
            continue
    found.sort()
    return [Candidate(flow, path) for _, _, flow, path in found]


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # clock time when this (size, mtime_ns) was first seen


def done_marker_of(path: Path, marker: str) -> Path:
    """The completion marker that says `path` is written whole: `precos.csv.ok` for
    `precos.csv` with `marker = ".ok"` (Apache Camel's doneFileName)."""
    return path.with_name(path.name + marker)


def is_done_marker(name: str, marker: str) -> bool:
    return bool(marker) and name.endswith(marker) and len(name) > len(marker)


WritersOf = Callable[[Iterable[Path]], set[Path]]


class CompletenessGate:
    """Decides when a file has stopped being written, without ever sleeping.

    A file is ready when it has been quiet for `settle_seconds`: its (size, mtime_ns) were
    the same at two calls that far apart, or its own modification time is that old (so a
    one-shot `importer run` from a scheduler takes at first sight a file dropped an hour ago,
    instead of calling it "still being written" on every run). An empty file must be quiet for
    `3 * settle_seconds`, so that it is reported rather than ignored forever. A file that a
    process of this machine holds open for writing is never ready, however quiet
    (`importer.files.openfiles`: an ERP pausing between the pages of its export). With a
    `done_marker` (".ok"), a file is ready only once `NAME.ok` exists beside it, and the
    markers themselves are never candidates. A workbook (known by its bytes, whatever its
    name) must also open whole: a zip whose central directory is still missing, or an OLE2
    `.xls` whose allocation table points past the end of the file, is still being written or
    copied. A workbook that still does not open whole after `broken_after_seconds` of quiet is
    let through, so the pipeline reports it as unreadable instead of it waiting in the inbox
    forever. A file that is locked by its writer (Windows) is never ready; a file the importer
    may not read (permissions) is let through, so that the pipeline reports it.

    Call `ready()` with the whole of each scan: paths no longer passed in are forgotten.
    `waiting` is how many of the last call's candidates (markers aside) were not ready.
    """

    def __init__(
        self,
        *,
        settle_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        broken_after_seconds: float = 300.0,
        wall_clock: Callable[[], float] = time.time,
        done_marker: str = "",
        writers: WritersOf = open_for_writing,
    ) -> None:
        self._settle = settle_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        self._broken_after = max(broken_after_seconds, settle_seconds)
        self._marker = done_marker
        self._writers = writers
        self._seen: dict[Path, _Seen] = {}
        self.waiting = 0

    def ready(self, candidates: Sequence[Candidate]) -> list[Candidate]:
        now = self._clock()
        wall = self._wall_clock()
        candidates = [c for c in candidates if not is_done_marker(c.path.name, self._marker)]
        current = {c.path for c in candidates}
        for gone in self._seen.keys() - current:
            del self._seen[gone]

        quiet: list[tuple[Candidate, int, float]] = []
        for candidate in candidates:
            path = candidate.path
            try:
                st = path.stat()
            except FileNotFoundError:
                self._seen.pop(path, None)
                continue
            except OSError:  # a share that hiccups: ask again on the next call
                continue
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                self._seen[path] = _Seen(st.st_size, st.st_mtime_ns, now)
                if seen is not None:
                    continue  # it changed since the last look: being written right now
            stable_for = now - self._seen[path].since
            # A clock ahead of ours (an SMB server's) gives a negative age: it counts for
            # nothing, and the two looks decide.
            age = wall - st.st_mtime_ns / 1e9
            quiet_for = max(stable_for, age)
            needed = 3 * self._settle if st.st_size == 0 else self._settle
            if quiet_for < needed:
                continue
            if self._marker and not os.path.lexists(done_marker_of(path, self._marker)):
                continue
            quiet.append((candidate, st.st_size, quiet_for))

        out: list[Candidate] = []
        busy = self._writers(c.path for c, _, _ in quiet) if quiet else set()
        for candidate, size, quiet_for in quiet:
            if candidate.path in busy:
                continue
            if size == 0:
                out.append(candidate)
                continue
            whole = _opens_whole(candidate.path, size)
            if whole or (whole is False and quiet_for >= self._broken_after):
                out.append(candidate)
        self.waiting = len(candidates) - len(out)
        return out


def _opens_whole(path: Path, size: int) -> bool | None:
    """True if complete as far as its bytes show (or not ours to read: the pipeline reports
    that); False if a workbook is cut short; None if the file cannot be opened right now (its
    writer holds it locked, or the share hiccups)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head.startswith(_ZIP_MAGIC):
                return _zip_whole(fh, size)
            if head == _OLE2_MAGIC:
                return _ole2_whole(fh, size)
            return True
    except PermissionError as exc:
        return None if _locked_by_its_writer(exc) else True
    except OSError:
        return None


# Windows' sharing and lock violations: another program has the file open. Everywhere else a
# PermissionError means the importer's user may not read the file, which a person must fix.
_WINDOWS_IN_USE = frozenset({32, 33})


def _locked_by_its_writer(exc: PermissionError) -> bool:
    return getattr(exc, "winerror", None) in _WINDOWS_IN_USE


def _zip_whole(fh: IO[bytes], size: int) -> bool:
    # The central directory is written last, at the very end: if it reads, the writer is done.
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, struct.error):
        return False
    # Every member must start inside the file, before its own directory.
    return bool(infos) and all(i.header_offset + i.compress_size < size for i in infos)


# OLE2 (Compound File Binary) sector markers.
_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_MAXREGSECT = 0xFFFFFFFA


def _ole2_whole(fh: IO[bytes], size: int) -> bool:
    """An OLE2 file is whole when every sector its allocation table uses is in the file.

    An `.xls` being copied is cut somewhere; the FAT (which maps every used sector) says how
    long the file must be. Layout per [MS-CFB] 2.2: sector `n` starts at `(n + 1) * sector`.
    """
    fh.seek(0)
    header = fh.read(512)
    if len(header) < 512:
        return False
    shift: int = struct.unpack_from("<H", header, 30)[0]
    if shift not in (9, 12):
        return False
    sector = 1 << shift
    n_fat: int
    first_dir: int
    first_difat: int
    n_difat: int
    n_fat, first_dir = struct.unpack_from("<II", header, 44)
    first_difat, n_difat = struct.unpack_from("<II", header, 68)
    sectors_in_file = size // sector - 1
    if first_dir > _MAXREGSECT or first_dir >= sectors_in_file:
        return False

    def read_sector(index: int) -> tuple[int, ...] | None:
        if index > _MAXREGSECT or index >= sectors_in_file:
            return None
        fh.seek((index + 1) * sector)
        data = fh.read(sector)
        return struct.unpack(f"<{sector // 4}I", data) if len(data) == sector else None

    fat_sectors: list[int] = list(struct.unpack_from("<109I", header, 76))
    next_difat = first_difat
    # Bounded by the file's sector count, so a corrupt chain that loops cannot hang the gate.
    for _ in range(min(n_difat, sectors_in_file)):
        if next_difat in (_ENDOFCHAIN, _FREESECT):
            break
        entries = read_sector(next_difat)
        if entries is None:
            return False
        fat_sectors.extend(entries[:-1])
        next_difat = entries[-1]
    if n_fat > len(fat_sectors):
        return False

    last_used = -1
    for number, fat_sector in enumerate(fat_sectors[:n_fat]):
        entries = read_sector(fat_sector)
        if entries is None:
            return False
        for offset in range(len(entries) - 1, -1, -1):
            if entries[offset] != _FREESECT:
                last_used = number * len(entries) + offset
                break
    return last_used < sectors_in_file


# Events that say nothing about a file having been written: our own gate opening files to
# check them would otherwise wake the loop that called it, forever.
_QUIET_EVENTS = frozenset({EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE, EVENT_TYPE_ATTRIB})


class _Waker(FileSystemEventHandler):
    def __init__(self, flag: threading.Event) -> None:
        super().__init__()
        self._flag = flag

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in _QUIET_EVENTS:
            return
        names = [os.path.basename(os.fsdecode(p)) for p in (event.src_path, event.dest_path) if p]
        # A browser filling `x.crdownload` writes thousands of times; only its final rename
        # to a real name matters.
        if names and all(is_ignored_name(name) for name in names):
            return
        self._flag.set()


class InboxEvents:
    """Wakes the watch loop early when a file changes directly in `inbox/<flow>/`.

    Uses watchdog's native observer, or its `PollingObserver` with `polling=True` (SMB and
    other network shares, where change notifications never arrive). Flow folders that do not
    exist at `start()` are not watched; the loop's periodic scan still covers them.
    """

    def __init__(
        self,
        inbox: Path,
        *,
        polling: bool = False,
        poll_interval: float = 2.0,
        flows: Sequence[str] = FLOWS,
    ) -> None:
        self._inbox = inbox
        self._polling = polling
        self._poll_interval = poll_interval
        self._flows = tuple(flows)
        self._flag = threading.Event()
        self._observer: BaseObserver | None = None

    def start(self) -> None:
        if self._observer is not None:
            return
        observer: BaseObserver = (
            PollingObserver(timeout=self._poll_interval) if self._polling else Observer()
        )
        handler = _Waker(self._flag)
        for flow in self._flows:
            folder = self._inbox / flow
            if folder.is_dir():
                # Not recursive: files directly in the flow folder are what the loop takes;
                # the claim folder below it is the importer's own business.
                observer.schedule(handler, str(folder), recursive=False)
        observer.start()
        self._observer = observer

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join()

    def wait(self, timeout: float) -> bool:
        """True if something changed before `timeout` seconds passed; clears the signal."""
        fired = self._flag.wait(timeout)
        if fired:
            # Changes that land between wait() and clear() are not lost: the caller scans next.
            self._flag.clear()
        return fired

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
