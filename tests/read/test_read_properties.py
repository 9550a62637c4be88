"""Property: any table written by Python's csv module reads back cell for cell.

Tables of random text (delimiters, quotes, line breaks, accents inside values) are written
with a random delimiter, encoding, quoting and line ending, then read with everything on
"auto". What comes back must be the same cells, modulo what the reader promises to do:
strip each cell, skip blank rows, take the first non-blank row as the header, and drop
unnamed columns on the right that hold nothing.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.errors import UnreadableFile
from importer.read import read_table

DELIMITERS = [",", ";", "\t", "|"]
# Characters whose Windows-1252 bytes can never look like UTF-8 by accident (no byte in
# 0x80-0xBF), so that encoding detection is certain: ASCII and the accented letters.
PORTUGUESE = "áàâãéêíóôõúçÁÀÂÃÉÊÍÓÔÕÚÇñÑü"
COMMON = "abcXYZ019 .-_/'\"\n\r" + PORTUGUESE
UNICODE_ONLY = "€ºª°œ中文😀ß"  # UTF-8 files only


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[list[list[str]], str, str, bool, str]:
    delimiter = draw(st.sampled_from(DELIMITERS))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    alphabet = COMMON + delimiter + ("" if encoding == "cp1252" else UNICODE_ONLY)
    if newline == "\n":
        # The csv module quotes only the characters of its own line terminator, so with
        # "\n" it would leave a lone "\r" unquoted, which every reader takes as a line end.
        alphabet = alphabet.replace("\r", "")
    width = draw(st.integers(1, 5))
    cell = st.text(alphabet=alphabet, max_size=8)
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=8))
    quote_all = draw(st.booleans())
    return rows, delimiter, encoding, quote_all, newline


def expected(rows: list[list[str]]) -> tuple[list[str], list[list[str]]] | None:
    stripped = [[c.strip() for c in row] for row in rows]
    kept = [row for row in stripped if any(row)]
    if not kept:
        return None
    header, data = kept[0], kept[1:]
    width = max(i + 1 for i, c in enumerate(header) if c)
    for row in data:
        width = max([width] + [i + 1 for i, c in enumerate(row) if c])
    return header[:width], [row[:width] for row in data]


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(csv_files())
def test_property_csv_round_trip(case: tuple[list[list[str]], str, str, bool, str]) -> None:
    rows, delimiter, encoding, quote_all, newline = case
    buffer = io.StringIO(newline="")
    csv.writer(
        buffer,
        delimiter=delimiter,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator=newline,
    ).writerows(rows)
    data = buffer.getvalue().encode(encoding)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roundtrip.csv"
        path.write_bytes(data)
        want = expected(rows)
        if want is None:
            with pytest.raises(UnreadableFile):
                read_table(path)
            return
        table = read_table(path)

    headers, body = want
    assert table.headers == headers
    assert [list(r) for r in table.frame.itertuples(index=False)] == body
    assert len(table.row_numbers) == len(body)
    assert all(n > table.header_row for n in table.row_numbers)
    assert list(table.row_numbers) == sorted(set(table.row_numbers))
    if len(rows[0]) > 1:
        assert table.delimiter == delimiter
    if encoding == "utf-8-sig":
        assert table.encoding == "utf-8-sig"
    elif encoding == "cp1252" and not data.isascii():
        assert table.encoding == "cp1252"
