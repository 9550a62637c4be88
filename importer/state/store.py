"""The store the runtime opens and closes: every table group over one SQLite file.

A stage that needs only part of it is declared with that part's class (`snapshot: Snapshot`),
and a `Store` is passed for it: mypy then refuses a write to any other table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from importer.state.batches import Batches
from importer.state.db import Database, storage_errors, utc_now
from importer.state.ids import Ids
from importer.state.ledger import Ledger
from importer.state.orders import Orders
from importer.state.snapshot import Snapshot
from importer.state.values import Values


@storage_errors
class Store(Ledger, Snapshot, Ids, Orders, Batches, Values):
    """All table groups over one `Database` (`state/importer.sqlite3`)."""

    def __init__(
        self,
        path: Path,
        *,
        lock_wait_s: float = 30.0,
        min_free_mb: float = 0.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(
            Database(path, lock_wait_s=lock_wait_s, min_free_mb=min_free_mb, clock=clock)
        )

    @property
    def database(self) -> Database:
        """The open file, for a narrower view over the same connection (`Snapshot(db)`)."""
        return self._database

    @property
    def path(self) -> Path:
        return self._database.path

    @property
    def lock_wait_s(self) -> float:
        return self._database.lock_wait_s

    @property
    def min_free_mb(self) -> float:
        return self._database.min_free_mb

    def close(self) -> None:
        self._database.close()

    def check_usable(self) -> None:
        """Before a pass takes anything: the database is still the file this store opened (a
        state folder deleted or restored under a running importer is never written into), the
        disk has `min_free_mb` free, and a write goes through within `lock_wait_s`. Raises a
        StorageError otherwise; nothing is claimed or sent then."""
        self._database.check_room()
        self.set_value("store-checked-at", self._now())
