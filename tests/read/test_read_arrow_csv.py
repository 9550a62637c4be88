"""The Arrow fast path reads exactly what pandas' C parser reads, or declines.

Any bytes at all (well-formed or not: stray quotes, ragged rows, blank lines, lone carriage
returns, a byte-order mark) go to both parsers. Where Arrow answers, the C parser must read
the same cells; where the C parser cannot read a file at the width, Arrow must decline. A
difference would change what a person's file means depending on which parser ran.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from importer.read.arrow_csv import read_uniform_csv
from importer.read.text import _first_record_width, _read_csv

PIECES = ["a", "b", "0", " ", "é", "中", '"', '""', ",", ";", "\t", "\n", "\r", "\r\n", "x y"]


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=40),
    sep=st.sampled_from([",", ";", "\t", "\x1f"]),
    bom=st.booleans(),
)
@example(pieces=['"', "a", "\n", "b", '"', ",", "c", "\n"], sep=",", bom=False)
@example(pieces=["a", ",", "b", "\n", "\n", "c", ",", "d"], sep=",", bom=False)
@example(pieces=["a", ",", "b", "\r", "c", ",", "d", "\r\n"], sep=",", bom=True)
@example(pieces=['"', "a", '"', "b", ",", "c"], sep=",", bom=False)
def test_arrow_reads_what_the_c_parser_reads_or_declines(
    pieces: list[str], sep: str, bom: bool
) -> None:
    text = "".join(pieces)
    payload = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    width = max(1, _first_record_width(text, sep))
    fast = read_uniform_csv(payload, sep, width)
    try:
        reference = _read_csv(payload, sep, width)
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError):
        assert fast is None
        return
    if fast is None:
        return
    assert fast.columns.tolist() == reference.columns.tolist()
    assert fast.to_dict("list") == reference.to_dict("list")


def test_a_clean_export_is_read_by_arrow_as_text_with_its_leading_zeros() -> None:
    payload = "sku_ref;price\r\n007;1,50\r\nAÇÃO 1;\r\n".encode()
    frame = read_uniform_csv(payload, ";", 2)
    assert frame is not None
    assert frame.to_dict("list") == {0: ["sku_ref", "007", "AÇÃO 1"], 1: ["price", "1,50", ""]}
    assert all(dtype == pd.StringDtype("pyarrow", na_value=float("nan")) for dtype in frame.dtypes)


@pytest.mark.parametrize(
    "payload",
    [b"a,b\nc\n", b"a,b\nc,d,e\n", b'a,b\n"c,d\n'],
    ids=["short row", "long row", "a quote"],
)
def test_arrow_declines_ragged_or_quoted_files_so_the_c_parser_reads_them(payload: bytes) -> None:
    assert read_uniform_csv(payload, ",", 2) is None


def test_a_blank_line_is_a_row_of_empty_cells_as_the_c_parser_reads_it() -> None:
    frame = read_uniform_csv(b"a,b\n\nc,d\n", ",", 2)
    assert frame is not None
    assert frame.to_dict("list") == {0: ["a", "", "c"], 1: ["b", "", "d"]}
