"""The SQLite file under state/: opening it, its schema, transactions, and what its failures mean.

Every table group (`importer.state.ledger`, `.snapshot`, `.ids`, `.orders`, `.batches`,
`.values`) is a `Table` over one shared `Database`; `importer.state.store.Store` is all of them
at once. Only the modules of this package hold SQL.

Every failure of the store itself (locked past `lock_wait_s`, disk full, a damaged file, the
state folder deleted) is raised as an `importer.errors.StorageError` whose message names the
cause and the fix: never a bare sqlite3 error, which a pass would take for the file's fault.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

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
-- What each key held before the last file of a name changed it (`importer undo NAME`): the
-- snapshot's payload before the commit, NULL for a key that file created. Written in the
-- commit's own transaction; a file of that name with other bytes replaces its rows.
CREATE TABLE IF NOT EXISTS undo (
    source TEXT NOT NULL,             -- the input file's name
    flow TEXT NOT NULL,
    key TEXT NOT NULL,
    sha256 TEXT NOT NULL,             -- that file's bytes ('' when unknown: a batch, a retry)
    before TEXT,                      -- the snapshot payload before it, NULL: created by it
    after_hash INTEGER NOT NULL,      -- what that file left: a later change is not undone
    PRIMARY KEY (source, flow, key)
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


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_signed(value: int) -> int:
    """SQLite integers are signed 64-bit; hashes are unsigned. Store them reinterpreted."""
    return value - (1 << 64) if value >= (1 << 63) else value


def from_signed(value: int) -> int:
    """The unsigned hash back from its stored, signed form."""
    return value & ((1 << 64) - 1)


def chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Database:
    """One open SQLite file with the schema, shared by every table group."""

    def __init__(
        self,
        path: Path,
        *,
        lock_wait_s: float = 30.0,
        min_free_mb: float = 0.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.path = path
        # When a row was written (the ledger's, the snapshot's times): the pass's clock.
        self.clock = clock
        self.lock_wait_s = lock_wait_s
        self.min_free_mb = min_free_mb
        self._gone = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # `timeout` is SQLite's busy timeout: a write waits this long for a lock another
            # process holds (a backup), then fails as StoreLocked.
            # autocommit off; every write is its own short transaction (see `transaction`).
            self.connection = sqlite3.connect(
                path, timeout=lock_wait_s, isolation_level=None, check_same_thread=False
            )
            self.connection.execute("PRAGMA journal_mode=WAL")
            # a confirmed row must survive a power cut
            self.connection.execute("PRAGMA synchronous=FULL")
            self.connection.executescript(SCHEMA)
            self._identity = _identity(path)
        except sqlite3.Error as exc:
            with suppress(AttributeError, sqlite3.Error):
                self.connection.close()
            raise self.failure(exc) from exc
        except OSError as exc:
            raise disk_full(exc, path.parent) or StorageError(
                f"{path} cannot be opened ({exc.strerror}): check that {path.parent} exists "
                "and this user may write there"
            ) from exc

    def close(self) -> None:
        self.connection.close()

    def check_room(self) -> None:
        """The database is still the file this store opened (a state folder deleted or
        restored under a running importer is never written into), and the disk has
        `min_free_mb` free. Raises a StorageError otherwise."""
        self.check_in_place()
        free = _free_bytes(self.path.parent)
        if free < self.min_free_mb * MIB:
            raise StoreFull(
                f"the disk holding {self.path.parent} has {free / MIB:.1f} MiB free, less than "
                f"[state] min_free_mb ({self.min_free_mb:g} MiB): free space there; nothing was "
                "sent, the files are left for the next pass"
            )

    def check_in_place(self) -> None:
        current = _identity(self.path)
        if self._gone or current is None or current != self._identity:
            raise StoreGone(
                f"{self.path} was deleted or replaced while the importer ran (its state folder "
                "removed or restored): nothing more is written into it. Start the importer "
                "again: it starts from an empty snapshot and sends everything once (restore "
                "the state folder from a backup first to avoid that)"
            )

    def failure(self, exc: sqlite3.Error) -> StorageError:
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
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.check_in_place()  # never a write into a database whose folder was deleted
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
            self.connection.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk): nothing to undo.
            if self.connection.in_transaction:
                with suppress(sqlite3.Error):
                    self.connection.execute("ROLLBACK")
            raise


class Table:
    """A group of tables over a shared `Database`. Each subclass holds one group's methods and
    nothing else, so that a stage given, say, a `Snapshot` cannot write the file ledger."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._db = database.connection

    def _now(self) -> str:
        """The time a write records, to the second."""
        return self._database.clock().isoformat(timespec="seconds")

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        """One short write transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on error)."""
        return self._database.transaction()


_T = TypeVar("_T", bound=Table)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _translated(
    method: Callable[Concatenate[_T, _P], _R],
) -> Callable[Concatenate[_T, _P], _R]:
    """The method, raising a StorageError where SQLite or the disk fails."""

    def run(self: _T, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self._database.failure(exc) from exc
        except OSError as exc:
            full = disk_full(exc, self._database.path.parent)
            if full is None:
                raise
            raise full from exc

    functools.update_wrapper(run, method)  # its name and docstring
    return run


_C = TypeVar("_C", bound=type[Table])


def storage_errors(cls: _C) -> _C:
    """Every public method the class defines raises StorageError, never a bare sqlite3 error."""
    for name, method in list(vars(cls).items()):
        if not name.startswith("_") and callable(method):
            setattr(cls, name, _translated(method))
    return cls


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
