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
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

# `neutralise` is re-exported: writers and tests have imported it from here.
from importer.cells import neutralise as neutralise
from importer.cells import text_cell, xlsx_cell, xlsx_text
from importer.files.modes import UMASK
from importer.files.pair import write_pair
from importer.models import Action, FileReport, FileSummary, ReportRow
from importer.report_back import MARKER_SHEET, marker_rows
from importer.report_words import DEFAULT_STYLE, ReportStyle

REPORT_COLUMNS = ["row", "key", "action", "column", "value", "reason", "vtex_status", "type"]

# Excel's hard limit of rows per sheet.
XLSX_MAX_ROWS = 1_048_576

# Column widths are sized from the first rows only, so that sizing stays O(1) per report.
_WIDTH_SAMPLE = 1_000
_WIDTH_CAPS = {"key": 40, "column": 30, "value": 50, "reason": 90, "type": 30}
_WIDTH_DEFAULT_CAP = 20

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_ACTION_COLUMN = REPORT_COLUMNS.index("action")
# The order a person reads the rows sheet in, and the colours that say "act on this".
_SEVERITY: dict[str, int] = {
    Action.INVALID: 0,
    Action.FAILED: 1,
    Action.HELD: 2,
    Action.PENDING: 3,
    Action.SKIPPED: 4,
    Action.WARNING: 5,
}
_NEEDS_A_PERSON: frozenset[str] = frozenset({Action.INVALID, Action.FAILED, Action.HELD})
_RED = PatternFill("solid", fgColor="FFC7CE")  # Excel's own "bad" fill
_AMBER = PatternFill("solid", fgColor="FFEB9C")  # "neutral"
_FILLS: dict[str, PatternFill] = {
    Action.INVALID: _RED,
    Action.FAILED: _RED,
    Action.HELD: _AMBER,
    Action.PENDING: _AMBER,
    Action.WARNING: _AMBER,
}


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
    report: FileReport,
    reports_dir: Path,
    stem: str | None = None,
    mode: int | None = UMASK,
    style: ReportStyle = DEFAULT_STYLE,
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
        lambda fh: _write_xlsx(report, finished_at, fh, style),
        lambda fh: write_rows_csv(report.rows, fh, style.csv_delimiter),
        mode,
    )


def read_report_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a `.report.csv` as dicts keyed by `REPORT_COLUMNS` (cells as written),
    whichever separator its language gave it."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
        fh.seek(0)
        if fh.read(1) != "\ufeff":
            fh.seek(0)
        delimiter = ";" if header.count(";") > header.count(",") else ","
        return list(csv.DictReader(fh, delimiter=delimiter))


def write_rows_csv(rows: Iterable[ReportRow], fh: IO[str], delimiter: str = ",") -> None:
    """The CSV body: the header, then one neutralised line per row. The caller adds the BOM.
    The column names and actions are the contract's (FORMATS.md), in every language."""
    writer = csv.writer(fh, delimiter=delimiter)
    writer.writerow(REPORT_COLUMNS)
    writer.writerows([neutralise(v) for v in _row_values(r)] for r in rows)


def what_to_do(
    summary: FileSummary, rows: Sequence[ReportRow] = (), style: ReportStyle = DEFAULT_STYLE
) -> str:
    """One sentence telling the person what to do next; empty when there is nothing to do."""
    if summary.status == "failed":
        reason = summary.error.rstrip(". ") or style.advice("see-below")
        return style.advice("refused", reason=reason)
    if summary.status == "duplicate":
        earlier = style.advice("duplicate-earlier", name=summary.duplicate_of)
        return style.advice("duplicate", earlier=earlier if summary.duplicate_of else "")
    if summary.rows_read == 0 and not rows:
        # Not refused: a delta export with nothing new looks just like this. But an export
        # that silently lost its rows does too, so say it plainly.
        return style.advice("empty")
    invalid, failed = summary.invalid > 0, summary.failed > 0
    pending, skipped = summary.pending > 0, summary.skipped > 0
    rejected = any(r.type == "held-rejected" for r in rows)
    if not (invalid or failed or pending or skipped) and rows and not rejected:
        # The counts are the truth; the rows are a fallback for a summary left uncounted.
        actions = {str(r.action) for r in rows}
        invalid, failed = Action.INVALID in actions, Action.FAILED in actions
        pending, skipped = Action.PENDING in actions, Action.SKIPPED in actions
    said = [
        ("invalid", invalid),
        ("failed", failed),
        ("skipped", skipped),
        ("pending", pending),
        ("rejected", rejected),
        ("held", summary.held > 0),
        ("warning", bool(summary.warnings or summary.file_warnings)),
    ]
    text = "; ".join(style.advice(part) for part, due in said if due)
    return text[:1].upper() + text[1:]


# --- the workbook -------------------------------------------------------------------------


def _write_xlsx(
    report: FileReport, finished_at: datetime, fh: IO[bytes], style: ReportStyle
) -> None:
    # Write-only mode streams rows to disk as they are appended: memory stays flat and time
    # stays linear however many rows there are, so one code path serves 5 rows and 1,000,000.
    wb = Workbook(write_only=True)
    _write_summary_sheet(wb.create_sheet(style.word("Summary")), report, finished_at, style)
    rows_sheet = style.word("Rows")
    _write_rows_sheet(wb.create_sheet(rows_sheet), report, style)
    if report.input_headers:
        # Says "this is a report, its rows are correctable": a report dropped back into the
        # inbox is read for its corrected rows only (importer.report_back).
        marker = wb.create_sheet(MARKER_SHEET)
        marker.sheet_state = "hidden"
        for line in marker_rows(
            rows_sheet, _ACTION_COLUMN, len(REPORT_COLUMNS), report.summary.flow
        ):
            marker.append(line)
    wb.save(fh)


def _print_landscape(ws: Any) -> None:
    """Printed as a person reads it: landscape, every column on the page's width."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_summary_sheet(
    ws: Any, report: FileReport, finished_at: datetime, style: ReportStyle
) -> None:
    # `ws` is a WriteOnlyWorksheet; its stubs omit column_dimensions, which it has at runtime.
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100
    ws.freeze_panes = "A2"
    _print_landscape(ws)
    word = style.word
    ws.append([_styled(ws, word("field"), font=_BOLD), _styled(ws, word("value"), font=_BOLD)])
    advice = what_to_do(report.summary, report.rows, style)
    if advice:
        ws.append(
            [
                _styled(ws, word("what to do"), font=_BOLD),
                _styled(ws, xlsx_text(advice), font=_BOLD, alignment=_WRAP),
            ]
        )
    for field, value in summary_fields(report.summary, finished_at, style):
        # Wrapped: a long value (an error, the file's warnings) stays in its cell, readable,
        # instead of running over the next ones; formula-like text stays pinned as text.
        cell = xlsx_cell(ws, value)
        if isinstance(cell, str):
            cell = _styled(ws, cell, alignment=_WRAP)
        elif isinstance(cell, Cell):
            cell.alignment = _WRAP
        ws.append([word(field), cell])
    counts = errors_by_type(report.rows)
    if counts:
        ws.append([])
        ws.append([_styled(ws, word("errors by type"), font=_BOLD)])
        for kind, count in counts:
            ws.append([xlsx_cell(ws, kind), count])


def errors_by_type(rows: Sequence[ReportRow]) -> list[tuple[str, int]]:
    """(type, rows) of the rows that need a person, most frequent first."""
    counts: dict[str, int] = {}
    for r in rows:
        if str(r.action) in _NEEDS_A_PERSON:
            kind = r.type or str(r.action)
            counts[kind] = counts.get(kind, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _write_rows_sheet(ws: Any, report: FileReport, style: ReportStyle) -> None:
    rows = report.rows
    inputs = report.input_headers
    blank = [""] * len(inputs)
    # Widths, frozen header and filter are written at the top of a write-only sheet's XML,
    # so they are set before the first row goes out.
    for index, width in enumerate(_column_widths(rows), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for index in range(len(REPORT_COLUMNS) + 1, len(REPORT_COLUMNS) + len(inputs) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 16
    ws.freeze_panes = "A2"
    _print_landscape(ws)
    # The result, then the input row as the file had it (its own headers): a person corrects
    # the cells there and drops the report back.
    header = [_styled(ws, style.word(name), font=_BOLD) for name in REPORT_COLUMNS]
    ws.append([*header, *(_styled(ws, name, font=_BOLD) for name in inputs)])

    room = XLSX_MAX_ROWS - 1  # below the header
    fits = len(rows) <= room
    # Errors first (invalid, failed, then held, pending, warnings), each group in file order:
    # the lines a person must act on are the first they see.
    ordered = sorted(rows, key=lambda r: _SEVERITY.get(str(r.action), len(_SEVERITY)))
    shown = ordered if fits else ordered[: room - 1]  # keep one line to say what was left out
    for r in shown:
        fill = _FILLS.get(str(r.action))
        cells: list[object] = []
        for i, value in enumerate(_row_values(r)):
            if i == _ACTION_COLUMN:
                value = style.action(str(value))
            cell = xlsx_cell(ws, value)
            if fill is not None:
                if not isinstance(cell, Cell):
                    cell = _boxed(ws, cell)
                cell.fill = fill
            cells.append(cell)
        if inputs:
            own = report.input_cells.get(r.row, blank) if r.row is not None else blank
            cells += [xlsx_cell(ws, value) for value in own]
        ws.append(cells)
    written = len(shown)
    if not fits:
        left_out = len(rows) - written
        note = f"{left_out} more rows do not fit in Excel: the .report.csv has every row"
        ws.append([None, "", "", "", "", note, None, ""])
        written += 1
    last = get_column_letter(len(REPORT_COLUMNS) + len(inputs))
    ws.auto_filter.ref = f"A1:{last}{written + 1}"


def _boxed(ws: Any, value: Any) -> Cell:
    cell: Cell = WriteOnlyCell(ws, value=value)  # a number or plain text: a cell to colour
    return cell


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


def summary_fields(
    summary: FileSummary, finished_at: datetime, style: ReportStyle = DEFAULT_STYLE
) -> list[tuple[str, object]]:
    """The Summary sheet as (field, value) pairs, in the order a person reads them; times in
    the reader's time zone (`[report] timezone`), said beside them."""
    duration = (_utc(finished_at) - _utc(summary.received_at)).total_seconds()

    def when(moment: datetime) -> str:
        if style.timezone == "UTC":
            return _iso(moment)
        return style.local(moment).isoformat(timespec="seconds")

    return [
        ("file", summary.file),
        ("flow", summary.flow),
        ("sha256", summary.sha256),
        ("received_at", when(summary.received_at)),
        ("finished_at", when(finished_at)),
        ("time zone", style.timezone),
        ("status", style.status(summary.status)),
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
