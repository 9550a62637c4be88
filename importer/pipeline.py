"""process_file(): the one place that sequences side effects for an input file.

    read -> validate -> flow.process (diff, send, commit snapshot) -> report -> archive

Nothing here names a flow: the flow's room (`importer.flows.registry`) gives the spec and rules
validation reads, and processes the valid records.

The snapshot moves only for rows VTEX confirmed; the report is written before the input is
archived, so a crash in between leaves the claimed file to be finished on the next start.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from loguru import logger

from importer.deps import Deps
from importer.errors import FileRejected, UnreadableFile, disk_full
from importer.files.archive import archive_file
from importer.files.fingerprint import fingerprint, still_as_read, wait_until_quiet
from importer.files.watch import ACCEPTED_SUFFIXES
from importer.flows import registry
from importer.flows.base import Flow, InputFile
from importer.follow.status_file import STATUS_FOLDER, FileStatus, following, moving
from importer.guard import CANONICAL_READING
from importer.messages import speaking
from importer.models import Action, FileReport, FileSummary, ReportRow
from importer.outcomes import LANDED
from importer.read import ReadOptions, Table, read_table
from importer.read.entry import check_entry
from importer.report import free_report_stem, remove_unfinished, write_report
from importer.report_back import keep_input_cells, read_report_back
from importer.validate import Validated, validate

# A file that keeps changing under the importer is read again at most this many times in one
# pass; then it stays claimed, unreported, and the next pass reads it again.
MAX_READS = 5


class _ChangedWhileReporting(Exception):
    """The claimed file changed between its processing and its archiving."""


def process_file(
    path: Path,
    flow: str,
    deps: Deps,
    *,
    display_name: str | None = None,
    approved: bool = False,
) -> FileReport:
    """Process one claimed file completely: report written, input archived. Never raises for
    bad input; the report says what happened.

    A file that changed while it was processed (a writer still appending to it: the claim
    moved the file, not the writer's handle) is never archived half-read: once it is quiet
    again it is read again (the diff sends only what VTEX does not have yet), and it gets one
    report, for its final content, in which rows that landed during an earlier read keep
    their action."""
    name = display_name or path.name
    loaded = deps.loaded
    status = FileStatus(
        loaded.folder("outbox") / STATUS_FOLDER,
        name,
        flow,
        deps.now(),
        loaded.settings.output.report_file_mode,
    )
    status.move("received")
    # The rows' reasons are rendered deep in the flow: in the reader's language from here.
    with following(status), speaking(loaded.settings.report.language):
        report = _process_file(path, flow, deps, name, approved)
    if report.left_behind:
        status.move("left-behind", why=report.left_behind)
    else:
        status.finished(report.summary, report.stem or None)
    return report


def _process_file(path: Path, flow: str, deps: Deps, name: str, approved: bool) -> FileReport:
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
        report, file_id = _process_once(path, flow, deps, name, read_as.sha256, approved)
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
        wait_until_quiet(path, deps.loaded.settings.watch.settle_s)
    report = earlier or FileReport(FileSummary(name, flow, "", deps.now()))
    report.left_behind = (
        f"it was still changing after {MAX_READS} reads; it stays claimed and is read again on "
        "the next pass"
    )
    logger.error("{}: {}", name, report.left_behind)
    return report


def _process_once(
    path: Path, flow: str, deps: Deps, name: str, sha256: str, approved: bool
) -> tuple[FileReport, int]:
    summary = FileSummary(
        file=name, flow=flow, sha256=sha256, received_at=deps.now(), account=deps.account
    )
    report = FileReport(summary)
    previous = deps.store.last_landed(flow)
    file_id = deps.store.start_file(summary.sha256, name, flow, summary.received_at)
    if (
        previous is not None
        and previous.sha256 == summary.sha256
        and previous.failed == 0
        and not any(deps.store.has_drifted(f) for f in registry.flow(flow).pending_flows)
    ):
        # The same bytes as the last file of this flow, which landed completely: nothing can
        # have changed. Only the *last* file counts: an export that reverts to an older one
        # (stock 5 -> 4 -> 5) has older bytes but new news. When rows of it did not land,
        # dropping the same file again is how staff retry them, so it is processed. After a
        # reconcile found VTEX changed since (`importer reconcile`), the same file repairs it
        # (any snapshot of the flow: the catalog keeps its products apart from its SKUs).
        summary.status = "duplicate"
        summary.duplicate_of = previous.name
        return report, file_id
    try:
        _process(path, flow, deps, report, approved)
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


def _carry_landed(earlier: FileReport, final: FileReport) -> None:
    """Rows that landed while an earlier read of the same file was processed keep their
    action in the one report of its final content (read again, they are unchanged)."""
    in_final = {r.key for r in final.rows}
    summary = final.summary
    for row in earlier.rows:
        if row.action not in LANDED or row.key in in_final:
            continue
        final.rows.append(row)
        summary.count(row.action)
        summary.unchanged = max(summary.unchanged - 1, 0)
    final.rows.sort(key=lambda r: (r.row is None, r.row or 0))


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
        write_report(
            report,
            reports,
            stem=stem,
            mode=deps.loaded.settings.output.report_file_mode,
            style=deps.loaded.report_style(),
        )
        report.stem = stem
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


@dataclass(frozen=True)
class CheckedFile:
    """A file read and validated as a run reads it, before anything is diffed or sent."""

    flow: Flow
    checked: Validated
    file: InputFile
    table: Table


def read_checked(
    path: Path, flow_name: str, deps: Deps, summary: FileSummary, approved: bool = False
) -> CheckedFile:
    """Read and validate `path` as the `flow_name` flow (raises UnreadableFile or FileRejected
    for a file that cannot be taken); `summary` gets what the reading learnt. A run and a
    preview share this, so a preview reads exactly what a run would."""
    if path.suffix.lower() not in ACCEPTED_SUFFIXES:
        raise UnreadableFile(
            f"{summary.file}: {path.suffix or 'files without an extension'} is not a type the "
            f"importer reads. Save it as CSV or XLSX ({', '.join(sorted(ACCEPTED_SUFFIXES))})."
        )
    try:
        flow = registry.flow(flow_name)
    except KeyError:
        raise FileRejected(
            f"{summary.file}: the {flow_name} flow is not available yet; the file was not processed"
        ) from None
    settings = deps.loaded.settings.flow(flow_name)
    if approved:
        # A held file is in the importer's own notation, whatever the ERP's (its decimal
        # comma, its encoding): read it in that.
        settings = settings.model_copy(update=CANONICAL_READING)
    options = ReadOptions(
        settings.encoding,
        settings.delimiter,
        settings.sheet,
        max_file_mb=deps.loaded.settings.watch.max_file_mb,
    )
    # A report dropped back (a person corrected its rows): its corrected rows, as a file.
    table = read_report_back(path, options) or read_table(path, options)
    summary.encoding = table.encoding or ""
    summary.delimiter = table.delimiter or ""
    now = deps.now()
    checked = validate(table, flow, settings, file_name=summary.file, now=now)
    summary.rows_read = checked.rows_read
    summary.unknown_columns = checked.unknown_columns
    summary.file_warnings.extend(checked.file_warnings)
    # When the file was written (the count time of stock rows without balance_at), never
    # later than now: a file server's clock ahead of ours must not date anything ahead.
    written_at = min(datetime.fromtimestamp(path.stat().st_mtime, UTC), now)
    logger.debug(
        "{}: {} rows read as {} (delimiter {!r}), {} valid, {} errors",
        summary.file,
        checked.rows_read,
        summary.encoding or "a workbook",
        summary.delimiter,
        len(checked.records),
        len(checked.errors),
    )
    return CheckedFile(flow, checked, InputFile(summary.file, written_at, approved), table)


def _process(
    path: Path, flow_name: str, deps: Deps, report: FileReport, approved: bool = False
) -> None:
    summary = report.summary
    moving("validating")
    taken = read_checked(path, flow_name, deps, summary, approved)
    checked = taken.checked
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
    taken.flow.process(checked, taken.file, deps, report)
    keep_input_cells(report, taken.table)
