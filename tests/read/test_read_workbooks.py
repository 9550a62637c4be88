"""Reading workbooks (XLSX, XLS, ODS) and telling them apart from text by their bytes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

import importer.read.zipguard as zipguard
from importer.errors import UnreadableFile
from importer.read import ReadOptions, parse_decimal_column, read_table
from importer.read.sniff import OLE2_MAGIC

from .builders import FIXTURES, cells, rewrite_zip, write_bytes, write_ods, write_xlsx


def refused(path: Path, **options: str) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_table(path, ReadOptions(**options))
    return str(caught.value)


@pytest.fixture
def prices_xlsx(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path,
        "precos.xlsx",
        {
            "Precos": {
                "B3": "  Código ",
                "C3": "EAN",
                "D3": "Preço",
                "E3": "Desde",
                "F3": "Ativo",
                "B4": "0042",
                "C4": 7891234567890,
                "D4": 12.5,
                "E4": dt.date(2026, 1, 31),
                "F4": True,
                # row 5 is blank
                "B6": "A-1",
                "C6": "0789123456789",
                "D6": 1234.56,
                "E6": dt.datetime(2026, 1, 31, 10, 0),
                "F6": False,
                "B7": "   ",  # whitespace only: a blank row
                "B8": "Z",
                "C8": 7891234567890.0,
                "D8": 0.00001,
                "E8": dt.time(10, 30),
                "F8": 3,
            },
            "Estoque": {"A1": "sku", "A2": "x"},
        },
    )


def test_xlsx_cells_become_the_text_a_person_would_type(prices_xlsx: Path) -> None:
    table = read_table(prices_xlsx)
    assert (table.kind, table.sheet) == ("xlsx", "Precos")
    assert table.headers == ["Código", "EAN", "Preço", "Desde", "Ativo"]
    assert cells(table) == [
        ["0042", "7891234567890", "12.5", "2026-01-31", "true"],
        ["A-1", "0789123456789", "1234.56", "2026-01-31T10:00:00", "false"],
        ["Z", "7891234567890", "0.00001", "10:30:00", "3"],
    ]
    assert table.encoding is None and table.delimiter is None


def test_xlsx_row_numbers_are_excel_rows(prices_xlsx: Path) -> None:
    table = read_table(prices_xlsx)
    assert table.header_row == 3
    assert table.row_numbers.tolist() == [4, 6, 8]


def test_xlsx_marks_numeric_cells(prices_xlsx: Path) -> None:
    table = read_table(prices_xlsx)
    assert table.numeric is not None
    assert table.numeric.shape == table.frame.shape
    assert table.numeric.values.tolist() == [
        [False, True, True, False, False],
        [False, False, True, False, False],
        [False, True, True, False, True],
    ]


def test_numeric_cells_do_not_vote_on_the_decimal_separator(tmp_path: Path) -> None:
    # 1234.56 stored as a number renders '1234.56'; typed text '10,5' decides the column.
    path = write_xlsx(tmp_path, "p.xlsx", {"S": {"A1": "preco", "A2": 1234.56, "A3": "10,5"}})
    table = read_table(path)
    assert table.numeric is not None
    result = parse_decimal_column(table.frame[0], numeric_mask=table.numeric[0].to_numpy())
    assert result.separator == ","
    assert result.canonical.tolist() == ["1234.56", "10.5"]
    assert not result.invalid.any()


def test_workbook_saved_with_a_csv_name_is_read_as_a_workbook(prices_xlsx: Path) -> None:
    disguised = prices_xlsx.with_name("precos.csv")
    disguised.write_bytes(prices_xlsx.read_bytes())
    table = read_table(disguised)
    assert table.kind == "xlsx"
    assert table.headers[0] == "Código"


def test_named_sheet_and_case_insensitive_sheet_name(prices_xlsx: Path) -> None:
    assert read_table(prices_xlsx, ReadOptions(sheet="Estoque")).headers == ["sku"]
    assert read_table(prices_xlsx, ReadOptions(sheet="estoque ")).sheet == "Estoque"


def test_unknown_sheet_lists_the_sheets(prices_xlsx: Path) -> None:
    assert refused(prices_xlsx, sheet="Plan1") == (
        'precos.xlsx: the workbook has no sheet named "Plan1"; its sheets are "Precos", '
        '"Estoque". Fix the flow\'s "sheet" setting or rename the sheet.'
    )


def test_first_visible_sheet_is_the_default(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path,
        "p.xlsx",
        {"Lookup": {"A1": "hidden"}, "Dados": {"A1": "sku"}},
        hidden=["Lookup"],
    )
    assert read_table(path).sheet == "Dados"


def test_empty_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, "p.xlsx", {"Vazia": {}})
    assert 'sheet "Vazia" is empty' in refused(path)


def test_formulas_are_read_as_cached_values(tmp_path: Path) -> None:
    source = write_xlsx(tmp_path, "src.xlsx", {"S": {"A1": "total", "A2": 1}})

    def cache_formula(member: str, data: bytes) -> bytes:
        if member != "xl/worksheets/sheet1.xml":
            return data
        return data.replace(b'<c r="A2" t="n"><v>1</v></c>', b'<c r="A2"><f>20+22</f><v>42</v></c>')

    path = rewrite_zip(source, tmp_path / "f.xlsx", cache_formula)
    assert b"<f>20+22</f>" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert cells(read_table(path)) == [["42"]]


def test_ods_is_read(tmp_path: Path) -> None:
    path = write_ods(
        tmp_path,
        "catalogo.ods",
        {
            "Catalogo": [
                [],
                [],
                ["Código", "EAN", "Preço", "Data", "Ativo"],
                ["0042", 7891234567890, 1234.5, ("date", "2026-01-31"), True],
                [],
                ["B", "0789", 3, None, False],
            ],
            "Outra": [["x"]],
        },
    )
    table = read_table(path)
    assert (table.kind, table.sheet, table.header_row) == ("ods", "Catalogo", 3)
    assert cells(table) == [
        ["0042", "7891234567890", "1234.5", "2026-01-31", "true"],
        ["B", "0789", "3", "", "false"],
    ]
    assert table.row_numbers.tolist() == [4, 6]
    assert table.numeric is not None
    assert table.numeric.values.tolist()[0] == [False, True, True, False, False]


def test_xls_is_read(tmp_path: Path) -> None:
    # Generated with xlwt (see fixtures/README.md), even named as a CSV it is a workbook.
    path = write_bytes(tmp_path, "estoque.csv", (FIXTURES / "estoque.xls").read_bytes())
    table = read_table(path)
    assert (table.kind, table.sheet, table.header_row) == ("xls", "Estoque", 2)
    assert table.headers == ["Código", "Quantidade", "EAN", "Preço"]
    assert cells(table) == [
        ["0042", "5", "7891234567890", "12.5"],
        ["A-1", "0", "0789", "1234.56"],
        ["Ação", "3", "2026-01-31", "true"],
    ]
    assert table.row_numbers.tolist() == [3, 5, 6]


# --- damaged, disguised and hostile workbooks ---------------------------------------------


def test_truncated_xlsx_is_refused_as_damaged(prices_xlsx: Path, tmp_path: Path) -> None:
    data = prices_xlsx.read_bytes()
    path = write_bytes(tmp_path, "cut.xlsx", data[: len(data) // 2])
    assert refused(path).startswith("cut.xlsx: the file looks like a workbook (zip) but is damaged")


def test_corrupt_sheet_xml_is_refused_as_damaged(prices_xlsx: Path, tmp_path: Path) -> None:
    def break_sheet(member: str, data: bytes) -> bytes:
        return data[: len(data) // 2] if member == "xl/worksheets/sheet1.xml" else data

    path = rewrite_zip(prices_xlsx, tmp_path / "bad.xlsx", break_sheet)
    assert "bad.xlsx: the Excel workbook is damaged or incomplete" in refused(path)


def test_garbage_after_an_ole2_header_is_refused(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "old.xls", OLE2_MAGIC + bytes(600))
    assert "old.xls: the Excel 97-2003 workbook is damaged or incomplete" in refused(path)


def test_password_protected_xlsx(tmp_path: Path) -> None:
    # Office wraps encrypted OOXML in an OLE2 file with an "EncryptedPackage" stream.
    data = OLE2_MAGIC + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(100)
    assert "password-protected" in refused(write_bytes(tmp_path, "p.xlsx", data))


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("precos.csv", "a;b\n")
    message = refused(write_bytes(tmp_path, "precos.xlsx", out.getvalue()))
    assert message.startswith("precos.xlsx: this is a zip archive but not a workbook")


def test_word_document_and_xlsb_are_named(tmp_path: Path) -> None:
    for member, expected in (
        ("word/document.xml", "a Word document"),
        ("xl/workbook.bin", "(.xlsb) are not supported"),
    ):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr(member, "<x/>")
        assert expected in refused(write_bytes(tmp_path, "f.xlsx", out.getvalue()))


def test_xml_entity_declarations_are_refused(prices_xlsx: Path, tmp_path: Path) -> None:
    bomb = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'

    def add_dtd(member: str, data: bytes) -> bytes:
        if member != "xl/worksheets/sheet1.xml":
            return data
        head, _, rest = data.partition(b"?>")
        return head + b"?>" + bomb + rest

    path = rewrite_zip(prices_xlsx, tmp_path / "dtd.xlsx", add_dtd)
    message = refused(path)
    assert "DTD/ENTITY declaration in xl/worksheets/sheet1.xml" in message


def test_zip_bomb_by_declared_size(prices_xlsx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipguard, "MAX_UNCOMPRESSED_BYTES", 1000)
    assert "precos.xlsx: the workbook would unpack to" in refused(prices_xlsx)


def test_zip_bomb_by_compression_ratio(
    prices_xlsx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipguard, "RATIO_CHECK_FLOOR", 1000)

    def inflate(member: str, data: bytes) -> bytes:
        return data + b" " * 500_000 if member == "xl/styles.xml" else data

    path = rewrite_zip(prices_xlsx, tmp_path / "bomb.xlsx", inflate)
    assert "only zip bombs do" in refused(path)


def test_too_many_columns_in_a_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, "wide.xlsx", {"S": {"A1": "sku", "CZZ1": "far away"}})
    assert "uses 2,730 columns, more than the 2,000 allowed" in refused(path)


def test_a_cell_over_a_million_characters_in_a_sheet(tmp_path: Path) -> None:
    # ODS, because openpyxl cuts cells at Excel's 32,767 characters when writing.
    path = write_ods(tmp_path, "big.ods", {"S": [["obs"], ["x" * 1_000_001]]})
    assert "a cell on row 2 is 1,000,001 characters long" in refused(path)


# --- numbers as Excel shows them (issue 10, item 15) ----------------------------------------

# What a float cell holds after arithmetic in a spreadsheet, and what Excel shows for it:
# Excel keeps 15 significant digits.
STORED_AND_SHOWN = [
    (54398267125.00001, "54398267125"),  # an EAN computed by a formula
    (731.9399999999999, "731.94"),  # a price computed by a formula
    (0.1 + 0.2, "0.3"),
    (19.899999999999999, "19.9"),
    (7891234567890.0, "7891234567890"),
    (1e-05, "0.00001"),
    (123456789012345.6, "123456789012346"),
]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_number_cells_read_as_excel_shows_them(tmp_path: Path, kind: str) -> None:
    values = [stored for stored, _ in STORED_AND_SHOWN]
    if kind == "xlsx":
        sheet: dict[str, object] = {"A1": "ean_or_price"}
        sheet.update({f"A{n}": value for n, value in enumerate(values, start=2)})
        path = write_xlsx(tmp_path, "p.xlsx", {"Plan1": sheet})
    else:
        path = write_ods(tmp_path, "p.ods", {"Plan1": [["ean_or_price"], *([v] for v in values)]})
    table = read_table(path)
    assert [row[0] for row in cells(table)] == [shown for _, shown in STORED_AND_SHOWN]
    assert table.numeric is not None and table.numeric[0].all()
