"""Finishing the files a crash left claimed, without a second report.

`finish_report` (pipeline.py) records a file's outcome and the name of its report in the
ledger, in one transaction, before it writes the report and archives the input. So when the
importer starts again and finds a claimed file:

- its report is on disk (both files): the crash came between the report and the archive, or
  the archive move failed (a read-only or full archive folder); the file is archived, and
  nothing is sent or reported again (if the move fails again, it waits for the next pass);
- half its report, or none, is on disk: what is there is removed, the recorded outcome no
  longer counts (it is not the "last landed file" a duplicate is compared with), and the file
  is processed again: the snapshot knows which of its rows VTEX already confirmed;
- the ledger has no report for it: the crash came while it was being processed; it is
  processed again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from loguru import logger

from importer.deps import Deps
from importer.files.archive import archive_file
from importer.models import FileReport, FileSummary
from importer.pipeline import process_file
from importer.report import remove_unfinished, report_paths


def settle_ledger(deps: Deps, claimed: list[tuple[str, str]]) -> None:
    """Before the files a crash left claimed (`(flow, name)`) are resumed: a recorded report
    whose input is no longer claimed was archived (the crash came just after the move)."""
    for entry in deps.store.unarchived_files():
        if (entry.flow, entry.name) not in claimed:
            deps.store.set_archived(entry.id)


def resume_file(path: Path, flow: str, deps: Deps, *, approved: bool = False) -> FileReport:
    """Finish a file a crash left claimed (see the module docstring). `approved`: a held
    file a person approved (`importer approve`), read with the guard off."""
    reports = deps.loaded.folder("outbox") / "reports"
    for entry in deps.store.unarchived_files():
        if (entry.flow, entry.name) != (flow, path.name):
            continue
        if all(p.exists() for p in report_paths(reports, entry.report)):
            # What a pass needs of it (its status, and whether rows did not land); the person
            # reads the report written before the crash.
            summary = FileSummary(
                file=entry.name,
                flow=flow,
                sha256=entry.sha256,
                received_at=datetime.fromisoformat(entry.received_at),
                finished_at=deps.now(),
                status=entry.status,
                rows_read=entry.rows_read,
                failed=entry.failed,
                account=deps.account,
            )
            folder = deps.loaded.folder("archive") / (
                "failed" if entry.status == "failed" else "done"
            )
            report = FileReport(summary)
            try:
                archive_file(path, folder, deps.now())
            except OSError as exc:
                # Still not movable (a read-only or full archive): claimed and reported, it
                # waits for the next pass; its report is never written a second time.
                report.left_behind = (
                    f"it could not be moved into {folder} ({exc}); it stays in {path.parent} "
                    "and is archived on the next pass"
                )
                logger.error("{}: {}", entry.name, report.left_behind)
                return report
            deps.store.set_archived(entry.id)
            logger.info(
                "{} was reported earlier (before a crash or a failed move): archived", entry.name
            )
            return report
        remove_unfinished(reports, entry.report)
        deps.store.abandon_file(entry.id)
    return process_file(path, flow, deps, approved=approved)
