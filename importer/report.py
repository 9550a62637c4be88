"""`FileReport` -> `<input name>.<UTC timestamp>.report.xlsx` and `.report.csv`.

The reports are what an office person opens to learn what happened to their file, so:

- both are written to a hidden temporary name in the reports folder and renamed into place:
  nobody (and no sync client) ever sees half a report;
- an existing report is never overwritten: a second report for the same name and second
  gets `-2`, `-3`... before `.report`;
- no cell can run as a formula: `importer.cells` neutralises every one (a leading `'` on
  formula-like text in the CSV; string cells, without an apostrophe, in the workbook);
- the pair gets the file mode `[output] report_mode` (by default what the umask gives any
  file the user creates: staff on the share can open their reports);
- rows are streamed (openpyxl write-only mode, `csv.writer`): a million-row report costs
  time in proportion to its rows and little memory beyond the `FileReport` itself.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# `neutralise` is re-exported: writers and tests have imported it from here.
from importer.cells import neutralise as neutralise
from importer.cells import text_cell, xlsx_cell, xlsx_text
from importer.files.modes import UMASK
from importer.files.pair import write_pair
from importer.models import Action, FileReport, FileSummary, ReportRow

REPORT_COLUMNS = ["row", "key", "action", "column", "value", "reason", "vtex_status", "type"]

# Excel's hard limit of rows per sheet.
XLSX_MAX_ROWS = 1_048_576

# Column widths are sized from the first rows only, so that sizing stays O(1) per report.
_WIDTH_SAMPLE = 1_000
_WIDTH_CAPS = {"key": 40, "column": 30, "value": 50, "reason": 90, "type": 30}
_WIDTH_DEFAULT_CAP = 20

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


MAX_NAME_IN_STEM = 120  # UTF-8 bytes of the input name kept in a report name


def report_stem(input_name: str, finished_at: datetime) -> str:
    """`'precos.csv.20261127T044458Z'`: the input's own name (no folders) and the UTC time."""
    # Only the last path component: a report must land in the reports folder whatever the name.
    name = re.split(r"[\\/]", input_name)[-1] or "file"
    encoded = name.encode("utf-8")
    if len(encoded) > MAX_NAME_IN_STEM:
        # File names stop at 255 bytes (not characters: 'ç' takes two), and the report adds a
        # timestamp, a suffix and a temporary prefix: keep the start a person recognises
        # (cut between characters) plus a hash that keeps it unique.
        digest = hashlib.sha256(encoded).hexdigest()[:8]
        start = encoded[: MAX_NAME_IN_STEM - 10].decode("utf-8", errors="ignore")
        name = f"{start}~{digest}"
    return f"{name}.{_utc(finished_at).strftime('%Y%m%dT%H%M%SZ')}"


def free_report_stem(reports_dir: Path, input_name: str, finished_at: datetime) -> str:
    """The stem of a report pair that is not taken yet in `reports_dir`."""
    return _free_stem(reports_dir, report_stem(input_name, finished_at))


def report_paths(reports_dir: Path, stem: str) -> list[Path]:
    """`[xlsx_path, csv_path]` of the report pair named `stem`."""
    return [reports_dir / f"{stem}.report.xlsx", reports_dir / f"{stem}.report.csv"]


def remove_unfinished(reports_dir: Path, stem: str) -> None:
    """Remove what a crash left of the report pair `stem`: one file of the pair, temporaries."""
    for path in [*report_paths(reports_dir, stem), *reports_dir.glob(f".{stem}.report.*.tmp")]:
        path.unlink(missing_ok=True)


def write_report(
    report: FileReport, reports_dir: Path, stem: str | None = None, mode: int | None = UMASK
) -> list[Path]:
    """Write the XLSX and CSV reports of one input file; return `[xlsx_path, csv_path]`.

    `mode` is the pair's file mode (`[output] report_mode`); `UMASK` (None) gives them what
    the process's umask gives any new file.

    The stem comes from `report.summary.file` and `.finished_at` (`.received_at`, if the
    summary has no finish time yet), unless the caller chose it (`free_report_stem`). Both
    files are complete before either is renamed into place.
    """
    reports_dir.mkdir(parents=True, exist_ok=True)
    summary = report.summary
    # Set by whoever finished the work (from the pass's clock); a report of unfinished work is
    # named after when it was received.
    finished_at = summary.finished_at or summary.received_at
    # One free stem for both files, so the pair always shares its `-n`. The importer holds a
    # lock on its working folder, so nobody else picks the same name between check and rename.
    if stem is None:
        stem = free_report_stem(reports_dir, summary.file, finished_at)
    xlsx_path, csv_path = report_paths(reports_dir, stem)

    return write_pair(
        xlsx_path,
        csv_path,
        lambda fh: _write_xlsx(report, finished_at, fh),
        lambda fh: write_rows_csv(report.rows, fh),
        mode,
    )


def read_report_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a `.report.csv` as dicts keyed by `REPORT_COLUMNS` (cells as written)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows_csv(rows: Iterable[ReportRow], fh: IO[str]) -> None:
    """The CSV body: the header, then one neutralised line per row. The caller adds the BOM."""
    writer = csv.writer(fh)
    writer.writerow(REPORT_COLUMNS)
    writer.writerows([neutralise(v) for v in _row_values(r)] for r in rows)


def what_to_do(summary: FileSummary, rows: Sequence[ReportRow] = ()) -> str:
    """One sentence telling the person what to do next; empty when there is nothing to do."""
    if summary.status == "failed":
        reason = summary.error.rstrip(". ") or "see the error below"
        return f"The file was not processed: {reason}. Fix the file and drop it again."
    if summary.status == "duplicate":
        earlier = f" as {summary.duplicate_of}" if summary.duplicate_of else ""
        return (
            f"Nothing was sent: the same file was already processed{earlier}. "
            "To send it again, change it first."
        )
    if summary.rows_read == 0 and not rows:
        # Not refused: a delta export with nothing new looks just like this. But an export
        # that silently lost its rows does too, so say it plainly.
        return (
            "The file has a header but no rows: nothing was sent. If the ERP should have "
            "exported rows, check its export."
        )
    invalid, failed = summary.invalid > 0, summary.failed > 0
    pending, skipped = summary.pending > 0, summary.skipped > 0
    rejected = any(r.type == "held-rejected" for r in rows)
    if not (invalid or failed or pending or skipped) and rows and not rejected:
        # The counts are the truth; the rows are a fallback for a summary left uncounted.
        actions = {str(r.action) for r in rows}
        invalid, failed = Action.INVALID in actions, Action.FAILED in actions
        pending, skipped = Action.PENDING in actions, Action.SKIPPED in actions
    parts: list[str] = []
    if invalid:
        parts.append("fix the rows marked invalid in the file and drop it again")
    if failed:
        parts.append("rows marked failed were refused by VTEX: fix what their reason says")
    if skipped:
        parts.append("rows marked skipped go once the rows they depend on succeed")
    if pending:
        parts.append("pending rows are retried automatically")
    if rejected:
        parts.append("the held rows were rejected and nothing was sent: correct them in the ERP")
    if summary.held:
        parts.append(
            "rows marked held were not sent: check them (their reason names the held file) and "
            "run importer approve or importer reject"
        )
    if summary.warnings or summary.file_warnings:
        parts.append("rows marked warning landed, but not exactly as the file says: read why")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


# --- the workbook -------------------------------------------------------------------------


def _write_xlsx(report: FileReport, finished_at: datetime, fh: IO[bytes]) -> None:
    # Write-only mode streams rows to disk as they are appended: memory stays flat and time
    # stays linear however many rows there are, so one code path serves 5 rows and 1,000,000.
    wb = Workbook(write_only=True)
    _write_summary_sheet(wb.create_sheet("Summary"), report, finished_at)
    _write_rows_sheet(wb.create_sheet("Rows"), report.rows)
    wb.save(fh)


def _write_summary_sheet(ws: Any, report: FileReport, finished_at: datetime) -> None:
    # `ws` is a WriteOnlyWorksheet; its stubs omit column_dimensions, which it has at runtime.
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100
    ws.freeze_panes = "A2"
    ws.append([_styled(ws, "field", font=_BOLD), _styled(ws, "value", font=_BOLD)])
    advice = what_to_do(report.summary, report.rows)
    if advice:
        ws.append(
            [
                _styled(ws, "what to do", font=_BOLD),
                _styled(ws, xlsx_text(advice), font=_BOLD, alignment=_WRAP),
            ]
        )
    for field, value in summary_fields(report.summary, finished_at):
        ws.append([field, xlsx_cell(ws, value)])


def _write_rows_sheet(ws: Any, rows: Sequence[ReportRow]) -> None:
    # Widths, frozen header and filter are written at the top of a write-only sheet's XML,
    # so they are set before the first row goes out.
    for index, width in enumerate(_column_widths(rows), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append([_styled(ws, name, font=_BOLD) for name in REPORT_COLUMNS])

    room = XLSX_MAX_ROWS - 1  # below the header
    fits = len(rows) <= room
    shown = rows if fits else rows[: room - 1]  # keep one line to say what was left out
    for r in shown:
        ws.append([xlsx_cell(ws, v) for v in _row_values(r)])
    written = len(shown)
    if not fits:
        left_out = len(rows) - written
        note = f"{left_out} more rows do not fit in Excel: the .report.csv has every row"
        ws.append([None, "", "", "", "", note, None, ""])
        written += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(REPORT_COLUMNS))}{written + 1}"


def _column_widths(rows: Sequence[ReportRow]) -> list[float]:
    widest = [len(name) for name in REPORT_COLUMNS]
    for r in rows[:_WIDTH_SAMPLE]:
        for i, value in enumerate(_row_values(r)):
            if value is not None:
                widest[i] = max(widest[i], len(str(value)))
    return [
        float(min(w + 2, _WIDTH_CAPS.get(name, _WIDTH_DEFAULT_CAP)))
        for name, w in zip(REPORT_COLUMNS, widest, strict=True)
    ]


def _styled(
    ws: Any, value: str, *, font: Font | None = None, alignment: Alignment | None = None
) -> Cell:
    cell = text_cell(ws, value)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


# --- shared by both formats ---------------------------------------------------------------


def summary_fields(summary: FileSummary, finished_at: datetime) -> list[tuple[str, object]]:
    """The Summary sheet as (field, value) pairs, in the order a person reads them."""
    duration = (_utc(finished_at) - _utc(summary.received_at)).total_seconds()
    return [
        ("file", summary.file),
        ("flow", summary.flow),
        ("sha256", summary.sha256),
        ("received_at", _iso(summary.received_at)),
        ("finished_at", _iso(finished_at)),
        ("status", summary.status),
        ("rows read", summary.rows_read),
        ("invalid", summary.invalid),
        ("unchanged", summary.unchanged),
        ("created", summary.created),
        ("updated", summary.updated),
        ("deactivated", summary.deactivated),
        ("failed", summary.failed),
        ("pending", summary.pending),
        ("skipped", summary.skipped),
        ("warnings", summary.warnings),
        ("held", summary.held),
        ("products not saved", summary.products_not_saved),
        ("duplicate_of", summary.duplicate_of),
        ("duration (s)", round(duration, 3)),
        ("account", summary.account),
        ("error", summary.error),
        ("encoding", summary.encoding),
        # A bare tab is invisible: name it instead.
        ("delimiter", "tab" if summary.delimiter == "\t" else summary.delimiter),
        ("unknown columns", ", ".join(summary.unknown_columns)),
        ("warnings about the file", " | ".join(summary.file_warnings)),
    ]


def _row_values(r: ReportRow) -> tuple[object, ...]:
    # str(action): a plain string in the file, whether it came in as an Action or as text.
    return (r.row, r.key, str(r.action), r.column, r.value, r.reason, r.status, r.type)


def _utc(dt: datetime) -> datetime:
    # Naive datetimes are taken as UTC: the importer's clock is UTC throughout.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(dt: datetime) -> str:
    return _utc(dt).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- files --------------------------------------------------------------------------------


def _free_stem(folder: Path, stem: str) -> str:
    n = 1
    while True:
        candidate = stem if n == 1 else f"{stem}-{n}"
        names = (f"{candidate}.report.xlsx", f"{candidate}.report.csv")
        if not any(os.path.lexists(folder / name) for name in names):
            return candidate
        n += 1
