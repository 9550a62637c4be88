"""The generic reconcile: read back, chunk by chunk, what the snapshot says VTEX holds.

    snapshot keys (key order, after the last recorded one) -> VTEX ids (SKU ids; the
    catalog's products: product ids) -> one read per id (concurrently, through the pass's
    VtexHttp and its rate-limit buckets) -> the flow's reader compares the columns the
    importer sent -> record the chunk (drift rows, drifted hashes marked, refreshed payloads,
    progress) in one transaction -> ... -> the next part -> the drift report -> finish

Nothing here names a flow: what a flow reads and compares is its reader's
(`importer.reconcile.readers`). A flow may read several snapshots in turn, each a `Part`
with its reader and the VTEX id its keys are read by (the catalog: products by product id,
then SKUs by SKU id). A VTEX that stops answering, or any other trouble, stops the
run with what it recorded kept: the next run resumes after the last recorded key, and its
report still lists the drift found before the stop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from loguru import logger

from importer.deps import Clients, Deps
from importer.errors import RowRejectedError
from importer.reconcile.report import drift_report_paths, write_drift_report
from importer.rows import SKU_ID, Payload
from importer.state.reconcile import DriftRow, Progress, Reconciling

# Keys read per recorded chunk: what a kill can cost to read again, against one transaction
# per chunk.
CHUNK = 200


class Reader(Protocol):
    """What a flow's reconcile knows: how to read one SKU (or whatever VTEX id its part's
    `target` gives), and what of it to compare."""

    async def read(self, sku_id: int, clients: Clients, sent: Sequence[Payload]) -> Any | None:
        """What VTEX holds for the SKU, or None when VTEX no longer has it (404). `sent`: the
        payloads of the keys read by this id, so that a reader can leave out a read that
        none of them needs (the catalog's specifications)."""
        ...

    def compare(self, key: str, sku_id: int, sent: Payload, held: Any | None) -> list[DriftRow]:
        """The columns of `sent` (what the snapshot says was sent) that `held` differs on."""
        ...


def sku_of(payload: Mapping[str, Any], deps: Deps) -> int | None:
    """The SKU id the row was sent to: as resolved when it was sent, else as the file gave it,
    else its RefId's as the store remembers it."""
    for value in (payload.get(SKU_ID), payload.get("sku_id")):
        if value not in (None, ""):
            return int(str(value))
    ref = str(payload.get("sku_ref") or "")
    return deps.store.sku_ids([ref]).get(ref) if ref else None


@dataclass(frozen=True)
class Part:
    """One snapshot a flow's reconcile reads: its keys, its reader, the VTEX id a key is read
    by (`target`: None when the key was never sent), how the report names a key of it, and
    whether a drifted column's payload becomes what VTEX holds (`refresh`: a flow that sends
    only the columns that differ from the payload needs it to repair them)."""

    snapshot: str
    reader: Reader
    target: Callable[[Mapping[str, Any], Deps], int | None] = sku_of
    label: str = "{key}"
    refresh: bool = False
    # With `refresh`: what the payload of a key VTEX no longer has keeps (its identity), so
    # that the next file sends every column again and VTEX's answer lands on its row.
    identity: tuple[str, ...] = ()


# Kinds of drift the next file repairs (the key is marked and sent again).
REPAIRED = ("changed", "missing")


@dataclass
class ReconcileResult:
    flow: str
    checked: int  # keys read back (this run and the interrupted ones it resumed)
    drift: list[DriftRow] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)  # the report pair

    @property
    def drifted_keys(self) -> int:
        return len({d.key for d in self.drift if d.kind in REPAIRED})

    @property
    def kept_keys(self) -> int:
        """Keys with drift in a column the Admin owns (reported, not repaired)."""
        return len({d.key for d in self.drift if d.kind == "kept"})

    @property
    def unreadable_keys(self) -> int:
        return len({d.key for d in self.drift if d.kind == "unreadable"})


def stamp(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def reconcile(
    flow: str, reader: Reader | tuple[Part, ...], deps: Deps, *, chunk: int = CHUNK
) -> ReconcileResult:
    """Reconcile `flow` (resuming an interrupted run of it), write its drift report into
    outbox/reports and return what it found. `reader`: the flow's one reader of its own
    snapshot, or its parts."""
    parts = reader if isinstance(reader, tuple) else (Part(flow, reader),)
    table = Reconciling(deps.store.database)
    progress = table.progress(flow)
    if progress is None:
        progress = table.start(flow, stamp(deps.now()))
    else:
        logger.info("reconcile {}: resuming after {} key(s) read", flow, progress.checked)
    progress = asyncio.run(_read_all(flow, parts, deps, table, progress, chunk))
    drift = [
        replace(d, key=part.label.format(key=d.key))
        for part in parts
        for d in table.drift(part.snapshot)
    ]
    reports = deps.loaded.folder("outbox") / "reports"
    paths = drift_report_paths(reports, flow, progress.started)
    # A run killed after its report was written and before it was forgotten has it already.
    if not all(p.exists() for p in paths):
        paths = write_drift_report(
            drift, reports, flow, progress.started, deps.loaded.settings.output.report_file_mode
        )
    table.finish(flow, deps.now().isoformat(timespec="seconds"), [part.snapshot for part in parts])
    return ReconcileResult(flow, progress.checked, drift, paths)


async def _read_all(
    flow: str,
    parts: tuple[Part, ...],
    deps: Deps,
    table: Reconciling,
    progress: Progress,
    chunk: int,
) -> Progress:
    limit = asyncio.Semaphore(deps.loaded.settings.vtex.concurrency)
    async with deps.http() as http:
        clients = Clients.over(http)
        while progress.part < len(parts):
            progress = await _read_part(
                flow, parts[progress.part], deps, clients, table, progress, chunk, limit
            )
            progress = table.next_part(flow, progress)
    return progress


async def _read_part(
    flow: str,
    part: Part,
    deps: Deps,
    clients: Clients,
    table: Reconciling,
    progress: Progress,
    chunk: int,
    limit: asyncio.Semaphore,
) -> Progress:
    reader = part.reader
    while True:
        keys = table.snapshot_after(part.snapshot, progress.after, chunk)
        if not keys:
            return progress
        by_target: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        for key, payload in keys:
            target = part.target(payload, deps)
            if target is None:  # never sent (a push resolves its id first): nothing to read
                logger.warning("reconcile {}: {} has no VTEX id in the store", flow, key)
                continue
            by_target.setdefault(target, []).append((key, payload))

        async def one(target: int, held: list[tuple[str, dict[str, Any]]]) -> list[DriftRow]:
            async with limit:
                try:
                    now = await reader.read(target, clients, [sent for _, sent in held])
                except RowRejectedError as exc:  # refused for good: said, not compared
                    return [_unreadable(key, target, exc.status) for key, _ in held]
            return [d for key, sent in held for d in reader.compare(key, target, sent, now)]

        found = await asyncio.gather(*(one(t, held) for t, held in by_target.items()))
        drift = [d for rows in found for d in rows]
        progress = table.record_chunk(
            flow,
            drift,
            progress,
            keys[-1][0],
            len(keys),
            snapshot=part.snapshot,
            refreshed=_refreshed(keys, drift, part.identity) if part.refresh else None,
        )


def _refreshed(
    keys: list[tuple[str, dict[str, Any]]], drift: list[DriftRow], identity: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """The payloads of the drifted keys with each changed column as VTEX holds it now; a key
    VTEX no longer has keeps only its `identity` (VTEX holds none of its columns)."""
    payloads = dict(keys)
    refreshed: dict[str, dict[str, Any]] = {}
    for d in drift:
        if d.kind == "missing":
            refreshed[d.key] = {k: v for k, v in payloads[d.key].items() if k in identity}
        elif d.kind in ("changed", "kept") and d.column and d.key not in refreshed:
            refreshed[d.key] = dict(payloads[d.key])
        if d.kind in ("changed", "kept") and d.column:
            refreshed[d.key][d.column] = d.vtex_now
    return refreshed


def _unreadable(key: str, sku_id: int, status: int | None) -> DriftRow:
    return DriftRow(key, str(sku_id), "", "", str(status or ""), "unreadable")
