"""Opening an inbox entry: only a regular file, never through a link, never a FIFO.

A symbolic link in the inbox may point anywhere on the machine (`/etc/shadow`, a CSV of
another shop); a named pipe blocks whoever opens it; a device or a folder named `x.csv` is no
export. None of them is ever read: `special_kind` names what an entry is from `lstat` (which
does not follow links) before anything opens it, and `open_regular` opens with `O_NOFOLLOW`
and `O_NONBLOCK` and checks the opened descriptor again, so that an entry swapped for a link
or a pipe between the look and the open is still refused, and still not read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from importer.errors import UnreadableFile
from importer.read.limits import MIB

NOT_A_FILE = "not-a-file"
"""The report type of an entry that is not a regular file."""

# O_NOFOLLOW and O_NONBLOCK are POSIX; on Windows (no FIFOs, links need privileges) the
# lstat check before the open is what remains.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)

_WHAT: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)

_WHAT_TO_DO = {
    "a symbolic link": "The importer never follows links: a link can point anywhere on this "
    "machine, so its target was not read. Copy the file itself into the inbox.",
    "a folder": "Its contents were not looked at. Drop the files themselves into the flow's "
    "folder.",
}


def special_kind(mode: int) -> str | None:
    """What an entry of this `st_mode` is when it is not a regular file ("a symbolic link",
    "a named pipe (FIFO)", ...); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, what in _WHAT:
        if test(mode):
            return what
    return "not a regular file"


def special_entry(path: Path) -> str | None:
    """`special_kind` of the entry itself (a link is not followed); None for a regular file
    and for an entry that is gone (the caller's open says so)."""
    try:
        return special_kind(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def refusal(name: str, what: str) -> UnreadableFile:
    """The refusal of an entry that is `what`: it says what the entry is and what to do,
    and nothing of what a link points to."""
    advice = _WHAT_TO_DO.get(
        what, "Nothing was read from it. Drop a regular CSV or workbook file instead."
    )
    return UnreadableFile(f"{name}: this is {what}, not a file. {advice}", type=NOT_A_FILE)


def check_size(size: int, name: str, limit_mb: int) -> None:
    """Refuse a file over the limit from its size alone: reading takes a few times a file's
    size in memory, and a file this big is no export the importer should take whole."""
    if size > limit_mb * MIB:
        raise UnreadableFile(
            f"{name}: the file is {_mib(size)} MiB, more than the {limit_mb:,} MiB the "
            "importer reads (max_file_mb under [watch] in importer.toml); nothing of it was "
            "read. Split it into smaller files, or raise max_file_mb if this machine has a few "
            "times the file's size in free memory.",
            type="file-too-big",
        )


def _mib(size: int) -> str:
    # One decimal where a whole number would hide the excess ("1.2 MiB, more than the 1").
    return f"{size / MIB:,.1f}" if size < 10 * MIB else f"{size / MIB:,.0f}"


def check_entry(path: Path, max_file_mb: int) -> None:
    """Refuse, from `lstat` alone and before a byte is read, an entry that is not a regular
    file or is bigger than `max_file_mb`. A vanished entry passes: its open says so."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    what = special_kind(st.st_mode)
    if what is not None:
        raise refusal(path.name, what)
    check_size(st.st_size, path.name, max_file_mb)


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading without following a link and without blocking on a
    pipe; raise the `refusal` for anything else (UnreadableFile), OSError when it cannot be
    opened at all."""
    what = special_entry(path)
    if what is not None:
        raise refusal(path.name, what)  # a FIFO is never opened: opening one blocks
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        # ELOOP: it became a link between the lstat and the open.
        what = special_entry(path)
        if what is not None:
            raise refusal(path.name, what) from exc
        raise
    try:
        what = special_kind(os.fstat(fd).st_mode)
        if what is not None:
            raise refusal(path.name, what)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: ordinary reads from here on
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


__all__ = [
    "NOT_A_FILE",
    "check_entry",
    "check_size",
    "open_regular",
    "refusal",
    "special_entry",
    "special_kind",
]
