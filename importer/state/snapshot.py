"""The snapshot and the pending rows, which share its keys (flow, key).

The snapshot holds, per flow and key, the content hash and payload of what VTEX last
*accepted*. It moves only after VTEX confirmed a change (`commit`), so a row that failed is
simply sent again next time. Rows that failed for a passing reason (429, 5xx, timeout) are also
kept in `pending` with their payload, and retried on every pass until they land or a newer
file supersedes them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from importer.state.db import Table, chunks, from_signed, storage_errors, to_signed

if TYPE_CHECKING:  # pandas is ~0.5 s of a start: loaded by the first diff, not by the store
    import pandas as pd

# The snapshot hash of a key `importer reconcile` found drifted (VTEX holds other values than
# were sent): no content hashes to it (0 of 2**64), so the next file's row for the key is
# changed and sent. The payload (what was sent) stays: the snapshot never claims what VTEX holds.
# The catalog's payload is refreshed for the drifted columns (to what VTEX holds now): its flow
# sends only the columns that differ from the payload (`importer.reconcile.catalog`).
DRIFTED_HASH = 0


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


@storage_errors
class Snapshot(Table):
    """Tables `snapshot` and `pending`."""

    def snapshot_hashes(self, flow: str) -> pd.DataFrame:
        """(key, hash) of every row VTEX accepted for the flow: the diff's other side."""
        import pandas as pd

        cur = self._db.execute("SELECT key, hash FROM snapshot WHERE flow = ?", (flow,))
        rows = cur.fetchall()
        frame = pd.DataFrame(rows, columns=["key", "hash"])
        frame["key"] = frame["key"].astype(object)
        frame["hash"] = frame["hash"].astype("int64")
        return frame

    def snapshot_payloads(self, flow: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for chunk in chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            for key, payload in self._db.execute(
                f"SELECT key, payload FROM snapshot WHERE flow = ? AND key IN ({marks})",  # noqa: S608
                (flow, *chunk),
            ):
                out[key] = json.loads(payload)
        return out

    def has_drifted(self, flow: str) -> bool:
        """Whether a reconcile marked keys of the flow that no file has sent since."""
        row = self._db.execute(
            "SELECT 1 FROM snapshot WHERE flow = ? AND hash = ? LIMIT 1", (flow, DRIFTED_HASH)
        ).fetchone()
        return row is not None

    def snapshot_count(self, flow: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM snapshot WHERE flow = ?", (flow,)).fetchone()
        return int(row[0])

    def commit(
        self, flow: str, applied: Iterable[Applied], journal: tuple[str, str] | None = None
    ) -> int:
        """Record rows VTEX confirmed. Also clears them from pending. Returns how many.
        `journal` (file name, sha256): what the keys held before goes to `undo` first, in the
        same transaction."""
        applied = list(applied)
        if not applied:
            return 0
        with self._tx() as db:
            if journal is not None:
                journal_befores(db, flow, applied, *journal)
            upsert_snapshot(db, flow, applied, self._now())
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
            upsert_pending(db, rows, self._now())

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

    def befores(self, source: str, flow: str) -> dict[str, tuple[dict[str, Any] | None, int]]:
        """What the keys the last file named `source` changed held before it (None: it
        created them), with the hash it left them at, as `snapshot_hashes` gives hashes."""
        cur = self._db.execute(
            "SELECT key, before, after_hash FROM undo WHERE source = ? AND flow = ?",
            (source, flow),
        )
        return {k: (json.loads(b) if b is not None else None, int(h)) for k, b, h in cur.fetchall()}

    def journaled_flows(self, source: str) -> list[str]:
        cur = self._db.execute(
            "SELECT DISTINCT flow FROM undo WHERE source = ? ORDER BY flow", (source,)
        )
        return [str(f) for (f,) in cur.fetchall()]

    def pending_rows(self) -> list[tuple[PendingRow, str | None]]:
        """Every pending row of every flow, with when its file was received (the newest file of
        that name in the ledger; None when the ledger no longer knows it): oldest first."""
        cur = self._db.execute(
            "SELECT p.flow, p.key, p.hash, p.payload, p.source_file, p.source_row, p.attempts, "
            "p.last_error, (SELECT MAX(f.received_at) FROM files f WHERE f.name = p.source_file) "
            "FROM pending p ORDER BY 9, p.flow, p.source_file, p.source_row"
        )
        return [
            (PendingRow(f, k, from_signed(h), json.loads(p), sf, sr, a, e), since)
            for f, k, h, p, sf, sr, a, e, since in cur.fetchall()
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


# The two writes below are shared with `importer.state.batches`: a batch job's rows are kept
# pending when it starts, and land in the snapshot when it settles, in the job's transaction.


def journal_befores(
    db: sqlite3.Connection, flow: str, applied: list[Applied], source: str, sha256: str
) -> None:
    """The snapshot's payloads of `keys` before this commit, kept for `importer undo`. A key
    journaled already for the same bytes keeps its first before (a file resumed after a crash
    must not take its own first commit for what was there); other bytes of that name replace
    the older file's journal."""
    if sha256:
        db.execute(
            "DELETE FROM undo WHERE source = ? AND flow = ? AND sha256 != ?",
            (source, flow, sha256),
        )
    keys = [a.key for a in applied]
    before: dict[str, str] = {}
    for chunk in chunks(keys, 500):
        marks = ",".join("?" * len(chunk))
        cur = db.execute(
            f"SELECT key, payload FROM snapshot WHERE flow = ? AND key IN ({marks})",  # noqa: S608
            (flow, *chunk),
        )
        before.update({str(k): str(p) for k, p in cur.fetchall()})
    # The first commit of these bytes keeps its before; the after is always the newest.
    db.executemany(
        "INSERT INTO undo (source, flow, key, sha256, before, after_hash) VALUES (?,?,?,?,?,?) "
        "ON CONFLICT (source, flow, key) DO UPDATE SET after_hash = excluded.after_hash",
        [(source, flow, a.key, sha256, before.get(a.key), to_signed(a.hash)) for a in applied],
    )


def upsert_snapshot(
    db: sqlite3.Connection, flow: str, applied: Iterable[Applied], stamp: str
) -> None:
    """What VTEX confirmed becomes the flow's snapshot for those keys."""
    db.executemany(
        "INSERT INTO snapshot (flow, key, hash, payload, updated_at) VALUES (?,?,?,?,?) "
        "ON CONFLICT (flow, key) DO UPDATE SET hash = excluded.hash, "
        "payload = excluded.payload, updated_at = excluded.updated_at",
        [(flow, a.key, to_signed(a.hash), json.dumps(a.payload), stamp) for a in applied],
    )


def upsert_pending(db: sqlite3.Connection, rows: Iterable[PendingRow], stamp: str) -> None:
    """Keep rows pending; a key already pending takes the newer value, attempts add up."""
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
                stamp,
            )
            for r in rows
        ],
    )
