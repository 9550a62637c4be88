"""`outbox/status/<input name>.json`: where one input file is, from received to done.

A person (or a monitoring script) can watch one file go: `received`, `validating`, `pushing`
(with `sent` of `to_send` rows), then `done`, `failed` or `duplicate` with the report's counts
and name. One file per input name: the last file of that name is the one described (an
earlier one's outcome is in its report). Written atomically (temporary name, then rename),
at each change of state and at most once a second while rows are sent. A status file that
cannot be written is logged, never the file's trouble: it is information, not the work.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from loguru import logger

from importer.files.pair import temp_beside
from importer.models import FileSummary

STATUS_FOLDER = "status"
PROGRESS_EVERY_S = 1.0  # at most one write a second while rows are sent

_current: ContextVar[FileStatus | None] = ContextVar("file_status", default=None)
# Who else follows each move and step (a terminal's progress bar): called with the status.
observers: list[Callable[[FileStatus], None]] = []


@dataclass
class FileStatus:
    folder: Path
    file: str
    flow: str
    received_at: datetime
    mode: int | None
    clock: Callable[[], float] = time.monotonic
    state: str = "received"
    to_send: int = 0
    sent: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    _written_at: float = float("-inf")
    _failed_once: bool = False

    @property
    def path(self) -> Path:
        # Only the last path component, as for reports: the status lands in its folder.
        name = re.split(r"[\\/]", self.file)[-1] or "file"
        return self.folder / f"{name}.json"

    def move(self, state: str, **extra: Any) -> None:
        self.state = state
        self.extra.update(extra)
        self._write()
        self._tell()

    def pushing(self, total: int) -> None:
        self.to_send += total
        self.move("pushing")

    def advanced(self, rows: int) -> None:
        self.sent += rows
        if self.clock() - self._written_at >= PROGRESS_EVERY_S:
            self._write()
        self._tell()

    def _tell(self) -> None:
        for observer in observers:
            observer(self)

    def finished(self, summary: FileSummary, report: str | None) -> None:
        state = summary.status if summary.status in ("failed", "duplicate") else "done"
        self.move(
            state,
            report=report,
            counts={
                "rows_read": summary.rows_read,
                "invalid": summary.invalid,
                "unchanged": summary.unchanged,
                "created": summary.created,
                "updated": summary.updated,
                "deactivated": summary.deactivated,
                "failed": summary.failed,
                "pending": summary.pending,
                "held": summary.held,
                "warnings": summary.warnings,
            },
            error=summary.error,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "flow": self.flow,
            "state": self.state,
            "received_at": self.received_at.isoformat(timespec="seconds"),
            "updated_at": datetime.now(self.received_at.tzinfo).isoformat(timespec="seconds"),
            "to_send": self.to_send,
            "sent": min(self.sent, self.to_send) if self.to_send else self.sent,
            **self.extra,
        }

    def _write(self) -> None:
        self._written_at = self.clock()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temp = temp_beside(self.path, self.mode)
            try:
                temp.write_text(json.dumps(self.as_json(), ensure_ascii=False), encoding="utf-8")
                os.replace(temp, self.path)
            finally:
                temp.unlink(missing_ok=True)
        except OSError as exc:
            if not self._failed_once:  # once per file, not once per progress tick
                logger.warning("{}: its status file could not be written: {}", self.file, exc)
            self._failed_once = True


@contextmanager
def following(status: FileStatus) -> Iterator[FileStatus]:
    """While a file is processed, the stages below tell `status` how far they are."""
    token = _current.set(status)
    try:
        yield status
    finally:
        _current.reset(token)


def moving(state: str) -> None:
    status = _current.get()
    if status is not None:
        status.move(state)


def pushing(total: int) -> None:
    """`total` rows are about to be sent (called once per level: products, then SKUs)."""
    status = _current.get()
    if status is not None and total:
        status.pushing(total)


def advanced(rows: int) -> None:
    """`rows` more rows have their outcome."""
    status = _current.get()
    if status is not None:
        status.advanced(rows)
