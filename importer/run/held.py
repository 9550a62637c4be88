"""`importer approve NAME` and `importer reject NAME`: what becomes of rows a guard held.

Approving sends the held file as a file of its flow with the guard off, through the same
pipeline as any file: it is diffed against the snapshot again and each price is read from VTEX
again before it is put, so a row VTEX already holds is not sent twice, and a crash part-way is
finished by approving again (the ledger knows the report it wrote: one report, one archive).
Rejecting writes a report that lists every held row as not sent, and archives the held file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from importer.deps import Deps
from importer.files.fingerprint import fingerprint
from importer.guard import find_held, held_folder, remove_previews
from importer.messages import render, speaking
from importer.models import Action, FileReport, FileSummary, ReportRow
from importer.pipeline import finish_report
from importer.run.resume import resume_file

REJECTED = "held-rejected"


@dataclass(frozen=True)
class Held:
    flow: str
    path: Path


def locate(deps: Deps, flows: tuple[str, ...], name: str) -> Held | None:
    """The held file NAME; None when nothing is held under it (a preview a crash left behind
    the archived file it described is removed then)."""
    inbox = deps.loaded.folder("inbox")
    found = find_held(inbox, flows, name)
    if found is None:
        stem = name[:-4] if name.endswith(".csv") else name
        for flow in flows:
            remove_previews(held_folder(inbox, flow) / f"{stem}.csv")
        return None
    return Held(*found)


def approve(held: Held, deps: Deps) -> FileReport:
    """Send the held rows (guard off); the report of that, like any file's."""
    report = resume_file(held.path, held.flow, deps, approved=True)
    if not held.path.exists():
        remove_previews(held.path)
    return report


def reject(held: Held, deps: Deps) -> FileReport:
    """Nothing sent: a report that lists each held row as rejected, and the file archived."""
    name = held.path.name
    if any((e.flow, e.name) == (held.flow, name) for e in deps.store.unarchived_files()):
        # Rejected before a crash cut the archiving short: finish that, without a 2nd report.
        report = resume_file(held.path, held.flow, deps)
    else:
        summary = FileSummary(
            file=name,
            flow=held.flow,
            sha256=fingerprint(held.path).sha256,
            received_at=deps.now(),
            account=deps.account,
        )
        report = FileReport(summary)
        with held.path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        with speaking(deps.loaded.settings.report.language):
            reason = render("held-rejected")
        for line, row in enumerate(rows, start=2):
            key = "|".join(v for k, v in row.items() if k in ("sku_ref", "sku_id", "order_id"))
            # Not counted as skipped: those go by themselves once what they wait for lands.
            report.rows.append(ReportRow(line, key, Action.SKIPPED, "", "", reason, None, REJECTED))
        summary.rows_read = len(rows)
        file_id = deps.store.start_file(summary.sha256, name, held.flow, summary.received_at)
        report = finish_report(held.path, report, deps, failed=False, file_id=file_id)
    if not held.path.exists():
        remove_previews(held.path)
    return report
