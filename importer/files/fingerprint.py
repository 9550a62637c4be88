"""What a file was when it was read, and whether it still is: a file is archived only as read.

The claim moves a file, not a writer's handle: a writer that is still appending keeps writing
into the claimed file. These checks let the pipeline notice, and read the file again once it
is quiet.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from importer.files.openfiles import open_for_writing
from importer.read.entry import open_regular

# How long one pass waits for a file that changed while it was processed to be quiet again.
SETTLE_WAIT_MAX_S = 60.0


def sha256_of(path: Path) -> str:
    return fingerprint(path).sha256


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read: compared again before it is archived."""

    size: int
    mtime_ns: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint:
    """Size and time from the open handle, taken before the bytes are hashed: a write that
    lands while (or after) the file is read always leaves a difference to see. Raises
    UnreadableFile for a link, a FIFO, a folder...: those are never read
    (`importer.read.entry`)."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        st = os.fstat(handle.fileno())
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return Fingerprint(st.st_size, st.st_mtime_ns, digest.hexdigest())


def still_as_read(path: Path, read_as: Fingerprint) -> bool:
    """True when the claimed file is what was read: same size, time and bytes, and no process
    of this machine holds it open for writing (a writer keeps its handle on the claimed file:
    the claim is a rename)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return True  # nothing left to read again; the archive step says what became of it
    if (st.st_size, st.st_mtime_ns) != (read_as.size, read_as.mtime_ns):
        return False
    if open_for_writing([path]):
        return False
    try:
        return fingerprint(path).sha256 == read_as.sha256
    except OSError:
        return True


def wait_until_quiet(path: Path, settle_s: float) -> None:
    """Until the file's size and time have not moved for `settle_s` and no local process
    holds it open for writing, at most SETTLE_WAIT_MAX_S."""
    deadline = time.monotonic() + SETTLE_WAIT_MAX_S
    step = min(max(settle_s / 4, 0.05), 1.0)
    last: tuple[int, int] | None = None
    since = time.monotonic()
    while time.monotonic() < deadline:
        try:
            st = path.stat()
        except OSError:
            return
        now = (st.st_size, st.st_mtime_ns)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle_s and not open_for_writing([path]):
            return
        time.sleep(step)
