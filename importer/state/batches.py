"""VTEX batch jobs (Bulk Pricing, batch inventory) this importer started and has not settled,
and the rows each carries (tables `batches`, `batch_rows`).

A job's start keeps its rows pending and its settlement moves the snapshot, each in the job's
own transaction: so this group also writes `snapshot` and `pending` (through the helpers of
`importer.state.snapshot`), and its signature says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from importer.state.db import Table, from_signed, storage_errors, to_signed
from importer.state.snapshot import Applied, PendingRow, upsert_pending, upsert_snapshot


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


@storage_errors
class Batches(Table):
    """Tables `batches` and `batch_rows`; writes `snapshot` and `pending` as a job starts and
    settles."""

    def start_batch(
        self, job: BatchJob, rows: Sequence[BatchRow], pending: Iterable[PendingRow]
    ) -> None:
        """Record a job and its rows, and keep the rows pending until its outcome is known: one
        transaction, before anything is uploaded."""
        stamp = self._now()
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
                    stamp,
                ),
            )
            db.executemany(
                "INSERT INTO batch_rows (batch_id, line, key, hash, payload) VALUES (?,?,?,?,?)",
                [
                    (job.batch_id, r.line, r.key, to_signed(r.hash), json.dumps(r.payload))
                    for r in rows
                ],
            )
            upsert_pending(db, pending, self._now())

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
        stamp = self._now()
        with self._tx() as db:
            upsert_snapshot(db, flow, landed, self._now())
            db.executemany(
                "DELETE FROM pending WHERE flow = ? AND key = ? AND hash = ?",
                [(flow, a.key, to_signed(a.hash)) for a in landed]
                + [(flow, key, to_signed(h)) for key, h in refused],
            )
            db.executemany(
                "UPDATE pending SET last_error = ?, payload = ?, updated_at = ? "
                "WHERE flow = ? AND key = ? AND hash = ?",
                [
                    (reason, json.dumps(payload), stamp, flow, key, to_signed(h))
                    for key, h, reason, payload in retry
                ],
            )
            db.execute("DELETE FROM batch_rows WHERE batch_id = ?", (batch_id,))
            db.execute("DELETE FROM batches WHERE batch_id = ?", (batch_id,))
