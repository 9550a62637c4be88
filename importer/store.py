"""The SQLite store under state/: file ledger, snapshot, pending rows, SKU id map. The only SQL.

The snapshot holds, per flow and key, the content hash and payload of what VTEX last
*accepted*. It moves only after VTEX confirmed a change (`commit`), so a row that failed is
simply sent again next time. Rows that failed for a passing reason (429, 5xx, timeout) are also
kept in `pending` with their payload, and retried on every pass until they land or a newer
file supersedes them.

Every failure of the store itself (locked past `lock_wait_s`, disk full, a damaged file, the
state folder deleted) is raised as an `importer.errors.StorageError` whose message names the
cause and the fix: never a bare sqlite3 error, which a pass would take for the file's fault.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import pandas as pd

from importer.errors import (
    StorageError,
    StoreDamaged,
    StoreFull,
    StoreGone,
    StoreLocked,
    disk_full,
)

MIB = 1 << 20

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    flow TEXT NOT NULL,
    received_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,            -- processing | done | failed | duplicate | interrupted
    rows_read INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0  -- rows that did not land: refused, unresolved, pending
);
CREATE INDEX IF NOT EXISTS files_sha ON files(sha256);
-- A file's report, named in the same transaction as the file's outcome and before it is
-- written: a crash until the input is archived is finished without a second report.
CREATE TABLE IF NOT EXISTS reports (
    file_id INTEGER PRIMARY KEY,     -- files.id
    stem TEXT NOT NULL,              -- outbox/reports/<stem>.report.xlsx and .report.csv
    archived INTEGER NOT NULL DEFAULT 0
);
-- Every pass asks for the few reports whose input is not archived yet, never the history.
CREATE INDEX IF NOT EXISTS reports_unarchived ON reports(file_id) WHERE archived = 0;
CREATE TABLE IF NOT EXISTS snapshot (
    flow TEXT NOT NULL,
    key TEXT NOT NULL,
    hash INTEGER NOT NULL,
    payload TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (flow, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending (
    flow TEXT NOT NULL,
    key TEXT NOT NULL,
    hash INTEGER NOT NULL,
    payload TEXT NOT NULL,
    source_file TEXT NOT NULL,
    source_row INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (flow, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sku_map (
    sku_ref TEXT PRIMARY KEY,
    sku_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS catalog_ids (
    kind TEXT NOT NULL,              -- category | brand | product
    key TEXT NOT NULL,               -- category path, brand name (case-folded), product RefId
    id INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,              -- exporting | exported | handled
    file TEXT NOT NULL,               -- the outbox/orders file that holds it
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
-- VTEX batch jobs (Bulk Pricing, batch inventory) whose outcome is not known yet, and the rows
-- each carries (their line in the job's CSV is line + 2). Recorded before the upload, so that a
-- restart polls the same job instead of starting a second one (API-NOTES §8.4).
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    feature TEXT NOT NULL,           -- bulk-pricing | batch-inventory
    state TEXT NOT NULL,             -- created | uploaded | confirmed
    upload_url TEXT NOT NULL,        -- pre-signed: never logged
    upload_headers TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    source_file TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch_rows (
    batch_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    key TEXT NOT NULL,
    hash INTEGER NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (batch_id, line)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Applied:
    """A row VTEX confirmed: its key, content hash and the payload that was sent."""

    key: str
    hash: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class PendingRow:
    flow: str
    key: str
    hash: int
    payload: dict[str, Any]
    source_file: str
    source_row: int | None
    attempts: int
    last_error: str


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
class BatchJob:
    """A VTEX batch job this importer started and has not settled."""

    batch_id: str
    flow: str
    feature: str
    state: str  # created | uploaded | confirmed
    upload_url: str
    upload_headers: dict[str, str]
    expires_at: str
    source_file: str


@dataclass(frozen=True)
class BatchRow:
    line: int  # index in the job's CSV: the CSV line is line + 2 (after the header)
    key: str
    hash: int
    payload: dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def to_signed(value: int) -> int:
    """SQLite integers are signed 64-bit; hashes are unsigned. Store them reinterpreted."""
    return value - (1 << 64) if value >= (1 << 63) else value


def from_signed(value: int) -> int:
    """The unsigned hash back from its stored, signed form."""
    return value & ((1 << 64) - 1)


class Store:
    def __init__(self, path: Path, *, lock_wait_s: float = 30.0, min_free_mb: float = 0.0) -> None:
        self.path = path
        self.lock_wait_s = lock_wait_s
        self.min_free_mb = min_free_mb
        self._gone = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # `timeout` is SQLite's busy timeout: a write waits this long for a lock another
            # process holds (a backup), then fails as StoreLocked.
            # autocommit off; every write is its own short transaction (see `_tx`).
            self._db = sqlite3.connect(
                path, timeout=lock_wait_s, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a confirmed row must survive a power cut
            self._db.executescript(SCHEMA)
            self._identity = _identity(path)
        except sqlite3.Error as exc:
            with suppress(AttributeError, sqlite3.Error):
                self._db.close()
            raise self._failure(exc) from exc
        except OSError as exc:
            raise disk_full(exc, path.parent) or StorageError(
                f"{path} cannot be opened ({exc.strerror}): check that {path.parent} exists "
                "and this user may write there"
            ) from exc

    def close(self) -> None:
        self._db.close()

    def check_usable(self) -> None:
        """Before a pass takes anything: the database is still the file this store opened (a
        state folder deleted or restored under a running importer is never written into), the
        disk has `min_free_mb` free, and a write goes through within `lock_wait_s`. Raises a
        StorageError otherwise; nothing is claimed or sent then."""
        self._check_in_place()
        free = _free_bytes(self.path.parent)
        if free < self.min_free_mb * MIB:
            raise StoreFull(
                f"the disk holding {self.path.parent} has {free / MIB:.1f} MiB free, less than "
                f"[state] min_free_mb ({self.min_free_mb:g} MiB): free space there; nothing was "
                "sent, the files are left for the next pass"
            )
        self.set_value("store-checked-at", _now())

    def _check_in_place(self) -> None:
        current = _identity(self.path)
        if self._gone or current is None or current != self._identity:
            raise StoreGone(
                f"{self.path} was deleted or replaced while the importer ran (its state folder "
                "removed or restored): nothing more is written into it. Start the importer "
                "again: it starts from an empty snapshot and sends everything once (restore "
                "the state folder from a backup first to avoid that)"
            )

    def _failure(self, exc: sqlite3.Error) -> StorageError:
        """The StorageError that says what an sqlite3 error means for a person."""
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return StoreLocked(
                f"{self.path} is locked by another process (a backup?) for more than "
                f"{self.lock_wait_s:g} s: nothing was lost, the files are left for the next "
                "pass; if backups take longer, raise [state] lock_wait_s"
            )
        if primary == sqlite3.SQLITE_FULL or (
            primary == sqlite3.SQLITE_IOERR and _out_of_space(self.path.parent)
        ):  # growing the -shm file of a full disk is an I/O error, not SQLITE_FULL
            return StoreFull(
                f"the disk holding {self.path.parent} is full ({exc}): free space there; "
                "nothing was lost, the files are left for the next pass"
            )
        if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return StoreDamaged(
                f"{self.path} is damaged ({exc}): restore it from a backup or move it away "
                "(the importer then starts from an empty snapshot and sends everything once)"
            )
        if code == sqlite3.SQLITE_READONLY_DBMOVED:
            self._gone = True  # every later write is refused too
            return StoreGone(
                f"{self.path} was deleted or moved while the importer ran: nothing more is "
                "written into it. Start the importer again: it starts from an empty snapshot "
                "and sends everything once (restore the state folder from a backup first to "
                "avoid that)"
            )
        return StorageError(
            f"{self.path} cannot be used ({exc}): check that this user may write to "
            f"{self.path.parent} and that its disk is healthy"
        )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._check_in_place()  # never a write into a database whose folder was deleted
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk): nothing to undo.
            if self._db.in_transaction:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise

    # -- file ledger -------------------------------------------------------------------------

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
                (status, rows_read, failed, _now(), file_id),
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

    # -- snapshot ----------------------------------------------------------------------------

    def snapshot_hashes(self, flow: str) -> pd.DataFrame:
        """(key, hash) of every row VTEX accepted for the flow: the diff's other side."""
        cur = self._db.execute("SELECT key, hash FROM snapshot WHERE flow = ?", (flow,))
        rows = cur.fetchall()
        frame = pd.DataFrame(rows, columns=["key", "hash"])
        frame["key"] = frame["key"].astype(object)
        frame["hash"] = frame["hash"].astype("int64")
        return frame

    def snapshot_payloads(self, flow: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            for key, payload in self._db.execute(
                f"SELECT key, payload FROM snapshot WHERE flow = ? AND key IN ({marks})",  # noqa: S608
                (flow, *chunk),
            ):
                out[key] = json.loads(payload)
        return out

    def snapshot_count(self, flow: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM snapshot WHERE flow = ?", (flow,)).fetchone()
        return int(row[0])

    def commit(self, flow: str, applied: Iterable[Applied]) -> int:
        """Record rows VTEX confirmed. Also clears them from pending. Returns how many."""
        applied = list(applied)
        if not applied:
            return 0
        with self._tx() as db:
            _upsert_snapshot(db, flow, applied)
            db.executemany(
                "DELETE FROM pending WHERE flow = ? AND key = ?", [(flow, a.key) for a in applied]
            )
        return len(applied)

    # -- pending -----------------------------------------------------------------------------

    def add_pending(self, rows: Iterable[PendingRow]) -> None:
        rows = list(rows)
        if not rows:
            return
        with self._tx() as db:
            _upsert_pending(db, rows)

    def pending(self, flow: str) -> list[PendingRow]:
        cur = self._db.execute(
            "SELECT flow, key, hash, payload, source_file, source_row, attempts, last_error "
            "FROM pending WHERE flow = ? ORDER BY source_file, source_row",
            (flow,),
        )
        return [
            PendingRow(f, k, from_signed(h), json.loads(p), sf, sr, a, e)
            for f, k, h, p, sf, sr, a, e in cur.fetchall()
        ]

    def pending_keys(self, flow: str) -> set[str]:
        cur = self._db.execute("SELECT key FROM pending WHERE flow = ?", (flow,))
        return {str(key) for (key,) in cur.fetchall()}

    def pending_count(self, flow: str | None = None) -> int:
        if flow is None:
            row = self._db.execute("SELECT COUNT(*) FROM pending").fetchone()
        else:
            row = self._db.execute(
                "SELECT COUNT(*) FROM pending WHERE flow = ?", (flow,)
            ).fetchone()
        return int(row[0])

    def drop_pending(self, flow: str, keys: Iterable[str]) -> int:
        """A newer file speaks for these keys: their older pending values are superseded."""
        keys = list(keys)
        if not keys:
            return 0
        with self._tx() as db:
            before = db.total_changes
            db.executemany(
                "DELETE FROM pending WHERE flow = ? AND key = ?", [(flow, k) for k in keys]
            )
            return db.total_changes - before

    # -- SKU id map --------------------------------------------------------------------------

    def sku_ids(self, refs: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(refs, 500):
            marks = ",".join("?" * len(chunk))
            for ref, sku_id in self._db.execute(
                f"SELECT sku_ref, sku_id FROM sku_map WHERE sku_ref IN ({marks})",  # noqa: S608
                tuple(chunk),
            ):
                out[ref] = int(sku_id)
        return out

    def remember_sku_ids(self, mapping: dict[str, int]) -> None:
        if not mapping:
            return
        now = _now()
        with self._tx() as db:
            db.executemany(
                "INSERT INTO sku_map (sku_ref, sku_id, updated_at) VALUES (?,?,?) "
                "ON CONFLICT (sku_ref) DO UPDATE SET sku_id = excluded.sku_id, "
                "updated_at = excluded.updated_at",
                [(ref, sku_id, now) for ref, sku_id in mapping.items()],
            )

    # -- catalog ids (ERP key -> VTEX id) ---------------------------------------------------

    def catalog_ids(self, kind: str) -> dict[str, int]:
        cur = self._db.execute("SELECT key, id FROM catalog_ids WHERE kind = ?", (kind,))
        return {str(k): int(v) for k, v in cur.fetchall()}

    def remember_catalog_ids(self, kind: str, mapping: dict[str, int]) -> None:
        if not mapping:
            return
        with self._tx() as db:
            db.executemany(
                "INSERT INTO catalog_ids (kind, key, id) VALUES (?,?,?) "
                "ON CONFLICT (kind, key) DO UPDATE SET id = excluded.id",
                [(kind, key, value) for key, value in mapping.items()],
            )

    # -- orders exported to the ERP (exactly once) -----------------------------------------

    def order_states(self, order_ids: Sequence[str] | None = None) -> dict[str, tuple[str, str]]:
        """order id -> (state, file), for the given orders or all of them."""
        if order_ids is None:
            cur = self._db.execute("SELECT order_id, state, file FROM orders")
            return {str(o): (str(s), str(f)) for o, s, f in cur.fetchall()}
        out: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(order_ids, 500):
            marks = ",".join("?" * len(chunk))
            for o, st, f in self._db.execute(
                f"SELECT order_id, state, file FROM orders WHERE order_id IN ({marks})",  # noqa: S608
                tuple(chunk),
            ):
                out[str(o)] = (str(st), str(f))
        return out

    def unfinished_orders(self) -> dict[str, tuple[str, str]]:
        """Orders exported (or being exported) whose start-handling is not confirmed yet."""
        cur = self._db.execute("SELECT order_id, state, file FROM orders WHERE state != 'handled'")
        return {str(o): (str(s), str(f)) for o, s, f in cur.fetchall()}

    def set_order_states(self, states: dict[str, tuple[str, str]]) -> None:
        if not states:
            return
        now = _now()
        with self._tx() as db:
            db.executemany(
                "INSERT INTO orders (order_id, state, file, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT (order_id) DO UPDATE SET state = excluded.state, "
                "file = excluded.file, updated_at = excluded.updated_at",
                [(o, st, f, now) for o, (st, f) in states.items()],
            )

    def forget_orders(self, order_ids: Sequence[str]) -> None:
        with self._tx() as db:
            db.executemany("DELETE FROM orders WHERE order_id = ?", [(o,) for o in order_ids])

    def sku_refs(self, sku_ids: Sequence[int]) -> dict[str, str]:
        """SKU id -> the ERP's RefId, for the SKUs this importer knows."""
        out: dict[str, str] = {}
        for chunk in _chunks([str(i) for i in sku_ids], 500):
            marks = ",".join("?" * len(chunk))
            for ref, sku_id in self._db.execute(
                f"SELECT sku_ref, sku_id FROM sku_map WHERE sku_id IN ({marks})",  # noqa: S608
                tuple(int(c) for c in chunk),
            ):
                out[str(sku_id)] = str(ref)
        return out

    # -- small named values (cursors) --------------------------------------------------------

    def get_value(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM kv WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_value(self, name: str, value: str) -> None:
        self.set_values({name: value})

    def set_values(self, values: dict[str, str]) -> None:
        """Several named values in one transaction: after a crash, all of them or none."""
        with self._tx() as db:
            db.executemany(
                "INSERT INTO kv (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                "SET value = excluded.value",
                list(values.items()),
            )

    # -- VTEX batch jobs -----------------------------------------------------------------------

    def start_batch(
        self, job: BatchJob, rows: Sequence[BatchRow], pending: Iterable[PendingRow]
    ) -> None:
        """Record a job and its rows, and keep the rows pending until its outcome is known: one
        transaction, before anything is uploaded."""
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO batches (batch_id, flow, feature, state, upload_url, upload_headers, "
                "expires_at, source_file, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    job.batch_id,
                    job.flow,
                    job.feature,
                    job.state,
                    job.upload_url,
                    json.dumps(job.upload_headers),
                    job.expires_at,
                    job.source_file,
                    now,
                ),
            )
            db.executemany(
                "INSERT INTO batch_rows (batch_id, line, key, hash, payload) VALUES (?,?,?,?,?)",
                [
                    (job.batch_id, r.line, r.key, to_signed(r.hash), json.dumps(r.payload))
                    for r in rows
                ],
            )
            _upsert_pending(db, pending)

    def open_batches(self, flow: str) -> list[BatchJob]:
        cur = self._db.execute(
            "SELECT batch_id, flow, feature, state, upload_url, upload_headers, expires_at, "
            "source_file FROM batches WHERE flow = ? ORDER BY created_at, batch_id",
            (flow,),
        )
        return [
            BatchJob(b, f, feat, st, url, json.loads(h), exp, src)
            for b, f, feat, st, url, h, exp, src in cur.fetchall()
        ]

    def batch_rows(self, batch_id: str) -> list[BatchRow]:
        cur = self._db.execute(
            "SELECT line, key, hash, payload FROM batch_rows WHERE batch_id = ? ORDER BY line",
            (batch_id,),
        )
        return [
            BatchRow(line, key, from_signed(h), json.loads(p)) for line, key, h, p in cur.fetchall()
        ]

    def batch_keys(self, flow: str) -> dict[str, str]:
        """key -> batch id, for the rows of the flow's unsettled jobs."""
        cur = self._db.execute(
            "SELECT r.key, r.batch_id FROM batch_rows r JOIN batches b USING (batch_id) "
            "WHERE b.flow = ?",
            (flow,),
        )
        return {str(k): str(b) for k, b in cur.fetchall()}

    def set_batch_state(self, batch_id: str, state: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE batches SET state = ? WHERE batch_id = ?", (state, batch_id))

    def settle_batch(
        self,
        batch_id: str,
        flow: str,
        landed: Sequence[Applied],
        retry: Sequence[tuple[str, int, str, dict[str, Any]]],
        refused: Sequence[tuple[str, int]],
    ) -> None:
        """A job's outcome, in one transaction: `landed` rows go to the snapshot; `retry`
        (key, hash, reason, payload) stay pending; `refused` (key, hash) are no longer
        pending; the job is forgotten. Pending rows are touched only while they still hold
        the job's value (same hash): a newer value that waited for the job is kept."""
        now = _now()
        with self._tx() as db:
            _upsert_snapshot(db, flow, landed)
            db.executemany(
                "DELETE FROM pending WHERE flow = ? AND key = ? AND hash = ?",
                [(flow, a.key, to_signed(a.hash)) for a in landed]
                + [(flow, key, to_signed(h)) for key, h in refused],
            )
            db.executemany(
                "UPDATE pending SET last_error = ?, payload = ?, updated_at = ? "
                "WHERE flow = ? AND key = ? AND hash = ?",
                [
                    (reason, json.dumps(payload), now, flow, key, to_signed(h))
                    for key, h, reason, payload in retry
                ],
            )
            db.execute("DELETE FROM batch_rows WHERE batch_id = ?", (batch_id,))
            db.execute("DELETE FROM batches WHERE batch_id = ?", (batch_id,))


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _translated(
    method: Callable[Concatenate[Store, _P], _R],
) -> Callable[Concatenate[Store, _P], _R]:
    """The method, raising a StorageError where SQLite or the disk fails."""

    def run(self: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self._failure(exc) from exc
        except OSError as exc:
            full = disk_full(exc, self.path.parent)
            if full is None:
                raise
            raise full from exc

    functools.update_wrapper(run, method)  # its name and docstring
    return run


# Every public method of the store: a caller never sees a bare sqlite3 error.
for _name, _method in list(vars(Store).items()):
    if not _name.startswith("_") and callable(_method):
        setattr(Store, _name, _translated(_method))


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file `path` is (device, inode), or None when there is none."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def _out_of_space(folder: Path) -> bool:
    try:
        return _free_bytes(folder) < MIB
    except OSError:
        return False


def _upsert_snapshot(db: sqlite3.Connection, flow: str, applied: Iterable[Applied]) -> None:
    """What VTEX confirmed becomes the flow's snapshot for those keys."""
    now = _now()
    db.executemany(
        "INSERT INTO snapshot (flow, key, hash, payload, updated_at) VALUES (?,?,?,?,?) "
        "ON CONFLICT (flow, key) DO UPDATE SET hash = excluded.hash, "
        "payload = excluded.payload, updated_at = excluded.updated_at",
        [(flow, a.key, to_signed(a.hash), json.dumps(a.payload), now) for a in applied],
    )


def _upsert_pending(db: sqlite3.Connection, rows: Iterable[PendingRow]) -> None:
    """Keep rows pending; a key already pending takes the newer value, attempts add up."""
    now = _now()
    db.executemany(
        "INSERT INTO pending (flow, key, hash, payload, source_file, source_row, "
        "attempts, last_error, updated_at) VALUES (?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (flow, key) DO UPDATE SET hash = excluded.hash, "
        "payload = excluded.payload, source_file = excluded.source_file, "
        "source_row = excluded.source_row, attempts = pending.attempts + "
        "excluded.attempts, last_error = excluded.last_error, "
        "updated_at = excluded.updated_at",
        [
            (
                r.flow,
                r.key,
                to_signed(r.hash),
                json.dumps(r.payload),
                r.source_file,
                r.source_row,
                r.attempts,
                r.last_error,
                now,
            )
            for r in rows
        ],
    )


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
