"""A report dropped back into the inbox: the rows a person corrected in it, read as a file.

A report's workbook carries, beside each reported row's result, the input row's own cells
(its header as the file had it), and a hidden sheet that says it is an importer report, of
which flow, and where its columns are. Dropped into `inbox/<flow>/`, it is recognised by that
sheet; the rows it reported `invalid` or `failed` are read with the cells as the person left
them, and nothing else of it: the rows that landed are not sent again. Its rows are numbered
as in the report's Rows sheet.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

from importer.models import Action, FileReport
from importer.read import ReadOptions, Table, read_table
from importer.report_words import LANGUAGES, ReportStyle

MARKER_SHEET = "importer-report"
MARKER = "importer report, rows to correct"
# What a person corrects and drops back: the rows VTEX or the file's rules refused.
CORRECTABLE = (Action.INVALID, Action.FAILED)


def keep_input_cells(report: FileReport, table: Table) -> None:
    """The input's cells of each reported row, for the workbook (rows without a file line,
    such as a full file's removals, have none)."""
    import numpy as np  # here: the report's writer needs neither unless a file was read

    wanted = {r.row for r in report.rows if r.row is not None}
    if not wanted or not table.headers:
        return
    report.input_headers = list(table.headers)
    positions = np.flatnonzero(np.isin(table.row_numbers, list(wanted)))
    for position in positions.tolist():
        number = int(table.row_numbers[position])
        report.input_cells[number] = [str(v) for v in table.frame.iloc[position].tolist()]


def is_report_back(path: Path) -> bool:
    """A workbook with the importer's marker sheet (looked up in its list of sheets only)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    try:
        with zipfile.ZipFile(path) as book:
            listing = book.read("xl/workbook.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return f'name="{MARKER_SHEET}"'.encode() in listing


def read_report_back(path: Path, options: ReadOptions) -> Table | None:
    """The corrected rows of a dropped report, as a table of the input's columns; None when
    `path` is not a report."""
    if not is_report_back(path):
        return None
    import pandas as pd

    marker = read_table(path, replace(options, sheet=MARKER_SHEET))
    fields = {row[0]: row[1] for row in marker.frame.itertuples(index=False)}
    if fields.get("format") != MARKER:
        return None
    rows = read_table(path, replace(options, sheet=fields["rows_sheet"]))
    first_input = int(fields["input_from"])
    action_at = int(fields["action_at"])
    canonical = _actions()
    keep = [
        i
        for i, action in enumerate(rows.frame[action_at].tolist())
        if canonical.get(str(action)) in CORRECTABLE
    ]
    inputs = list(range(first_input, len(rows.headers)))
    frame = rows.frame.iloc[keep, inputs].reset_index(drop=True)
    frame.columns = pd.RangeIndex(len(inputs))
    return Table(
        headers=[rows.headers[i] for i in inputs],
        frame=frame,
        row_numbers=rows.row_numbers[keep],
        header_row=rows.header_row,
        kind=rows.kind,
        sheet=rows.sheet,
    )


def marker_rows(rows_sheet: str, action_at: int, input_from: int, flow: str) -> list[list[str]]:
    """The hidden sheet's cells (`importer.report` writes them)."""
    return [
        ["field", "value"],
        ["format", MARKER],
        ["flow", flow],
        ["rows_sheet", rows_sheet],
        ["action_at", str(action_at)],
        ["input_from", str(input_from)],
    ]


def _actions() -> dict[str, Action]:
    """Every language's word for each action -> the action (a report in pt-BR says `falhou`)."""
    words: dict[str, Action] = {}
    for language in LANGUAGES:
        style = ReportStyle(language)
        for action in Action:
            words[style.action(str(action))] = action
    return words
