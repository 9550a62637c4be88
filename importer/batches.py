"""A change set as one VTEX batch job (Bulk Pricing, batch inventory), and its outcome as row
outcomes.

    send(api, rows, ...)     start the job, record it, upload, confirm, poll, settle
    resume(api, job, ...)    the same for a job a crash (or a long wait) left unsettled

Exactly once (API-NOTES §8.4: creating a job is not idempotent): the job's id and its rows are
in the store, and the rows pending, BEFORE the CSV is uploaded. A restart therefore polls the
same job instead of starting a second one, and never loses its rows: they stay pending until
VTEX says what became of them. Settling is one transaction (`Batches.settle_batch`).

Outcome per row: not in the error file of a COMPLETED / COMPLETED_WITH_ERRORS job -> landed;
in it -> failed (a deterministic data error) or pending with VTEX's code and message, marked
to be retried per SKU, where VTEX answers for that row alone; a FAILED or EXPIRED job, or one
VTEX no longer knows -> every row pending. A job still running after the bounded wait stays
recorded, its rows pending; it is polled again at the start of the next pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Generic, NamedTuple, TypeVar

from loguru import logger

from importer.config import VtexSettings
from importer.errors import FatalVtexError, RetriableVtexError, RowRejectedError
from importer.messages import render
from importer.models import Action
from importer.rows import OutRow
from importer.state import Applied, Batches, BatchJob, BatchRow, PendingRow, Values
from importer.vtex.batch_inventory import BatchInventoryClient
from importer.vtex.batch_jobs import (
    BatchApi,
    ErrorLine,
    FeatureUnavailable,
    PollPolicy,
    Upload,
    poll,
)
from importer.vtex.bulk_pricing import BulkPricingClient
from importer.vtex.http import VtexHttp
from importer.vtex.timing import Clock

# A job's typed line (`PriceLine`, `StockLine`): what the batch API sees of a row.
L = TypeVar("L")
IsNew = Callable[[OutRow], bool]
# How long an account that lacks a batch feature is not asked again (kv, per feature).
FEATURE_RETRY_AFTER = timedelta(hours=24)
_OFF_KEY = "batch-feature-off:{}"


class RowResult(NamedTuple):
    """What became of one of a job's rows. `row` is the row as the store records it (with
    `batch_refused` when it is to go per SKU next time: the mark must reach the pending row's
    payload, which `importer.outcomes` stores from this row)."""

    row: OutRow
    action: Action
    type: str  # the message slug ("" for a landed row)
    column: str  # the report column VTEX's error is about ("" when it does not say)
    reason: str


@dataclass
class BatchOutcome:
    """What became of a job's rows, one `RowResult` per row."""

    rows: list[RowResult] = field(default_factory=list)
    fatal: str = ""


def policy_of(settings: VtexSettings) -> PollPolicy:
    return PollPolicy(first_s=settings.batch_poll_initial_s, max_wait_s=settings.batch_wait_max_s)


# The batch API that carries each flow's change sets.


def client_for(feature: str, http: VtexHttp) -> BatchApi[Any]:
    """The batch API of `feature`. Its line type (`PriceLine`, `StockLine`) is its own
    business: lines are made by the API from rows (`line`) and handed back only to it, so a
    caller holds the API alone and needs no line type (Any is that "some type")."""
    if feature == BulkPricingClient.feature:
        return BulkPricingClient(http)
    if feature == BatchInventoryClient.feature:
        return BatchInventoryClient(http)
    raise ValueError(f"unknown batch feature {feature!r}")


# -- accounts without the feature --------------------------------------------------------------


def feature_off(store: Values, feature: str, now: datetime) -> bool:
    until = store.get_value(_OFF_KEY.format(feature))
    return until is not None and now < datetime.fromisoformat(until)


def remember_off(
    store: Values, api: BatchApi[Any], error: FeatureUnavailable, now: datetime
) -> None:
    until = now + FEATURE_RETRY_AFTER
    store.set_value(_OFF_KEY.format(api.feature), until.isoformat(timespec="seconds"))
    logger.warning(
        "VTEX {} is not available for this account ({}): the feature is not enabled or the "
        "key's role lacks it. Sending one call per SKU instead; asking VTEX again after {}.",
        api.title,
        error,
        until.strftime("%Y-%m-%d %H:%M UTC"),
    )


# -- running a job -----------------------------------------------------------------------------


@dataclass
class _Run(Generic[L]):
    """One job being driven: its rows as recorded (what outcomes and the store take) and,
    index for index, their typed lines (what the API takes)."""

    api: BatchApi[L]
    store: Batches
    job: BatchJob
    rows: list[OutRow]
    lines: list[L]
    clock: Clock
    is_new: IsNew
    policy: PollPolicy
    now: Callable[[], datetime]


async def send(
    api: BatchApi[L],
    rows: list[OutRow],
    *,
    store: Batches,
    flow: str,
    source: str,
    clock: Clock,
    is_new: IsNew,
    now: Callable[[], datetime],
    policy: PollPolicy | None = None,
) -> BatchOutcome:
    """Send `rows` as one job. Raises FeatureUnavailable (fall back to per-SKU calls), or the
    VtexError that stopped the job's creation (nothing was recorded then)."""
    lines = [api.line(row) for row in rows]
    content = api.csv(lines)
    started = await api.start(len(content))
    job = BatchJob(
        started.batch_id,
        flow,
        api.feature,
        "created",
        started.upload.url,
        started.upload.headers,
        started.upload.expires_at,
        source,
    )
    waiting = render(
        "vtex-batch-pending", api=api.title, batch=job.batch_id, what=render("batch-not-finished")
    )
    stored = [(r, r.payload()) for r in rows]
    store.start_batch(
        job,
        [BatchRow(i, r.key, r.hash, p) for i, (r, p) in enumerate(stored)],
        [PendingRow(flow, r.key, r.hash, p, source, r.line, 1, waiting) for r, p in stored],
    )
    logger.info("{}: {} rows sent as VTEX {} job {}", source, len(rows), api.title, job.batch_id)
    run = _Run(api, store, job, rows, lines, clock, is_new, policy or PollPolicy(), now)
    return await _drive(run, content, fresh=True)


async def resume(
    api: BatchApi[L],
    job: BatchJob,
    *,
    store: Batches,
    clock: Clock,
    is_new: IsNew,
    now: Callable[[], datetime],
    policy: PollPolicy | None = None,
) -> BatchOutcome:
    """Find out what became of a job recorded earlier; never starts a new one."""
    rows = [OutRow.from_payload(r.payload) for r in store.batch_rows(job.batch_id)]
    logger.info("polling VTEX {} job {} left unsettled earlier", api.title, job.batch_id)
    lines = [api.line(row) for row in rows]  # a job recorded by any version: the same keys
    run = _Run(api, store, job, rows, lines, clock, is_new, policy or PollPolicy(), now)
    return await _drive(run, None, fresh=False)


async def _drive(run: _Run[L], content: bytes | None, *, fresh: bool) -> BatchOutcome:
    api, job = run.api, run.job
    try:
        state = job.state
        if not fresh:
            status = await api.status(job.batch_id)
            if status is None:
                return _unsettled(run, render("batch-expired"), forget=True)
            if status.status != "AWAITING_UPLOAD":
                state = "confirmed"  # uploaded (and confirmed) before the crash
        if state == "created":
            target = Upload(job.upload_url, job.upload_headers, job.expires_at)
            if not target.expired(run.now()):
                await api.upload(target, content if content is not None else api.csv(run.lines))
                state = "uploaded"
                run.store.set_batch_state(job.batch_id, state)
            elif not api.needs_confirm:
                return _unsettled(run, render("batch-upload-expired"), forget=True)
            else:
                state = "uploaded"  # it may have been uploaded just before a crash: confirm says
        if api.needs_confirm and state == "uploaded":
            await api.confirm(job.batch_id)
            run.store.set_batch_state(job.batch_id, "confirmed")
        final = await poll(lambda: api.status(job.batch_id), api.terminal, run.clock, run.policy)
    except RowRejectedError as error:
        # The upload URL or the confirmation was refused: the job cannot run any more.
        return _unsettled(run, render("batch-not-completed", error=_short(error)), forget=True)
    except RetriableVtexError as error:
        return _unsettled(run, render("batch-not-checked", error=_short(error)), forget=False)
    except FatalVtexError as error:
        outcome = _unsettled(run, render("batch-not-checked", error=_short(error)), forget=False)
        outcome.fatal = str(error)
        return outcome
    if final is None:
        return _unsettled(run, render("batch-expired"), forget=True)
    if final.status not in api.terminal:
        return _unsettled(run, render("batch-still-running", status=final.status), forget=False)
    if final.status not in ("COMPLETED", "COMPLETED_WITH_ERRORS"):
        return _unsettled(
            run, render("batch-ended", status=final.status), forget=True, per_sku=True
        )
    errors: list[ErrorLine] = []
    if final.error_count or final.status == "COMPLETED_WITH_ERRORS":
        try:
            errors = await api.error_lines(job.batch_id)
        except (RetriableVtexError, RowRejectedError, FatalVtexError) as error:
            return _unsettled(
                run,
                render("batch-errors-unread", error=_short(error)),
                forget=False,
            )
    return _settle(run, errors, final.error_count)


def _settle(run: _Run[L], errors: Sequence[ErrorLine], error_count: int) -> BatchOutcome:
    api, job, rows = run.api, run.job, run.rows
    locate = api.locator(run.lines)
    refused: dict[int, ErrorLine] = {}
    unmatched = 0
    for line in errors:
        index = locate(line)
        if index is None:
            unmatched += 1
        else:
            refused.setdefault(index, line)
    if unmatched or error_count > len(errors):
        # An error we cannot tie to a row could be any row's: land none of the others on faith.
        logger.warning(
            "VTEX {} job {}: {} error(s) name no row the importer sent; its other rows are "
            "sent again to be sure",
            api.title,
            job.batch_id,
            max(unmatched, error_count - len(errors)),
        )
    outcome = BatchOutcome()
    landed: list[Applied] = []
    retry: list[tuple[str, int, str, dict[str, Any]]] = []  # (key, hash, reason, payload)
    dropped: list[tuple[str, int]] = []
    unsure = bool(unmatched or error_count > len(errors))
    waiting = render(
        "vtex-batch-pending",
        api=api.title,
        batch=job.batch_id,
        what=render("batch-errors-untied"),
    )
    for index, row in enumerate(rows):
        key, hashed = row.key, row.hash
        error = refused.get(index)
        if error is None and unsure:
            retry.append((key, hashed, waiting, row.payload()))
            outcome.rows.append(RowResult(row, Action.PENDING, "vtex-batch-pending", "", waiting))
        elif error is None:
            landed.append(Applied(key, hashed, row.payload()))
            outcome.rows.append(RowResult(row, landed_action(row, run.is_new), "", "", ""))
        else:
            again = api.retriable(error.code)
            # The report's type stays "vtex-batch-error"; what happens next picks the sentence.
            reason = render(
                "vtex-batch-error-retried" if again else "vtex-batch-error-final",
                api=api.title,
                batch=job.batch_id,
                code=error.code or render("batch-no-code"),
                message=error.message or render("batch-no-message"),
            )
            column = api.column(error, run.lines[index])
            if again:
                marked = replace(row, batch_refused=error.code or "error")
                retry.append((key, hashed, reason, marked.payload()))
                outcome.rows.append(
                    RowResult(marked, Action.PENDING, "vtex-batch-error", column, reason)
                )
            else:
                dropped.append((key, hashed))
                outcome.rows.append(
                    RowResult(row, Action.FAILED, "vtex-batch-error", column, reason)
                )
    run.store.settle_batch(job.batch_id, job.flow, landed, retry, dropped)
    logger.info(
        "VTEX {} job {}: {} rows landed, {} refused",
        api.title,
        job.batch_id,
        len(landed),
        len(refused),
    )
    return outcome


def _unsettled(run: _Run[L], what: str, *, forget: bool, per_sku: bool = False) -> BatchOutcome:
    """Every row stays pending. `forget`: the job is over (or can never run): settle it so its
    rows are sent again; otherwise keep it recorded and poll it again next pass."""
    api, job = run.api, run.job
    reason = render("vtex-batch-pending", api=api.title, batch=job.batch_id, what=what)
    logger.warning("VTEX {} job {} {}", api.title, job.batch_id, what)
    outcome = BatchOutcome()
    rows = [replace(r, batch_refused="job") if per_sku else r for r in run.rows]
    for row in rows:
        outcome.rows.append(RowResult(row, Action.PENDING, "vtex-batch-pending", "", reason))
    if forget:
        run.store.settle_batch(
            job.batch_id,
            job.flow,
            [],
            [(r.key, r.hash, reason, r.payload()) for r in rows],
            [],
        )
    return outcome


def landed_action(row: OutRow, is_new: IsNew) -> Action:
    """What a row VTEX applied did: deactivated (a full-mode removal), created or updated."""
    if row.removal is not None:
        return Action.DEACTIVATED
    return Action.CREATED if is_new(row) else Action.UPDATED


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:200]
