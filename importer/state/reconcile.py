"""A reconcile's progress (table `reconcile_drift` and a `kv` value per flow).

`importer reconcile <flow>` reads back, key by key in key order, what the snapshot believes
VTEX holds. Each chunk of keys it read is recorded in one transaction: the drift it found (the
report's rows), the drifted keys' snapshot hash marked so that the next file sends them, and
how far it got. A reconcile that was killed resumes after the last recorded key and still
reports the drift found before it stopped; `finish` forgets the run once its report exists.

A flow may read several snapshots one after the other (the catalog: its products, then its
SKUs): the progress says which `part` it is in, and each drift row is kept under the snapshot
its key belongs to, so that marks land on the right rows (a product and a SKU may share a code).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from importer.state.db import Database, Table, storage_errors
from importer.state.snapshot import DRIFTED_HASH

_TABLE = """
CREATE TABLE IF NOT EXISTS reconcile_drift (
    flow TEXT NOT NULL, key TEXT NOT NULL, sku_id TEXT NOT NULL, column_name TEXT NOT NULL,
    sent TEXT NOT NULL, vtex_now TEXT NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (flow, key, column_name)
);
"""


@dataclass(frozen=True)
class DriftRow:
    """One column of one key that VTEX holds otherwise than it was sent. `kind`: "changed"
    (VTEX holds another value), "kept" (changed, in a column the Admin owns: not repaired),
    "missing" (VTEX no longer has the key), "unreadable" (VTEX refused the read for good: its
    status is in `vtex_now`)."""

    key: str
    sku_id: str
    column: str
    sent: str
    vtex_now: str
    kind: str


@dataclass(frozen=True)
class Progress:
    started: str  # the run's UTC stamp (its report's name)
    after: str  # the last key read ("" before the first chunk)
    checked: int  # keys read so far
    part: int = 0  # which of the flow's snapshots (see `importer.reconcile.run.Part`)


def _progress_name(flow: str) -> str:
    return f"reconcile:{flow}:progress"


def _last_name(flow: str) -> str:
    return f"reconcile:{flow}:finished"


@storage_errors
class Reconciling(Table):
    """Tables `reconcile_drift` and the reconcile's `kv` values; marks `snapshot` hashes."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        # Its own table, made on first use: a store of an earlier version simply gains it.
        with self._tx() as db:
            db.execute(_TABLE)

    def progress(self, flow: str) -> Progress | None:
        row = self._db.execute(
            "SELECT value FROM kv WHERE name = ?", (_progress_name(flow),)
        ).fetchone()
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row[0])
        return Progress(
            str(data["started"]), str(data["after"]), int(data["checked"]), int(data.get("part", 0))
        )

    def start(self, flow: str, started: str) -> Progress:
        progress = Progress(started, "", 0)
        self._set_progress(flow, progress)
        return progress

    def snapshot_after(self, flow: str, after: str, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """The next `limit` snapshot keys after `after` (key order), with their payloads;
        keys with a pending row are left out (they are sent again anyway: VTEX may hold
        either value until then)."""
        cur = self._db.execute(
            "SELECT s.key, s.payload FROM snapshot s WHERE s.flow = ? AND s.key > ? "
            "AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.flow = s.flow AND p.key = s.key) "
            "ORDER BY s.key LIMIT ?",
            (flow, after, limit),
        )
        return [(str(k), json.loads(p)) for k, p in cur.fetchall()]

    def record_chunk(
        self,
        flow: str,
        drift: Sequence[DriftRow],
        progress: Progress,
        last_key: str,
        read: int,
        *,
        snapshot: str | None = None,
        refreshed: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Progress:
        """One chunk's findings, all or nothing: its drift rows, the drifted keys' snapshot
        hashes marked (in `snapshot`, the flow's own by default), their payloads replaced by
        `refreshed` where given, and the progress moved past `last_key`."""
        part = snapshot or flow
        moved = Progress(progress.started, last_key, progress.checked + read, progress.part)
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO reconcile_drift (flow, key, sku_id, column_name, sent, "
                "vtex_now, kind) VALUES (?,?,?,?,?,?,?)",
                [(part, d.key, d.sku_id, d.column, d.sent, d.vtex_now, d.kind) for d in drift],
            )
            db.executemany(
                "UPDATE snapshot SET hash = ? WHERE flow = ? AND key = ?",
                # An unreadable key was not compared: its snapshot stays as it was.
                [
                    (DRIFTED_HASH, part, key)
                    for key in sorted({d.key for d in drift if d.kind != "unreadable"})
                ],
            )
            db.executemany(
                "UPDATE snapshot SET payload = ? WHERE flow = ? AND key = ?",
                [(json.dumps(dict(p)), part, key) for key, p in sorted((refreshed or {}).items())],
            )
            db.execute(
                "INSERT INTO kv (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                "SET value = excluded.value",
                (_progress_name(flow), _progress_json(moved)),
            )
        return moved

    def next_part(self, flow: str, progress: Progress) -> Progress:
        """The flow's next snapshot is read from its first key on."""
        moved = Progress(progress.started, "", progress.checked, progress.part + 1)
        self._set_progress(flow, moved)
        return moved

    def drift(self, flow: str) -> list[DriftRow]:
        cur = self._db.execute(
            "SELECT key, sku_id, column_name, sent, vtex_now, kind FROM reconcile_drift "
            "WHERE flow = ? ORDER BY key, column_name",
            (flow,),
        )
        return [DriftRow(*row) for row in cur.fetchall()]

    def finish(self, flow: str, finished: str, snapshots: Sequence[str] = ()) -> None:
        """The run's report exists: forget its drift rows (those of `snapshots` too) and its
        progress, remember when."""
        with self._tx() as db:
            for part in {flow, *snapshots}:
                db.execute("DELETE FROM reconcile_drift WHERE flow = ?", (part,))
            db.execute("DELETE FROM kv WHERE name = ?", (_progress_name(flow),))
            db.execute(
                "INSERT INTO kv (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                "SET value = excluded.value",
                (_last_name(flow), finished),
            )

    def last_finished(self, flow: str) -> str | None:
        row = self._db.execute(
            "SELECT value FROM kv WHERE name = ?", (_last_name(flow),)
        ).fetchone()
        return None if row is None else str(row[0])

    def _set_progress(self, flow: str, progress: Progress) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO kv (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                "SET value = excluded.value",
                (_progress_name(flow), _progress_json(progress)),
            )


def _progress_json(progress: Progress) -> str:
    return json.dumps(
        {
            "started": progress.started,
            "after": progress.after,
            "checked": progress.checked,
            "part": progress.part,
        }
    )
