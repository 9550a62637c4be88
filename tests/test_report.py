"""The result reports: what an office person opens to learn what happened to their file."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from importer import report as report_module
from importer.cells import unneutralise
from importer.models import Action, FileReport, FileSummary, ReportRow
from importer.report import (
    REPORT_COLUMNS,
    neutralise,
    read_report_csv,
    report_stem,
    write_report,
)

FINISHED = datetime(2026, 11, 27, 4, 44, 58, tzinfo=UTC)
STEM = "precos.csv.20261127T044458Z"


def make_report(rows: list[ReportRow] | None = None, **summary: Any) -> FileReport:
    fields: dict[str, Any] = {
        "file": "precos.csv",
        "flow": "prices",
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "received_at": FINISHED - timedelta(seconds=12.5),
        "finished_at": FINISHED,
        "account": "mystore",
    }
    fields.update(summary)
    return FileReport(FileSummary(**fields), rows or [])


def invalid_row(row: int, value: str, reason: str = "preço inválido: use 12.34") -> ReportRow:
    return ReportRow(
        row=row,
        key=f"SKU-{row}",
        action=Action.INVALID,
        column="base_price",
        value=value,
        reason=reason,
        type="type-error",
    )


def sheet_rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


def summary_of(path: Path) -> dict[str, Any]:
    rows = sheet_rows(path, "Summary")
    assert rows[0] == ("field", "value")
    return {field: value for field, value in rows[1:]}


@pytest.mark.parametrize(
    "text",
    [
        *("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK()"),
        *("+1+1", "-1+2", "\nx", "＝1+1", "＋1", "－1+2", "＠SUM(A1)", " =1+1", "\u00a0-1+2"),
    ],
)
def test_neutralise_prefixes_anything_a_spreadsheet_would_evaluate(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert unneutralise("'" + text) == text  # and a reader can undo it exactly


@pytest.mark.parametrize(
    "value", ["SKU-1", "1-2", "", "a=b", 5, -2, 1.5, None, Decimal("-12.50"), -12.5, "'x", "'"]
)
def test_neutralise_leaves_plain_text_and_numbers_alone(value: object) -> None:
    assert neutralise(value) == value
    if isinstance(value, str):
        assert unneutralise(value) == value


@pytest.mark.parametrize("typed", ["'=1+1", "''-1+2", "' =x"])
def test_text_typed_with_a_quote_before_a_formula_comes_back_as_typed(typed: str) -> None:
    assert neutralise(typed) == "'" + typed
    assert unneutralise(str(neutralise(typed))) == typed


def test_report_stem_is_the_input_name_and_the_utc_time() -> None:
    assert report_stem("precos.csv", FINISHED) == STEM
    brasilia = FINISHED.astimezone(timezone(timedelta(hours=-3)))
    assert report_stem("precos.csv", brasilia) == STEM
    # Only the file's own name: a report always lands in the reports folder.
    assert report_stem("../../etc/precos.csv", FINISHED) == STEM
    assert report_stem("C:\\erp\\precos.csv", FINISHED) == STEM


def test_writes_xlsx_and_csv_named_after_the_input(tmp_path: Path) -> None:
    paths = write_report(make_report([invalid_row(2, "12,3,4")]), tmp_path / "reports")

    assert [p.name for p in paths] == [f"{STEM}.report.xlsx", f"{STEM}.report.csv"]
    assert all(p.is_file() for p in paths)


def test_formula_cells_are_text_in_the_xlsx(tmp_path: Path) -> None:
    evil = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1:A9)", "\t=1"]
    rows = [invalid_row(i + 2, value) for i, value in enumerate(evil)]
    rows.append(ReportRow(row=9, key="=cmd|' /C calc'!A0", action=Action.FAILED, status=400))
    xlsx, _ = write_report(make_report(rows), tmp_path)

    ws = openpyxl.load_workbook(xlsx)["Rows"]
    value_cells = [ws.cell(row=i + 2, column=5) for i in range(len(evil))]
    # String cells show what was typed, no apostrophe; the quote prefix (a style, not part of
    # the value) keeps them text when a person edits them.
    for cell, original in zip(value_cells, evil, strict=True):
        assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", original, True)
    key_cell = ws.cell(row=len(evil) + 2, column=2)
    assert (key_cell.data_type, key_cell.value) == ("s", "=cmd|' /C calc'!A0")
    assert not ws.cell(row=2, column=2).quotePrefix  # plain text gets no style
    # Numbers stay numbers: the row number and VTEX's status can be sorted and filtered.
    assert ws.cell(row=2, column=1).value == 2
    assert ws.cell(row=len(evil) + 2, column=7).value == 400


def test_text_that_looks_like_an_excel_error_stays_text(tmp_path: Path) -> None:
    xlsx, _ = write_report(make_report([invalid_row(2, "#N/A")]), tmp_path)

    cell = openpyxl.load_workbook(xlsx)["Rows"].cell(row=2, column=5)
    assert (cell.value, cell.data_type) == ("#N/A", "s")


def test_control_characters_from_a_file_do_not_break_the_workbook(tmp_path: Path) -> None:
    xlsx, csv_path = write_report(make_report([invalid_row(2, "ab\x00c\x07")]), tmp_path)

    assert sheet_rows(xlsx, "Rows")[1][4] == "ab\ufffdc\ufffd"
    assert read_report_csv(csv_path)[0]["value"] == "ab\x00c\x07"  # the CSV keeps every byte


def test_csv_has_a_bom_the_header_and_accents(tmp_path: Path) -> None:
    reason = "preço inválido: use 12.34 — não 12,3,4"
    _, csv_path = write_report(make_report([invalid_row(7, "=1+2", reason)]), tmp_path)

    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b",".join(c.encode() for c in REPORT_COLUMNS))
    assert read_report_csv(csv_path) == [
        {
            "row": "7",
            "key": "SKU-7",
            "action": "invalid",
            "column": "base_price",
            "value": "'=1+2",
            "reason": reason,
            "vtex_status": "",
            "type": "type-error",
        }
    ]


def test_rows_sheet_has_a_bold_frozen_filtered_header(tmp_path: Path) -> None:
    xlsx, _ = write_report(make_report([invalid_row(2, "x"), invalid_row(3, "y")]), tmp_path)

    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Summary", "Rows"]
    ws = wb["Rows"]
    assert [c.value for c in ws[1]] == REPORT_COLUMNS
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:H3"
    assert ws.column_dimensions["F"].width > ws.column_dimensions["A"].width


def test_summary_holds_every_field(tmp_path: Path) -> None:
    report = make_report(
        [invalid_row(2, "x")],
        rows_read=10,
        invalid=1,
        unchanged=5,
        created=2,
        updated=1,
        pending=1,
        encoding="cp1252",
        delimiter="\t",
        unknown_columns=["Obs", "Loja"],
    )
    xlsx, _ = write_report(report, tmp_path)

    summary = summary_of(xlsx)
    assert summary["what to do"] == (
        "Fix the rows marked invalid in the file and drop it again; "
        "pending rows are retried automatically"
    )
    assert summary["file"] == "precos.csv"
    assert summary["flow"] == "prices"
    assert summary["sha256"].startswith("9f86d081")
    assert summary["received_at"] == "2026-11-27T04:44:45Z"
    assert summary["finished_at"] == "2026-11-27T04:44:58Z"
    assert summary["status"] == "done"
    assert (summary["rows read"], summary["invalid"], summary["unchanged"]) == (10, 1, 5)
    assert (summary["created"], summary["updated"], summary["pending"]) == (2, 1, 1)
    assert (summary["failed"], summary["deactivated"], summary["skipped"]) == (0, 0, 0)
    assert summary["duration (s)"] == 12.5
    assert summary["account"] == "mystore"
    assert summary["encoding"] == "cp1252"
    assert summary["delimiter"] == "tab"
    assert summary["unknown columns"] == "Obs, Loja"
    for field in ("duplicate_of", "error"):
        assert field in summary


def test_no_what_to_do_line_when_all_went_well(tmp_path: Path) -> None:
    created = ReportRow(row=2, key="SKU-2", action=Action.CREATED)
    xlsx, _ = write_report(make_report([created], created=1, rows_read=1), tmp_path)

    assert "what to do" not in summary_of(xlsx)


def test_a_failed_file_says_why_and_what_to_do(tmp_path: Path) -> None:
    error = 'column "base_price" is missing; found: SKU, PRECO'
    xlsx, _ = write_report(make_report(status="failed", error=error), tmp_path)

    summary = summary_of(xlsx)
    assert summary["what to do"].startswith(f"The file was not processed: {error}.")
    assert summary["error"] == error


def test_a_file_name_starting_with_a_formula_character_is_text(tmp_path: Path) -> None:
    xlsx, _ = write_report(make_report(file="-precos.csv"), tmp_path)

    assert summary_of(xlsx)["file"] == "-precos.csv"  # a string cell: as typed, no formula
    assert xlsx.name.startswith("-precos.csv.")  # the file itself keeps its real name


def test_reports_never_overwrite_each_other(tmp_path: Path) -> None:
    first = write_report(make_report([invalid_row(2, "first")]), tmp_path)
    first_bytes = [p.read_bytes() for p in first]
    second = write_report(make_report([invalid_row(2, "second")]), tmp_path)
    third = write_report(make_report([invalid_row(2, "third")]), tmp_path)

    assert [p.name for p in second] == [f"{STEM}-2.report.xlsx", f"{STEM}-2.report.csv"]
    assert [p.name for p in third] == [f"{STEM}-3.report.xlsx", f"{STEM}-3.report.csv"]
    assert [p.read_bytes() for p in first] == first_bytes
    assert read_report_csv(third[1])[0]["value"] == "third"


def test_a_lone_csv_still_blocks_its_name(tmp_path: Path) -> None:
    (tmp_path / f"{STEM}.report.csv").write_text("someone's edited copy")

    xlsx, csv_path = write_report(make_report(), tmp_path)

    assert (xlsx.name, csv_path.name) == (f"{STEM}-2.report.xlsx", f"{STEM}-2.report.csv")
    assert (tmp_path / f"{STEM}.report.csv").read_text() == "someone's edited copy"


def test_writing_leaves_no_temporary_files(tmp_path: Path) -> None:
    write_report(make_report([invalid_row(2, "x")]), tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{STEM}.report.csv",
        f"{STEM}.report.xlsx",
    ]


def test_a_failed_write_leaves_neither_report_nor_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_module, "write_rows_csv", disk_full)

    with pytest.raises(OSError, match="No space"):
        write_report(make_report([invalid_row(2, "x")]), tmp_path)
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_many_rows_stream_into_both_files(tmp_path: Path) -> None:
    rows = [invalid_row(i, f"v{i}") for i in range(2, 6_002)]
    xlsx, csv_path = write_report(make_report(rows, invalid=len(rows)), tmp_path)

    csv_rows = read_report_csv(csv_path)
    assert len(csv_rows) == 6_000
    assert csv_rows[-1]["key"] == "SKU-6001"
    ws = openpyxl.load_workbook(xlsx)["Rows"]
    assert ws.max_row == 6_001
    assert ws.cell(row=6_001, column=2).value == "SKU-6001"


def test_rows_beyond_excels_limit_are_in_the_csv_and_noted_in_the_xlsx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_module, "XLSX_MAX_ROWS", 10)  # Excel's is 1,048,576
    rows = [invalid_row(i, "x") for i in range(2, 22)]
    xlsx, csv_path = write_report(make_report(rows), tmp_path)

    sheet = sheet_rows(xlsx, "Rows")
    assert len(sheet) == 10
    assert sheet[-1][5] == "12 more rows do not fit in Excel: the .report.csv has every row"
    assert len(read_report_csv(csv_path)) == 20


def test_a_summary_without_finish_time_is_stamped_now(tmp_path: Path) -> None:
    xlsx, _ = write_report(make_report(finished_at=None), tmp_path)

    assert xlsx.name.startswith("precos.csv.20")
    assert xlsx.name.endswith("Z.report.xlsx")
