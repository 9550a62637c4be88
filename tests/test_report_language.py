"""Reports in their readers' language and habits (issue 13 item 5, first slice): the workbook's
words, local times, the CSV's separator, errors first and coloured, counts per error type,
landscape printing."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import openpyxl

from importer.models import Action, FileReport, FileSummary, ReportRow
from importer.report import read_report_csv, write_report
from importer.report_words import ReportStyle

RECEIVED = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)


def a_report() -> FileReport:
    summary = FileSummary("precos.csv", "prices", "ab" * 32, RECEIVED, finished_at=RECEIVED)
    summary.rows_read, summary.created, summary.invalid, summary.failed = 4, 1, 2, 1
    rows = [
        ReportRow(2, "SKU-1", Action.CREATED, "", "", "", None, ""),
        ReportRow(
            3, "SKU-2", Action.INVALID, "base_price", "abc", "not a number", None, "type-error"
        ),
        ReportRow(4, "SKU-3", Action.FAILED, "sku_ref", "SKU-3", "unknown", 404, "unknown-sku"),
        ReportRow(
            5, "SKU-4", Action.INVALID, "base_price", "x", "not a number", None, "type-error"
        ),
    ]
    return FileReport(summary, rows)


def test_a_pt_br_report_speaks_portuguese_in_local_time_and_separates_with_semicolons(
    tmp_path: Path,
) -> None:
    style = ReportStyle("pt-BR", "America/Sao_Paulo")
    xlsx, csv_path = write_report(a_report(), tmp_path, style=style)
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Resumo", "Linhas"]
    summary = {r[0]: r[1] for r in book["Resumo"].iter_rows(values_only=True) if r and r[0]}
    assert summary["recebido em"] == "2026-12-03T09:00:00-03:00"
    assert summary["fuso horário"] == "America/Sao_Paulo" and summary["situação"] == "concluído"
    assert str(summary["o que fazer"]).startswith("Corrija no arquivo as linhas marcadas")
    # Errors by type, most frequent first, below the counts.
    labels = [r[0] for r in book["Resumo"].iter_rows(values_only=True)]
    after = labels[labels.index("erros por tipo") + 1 :]
    assert after[:2] == ["type-error", "unknown-sku"]
    rows = book["Linhas"]
    header = [c.value for c in rows[1]]
    assert header[:3] == ["linha", "chave", "ação"]
    # Errors first (invalid, then failed), in file order within each; coloured; landscape.
    assert [(r[0].value, r[2].value) for r in rows.iter_rows(min_row=2)] == [
        (3, "inválida"),
        (5, "inválida"),
        (4, "falhou"),
        (2, "criada"),
    ]
    assert rows["A2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert rows["A5"].fill.fill_type is None
    assert rows.page_setup.orientation == "landscape" and rows.page_setup.fitToWidth == 1
    # The CSV: the contract's names and actions, in file order, separated for a pt-BR Excel.
    first = csv_path.read_text("utf-8-sig").splitlines()[0]
    assert first == "row;key;action;column;value;reason;vtex_status;type"
    assert [r["action"] for r in read_report_csv(csv_path)] == [
        "created",
        "invalid",
        "failed",
        "invalid",
    ]


def test_english_stays_as_it_was(tmp_path: Path) -> None:
    xlsx, csv_path = write_report(a_report(), tmp_path)
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Summary", "Rows"]
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh)) == [
            "row", "key", "action", "column", "value", "reason", "vtex_status", "type"
        ]  # fmt: skip
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["received_at"] == "2026-12-03T12:00:00Z"


def test_spanish_words(tmp_path: Path) -> None:
    xlsx, _ = write_report(a_report(), tmp_path, style=ReportStyle("es", "America/Bogota"))
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Resumen", "Filas"]
    assert [c.value for c in book["Filas"][1]][2] == "acción"
