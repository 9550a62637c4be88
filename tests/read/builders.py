"""Small builders for test inputs: every file is made in tmp_path from code, so a test
shows exactly which bytes it reads."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

FIXTURES = Path(__file__).parent / "fixtures"


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_xlsx(
    tmp_path: Path,
    name: str,
    sheets: dict[str, dict[str, Any]],
    *,
    hidden: Sequence[str] = (),
) -> Path:
    """Write a workbook; `sheets` maps sheet title -> {cell reference: value}."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, cells in sheets.items():
        sheet = workbook.create_sheet(title)
        for ref, value in cells.items():
            sheet[ref] = value
        if title in hidden:
            sheet.sheet_state = "hidden"
    path = tmp_path / name
    workbook.save(path)
    return path


def rewrite_zip(source: Path, target: Path, edit: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a zip member by member through `edit` (return None to drop a member)."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    target.write_bytes(out.getvalue())
    return target


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods_cell(value: Any) -> str:
    """One <table:table-cell> for a str, bool, int/float, or ("date", "2026-01-31")."""
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        flag = "true" if value else "false"
        return (
            '<table:table-cell office:value-type="boolean" '
            f'office:boolean-value="{flag}"><text:p>{flag}</text:p></table:table-cell>'
        )
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if isinstance(value, tuple) and value[0] == "date":
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{value[1]}">'
            f"<text:p>{value[1]}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def write_ods(tmp_path: Path, name: str, sheets: dict[str, list[list[Any]]]) -> Path:
    """A minimal OpenDocument spreadsheet, as LibreOffice lays it out (mimetype first,
    stored uncompressed). Rows are lists of cell values; an empty list is a blank row."""
    tables = []
    for title, rows in sheets.items():
        body = "".join(
            "<table:table-row>"
            + ("".join(ods_cell(v) for v in row) or "<table:table-cell/>")
            + "</table:table-row>"
            for row in rows
        )
        tables.append(f'<table:table table:name="{title}">{body}</table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {_ODS_NS} office:version="1.2"><office:body>'
        f"<office:spreadsheet>{''.join(tables)}</office:spreadsheet>"
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return write_bytes(tmp_path, name, out.getvalue())


def cells(table: Any) -> list[list[str]]:
    """A Table's frame as plain lists, for readable asserts."""
    return [[str(v) for v in row] for row in table.frame.itertuples(index=False)]
