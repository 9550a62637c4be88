"""process_file(): the one place that sequences side effects for an input file.

    claim -> read -> validate -> diff -> push -> commit snapshot -> report -> archive

The snapshot moves only for rows VTEX confirmed; the report is written before the input is
archived, so a crash in between leaves the claimed file to be finished on the next start.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from loguru import logger

from importer import batches
from importer.config import LoadedSettings
from importer.diff import content_hash, diff
from importer.errors import FileRejected, UnreadableFile, disk_full
from importer.files.archive import archive_file
from importer.files.openfiles import open_for_writing
from importer.files.watch import ACCEPTED_SUFFIXES
from importer.flows.spec import FLOW_SPECS, FlowSpec
from importer.messages import render
from importer.models import Action, FileReport, FileSummary, ReportRow
from importer.push import (
    FILE_COLUMNS,
    Clients,
    PushResult,
    RowOutcome,
    batch_outcomes,
    explain_updates,
    push,
)
from importer.read import ReadOptions, read_table
from importer.read.entry import check_entry, open_regular
from importer.report import free_report_stem, remove_unfinished, report_paths, write_report
from importer.store import PendingRow, Store
from importer.validate import shown_key, stamp_count_time, utc_text, validate
from importer.vtex.http import VtexHttp

HttpFactory = Callable[[], VtexHttp]


@dataclass
class Deps:
    """What a pass needs: settings, the store, a way to open VTEX, and the time."""

    loaded: LoadedSettings
    store: Store
    http: HttpFactory
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    @property
    def account(self) -> str:
        return self.loaded.settings.vtex.account


def sha256_of(path: Path) -> str:
    return fingerprint(path).sha256


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read: compared again before it is archived."""

    size: int
    mtime_ns: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint:
    """Size and time from the open handle, taken before the bytes are hashed: a write that
    lands while (or after) the file is read always leaves a difference to see. Raises
    UnreadableFile for a link, a FIFO, a folder...: those are never read
    (`importer.read.entry`)."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        st = os.fstat(handle.fileno())
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return Fingerprint(st.st_size, st.st_mtime_ns, digest.hexdigest())


def still_as_read(path: Path, read_as: Fingerprint) -> bool:
    """True when the claimed file is what was read: same size, time and bytes, and no process
    of this machine holds it open for writing (a writer keeps its handle on the claimed file:
    the claim is a rename)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return True  # nothing left to read again; the archive step says what became of it
    if (st.st_size, st.st_mtime_ns) != (read_as.size, read_as.mtime_ns):
        return False
    if open_for_writing([path]):
        return False
    try:
        return fingerprint(path).sha256 == read_as.sha256
    except OSError:
        return True


# A file that keeps changing under the importer is read again at most this many times in one
# pass; then it stays claimed, unreported, and the next pass reads it again.
MAX_READS = 5
# How long one pass waits for a file that changed while it was processed to be quiet again.
SETTLE_WAIT_MAX_S = 60.0


class _ChangedWhileReporting(Exception):
    """The claimed file changed between its processing and its archiving."""


def process_file(
    path: Path, flow: str, deps: Deps, *, display_name: str | None = None
) -> FileReport:
    """Process one claimed file completely: report written, input archived. Never raises for
    bad input; the report says what happened.

    A file that changed while it was processed (a writer still appending to it: the claim
    moved the file, not the writer's handle) is never archived half-read: once it is quiet
    again it is read again (the diff sends only what VTEX does not have yet), and it gets one
    report, for its final content, in which rows that landed during an earlier read keep
    their action."""
    name = display_name or path.name
    earlier: FileReport | None = None
    for reads in range(1, MAX_READS + 1):
        try:
            # A link, a FIFO, a folder, a file over max_file_mb: refused without reading a byte.
            check_entry(path, deps.loaded.settings.watch.max_file_mb)
            read_as = fingerprint(path)
        except PermissionError:
            return _refuse_unreadable(path, flow, deps, name)
        except UnreadableFile as exc:
            summary = FileSummary(name, flow, "", deps.now(), account=deps.account)
            return _refuse_unread(path, FileReport(summary), deps, exc)
        report, file_id = _process_once(path, flow, deps, name, read_as.sha256)
        if earlier is not None:
            _carry_landed(earlier, report)
        failed = report.summary.status == "failed"
        if still_as_read(path, read_as):
            try:
                return finish_report(
                    path,
                    report,
                    deps,
                    failed=failed,
                    file_id=file_id,
                    unchanged=functools.partial(still_as_read, path, read_as),
                )
            except _ChangedWhileReporting:
                pass
        else:
            deps.store.abandon_file(file_id)
        earlier = report
        logger.warning(
            "{}: the file changed while it was being processed (read {} time(s)); it is read "
            "again once it is quiet",
            name,
            reads,
        )
        _wait_until_quiet(path, deps.loaded.settings.watch.settle_s)
    report = earlier or FileReport(FileSummary(name, flow, "", deps.now()))
    report.left_behind = (
        f"it was still changing after {MAX_READS} reads; it stays claimed and is read again on "
        "the next pass"
    )
    logger.error("{}: {}", name, report.left_behind)
    return report


def _process_once(
    path: Path, flow: str, deps: Deps, name: str, sha256: str
) -> tuple[FileReport, int]:
    summary = FileSummary(
        file=name, flow=flow, sha256=sha256, received_at=deps.now(), account=deps.account
    )
    report = FileReport(summary)
    previous = deps.store.last_landed(flow)
    file_id = deps.store.start_file(summary.sha256, name, flow, summary.received_at)
    if previous is not None and previous.sha256 == summary.sha256 and previous.failed == 0:
        # The same bytes as the last file of this flow, which landed completely: nothing can
        # have changed. Only the *last* file counts: an export that reverts to an older one
        # (stock 5 -> 4 -> 5) has older bytes but new news. When rows of it did not land,
        # dropping the same file again is how staff retry them, so it is processed.
        summary.status = "duplicate"
        summary.duplicate_of = previous.name
        return report, file_id
    try:
        _process(path, flow, deps, report)
    except FileRejected as exc:
        summary.status = "failed"
        summary.error = str(exc)
        # Most reasons already start with the file's name ("bomba.xlsx: the workbook ...").
        logger.error("{}", summary.error if summary.error.startswith(name) else f"{name}: {exc}")
    return report, file_id


def _refuse_unreadable(path: Path, flow: str, deps: Deps, name: str) -> FileReport:
    """A file the importer's user may not open: reported and moved to archive/failed, so the
    person who dropped it learns why, rather than it waiting in the inbox unseen."""
    summary = FileSummary(
        file=name,
        flow=flow,
        sha256="",
        received_at=deps.now(),
        account=deps.account,
        status="failed",
        error=f"{name}: the importer may not read this file (permission denied). Give the "
        "user the importer runs as read access to it (or export it again into the inbox) and "
        "drop it again.",
    )
    logger.error("{}", summary.error)
    file_id = deps.store.start_file("", name, flow, summary.received_at)
    return finish_report(path, FileReport(summary), deps, failed=True, file_id=file_id)


# Actions that say a row reached VTEX: kept in the final report when a file is read again
# and the row, already in the snapshot, comes out unchanged the second time.
_LANDED = frozenset({Action.CREATED, Action.UPDATED, Action.DEACTIVATED, Action.WARNING})


def _carry_landed(earlier: FileReport, final: FileReport) -> None:
    """Rows that landed while an earlier read of the same file was processed keep their
    action in the one report of its final content (read again, they are unchanged)."""
    in_final = {r.key for r in final.rows}
    summary = final.summary
    for row in earlier.rows:
        if row.action not in _LANDED or row.key in in_final:
            continue
        final.rows.append(row)
        summary.count(row.action)
        summary.unchanged = max(summary.unchanged - 1, 0)
    final.rows.sort(key=lambda r: (r.row is None, r.row or 0))


def _wait_until_quiet(path: Path, settle_s: float) -> None:
    """Until the file's size and time have not moved for `settle_s` and no local process
    holds it open for writing, at most SETTLE_WAIT_MAX_S."""
    deadline = time.monotonic() + SETTLE_WAIT_MAX_S
    step = min(max(settle_s / 4, 0.05), 1.0)
    last: tuple[int, int] | None = None
    since = time.monotonic()
    while time.monotonic() < deadline:
        try:
            st = path.stat()
        except OSError:
            return
        now = (st.st_size, st.st_mtime_ns)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle_s and not open_for_writing([path]):
            return
        time.sleep(step)


def _refuse_unread(path: Path, report: FileReport, deps: Deps, exc: UnreadableFile) -> FileReport:
    """Report an entry refused before it was read (not a regular file, or too big) and move
    the entry itself (a link, never its target) to archive/failed."""
    summary = report.summary
    summary.status = "failed"
    summary.error = str(exc)
    logger.error("{}", summary.error)
    file_id = deps.store.start_file("", summary.file, summary.flow, summary.received_at)
    return finish_report(path, report, deps, failed=True, file_id=file_id)


def finish_report(
    path: Path,
    report: FileReport,
    deps: Deps,
    *,
    failed: bool,
    file_id: int | None = None,
    unchanged: Callable[[], bool] | None = None,
) -> FileReport:
    """Report, then archive. With the file's ledger entry (`file_id`), the outcome and the
    report's name are recorded first, so that a crash before the archive is finished by
    `importer.run.resume` without a second report.

    Whatever fails from here on, VTEX may already hold the file's rows: nothing here writes a
    second report. A report that cannot be written, or an input that cannot be archived (a
    read-only or full archive folder), leaves the input claimed (`report.left_behind` says
    why), and the next pass finishes it: it archives an input whose report is on disk, and
    reads again one whose report is not. `unchanged` (if given) is asked once the report is
    on disk: when the input changed meanwhile, the report is taken back and
    `_ChangedWhileReporting` raised, so that the caller reads the file again."""
    summary = report.summary
    summary.finished_at = deps.now()
    reports = deps.loaded.folder("outbox") / "reports"
    stem = free_report_stem(reports, summary.file, summary.finished_at)
    if file_id is not None:
        deps.store.finish_file(
            file_id, summary.status, summary.rows_read, summary.unsettled, report=stem
        )
    try:
        write_report(report, reports, stem=stem, mode=deps.loaded.settings.output.report_file_mode)
    except OSError as exc:
        full = disk_full(exc, reports)
        if full is not None:  # our own disk: the pass stops (exit 5), the file stays claimed
            raise full from exc
        return _left_claimed(path, report, f"its report could not be written ({exc})")
    if unchanged is not None and not unchanged():
        remove_unfinished(reports, stem)
        if file_id is not None:
            deps.store.abandon_file(file_id)
        raise _ChangedWhileReporting
    folder = deps.loaded.folder("archive") / ("failed" if failed else "done")
    try:
        archive_file(path, folder, summary.finished_at)
    except OSError as exc:
        return _left_claimed(path, report, f"it could not be moved into {folder} ({exc})")
    if file_id is not None:
        deps.store.set_archived(file_id)
    s = report.summary
    logger.info(
        "{} [{}] {}: read {}, created {}, updated {}, unchanged {}, invalid {}, failed {}, "
        "pending {}",
        s.file,
        s.flow,
        s.status,
        s.rows_read,
        s.created,
        s.updated,
        s.unchanged,
        s.invalid,
        s.failed,
        s.pending,
    )
    return report


def _left_claimed(path: Path, report: FileReport, why: str) -> FileReport:
    report.left_behind = f"{why}; it stays in {path.parent} and is finished on the next pass"
    logger.error("{}: {}", report.summary.file, report.left_behind)
    return report


def _process(path: Path, flow: str, deps: Deps, report: FileReport) -> None:
    summary = report.summary
    if path.suffix.lower() not in ACCEPTED_SUFFIXES:
        raise UnreadableFile(
            f"{summary.file}: {path.suffix or 'files without an extension'} is not a type the "
            f"importer reads. Save it as CSV or XLSX ({', '.join(sorted(ACCEPTED_SUFFIXES))})."
        )
    spec = FLOW_SPECS.get(flow)
    if spec is None:
        raise FileRejected(
            f"{summary.file}: the {flow} flow is not available yet; the file was not processed"
        )
    settings = deps.loaded.settings.flow(flow)
    options = ReadOptions(
        settings.encoding,
        settings.delimiter,
        settings.sheet,
        max_file_mb=deps.loaded.settings.watch.max_file_mb,
    )
    table = read_table(path, options)
    summary.encoding = table.encoding or ""
    summary.delimiter = table.delimiter or ""
    checked = validate(table, spec, settings, file_name=summary.file)
    summary.rows_read = checked.rows_read
    summary.unknown_columns = checked.unknown_columns
    summary.file_warnings.extend(checked.file_warnings)
    for warning in checked.file_warnings:
        logger.warning("{}: {}", summary.file, warning)
    for error in checked.errors:
        report.rows.append(
            ReportRow(
                error.row,
                error.key or "",
                Action.INVALID,
                error.column or "",
                error.value or "",
                error.message,
                None,
                error.type,
            )
        )
    if flow == "catalog":
        from importer.flows.catalog.process import sync_catalog

        summary.invalid = checked.rows_read - len(checked.records)
        sync_catalog(
            checked.records,
            deps,
            report,
            present=set(checked.present),
            mentioned=checked.mentioned,
            record=_record,
        )
        return
    records = checked.records
    file_time = _file_time(path)
    if flow == "inventory":
        records = stamp_count_time(records, file_time)
    # Every row that is not a valid record is in the report as invalid (a whole-column error,
    # an ambiguous decimal column say, invalidates every row it covers).
    summary.invalid = checked.rows_read - len(records)
    records["hash"] = content_hash(records, spec.hashed)
    changes = diff(records, deps.store.snapshot_hashes(flow))
    # A key with a pending row is sent even when the file matches the snapshot: the pending
    # write may have reached VTEX after all (a timeout can apply), so VTEX may differ from the
    # snapshot. Sending it settles both; this file's value supersedes the pending one.
    pending = deps.store.pending_keys(flow)
    if pending:
        changes = changes.force(pending)
    summary.unchanged = changes.unchanged
    # Rows the file lists but could not use (invalid) are not absent: never zero them.
    absent = [k for k in changes.absent if k not in checked.mentioned]
    removals = _removals(flow, spec, absent, deps, summary.file, file_time)
    new_keys = set(changes.new["key"])
    to_push = changes.to_push
    # What VTEX accepted last for the changed rows: the report says what changed, and a
    # fixed price whose period moved must replace its old entry.
    previous = deps.store.snapshot_payloads(flow, changes.changed["key"].tolist())
    if flow == "prices" and previous:
        to_push = _with_previous_periods(to_push, previous)
    if flow == "prices" and not to_push.empty:
        # Which columns this file owns: an empty cell of a column it carries is sent as empty
        # (a list price cleared), a column it lacks keeps VTEX's value. Kept with each row, so
        # that a pending retry sends what this file meant.
        to_push = to_push.assign(**{FILE_COLUMNS: ",".join(sorted(checked.present))})
    if flow == "invoices" and previous:
        # What was sent last, so that a changed item list is caught (VTEX cannot change it).
        to_push = to_push.copy()
        to_push["_previous"] = pd.Series(
            [previous.get(k) for k in to_push["key"]], index=to_push.index, dtype=object
        )
    result = _push(flow, to_push, deps, new_keys, removals, source=summary.file)
    explain_updates(result.outcomes, previous, spec.hashed)
    _record(flow, result, deps, report, summary.file)


def _with_previous_periods(
    records: pd.DataFrame, previous: dict[str, dict[str, Any]]
) -> pd.DataFrame:
    """Fixed-price rows carry the period VTEX holds for them, so a changed period replaces
    the old entry instead of adding a second one."""
    if not (records["trade_policy"] != "").any():
        return records
    records = records.copy()
    for column in ("valid_from", "valid_to"):
        records["prev_" + column] = [
            previous[k].get(column, "") if k in previous else v
            for k, v in zip(records["key"], records[column], strict=True)
        ]
    return records


def _file_time(path: Path) -> datetime:
    """When the file was written: the count time of stock rows without `balance_at`. Never
    later than now (a file server's clock ahead of ours must not date a count in the future)."""
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return min(written, datetime.now(UTC))


def _removals(
    flow: str,
    spec: FlowSpec,
    absent: list[str],
    deps: Deps,
    file_name: str,
    file_time: datetime,
) -> list[dict[str, Any]]:
    """mode = "full": inventory rows the file no longer lists are set to 0 (behind a guard)."""
    settings = deps.loaded.settings.flow(flow)
    if settings.mode != "full" or flow != "inventory" or not absent:
        return []
    payloads = deps.store.snapshot_payloads(flow, absent)
    # Rows already at 0 need nothing sent: without this, every full file would zero them again.
    to_zero = [
        k
        for k in absent
        if not (payloads[k].get("quantity") in ("0", "") and payloads[k].get("unlimited") != "true")
    ]
    known = deps.store.snapshot_count(flow)
    limit = settings.max_removals * known
    if len(to_zero) > limit:
        raise FileRejected(
            f"{file_name}: this full file would set {len(to_zero)} of {known} known stock rows "
            f"to 0, more than max_removals ({settings.max_removals:.0%}). Nothing was applied. "
            "If that is intended, raise max_removals under [flows.inventory] in importer.toml; "
            "otherwise check that the export is complete.",
            type="removal-guard",
        )
    rows: list[dict[str, Any]] = []
    for key in to_zero:
        payload = dict(payloads[key])
        payload.update(
            quantity="0",
            unlimited="false",
            # The full file is the whole truth as of when it was written: that is the count.
            balance_at="",
            counted_at=utc_text(file_time),
            row=None,
            _reason="not in this full file: stock set to 0",
        )
        rows.append(payload)
    if rows:
        frame = pd.DataFrame(rows)
        for column in spec.hashed:
            if column not in frame:
                frame[column] = ""
        frame["hash"] = content_hash(frame, spec.hashed)
        rows = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
    return rows


def _push(
    flow: str,
    to_push: pd.DataFrame,
    deps: Deps,
    new_keys: set[str],
    removals: list[dict[str, Any]],
    *,
    source: str = "retry",
) -> PushResult:
    if to_push.empty and not removals:
        return PushResult()

    async def go() -> PushResult:
        async with deps.http() as http:
            return await push(
                flow,
                to_push,
                Clients.over(http),
                deps.store,
                is_new=lambda r: r["key"] in new_keys,
                removals=removals,
                batch_threshold=_batch_threshold(flow, deps),
                source=source,
            )

    return asyncio.run(go())


def _batch_threshold(flow: str, deps: Deps) -> int:
    """The flow's batch threshold; 0 (never) for stock unless the store accepts that a batch
    job cannot tell VTEX when the stock was counted (see `batch_without_count_time`)."""
    settings = deps.loaded.settings.flow(flow)
    if flow == "inventory" and not settings.batch_without_count_time:
        return 0
    return settings.batch_threshold


def _record(
    flow: str,
    result: PushResult,
    deps: Deps,
    report: FileReport,
    source: str,
    *,
    settled: bool = False,
) -> None:
    """Commit what VTEX confirmed, keep what is pending, and put every outcome in the report.
    `settled`: the store already holds these outcomes (a resumed batch job): report only."""
    if not settled:
        _store_outcomes(flow, result, deps, source)
    summary = report.summary
    summary.file_warnings.extend(result.file_warnings)
    for outcome in result.outcomes:
        report.rows.append(_report_row(outcome))
        summary.count(outcome.action)
    report.rows.sort(key=lambda r: (r.row is None, r.row or 0))
    if result.fatal:
        logger.error("VTEX refused the credentials: {}", result.fatal)


def _store_outcomes(flow: str, result: PushResult, deps: Deps, source: str) -> None:
    deps.store.commit(flow, result.applied)
    # A row VTEX refused for good is reported; it is no longer pending.
    deps.store.drop_pending(
        flow, [o.record["key"] for o in result.outcomes if o.action == Action.FAILED]
    )
    pending = [o for o in result.outcomes if o.action == Action.PENDING]
    deps.store.add_pending(
        PendingRow(
            flow,
            o.record["key"],
            int(o.record["hash"]),
            _payload(o.record),
            source,
            o.record.get("row"),
            1,
            o.reason,
        )
        for o in pending
    )


def resume_batches(flow: str, deps: Deps) -> FileReport | None:
    """Settle the VTEX batch jobs of the flow that an earlier run left unsettled (a crash, or a
    job that outlived its wait): poll each (never start it again), record what became of its
    rows, and report them as `batch-<flow>`. Runs before a pass takes new files, so that a
    newer value is never overtaken by a job's older one. Returns None when there were none."""
    jobs = deps.store.open_batches(flow)
    if not jobs:
        return None
    summary = FileSummary(
        file=f"batch-{flow}", flow=flow, sha256="", received_at=deps.now(), account=deps.account
    )
    report = FileReport(summary)
    keys = [r.key for job in jobs for r in deps.store.batch_rows(job.batch_id)]
    known = set(deps.store.snapshot_payloads(flow, keys))

    async def go() -> PushResult:
        result = PushResult()
        async with deps.http() as http:
            for job in jobs:
                outcome = await batches.resume(
                    batches.client_for(job.feature, http),
                    job,
                    store=deps.store,
                    clock=http.clock,
                    is_new=lambda r: r["key"] not in known,
                    policy=batches.policy_of(http.settings),
                )
                result.outcomes.extend(batch_outcomes(outcome))
                result.fatal = result.fatal or outcome.fatal
        return result

    result = asyncio.run(go())
    summary.rows_read = len(result.outcomes)
    _record(flow, result, deps, report, "batch", settled=True)
    summary.finished_at = deps.now()
    write_pass_report(report, deps)
    return report


# The stem of the pass report being written (kv), so that a kill mid-write is cleaned up.
_REPORT_BEING_WRITTEN = "pass-report-unfinished"


def write_pass_report(report: FileReport, deps: Deps) -> None:
    """Write the report of a pass's own work (pending rows retried, batch jobs settled), which
    has no input file and so no ledger entry: its name is kept in the store while its two
    files are written, so that a kill between them is cleaned up by `finish_pass_report`."""
    reports = deps.loaded.folder("outbox") / "reports"
    summary = report.summary
    stem = free_report_stem(reports, summary.file, summary.finished_at or deps.now())
    deps.store.set_value(_REPORT_BEING_WRITTEN, stem)
    write_report(report, reports, stem=stem, mode=deps.loaded.settings.output.report_file_mode)
    deps.store.set_value(_REPORT_BEING_WRITTEN, "")


def finish_pass_report(deps: Deps) -> None:
    """Remove what a kill left of a pass report (its temporary files, one file of its pair):
    never a half-written report in outbox/reports. What it said is not lost for the rows that
    need a person: those still pending are reported again by the pass that retries them."""
    stem = deps.store.get_value(_REPORT_BEING_WRITTEN)
    if not stem:
        return
    reports = deps.loaded.folder("outbox") / "reports"
    if not all(p.exists() for p in report_paths(reports, stem)):
        logger.warning("{}: the report was cut short by a crash; its rest is removed", stem)
        remove_unfinished(reports, stem)
    deps.store.set_value(_REPORT_BEING_WRITTEN, "")


def _payload(record: dict[str, Any]) -> dict[str, Any]:
    """What a pending row keeps: everything needed to send and report it again."""
    return dict(record)


def _report_row(outcome: RowOutcome) -> ReportRow:
    record = outcome.record
    return ReportRow(
        row=record.get("row"),
        key=shown_key(record),
        action=outcome.action,
        column=outcome.column,
        value=outcome.value,
        reason=outcome.reason or record.get("_reason", ""),
        status=outcome.status,
        type=outcome.type,
    )


def retry_pending(flow: str, deps: Deps, only: set[str] | None = None) -> FileReport | None:
    """Send again the rows that VTEX could not take earlier (those of `only`, if given).
    Returns a report when there were any."""
    rows = [r for r in deps.store.pending(flow) if only is None or r.key in only]
    if flow == "catalog":
        products = [
            r for r in deps.store.pending("catalog-products") if only is None or r.key in only
        ]
        return _retry_catalog(rows, products, deps) if rows or products else None
    if not rows:
        return None
    spec = FLOW_SPECS[flow]
    now = deps.now()
    summary = FileSummary(
        file=f"pending-{flow}", flow=flow, sha256="", received_at=now, account=deps.account
    )
    report = FileReport(summary)
    records = pd.DataFrame([r.payload for r in rows])
    for column in ("row", "key", "sku_ref", "sku_id", *spec.names):
        if column not in records:
            records[column] = ""
    records["hash"] = [r.hash for r in rows]
    snapshot_keys = set(deps.store.snapshot_payloads(flow, records["key"].tolist()))
    summary.rows_read = len(records)
    result = _push(flow, records, deps, {k for k in records["key"] if k not in snapshot_keys}, [])
    # Pending rows already counted one attempt when they were stored; `add_pending` adds.
    _record(flow, result, deps, report, "retry")
    summary.finished_at = deps.now()
    write_pass_report(report, deps)
    logger.info(
        "retried {} pending {} rows: {} landed, {} still pending, {} failed",
        len(rows),
        flow,
        summary.created + summary.updated,
        summary.pending,
        summary.failed,
    )
    return report


def _retry_catalog(rows: list[PendingRow], products: list[PendingRow], deps: Deps) -> FileReport:
    """Pending SKU rows and pending products. Product values come from the pending product,
    else from what VTEX accepted last, never from an older row (which could undo a rename)."""
    from importer.flows.catalog.process import sync_catalog

    now = deps.now()
    summary = FileSummary(
        file="pending-catalog", flow="catalog", sha256="", received_at=now, account=deps.account
    )
    report = FileReport(summary)
    pending_products = {r.key: r.payload for r in products}
    refs = {str(r.payload.get("product_ref", "")) for r in rows} - set(pending_products)
    overrides = {
        **deps.store.snapshot_payloads("catalog-products", sorted(refs)),
        **pending_products,
    }
    records = pd.DataFrame([r.payload for r in rows]).drop(columns=["hash"], errors="ignore")
    for column in ("row", "key", "sku_ref", "product_ref"):
        if column not in records:
            records[column] = pd.Series(dtype=object)
    summary.rows_read = len(records)
    present = {c for c in records.columns if (records[c].astype(str) != "").any()}
    for values in overrides.values():
        present |= {c for c, v in values.items() if v not in ("", None)}
    sync_catalog(
        records,
        deps,
        report,
        present=present,
        mentioned=None,
        record=_record,
        product_overrides=overrides,
    )
    summary.finished_at = deps.now()
    write_pass_report(report, deps)
    return report


__all__ = [
    "Deps",
    "finish_pass_report",
    "process_file",
    "render",
    "resume_batches",
    "retry_pending",
    "sha256_of",
    "write_pass_report",
]
