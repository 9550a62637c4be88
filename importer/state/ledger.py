"""The file ledger: each input file's outcome (`files`) and the report pair named for it
(`reports`), so that a crash between the outcome and the archive gives no second report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from importer.state.db import Table, storage_errors


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    sha256: str
    name: str
    status: str
    failed: int


@dataclass(frozen=True)
class UnarchivedFile:
    """A file whose outcome and report name are recorded, not yet known to be archived."""

    id: int
    flow: str
    name: str
    sha256: str
    received_at: str
    status: str
    rows_read: int
    failed: int
    report: str  # the report pair's stem


@dataclass(frozen=True)
class RecentFile:
    """A file as `importer status` lists it."""

    name: str
    flow: str
    status: str
    received_at: str
    finished_at: str | None
    rows_read: int
    not_landed: int  # rows refused, unresolved, pending or held
    report: str | None  # the report pair's stem


@storage_errors
class Ledger(Table):
    """Tables `files` and `reports`."""

    def last_received(self, flow: str) -> str | None:
        """When the newest file of the flow was received (ISO), whatever became of it."""
        row = self._db.execute(
            "SELECT MAX(received_at) FROM files WHERE flow = ?", (flow,)
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def recent_files(self, limit: int) -> list[RecentFile]:
        """The last `limit` files taken (duplicates included), newest first."""
        cur = self._db.execute(
            "SELECT f.name, f.flow, f.status, f.received_at, f.finished_at, f.rows_read, "
            "f.failed, r.stem FROM files f LEFT JOIN reports r ON r.file_id = f.id "
            "ORDER BY f.id DESC LIMIT ?",
            (limit,),
        )
        return [RecentFile(*row) for row in cur.fetchall()]

    def last_landed(self, flow: str) -> LedgerEntry | None:
        """The most recent file of the flow that was processed (duplicates do not count:
        they changed nothing)."""
        row = self._db.execute(
            "SELECT id, sha256, name, status, failed FROM files WHERE flow = ? "
            "AND status = 'done' ORDER BY id DESC LIMIT 1",
            (flow,),
        ).fetchone()
        return LedgerEntry(*row) if row else None

    def start_file(self, sha256: str, name: str, flow: str, received_at: datetime) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO files (sha256, name, flow, received_at, status) "
                "VALUES (?, ?, ?, ?, 'processing')",
                (sha256, name, flow, received_at.isoformat(timespec="seconds")),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    def finish_file(
        self, file_id: int, status: str, rows_read: int, failed: int, report: str | None = None
    ) -> None:
        """The file's outcome and, in the same transaction, the stem of its report."""
        with self._tx() as db:
            db.execute(
                "UPDATE files SET status = ?, rows_read = ?, failed = ?, finished_at = ? "
                "WHERE id = ?",
                (status, rows_read, failed, self._now(), file_id),
            )
            if report is not None:
                db.execute(
                    "INSERT INTO reports (file_id, stem) VALUES (?, ?) ON CONFLICT (file_id) "
                    "DO UPDATE SET stem = excluded.stem, archived = 0",
                    (file_id, report),
                )

    def unarchived_files(self) -> list[UnarchivedFile]:
        """Files with a recorded report whose input is not known to be archived, newest first."""
        cur = self._db.execute(
            "SELECT f.id, f.flow, f.name, f.sha256, f.received_at, f.status, f.rows_read, "
            "f.failed, r.stem FROM reports r JOIN files f ON f.id = r.file_id "
            "WHERE r.archived = 0 ORDER BY f.id DESC"
        )
        return [UnarchivedFile(*row) for row in cur.fetchall()]

    def set_archived(self, file_id: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE reports SET archived = 1 WHERE file_id = ?", (file_id,))

    def abandon_file(self, file_id: int) -> None:
        """A crash took the file's report before it was on disk: it is processed again, and
        this outcome no longer counts (as the last landed file, say)."""
        with self._tx() as db:
            db.execute("UPDATE files SET status = 'interrupted' WHERE id = ?", (file_id,))
            db.execute("UPDATE reports SET archived = 1 WHERE file_id = ?", (file_id,))
