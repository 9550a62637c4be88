"""Reading CSV/TSV/TXT files: encodings, delimiters, quoting, headers, row numbers."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importer.errors import ConfigError, UnreadableFile
from importer.read import ReadOptions, Table, parse_decimal_column, read_table
from importer.read.arrow_csv import read_uniform_csv

from .builders import cells, write_bytes


def read(tmp_path: Path, data: bytes, name: str = "prices.csv", **options: str) -> Table:
    return read_table(write_bytes(tmp_path, name, data), ReadOptions(**options))


def refused(tmp_path: Path, data: bytes, name: str = "prices.csv", **options: str) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_table(write_bytes(tmp_path, name, data), ReadOptions(**options))
    return str(caught.value)


# --- encodings -------------------------------------------------------------------------


def test_windows_1252_semicolon_file_with_portuguese_headers_and_decimal_commas(
    tmp_path: Path,
) -> None:
    data = "Código;Preço Venda\r\n0789123456789;1.234,56\r\n0042;12,50\r\n".encode("cp1252")
    table = read_table(write_bytes(tmp_path, "precos.csv", data))

    assert table.kind == "csv"
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    assert table.headers == ["Código", "Preço Venda"]
    assert cells(table) == [["0789123456789", "1.234,56"], ["0042", "12,50"]]  # zeros kept
    assert table.row_numbers.tolist() == [2, 3]
    prices = parse_decimal_column(table.frame[1])
    assert prices.canonical.tolist() == ["1234.56", "12.5"]
    assert prices.separator == ","


def test_utf8_with_bom_does_not_leak_the_bom_into_the_first_header(tmp_path: Path) -> None:
    table = read_table(write_bytes(tmp_path, "p.csv", "\ufeffSKU;Preço\nA;1\n".encode()))
    assert table.encoding == "utf-8-sig"
    assert table.headers == ["SKU", "Preço"]


def test_utf8_without_bom(tmp_path: Path) -> None:
    table = read_table(write_bytes(tmp_path, "p.csv", "SKU,Descrição\nA,Ação €\n".encode()))
    assert table.encoding == "utf-8"
    assert cells(table) == [["A", "Ação €"]]


def test_latin1_file_that_is_not_valid_windows_1252(tmp_path: Path) -> None:
    # 0x8D is undefined in Windows-1252, so only Latin-1 decodes this file.
    body = "Código;Descrição\n" + "".join(f"{i};Ação nº {i}\n" for i in range(30))
    data = body.encode("latin-1") + b"X;tem \x8d aqui\n"
    table = read_table(write_bytes(tmp_path, "p.csv", data))
    assert table.encoding == "latin-1"
    assert table.headers == ["Código", "Descrição"]
    assert cells(table)[0] == ["0", "Ação nº 0"]


def test_utf16_with_bom_as_excel_unicode_text(tmp_path: Path) -> None:
    data = "SKU\tPreço\r\nA\t1,5\r\n".encode("utf-16")
    table = read_table(write_bytes(tmp_path, "p.txt", data))
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert cells(table) == [["A", "1,5"]]


def test_explicit_encoding_wins_over_detection(tmp_path: Path) -> None:
    table = read(tmp_path, "Código;x\n1;2\n".encode(), encoding="cp1252")
    assert table.headers[0] == "CÃ³digo"


def test_explicit_encoding_that_fails_names_encoding_and_row(tmp_path: Path) -> None:
    data = "SKU;Nome\nA;Ação\n".encode("cp1252")
    message = refused(tmp_path, data, encoding="utf-8")
    assert message.startswith("prices.csv: the file is not valid utf-8: byte 12 (row 2, bytes e7")
    assert 'encoding to "auto"' in message


def test_unknown_encoding_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not known"):
        read(tmp_path, b"a;b\n", encoding="klingon")


# --- binary and empty inputs ---------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    assert refused(tmp_path, b"") == "prices.csv: the file is empty. Export it again from the ERP."


def test_file_with_only_a_bom_or_blank_lines(tmp_path: Path) -> None:
    assert "the file is empty" in refused(tmp_path, b"\xef\xbb\xbf")
    assert "every row is blank" in refused(tmp_path, b"\r\n;;\r\n  ;\r\n")


def test_random_bytes_are_refused_as_binary(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(4000)
    assert "binary data" in refused(tmp_path, noise)


def test_nul_bytes_are_refused_with_their_position(tmp_path: Path) -> None:
    message = refused(tmp_path, b"SKU;Qty\nA;1\n" + b"B\x00\x00;2\n" * 10)
    assert "NUL byte at byte 13, row 3" in message


def test_a_stray_nul_stays_in_its_cell_for_validation_to_report(tmp_path: Path) -> None:
    table = read(tmp_path, b"SKU;Qty\nA;1\nB\x00;2\n")
    assert cells(table) == [["A", "1"], ["B\x00", "2"]]
    assert not table.clean_text


def test_known_non_spreadsheet_formats_are_named(tmp_path: Path) -> None:
    assert "a PDF document" in refused(tmp_path, b"%PDF-1.7\n...")
    assert "an HTML page" in refused(tmp_path, b"<html><table><tr><td>1</td></tr></table>")


# --- delimiters ------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["SKU", "Nome", "Preço"]) + "\n"
    text += delimiter.join(["A1", "Mesa", "10"]) + "\n"
    table = read(tmp_path, text.encode())
    assert table.delimiter == delimiter
    assert cells(table) == [["A1", "Mesa", "10"]]


def test_semicolon_wins_when_a_header_also_contains_a_comma(tmp_path: Path) -> None:
    data = "Código;Preço (R$, bruto)\n1;1.234,56\n2;7,5\n".encode()
    table = read(tmp_path, data)
    assert table.delimiter == ";"
    assert cells(table) == [["1", "1.234,56"], ["2", "7,5"]]


def test_delimiters_inside_quotes_do_not_count(tmp_path: Path) -> None:
    data = b'SKU,Nome\nA1,"Mesa; grande, de 1,5 m"\nA2,"x;y;z"\n'
    table = read(tmp_path, data)
    assert table.delimiter == ","
    assert cells(table) == [["A1", "Mesa; grande, de 1,5 m"], ["A2", "x;y;z"]]


def test_explicit_delimiter_wins(tmp_path: Path) -> None:
    table = read(tmp_path, b"a;b\n1;2\n", delimiter=",")
    assert table.headers == ["a;b"]
    assert read(tmp_path, b"a\tb\n1\t2\n", delimiter="tab").headers == ["a", "b"]


def test_bad_delimiter_option_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not usable"):
        read(tmp_path, b"a;b\n", delimiter=";;")


def test_single_column_file(tmp_path: Path) -> None:
    table = read(tmp_path, b"sku_ref\nA1\nSmith, John\n")
    assert table.delimiter is None
    assert table.headers == ["sku_ref"]
    assert cells(table) == [["A1"], ["Smith, John"]]


def test_excel_sep_hint_line_sets_the_delimiter_and_is_not_a_row(tmp_path: Path) -> None:
    table = read(tmp_path, b"sep=|\nSKU|Nome;X\nA|b;c\n")
    assert table.delimiter == "|"
    assert table.header_row == 1
    assert table.row_numbers.tolist() == [2]
    assert cells(table) == [["A", "b;c"]]


# --- header, blank rows, row numbers -----------------------------------------------------


def test_header_not_on_row_1_and_blank_rows_keep_excel_numbering(tmp_path: Path) -> None:
    data = b"\r\n;;\r\nSKU;Qty\r\n\r\nA;1\r\n  ;  \r\nB;2\r\n"
    table = read(tmp_path, data)
    assert table.header_row == 3
    assert table.headers == ["SKU", "Qty"]
    assert cells(table) == [["A", "1"], ["B", "2"]]
    assert table.row_numbers.tolist() == [5, 7]
    assert table.row_numbers.dtype == np.int64


def test_cells_are_stripped_strings_and_columns_are_positions(tmp_path: Path) -> None:
    table = read(tmp_path, b"  SKU ; Qty ;Obs\n A ; 1 ;\n")
    assert table.headers == ["SKU", "Qty", "Obs"]
    frame = table.frame
    assert frame.columns.equals(pd.RangeIndex(3))
    assert cells(table) == [["A", "1", ""]]
    assert not frame.isna().any().any()
    assert all(isinstance(v, str) for v in frame.iloc[0])


def test_old_mac_line_endings_and_dos_eof_mark(tmp_path: Path) -> None:
    table = read(tmp_path, b"a;b\r1;2\r3;4\r\x1a")
    assert cells(table) == [["1", "2"], ["3", "4"]]
    assert table.row_numbers.tolist() == [2, 3]


def test_value_with_line_breaks_is_one_cell_on_the_row_excel_shows(tmp_path: Path) -> None:
    data = b'SKU;Descricao\r\nA;"linha 1\r\nlinha 2\r\nlinha 3"\r\nB;ok\r\n"C";"x\ny"\r\nD;z\r\n'
    table = read(tmp_path, data)
    assert cells(table) == [
        ["A", "linha 1\r\nlinha 2\r\nlinha 3"],
        ["B", "ok"],
        ["C", "x\ny"],
        ["D", "z"],
    ]
    # The rows Excel shows (one per record), not the lines a text editor shows (2, 5, 6, 8).
    assert table.row_numbers.tolist() == [2, 3, 4, 5]


def test_a_magento_export_numbers_rows_as_excel_does_blank_lines_and_hint_included(
    tmp_path: Path,
) -> None:
    """Descriptions of 3 to 9 lines (a Magento export), a blank line, Excel's `sep=` hint:
    the 102nd record is row 102 (it starts on physical line 600-odd)."""
    lines = ["sep=,", "sku,description,price"]
    for n in range(1, 201):
        text = "\n".join(f"linha {k} do produto {n}" for k in range(3 + n % 7))
        lines.append(f'SKU-{n},"{text}",{n}.50')
        if n == 50:
            lines.append("")
    table = read(tmp_path, ("\n".join(lines) + "\n").encode())
    skus = table.frame[0].tolist()
    rows = dict(zip(skus, table.row_numbers.tolist(), strict=True))
    assert rows["SKU-1"] == 2
    assert rows["SKU-50"] == 51
    assert rows["SKU-51"] == 53  # after the blank row 52
    assert rows["SKU-101"] == 103
    assert rows["SKU-200"] == 202


def test_rows_without_quotes_keep_their_rows_on_the_fast_path(tmp_path: Path) -> None:
    """Arrow's fast path (no quote in the file) numbers its records the same way."""
    data = b"sku,price\nA,1\n\nB,2\nC,3\n"
    assert read_uniform_csv(data, ",", 2) is not None  # this file takes the fast path
    table = read(tmp_path, data)
    assert cells(table) == [["A", "1"], ["B", "2"], ["C", "3"]]
    assert table.row_numbers.tolist() == [2, 4, 5]


def test_header_only_gives_an_empty_frame_with_the_columns(tmp_path: Path) -> None:
    table = read(tmp_path, b"SKU;Qty\n")
    assert table.headers == ["SKU", "Qty"]
    assert table.frame.shape == (0, 2)
    assert table.row_numbers.tolist() == []


# --- ragged rows and broken quotes ---------------------------------------------------------


def test_trailing_delimiters_are_harmless(tmp_path: Path) -> None:
    table = read(tmp_path, b"a;b;\n1;2;\n3;4;;;;\n")
    assert table.headers == ["a", "b"]
    assert cells(table) == [["1", "2"], ["3", "4"]]


def test_short_rows_are_padded_with_empty_cells(tmp_path: Path) -> None:
    assert cells(read(tmp_path, b"a;b;c\n1\n1;2\n")) == [["1", "", ""], ["1", "2", ""]]


def test_an_unnamed_column_inside_the_header_is_kept(tmp_path: Path) -> None:
    table = read(tmp_path, b"a;;c\n1;2;3\n")
    assert table.headers == ["a", "", "c"]
    assert cells(table) == [["1", "2", "3"]]


def test_row_longer_than_the_header_is_refused_not_shifted(tmp_path: Path) -> None:
    # An unquoted decimal comma in a comma-separated file: reading on would give 12, not 12,50.
    message = refused(tmp_path, b"SKU,Price\nA1,10\nA2,12,50\n")
    assert message == (
        'prices.csv: row 3 has 3 values but the header has 2 (the first extra value is "50"). '
        'A value that contains the delimiter "," must be in quotes: export the file again '
        "with quoted values or with another delimiter."
    )


def test_unclosed_quote_is_refused_with_its_row(tmp_path: Path) -> None:
    message = refused(tmp_path, b'SKU;Nome\nA;ok\nB;"sem fim\nC;x\n')
    assert 'a value that starts with a quote (") on row 3 is never closed' in message


# --- caps on pathological inputs ---------------------------------------------------------


def test_too_many_columns_in_the_header(tmp_path: Path) -> None:
    header = ";".join(f"c{i}" for i in range(2001))
    assert "2,001 columns" in refused(tmp_path, f"{header}\n".encode())


def test_too_many_values_in_a_row(tmp_path: Path) -> None:
    row = ";".join("x" for _ in range(2500))
    assert "2,500 values" in refused(tmp_path, f"a;b\n1;2\n{row}\n".encode())


def test_a_cell_over_a_million_characters(tmp_path: Path) -> None:
    data = b"a;b\n1;2\n3;" + b"x" * 1_000_001 + b"\n"
    message = refused(tmp_path, data)
    assert "a value on row 3 is 1,000,001 characters long" in message


def test_unreadable_path_is_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="cannot be opened"):
        read_table(tmp_path / "missing.csv")


def test_frame_columns_are_text_dtype(tmp_path: Path) -> None:
    table = read(tmp_path, b"a;b\n1;2\n")
    assert all(pd.api.types.is_string_dtype(t) for t in table.frame.dtypes)


def test_windows_1252_symbols_that_latin1_lacks(tmp_path: Path) -> None:
    table = read(tmp_path, "Nº;Preço €;Obs\n1;2;“aspas”\n".encode("cp1252"))
    assert table.encoding == "cp1252"
    assert table.headers == ["Nº", "Preço €", "Obs"]
    assert cells(table) == [["1", "2", "“aspas”"]]
    assert table.numeric is None


def test_sep_hint_with_an_unusual_delimiter(tmp_path: Path) -> None:
    table = read(tmp_path, b'"sep=:"\r\nSKU:Qty\r\nA:1\r\n')
    assert (table.delimiter, table.headers) == (":", ["SKU", "Qty"])


def test_a_big_utf16_file_with_a_bom_is_not_taken_for_binary_by_its_first_bytes(
    tmp_path: Path,
) -> None:
    """The first bytes are checked before the rest is read; UTF-16 is all NUL bytes there."""
    body = "SKU\tPreço\r\n" + "".join(f"A{n}\t{n},5\r\n" for n in range(20_000))
    table = read(tmp_path, body.encode("utf-16"))
    assert table.encoding == "utf-16"
    assert len(table.frame) == 20_000
