"""Who may read what the importer writes (README, "Who can read the files"; `[output]`).

One rule, three kinds of files:

- reports (`outbox/reports/`): like any file the user creates, i.e. what the umask (or a
  folder's default ACL) gives: staff on the share open them;
- files with customers' data (orders and cancellations in `outbox/orders/`): `0640`, so the
  ERP's group can read them and nobody else;
- the importer's own state (the store, its `-wal`/`-shm`, the log): `0600`.

An explicit mode is applied as written (`fchmod`), whatever the umask. A file is given its
mode while it is still a hidden temporary, before the rename that publishes it, so it never
appears with a wider one. On Windows a mode is not applied: Python's chmod only sets the
read-only flag there, and who reads a file follows the folder's ACLs.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

UMASK: int | None = None  # "what the umask gives": the file is created 0666 and the kernel masks it
CUSTOMER_DATA_MODE = 0o640
PRIVATE_MODE = 0o600

_OCTAL = re.compile(r"0?o?([0-7]{3})")
_APPLIES = os.name == "posix"
# An output is never written through a link someone planted under its temporary name.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def parse_mode(text: str, *, umask_allowed: bool) -> int | None:
    """`"0640"`, `"640"` or `"0o640"` -> 0o640; `"umask"` -> `UMASK` where allowed.

    The owner must keep read and write (the importer reads back what it wrote), and files are
    not programs: execute, setuid and sticky bits are refused.
    """
    value = text.strip().lower()
    if value == "umask":
        if umask_allowed:
            return UMASK
        raise ValueError('must be three octal digits such as "0640" ("umask" is for reports)')
    match = _OCTAL.fullmatch(value)
    if match is None:
        expected = '"umask" or ' if umask_allowed else ""
        raise ValueError(f'must be {expected}three octal digits such as "0640" (as text)')
    mode = int(match.group(1), 8)
    if mode & 0o600 != 0o600:
        raise ValueError("the owner (the importer) must keep read and write: e.g. 0600 or 0640")
    if mode & 0o111:
        raise ValueError("these files are not programs: give no execute bit (e.g. 0640)")
    return mode


def set_mode(fd: int, mode: int | None) -> None:
    """Give an open file `mode` exactly (`UMASK`: leave what its creation gave it)."""
    if mode is not None and _APPLIES:
        os.fchmod(fd, mode)


def chmod_existing(mode: int | None, *paths: Path) -> None:
    """Give each of `paths` that exists `mode`: files created before the setting (or by a
    library that chose its own mode, as SQLite and loguru do)."""
    if mode is None or not _APPLIES:
        return
    for path in paths:
        try:
            os.chmod(path, mode, follow_symlinks=False)
        except FileNotFoundError:
            continue
        except NotImplementedError:  # no lchmod on this platform: only chmod real files
            if not path.is_symlink():
                os.chmod(path, mode)


def open_fd(path: Path, mode: int | None, *, exclusive: bool = False) -> int:
    """Open `path` for writing (created, or emptied), with `mode` from its first byte."""
    flags = os.O_WRONLY | os.O_CREAT | _NOFOLLOW | getattr(os, "O_BINARY", 0)
    flags |= os.O_EXCL if exclusive else os.O_TRUNC
    # UMASK: 0666 and the kernel applies the umask (and a folder's default ACL), exactly as
    # for a file the user saves. An explicit mode: owner-only until fchmod widens it.
    fd = os.open(path, flags, 0o666 if mode is None else PRIVATE_MODE)
    try:
        set_mode(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_new(folder: Path, *, prefix: str, suffix: str, mode: int | None) -> tuple[int, Path]:
    """Like `tempfile.mkstemp` (a new file with a random name, open for writing), but with
    `mode` instead of mkstemp's fixed 0600."""
    while True:
        path = folder / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            return open_fd(path, mode, exclusive=True), path
        except FileExistsError:
            continue


def opener(mode: int | None) -> Callable[[str, int], int]:
    """An `opener` for `open()` (and loguru's file sink, which passes it on) that creates the
    file with `mode`."""

    def open_with_mode(path: str, flags: int) -> int:
        fd = os.open(path, flags, 0o666 if mode is None else PRIVATE_MODE)
        try:
            set_mode(fd, mode)
        except BaseException:
            os.close(fd)
            raise
        return fd

    return open_with_mode
