"""What a notice says: one per file that needs a person, one per flow whose file is late."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importer.messages import render
from importer.models import FileReport


@dataclass(frozen=True)
class Notice:
    kind: str  # "file" | "overdue"
    subject: str
    text: str
    data: dict[str, Any]  # the webhook's JSON body
    attachments: tuple[Path, ...] = field(default=())


def needs_a_person(report: FileReport) -> bool:
    s = report.summary
    return s.status == "failed" or bool(s.invalid or s.failed or s.held)


def file_notice(report: FileReport, reports_dir: Path, account: str) -> Notice:
    s = report.summary
    attachments = tuple(
        p for p in (reports_dir / f"{report.stem}.report.xlsx",) if report.stem and p.is_file()
    )
    counts = {
        "rows_read": s.rows_read,
        "invalid": s.invalid,
        "failed": s.failed,
        "held": s.held,
        "pending": s.pending,
        "created": s.created,
        "updated": s.updated,
    }
    if s.status == "failed":
        subject = render("notice-file-refused-subject", file=s.file, flow=s.flow, account=account)
        # The refusal's own sentence follows as it is (the report's error line).
        text = f"{render('notice-file-refused', file=s.file, flow=s.flow)}\n{s.error}"
    else:
        subject = render("notice-file-subject", file=s.file, flow=s.flow, account=account)
        text = render(
            "notice-file",
            file=s.file,
            flow=s.flow,
            invalid=s.invalid,
            failed=s.failed,
            held=s.held,
            report=report.stem or "-",
        )
    data = {
        "event": "file-needs-attention",
        "account": account,
        "file": s.file,
        "flow": s.flow,
        "status": s.status,
        "error": s.error,
        "counts": counts,
        "report": report.stem,
        "text": text,
    }
    return Notice("file", subject, text, data, attachments)


def overdue_notice(flow: str, every_h: float, last: str | None, account: str) -> Notice:
    subject = render("notice-overdue-subject", flow=flow, account=account)
    text = render("notice-overdue", flow=flow, hours=f"{every_h:g}", last=last or "-")
    data = {
        "event": "file-overdue",
        "account": account,
        "flow": flow,
        "expect_every_h": every_h,
        "last_received": last,
        "text": text,
    }
    return Notice("overdue", subject, text, data)
