"""One importer per working folder: a second one refuses to start, with a clear message.

Two importers on one folder would race for the same files and the same snapshot. The lock is
an OS file lock (filelock), so it is released when the holder dies, even by SIGKILL.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from importer.errors import ImporterError


class AlreadyRunning(ImporterError):
    """Another importer holds this working folder."""


class FolderLock:
    def __init__(self, state: Path) -> None:
        state.mkdir(parents=True, exist_ok=True)
        self.path = state / "importer.lock"
        self.owner = state / "importer.lock.owner"
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
        self.owner.write_text(f"pid {os.getpid()} on {socket.gethostname()}", encoding="utf-8")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.owner.unlink(missing_ok=True)
        self._lock.release()
