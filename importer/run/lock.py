"""One importer per working folder: a second one refuses to start, with a clear message.

Two importers on one folder would race for the same files and the same snapshot. The lock is
an OS file lock (filelock), so it is released when the holder dies, even by SIGKILL.

Where a lock cannot be seen by the other importer (two machines on one SMB share, each with a
state folder of its own), the claim still keeps them apart: each claims files into a folder
named after itself, `claim_owner()`.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from importer.errors import ImporterError, StorageError, disk_full


class AlreadyRunning(ImporterError):
    """Another importer holds this working folder."""


def claim_owner(state: Path, on_new: Callable[[str], None] | None = None) -> str:
    """This importer's name among importers sharing an inbox: its host and an id kept in its
    state folder, e.g. `erp-server-3f2a9c1d`.

    Stable across restarts, so that files a crash left claimed are found again by the same
    importer. Different for any two importers that could run at once: two sharing a state
    folder on one host are kept apart by the lock, and each state folder gets its own random
    id, so neither twin hosts (cloned machines, containers given one host name) nor twin
    paths make two importers one. Call it while holding the folder lock.

    A new id means the state folder is new (first start, or deleted and recreated): then
    `on_new(owner)` runs before the id is kept, so that files claimed on this host under the
    old id are adopted (`importer.files.watch.adopt_host_leftovers`); a crash in it is redone under
    the next new id.
    """
    host = re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname()).strip("-")[:40] or "host"
    path = state / "importer.id"
    try:
        ident = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        ident = ""
    if not re.fullmatch(r"[0-9a-f]{8}", ident):
        ident = secrets.token_hex(4)
        if on_new is not None:
            on_new(f"{host}-{ident}")
        try:
            state.mkdir(parents=True, exist_ok=True)
            path.write_text(ident, encoding="utf-8")  # one writer: the lock's holder
        except OSError as exc:
            raise disk_full(exc, state) or StorageError(
                f"{path} cannot be written ({exc.strerror}): check that this user may write "
                f"to {state}"
            ) from exc
    return f"{host}-{ident}"


class FolderLock:
    def __init__(self, state: Path) -> None:
        state.mkdir(parents=True, exist_ok=True)
        self.path = state / "importer.run.lock"
        self.owner = state / "importer.run.lock.owner"
        self._lock = FileLock(self.path)

    def __enter__(self) -> FolderLock:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            holder = self.owner.read_text(encoding="utf-8").strip() if self.owner.exists() else ""
            raise AlreadyRunning(
                f"another importer is already running on this folder ({holder or 'unknown'}); "
                f"stop it first, or give this one its own working folder (lock: {self.path})"
            ) from None
        try:
            self.owner.write_text(f"pid {os.getpid()} on {socket.gethostname()}", encoding="utf-8")
        except OSError as exc:
            self._lock.release()
            raise disk_full(exc, self.owner.parent) or StorageError(
                f"{self.owner} cannot be written ({exc.strerror}): check that this user may "
                f"write to {self.owner.parent}"
            ) from exc
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.owner.unlink(missing_ok=True)
        self._lock.release()
