"""A plan -> `<input name>.<UTC timestamp>.preview.xlsx` and `.preview.csv` (FORMATS.md).

The workbook has a Summary sheet (what a run would do, in counts, and that nothing was sent)
and a Changes sheet; the CSV has the Changes rows. Written as the reports are: under hidden
temporary names, then renamed into place; every cell neutralised (no formula ever runs).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from importer.cells import neutralise, text_cell, xlsx_cell
from importer.files.pair import write_pair
from importer.messages import render
from importer.models import Action
from importer.preview.plan import MOVES, Plan, Planned, move_percent, read_order
from importer.report import report_stem

PREVIEW_COLUMNS = ["row", "key", "action", "column", "old", "new", "change %", "reason", "type"]
_WIDTHS = [8, 30, 12, 22, 24, 24, 10, 80, 24]
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class PreviewSummary:
    file: str
    flow: str
    previewed_at: datetime
    rows_read: int
    account: str
    encoding: str = ""
    delimiter: str = ""
    file_warnings: Sequence[str] = ()


def preview_paths(reports_dir: Path, input_name: str, at: datetime) -> list[Path]:
    """The pair's paths, with `-2`, `-3`... when a preview of that name and second exists."""
    stem = report_stem(input_name, at)
    n = 1
    while True:
        candidate = stem if n == 1 else f"{stem}-{n}"
        paths = [
            reports_dir / f"{candidate}.preview.xlsx",
            reports_dir / f"{candidate}.preview.csv",
        ]
        if not any(os.path.lexists(p) for p in paths):
            return paths
        n += 1


def write_preview(
    plan: Plan,
    summary: PreviewSummary,
    reports_dir: Path,
    mode: int | None,
    *,
    stem: str | None = None,
) -> list[Path]:
    """The pair in `reports_dir`, named after the file and the time unless `stem` names it
    (a held file's preview, replaced when the same rows are held again)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    if stem is None:
        xlsx_path, csv_path = preview_paths(reports_dir, summary.file, summary.previewed_at)
    else:
        xlsx_path, csv_path = (reports_dir / f"{stem}.{kind}" for kind in ("xlsx", "csv"))
    lines = read_order(plan.lines)
    return write_pair(
        xlsx_path,
        csv_path,
        lambda fh: _write_xlsx(plan, lines, summary, fh),
        lambda fh: _write_csv(lines, fh),
        mode,
    )


def summary_fields(plan: Plan, summary: PreviewSummary) -> list[tuple[str, object]]:
    at = summary.previewed_at.astimezone(UTC).isoformat(timespec="seconds")
    return [
        ("file", summary.file),
        ("flow", summary.flow),
        ("previewed_at", at.replace("+00:00", "Z")),
        ("sent", render("preview-nothing-sent")),
        ("refused", plan.refused),
        ("rows read", summary.rows_read),
        ("would create", plan.count(Action.CREATED)),
        ("would update", plan.count(Action.UPDATED)),
        ("would deactivate", plan.count(Action.DEACTIVATED)),
        ("invalid", plan.count(Action.INVALID)),
        ("unchanged", plan.unchanged),
        ("account", summary.account),
        ("encoding", summary.encoding),
        ("delimiter", "tab" if summary.delimiter == "\t" else summary.delimiter),
        ("warnings about the file", " | ".join(summary.file_warnings)),
    ]


def _cells(line: Planned) -> list[object]:
    return [
        line.row,
        line.key,
        str(line.action),
        line.column,
        line.old,
        line.new,
        move_percent(line.move) if line.action in MOVES else None,
        line.reason,
        line.type,
    ]


def _write_xlsx(
    plan: Plan, lines: Sequence[Planned], summary: PreviewSummary, fh: IO[bytes]
) -> None:
    book = Workbook(write_only=True)
    head: Any = book.create_sheet("Summary")
    head.column_dimensions["A"].width = 22
    head.column_dimensions["B"].width = 90
    head.append([_bold(head, "field"), _bold(head, "value")])
    for field, value in summary_fields(plan, summary):
        head.append([field, xlsx_cell(head, value)])
    sheet: Any = book.create_sheet("Changes")
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_bold(sheet, name) for name in PREVIEW_COLUMNS])
    for line in lines:
        sheet.append([xlsx_cell(sheet, value) for value in _cells(line)])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(PREVIEW_COLUMNS))}{len(lines) + 1}"
    book.save(fh)


def _write_csv(lines: Sequence[Planned], fh: IO[str]) -> None:
    writer = csv.writer(fh)
    writer.writerow(PREVIEW_COLUMNS)
    writer.writerows([neutralise(v) for v in _cells(line)] for line in lines)


def _bold(ws: Any, text: str) -> Any:
    cell = text_cell(ws, text)
    cell.font = _BOLD
    return cell
