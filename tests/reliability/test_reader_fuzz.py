"""Fuzzing the reader (importer.read: `read_table` and the sniffers) with generated files.

Properties:
- whatever the bytes (random, a CSV with random damage, a zip or OLE2 header on garbage),
  reading ends in a Table or in `UnreadableFile`, the importer's "file unreadable" error
  (which the pipeline turns into a report): never any other exception;
- a table written with any delimiter, quoting, line ending and encoding (UTF-8 with and
  without BOM, Windows-1252, Latin-1), with blank lines, leading zeros and decimal numbers
  in any of the four styles, reads back cell for cell, and each row carries the row number
  Excel shows for it;
- a file that mixes UTF-8 and Windows-1252 rows never yields mojibake: a cell reads back as
  written, or shows U+FFFD where its bytes were in the other encoding.

Deterministic (derandomized, no example database) and bounded (about 4 s in all).
"""

from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.errors import UnreadableFile
from importer.read import Table, parse_decimal_column, read_table
from importer.read.delimiter import CANDIDATES, sniff_layout
from importer.read.encoding import decode
from importer.read.sniff import OLE2_MAGIC, ZIP_MAGIC, sniff_kind
from tests.reliability.bad_inputs import prices_xlsx_bytes

# Slow (thousands of generated files): `tasks.py test --fast` leaves this module out.
pytestmark = pytest.mark.slow


FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# --- any bytes: a Table or UnreadableFile, nothing else ------------------------------------

GOOD_CSV = "Código;Preço;Estoque\r\n0042;1.234,56;7\r\nA-1;12,5;0\r\n".encode("cp1252")
GOOD_XLSX = prices_xlsx_bytes()


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A real export (CSV or workbook) with random bytes written over, inserted into or cut
    from it."""
    good = [GOOD_CSV, GOOD_CSV.decode("cp1252").encode(), GOOD_XLSX]
    data = bytearray(draw(st.sampled_from(good)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        noise = draw(st.binary(min_size=1, max_size=8))
        if draw(st.booleans()):
            data[at:at] = noise
        else:
            data[at : at + len(noise)] = noise
    return bytes(data[: draw(st.integers(0, len(data)))])


any_bytes = st.one_of(
    st.binary(max_size=600),
    damaged(),
    st.binary(max_size=300).map(lambda tail: ZIP_MAGIC + tail),
    st.binary(max_size=600).map(lambda tail: OLE2_MAGIC + tail),
    st.text(max_size=300).map(lambda text: text.encode("utf-8")),
    st.text(max_size=200).map(lambda text: text.encode("utf-16")),
)


def read_bytes(data: bytes, name: str = "fuzz.csv") -> Table | None:
    """read_table on these bytes: the Table, or None when refused as unreadable."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return read_table(path)
        except UnreadableFile as refused:
            assert str(refused).startswith(f"{name}: "), "a message names the file"
            return None


@settings(FUZZ, max_examples=250)
@given(any_bytes, st.sampled_from(["f.csv", "f.xlsx", "f.txt", "f.xls"]))
def test_any_bytes_read_or_are_refused_as_unreadable(data: bytes, name: str) -> None:
    table = read_bytes(data, name)
    if table is None:
        return
    assert len(table.headers) == table.frame.shape[1]
    assert len(table.row_numbers) == len(table.frame)
    assert all(isinstance(c, str) for row in table.frame.itertuples(index=False) for c in row)
    assert all(n > table.header_row for n in table.row_numbers)
    assert list(table.row_numbers) == sorted(set(table.row_numbers))


@settings(FUZZ, max_examples=200)
@given(any_bytes)
def test_the_sniffers_classify_or_refuse_any_bytes(data: bytes) -> None:
    try:
        kind = sniff_kind(data, "f.csv")
    except UnreadableFile:
        return
    assert kind in ("csv", "xlsx", "xls", "ods")
    if kind != "csv":
        return
    try:
        decoded = decode(data, "f.csv")
    except UnreadableFile:
        return
    layout = sniff_layout(decoded.text)
    assert layout.delimiter is None or layout.delimiter in CANDIDATES
    assert layout.header_fields is None or layout.header_fields >= 1


# --- tables written any way read back the same ---------------------------------------------

HEADERS = ["sku", "preco", "nome", "qtd", "ean"]
ASCII = "abcXYZ019 .-_/'\"&=+@#"
ACCENTED = list("áàâãéêíóôõúçñüÁÀÂÃÉÊÍÓÔÕÚÇ")
# Symbols whose Windows-1252 bytes continue a UTF-8 character (0x80-0xBF), each after an
# ASCII letter so that they can never complete one by accident: legacy text stays legacy.
SYMBOLS_1252 = ["nº", "1ª", "2°", "R€", "x–", "a”"]
SYMBOLS_LATIN1 = ["nº", "1ª", "2°", "a½"]
UNICODE = st.characters(categories=["L", "M", "N", "P", "S"], exclude_characters="\ufffd,;\t|\r\n")
DELIMITERS = [",", ";", "\t", "|"]
STYLES = {
    "1234.56": lambda v: f"{v:.2f}",
    "1,234.56": lambda v: f"{v:,.2f}",
    "1.234,56": lambda v: f"{v:,.2f}".translate(str.maketrans(",.", ".,")),
    "1234,56": lambda v: f"{v:.2f}".replace(".", ","),
}


def cell_text(encoding: str) -> st.SearchStrategy[str]:
    tokens: list[st.SearchStrategy[str]] = [st.sampled_from(list(ASCII)), st.just("\n")]
    if encoding in ("cp1252", "latin-1"):
        symbols = SYMBOLS_1252 if encoding == "cp1252" else SYMBOLS_LATIN1
        tokens += [st.sampled_from(ACCENTED), st.sampled_from(symbols)]
    else:
        tokens += [st.sampled_from(ACCENTED), UNICODE]
    text = st.lists(st.one_of(tokens), max_size=6).map("".join)
    return text.map(str.strip)  # the reader strips cells, as Excel users expect


@st.composite
def written_tables(draw: st.DrawFn) -> dict[str, object]:
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]))
    delimiter = draw(st.sampled_from(DELIMITERS))
    width = draw(st.integers(2, 5))
    style = draw(st.sampled_from(sorted(STYLES)))
    rows: list[list[str]] = []
    prices: list[Decimal] = []
    for _ in range(draw(st.integers(1, 8))):
        cents = draw(st.integers(0, 10**9))
        price = Decimal(cents) / 100
        code = draw(st.from_regex(r"\A0{0,3}[0-9]{1,6}\Z"))  # leading zeros are data
        rest = [draw(cell_text(encoding)) for _ in range(width - 2)]
        rows.append([code, STYLES[style](price), *rest])
        prices.append(price)
    return {
        "encoding": encoding,
        "delimiter": delimiter,
        "header": HEADERS[:width],
        "rows": rows,
        "prices": prices,
        "quoting": draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        "newline": draw(st.sampled_from(["\r\n", "\n"])),
        # Where blank lines go: before record i (0 = before the header), how many, and what
        # a "blank" line looks like (an empty line, or only delimiters and spaces).
        "blanks": draw(st.lists(st.tuples(st.integers(0, 9), st.integers(1, 2)), max_size=3)),
        "blank_line": draw(st.sampled_from(["", " ", delimiter * 3, " " + delimiter])),
    }


def write_table(case: dict[str, object]) -> tuple[bytes, list[int]]:
    """The file's bytes and the row Excel shows each record (header first) on: one row per
    record and per blank line, whatever line breaks a quoted value holds."""
    header = case["header"]
    rows = case["rows"]
    newline = str(case["newline"])
    blanks: dict[int, int] = {}
    for before, count in case["blanks"]:  # type: ignore[attr-defined]
        blanks[before] = blanks.get(before, 0) + count
    out = io.StringIO(newline="")
    writer = csv.writer(
        out,
        delimiter=str(case["delimiter"]),
        quoting=case["quoting"],  # type: ignore[arg-type]
        lineterminator=newline,
    )
    starts: list[int] = []
    line = 1
    for i, record in enumerate([header, *rows]):  # type: ignore[misc]
        for _ in range(blanks.get(i, 0)):
            out.write(str(case["blank_line"]) + newline)
            line += 1
        starts.append(line)
        writer.writerow(record)
        line += 1
    return out.getvalue().encode(str(case["encoding"])), starts


@settings(FUZZ, max_examples=80)
@given(written_tables())
def test_a_table_written_any_way_reads_back_the_same(case: dict[str, object]) -> None:
    data, starts = write_table(case)
    table = read_bytes(data)

    assert table is not None, data
    assert table.headers == case["header"]
    assert [list(row) for row in table.frame.itertuples(index=False)] == case["rows"]
    assert table.delimiter == case["delimiter"]
    assert table.header_row == starts[0]
    # The row Excel shows the record on, even when its values hold line breaks.
    assert table.row_numbers.tolist() == starts[1:]
    if case["encoding"] == "utf-8-sig":
        assert table.encoding == "utf-8-sig"
    elif not data.isascii() and case["encoding"] != "utf-8":
        assert table.encoding == "cp1252"  # Latin-1 letters are Windows-1252 letters too

    prices = parse_decimal_column(table.frame[1])
    if not prices.ambiguous:  # '1,234' alone could be either: reported, never guessed
        assert not prices.invalid.any()
        assert [Decimal(v) for v in prices.canonical] == case["prices"]


# --- mixed encodings: exact or marked, never mojibake ---------------------------------------


@settings(FUZZ, max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(ACCENTED + list("abc 12")), min_size=1, max_size=8).map(
                lambda chars: "".join(chars).strip() or "x"
            ),
            st.sampled_from(["utf-8", "cp1252"]),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_rows_in_two_encodings_read_exact_or_marked_never_as_mojibake(
    rows: list[tuple[str, str]],
) -> None:
    data = b"sku;nome\r\n" + b"".join(
        f"{i};{name}\r\n".encode(encoding) for i, (name, encoding) in enumerate(rows)
    )
    table = read_bytes(data)

    assert table is not None
    read_names = table.frame[1].tolist()
    assert len(read_names) == len(rows)
    for read_name, (name, _) in zip(read_names, rows, strict=True):
        assert read_name == name or "\ufffd" in read_name, (read_name, name)
        assert "Ã" not in read_name or "Ã" in name  # the mark of UTF-8 read as Windows-1252
