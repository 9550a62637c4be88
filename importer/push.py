"""Generic sending of SKU rows: resolve SKUs, hold back, batch-or-per-SKU, bounded concurrency.

Knows no flow: a flow that sends per SKU (prices, inventory) hands `push_skus` a `SkuSender`
that says which rows a VTEX batch job can carry and what one SKU's calls are. Outcomes are
values (`importer.outcomes`): `applied` rows go to the snapshot, `pending` rows (VTEX
unavailable after retries) are kept and retried on every pass, `failed` rows are reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from loguru import logger

from importer import batches
from importer.config import GuardSettings
from importer.deps import Clients
from importer.errors import FatalVtexError, RetriableVtexError, RowRejectedError, VtexError
from importer.follow.status_file import advanced
from importer.messages import render
from importer.models import Action
from importer.outcomes import PushResult, RowOutcome, all_failed, vtex_outcome
from importer.rows import OutRow, Removal
from importer.state import Batches, Ids, Store, Values
from importer.vtex.batch_jobs import FeatureUnavailable

Parent = TypeVar("Parent")

Task = Callable[[], Awaitable[None]]
IsNew = Callable[[OutRow], bool]
# SKU rows for which the per-SKU calls are made, and the calls.
SkuTask = tuple[list[OutRow], Task]


class SkuSender(Protocol):
    """What a flow that sends per SKU tells the generic push."""

    @property
    def name(self) -> str:
        """The flow's name (its rows' flow in the store)."""
        ...

    @property
    def batch_feature(self) -> str:
        """The VTEX batch job that can carry its rows ("" for none)."""
        ...

    async def ready(self, rows: list[OutRow], clients: Clients, result: PushResult) -> list[OutRow]:
        """The rows that can be sent, as they are to be sent (others get their outcome in
        `result`)."""
        ...

    def batchable(self, rows: list[OutRow]) -> list[OutRow]:
        """The rows a batch job can carry."""
        ...

    def batch_warnings(self, carried: list[OutRow]) -> list[str]:
        """File-level warnings for rows that went in a batch job."""
        ...

    def tasks(
        self, rows: list[OutRow], clients: Clients, result: PushResult, send: Send
    ) -> list[SkuTask]:
        """The per-SKU calls for `rows`; each appends its rows' outcomes to `result`."""
        ...


@dataclass(frozen=True)
class Send:
    """One push: `is_new` tells created from updated, `batch_threshold` (> 0) how many rows
    a batch job takes at least, `source` names the file in the store's record of a job."""

    is_new: IsNew
    now: Callable[[], datetime]  # the pass's clock (when a batch feature was found off)
    batch_threshold: int = 0
    source: str = ""
    # The flow's limits (a price moving beyond them is held, not sent); None: a person
    # approved these rows (`importer approve`), so no limit applies.
    guard: GuardSettings | None = None


@dataclass(frozen=True)
class SkuTables:
    """The tables a push of SKU rows may write, and no other: the SKU id map (`ids`), VTEX
    batch jobs (`jobs`: a job's start keeps its rows pending and its settlement moves the
    snapshot, in the job's own transaction) and the memory of a batch feature an account
    lacks (`values`). What the other rows' outcomes do to the snapshot is the caller's
    (`importer.outcomes.record_outcomes`)."""

    ids: Ids
    jobs: Batches
    values: Values

    @classmethod
    def of(cls, store: Store) -> SkuTables:
        return cls(store, store, store)


async def push_skus(
    sender: SkuSender,
    rows: list[OutRow],
    removals: Sequence[OutRow],
    clients: Clients,
    tables: SkuTables,
    send: Send,
) -> PushResult:
    """Send `rows` (new or changed) and `removals` (full-mode absences).

    When at least `send.batch_threshold` (> 0) of the rows can go in one VTEX batch job, they
    do (see `_batched`); the others, and all of them on an account without the feature, go
    per SKU."""
    result = PushResult()
    rows = rows + [r if r.removal else replace(r, removal=Removal()) for r in removals]
    try:
        resolved = await resolve_skus(rows, clients, tables.ids, result)
        ready = await sender.ready(resolved, clients, result)
    except (FatalVtexError, RetriableVtexError, RowRejectedError) as exc:
        # A call every row depends on (the SKU ids, the warehouses) failed: each row that has
        # no outcome yet meets that error (keys are unique in a push).
        settled = {o.record.key for o in result.outcomes}
        all_failed([r for r in rows if r.key not in settled], result, exc)
        return result
    ready = held_back(ready, sender.name, tables.jobs, result)
    ready = await _batched(sender, ready, clients, tables, result, send)
    await run_tasks(
        sender.tasks(ready, clients, result, send),
        clients.http.settings.concurrency,
        result,
    )
    return result


async def resolve_skus(
    rows: list[OutRow], clients: Clients, ids: Ids, result: PushResult
) -> list[OutRow]:
    """The rows with their SKU id (`OutRow.sku_id`): their sku_id, or the id VTEX has for their
    RefId (kept in the store's map, so a RefId is looked up once). A RefId VTEX does not know
    fails the row, which is not returned."""
    refs = sorted({r.get("sku_ref") for r in rows if not r.get("sku_id") and r.get("sku_ref")})
    known = ids.sku_ids(refs)
    missing = [ref for ref in refs if ref not in known]
    if missing:
        found = await clients.catalog.sku_ids_by_refs(missing)
        fresh = {ref: sku_id for ref, sku_id in found.items() if sku_id is not None}
        ids.remember_sku_ids(fresh)
        known.update(fresh)
    resolved: list[OutRow] = []
    for row in rows:
        if row.get("sku_id"):
            resolved.append(replace(row, sku_id=int(row.get("sku_id"))))
        elif row.get("sku_ref") in known:
            resolved.append(replace(row, sku_id=known[row.get("sku_ref")]))
        else:
            result.outcomes.append(
                RowOutcome(
                    row,
                    Action.FAILED,
                    type="unknown-sku",
                    column="sku_ref",
                    value=row.get("sku_ref"),
                    reason=render("unknown-sku", value=row.get("sku_ref")),
                )
            )
    return resolved


async def run_tasks(tasks: list[SkuTask], concurrency: int, result: PushResult) -> None:
    """Run per-SKU tasks with bounded concurrency; a fatal error stops what has not started."""
    gate = asyncio.Semaphore(concurrency)
    stop = asyncio.Event()

    async def one(rows: list[OutRow], task: Task) -> None:
        async with gate:
            if stop.is_set():
                for row in rows:
                    result.outcomes.append(vtex_outcome(row, FatalVtexError(result.fatal)))
                return
            try:
                await task()
            except RetriableVtexError as exc:
                result.outcomes.extend(vtex_outcome(row, exc) for row in rows)
            except FatalVtexError as exc:
                stop.set()
                result.fatal = str(exc)
                result.outcomes.extend(vtex_outcome(row, exc) for row in rows)
            except (ValueError, ArithmeticError, KeyError, TypeError) as exc:
                # A bug or a value we cannot send must cost these rows, never the whole file.
                result.outcomes.extend(
                    RowOutcome(
                        row,
                        Action.FAILED,
                        type="internal-error",
                        reason=render("internal-error", detail=str(exc)[:200]),
                    )
                    for row in rows
                )
            except RowRejectedError as exc:
                result.outcomes.extend(vtex_outcome(row, exc) for row in rows)
            advanced(len(rows))

    await asyncio.gather(*(one(rows, task) for rows, task in tasks))


def done(row: OutRow, is_new: IsNew) -> RowOutcome:
    """The outcome of a row VTEX confirmed."""
    action = batches.landed_action(row, is_new)
    return RowOutcome(row, action, reason=landed_reason(row, action))


def landed_reason(row: OutRow, action: Action) -> str:
    """What the report says of a row that landed: a removal says why it was sent."""
    if action is Action.DEACTIVATED and row.removal is not None:
        return row.removal.reason
    return ""


def batch_outcomes(outcome: batches.BatchOutcome) -> list[RowOutcome]:
    """A batch job's per-row results as the outcomes a report and the store take."""
    return [
        RowOutcome(
            row,
            action,
            kind,
            column,
            row.get(column) if column else "",
            reason or landed_reason(row, action),
        )
        for row, action, kind, column, reason in outcome.rows
    ]


def held_back(rows: list[OutRow], flow: str, jobs: Batches, result: PushResult) -> list[OutRow]:
    """Rows whose key is in a VTEX batch job that has not settled wait for it: sent now, they
    could be overwritten by the job's older value when it lands. They stay pending."""
    waiting = jobs.batch_keys(flow)
    if not waiting:
        return rows
    for row in rows:
        batch = waiting.get(row.key)
        if batch is not None:
            result.outcomes.append(
                RowOutcome(
                    row,
                    Action.PENDING,
                    type="vtex-batch-pending",
                    reason=render("vtex-batch-holding", batch=batch),
                )
            )
    return [r for r in rows if r.key not in waiting]


async def _batched(
    sender: SkuSender,
    rows: list[OutRow],
    clients: Clients,
    tables: SkuTables,
    result: PushResult,
    send: Send,
) -> list[OutRow]:
    """Send the rows a batch job can carry as one job when there are at least the threshold of
    them; return the rows left for per-SKU calls. A 403/404 on creating the job (the account
    lacks the feature) sends everything per SKU and is remembered for a day."""
    # Rows an earlier job refused go per SKU this time; the mark is not kept any further.
    refused = {r.key for r in rows if r.batch_refused}
    rows = [replace(r, batch_refused="") if r.batch_refused else r for r in rows]
    if send.batch_threshold <= 0 or not sender.batch_feature:
        return rows
    carried = sender.batchable([r for r in rows if r.key not in refused])
    if len(carried) < send.batch_threshold:
        return rows
    api = batches.client_for(sender.batch_feature, clients.http)
    now = send.now()
    if batches.feature_off(tables.values, api.feature, now):
        return rows
    chosen = {r.key for r in carried}
    rest = [r for r in rows if r.key not in chosen]
    try:
        outcome = await batches.send(
            api, carried, store=tables.jobs, flow=sender.name, source=send.source,
            clock=clients.http.clock, is_new=send.is_new, now=send.now,
            policy=batches.policy_of(clients.http.settings),
        )  # fmt: skip
    except FeatureUnavailable as exc:
        batches.remember_off(tables.values, api, exc, now)
        return rows
    except (FatalVtexError, RetriableVtexError) as exc:
        all_failed(carried, result, exc)
        return rest
    except RowRejectedError as exc:  # 413 / 422 on creation: this set cannot go as a job
        logger.warning("VTEX {} refused the job ({}): sending per SKU", api.title, exc)
        return rows
    result.outcomes.extend(batch_outcomes(outcome))
    if outcome.fatal:
        result.fatal = outcome.fatal
    result.file_warnings.extend(sender.batch_warnings(carried))
    return rest


async def per_parent(
    rows: Sequence[OutRow],
    column: str,
    fetch: Callable[[str], Awaitable[Parent]],
    each: Callable[[OutRow, Parent], Awaitable[RowOutcome]],
    concurrency: int,
) -> PushResult:
    """Rows grouped by what `column` names (an order): its record read once, then each of its
    rows handled in file order, `concurrency` groups at a time. A failed read is every row's
    outcome: nothing of that group is sent."""
    result = PushResult()
    groups: dict[str, list[OutRow]] = {}
    for row in rows:
        groups.setdefault(row.get(column), []).append(row)
    gate = asyncio.Semaphore(concurrency)

    async def one_group(parent_key: str, group: list[OutRow]) -> None:
        async with gate:
            try:
                parent = await fetch(parent_key)
            except VtexError as exc:
                result.outcomes.extend(vtex_outcome(row, exc) for row in group)
                return
            for row in sorted(group, key=lambda r: r.line or 0):
                result.outcomes.append(await each(row, parent))
                advanced(1)

    await asyncio.gather(*(one_group(k, g) for k, g in groups.items()))
    return result
