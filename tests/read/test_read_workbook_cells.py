"""Workbook cells become the text a person would type, whichever way they are rendered.

Floats are rendered a column at a time (by Arrow) and everything else cell by cell; for any
column of mixed cells the result must be each cell's own text (`_cell_text`), and a cell is
marked as a number exactly when it is an int or a finite float (never a bool).
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.read.workbook import _cell_text, _float_text, _float_texts, _render_column

ODD_FLOATS = [
    0.0,
    -0.0,
    1e-05,
    1e16,
    1e21,
    123456789012345.0,
    2.0**53,
    19.899999999999999,
    0.1 + 0.2,
    math.nan,
    math.inf,
    -math.inf,
    5e-324,
    1.7976931348623157e308,
]
cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(0, 2**64 - 1).map(lambda bits: struct.unpack("<d", struct.pack("<Q", bits))[0]),
    st.integers(-(10**8), 10**8).map(lambda cents: cents / 100),
    st.sampled_from(ODD_FLOATS),
    st.integers(-(10**15), 10**15),
    st.booleans(),
    st.text(max_size=5),
    st.none(),
    st.just(dt.date(2026, 1, 31)),
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(cells, max_size=60))
def test_a_column_renders_as_its_cells_each_on_their_own(values: list[Any]) -> None:
    column = np.empty(len(values), dtype=object)
    column[:] = values
    texts, numbers = _render_column(column)
    assert texts.tolist() == [_cell_text(v) for v in values]
    assert numbers.tolist() == [
        type(v) is int or (type(v) is float and math.isfinite(v)) for v in values
    ]


def test_prices_read_as_typed_and_integral_numbers_without_a_decimal_part() -> None:
    column = np.array(["base_price", 19.9, 7891234567890.0, 1e-05, 10.5, True, None], dtype=object)
    texts, numbers = _render_column(column)
    assert texts.tolist() == ["base_price", "19.9", "7891234567890", "0.00001", "10.5", "true", ""]
    assert numbers.tolist() == [False, True, True, True, True, False, False]


@pytest.mark.slow
def test_half_a_million_prices_read_exactly_as_excel_shows_them() -> None:
    # Money takes a vectorised path: every kind of price, at every magnitude, with the
    # neighbours of each (one ulp away, which are not money) must read as `_float_text`.
    rng = np.random.default_rng(20260101)
    cents = np.concatenate(
        [rng.integers(-(10**digits), 10**digits, 25_000) for digits in (2, 4, 6, 9, 12, 14, 16)]
    )
    prices = np.concatenate([cents / 100, cents / 10, np.nextafter(cents / 100, np.inf)])
    expected = [_float_text(value) for value in prices.tolist()]
    assert _float_texts(prices).tolist() == expected
