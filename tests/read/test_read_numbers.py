"""Decimal columns: separators decided by the column's values, canonical text out."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.read import parse_decimal_column


def parse(values: list[str | None], decimal: str = "auto") -> tuple[list[str], list[bool]]:
    result = parse_decimal_column(pd.Series(values, dtype=object), decimal)
    return result.canonical.tolist(), result.invalid.tolist()


@pytest.mark.parametrize("written", ["1234.56", "1,234.56", "1.234,56", "1234,56"])
def test_the_four_styles_read_as_the_same_number(written: str) -> None:
    result = parse_decimal_column(pd.Series([written]))
    assert result.canonical.tolist() == ["1234.56"]
    assert not result.ambiguous


def test_canonical_text_has_no_superfluous_zeros_or_separators() -> None:
    canonical, invalid = parse(["10,00", "007", "0,50", ",5", "1.000.000,0", "-0,00", "+3"])
    assert canonical == ["10", "7", "0.5", "0.5", "1000000", "0", "3"]
    assert invalid == [False] * 7


def test_signs_currency_and_spaces() -> None:
    canonical, invalid = parse(
        [" R$ 12,50 ", "-R$ 1.234,56", "R$ -3,10", "€ 4,00", "12,50-", "1\u00a0234,56", "1 234,5"]
    )
    assert canonical == ["12.5", "-1234.56", "-3.1", "4", "-12.5", "1234.56", "1234.5"]
    assert invalid == [False] * 7


def test_empty_cells_are_neither_values_nor_invalid() -> None:
    result = parse_decimal_column(pd.Series(["", None, "  ", "1,5"], dtype=object))
    assert result.canonical.tolist() == ["", "", "", "1.5"]
    assert result.invalid.tolist() == [False, False, False, False]


def test_non_numbers_are_invalid() -> None:
    canonical, invalid = parse(["12,3,4", "abc", "1.234,5.6", "7.89E+12", "1,5", "--1", "1-2"])
    assert invalid == [True, True, True, True, False, True, True]
    assert canonical == ["", "", "", "", "1.5", "", ""]


def test_thousands_grouping_must_be_in_threes() -> None:
    canonical, invalid = parse(["1.23,5", "12.3456,7", "1.234,5", "0.123.456,7"])
    assert invalid == [True, True, False, True]
    assert canonical == ["", "", "1234.5", ""]


def test_a_value_that_shows_the_separator_decides_the_whole_column() -> None:
    # '1.234' alone could be either; '5,5' shows ',' is the decimal separator.
    result = parse_decimal_column(pd.Series(["1.234", "5,5", "1.000"]))
    assert result.separator == ","
    assert result.canonical.tolist() == ["1234", "5.5", "1000"]
    assert not result.ambiguous


@pytest.mark.parametrize(
    ("values", "separator"),
    [
        (["1.234.567"], ","),  # a repeated separator is the thousands one
        (["1,234,567"], "."),
        (["0,123"], ","),  # a leading zero group is never thousands
        (["1234,567"], ","),  # nor are four digits before the separator
        (["12.5"], "."),
    ],
)
def test_evidence_rules(values: list[str], separator: str) -> None:
    assert parse_decimal_column(pd.Series(values)).separator == separator


def test_undecidable_column_is_ambiguous_not_guessed() -> None:
    result = parse_decimal_column(pd.Series(["1,234", "2,500", "10", ""]))
    assert result.ambiguous
    assert result.separator is None
    assert result.canonical.tolist() == ["", "", "10", ""]
    assert result.invalid.tolist() == [False, False, False, False]


def test_plain_integers_show_no_separator_and_are_not_ambiguous() -> None:
    result = parse_decimal_column(pd.Series(["10", "20", "1 000"]))
    assert (result.separator, result.ambiguous) == (None, False)
    assert result.canonical.tolist() == ["10", "20", "1000"]


def test_values_contradicting_the_majority_are_invalid() -> None:
    result = parse_decimal_column(pd.Series(["1,5", "2,5", "3.5", "1.234"]))
    assert result.separator == ","
    assert result.canonical.tolist() == ["1.5", "2.5", "", "1234"]
    assert result.invalid.tolist() == [False, False, True, False]


def test_explicit_separator_does_not_guess() -> None:
    assert parse(["1,234", "1.234"], decimal=",")[0] == ["1.234", "1234"]
    assert parse(["1,234", "1.234"], decimal=".")[0] == ["1234", "1.234"]
    result = parse_decimal_column(pd.Series(["1,234"]), ",")
    assert (result.separator, result.ambiguous) == (",", False)


def test_numeric_mask_cells_are_canonicalised_and_exempt_from_evidence() -> None:
    values = pd.Series(["1234.5", "-0.25", "7891234567890", "1.234"], index=[10, 11, 12, 13])
    mask = np.array([True, True, True, False])
    result = parse_decimal_column(values, numeric_mask=mask)
    # Only '1.234' is judged: ambiguous on its own, whatever the numeric cells look like.
    assert result.ambiguous
    assert result.canonical.tolist() == ["1234.5", "-0.25", "7891234567890", ""]
    assert result.canonical.index.tolist() == [10, 11, 12, 13]


def test_empty_column() -> None:
    result = parse_decimal_column(pd.Series([], dtype="str"))
    assert result.canonical.tolist() == []
    assert (result.separator, result.ambiguous) == (None, False)


# --- property: every style reads back as the same Decimal -----------------------------------


def _format(value: Decimal, decimal: str, grouped: bool) -> str:
    sign, digits = ("-" if value < 0 else ""), f"{abs(value):f}"
    integer, _, fraction = digits.partition(".")
    if grouped:
        thousands = "." if decimal == "," else ","
        integer = f"{int(integer):,}".replace(",", thousands)
    return sign + integer + (decimal + fraction if fraction else "")


STYLES = [(".", False), (".", True), (",", True), (",", False)]  # 1234.56 1,234.56 1.234,56 1234,56

decimals = st.decimals(
    min_value=Decimal("-99999999"), max_value=Decimal("99999999"), places=3, allow_nan=False
).map(lambda d: d.normalize() if d == d.to_integral() else d)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(decimals, min_size=1, max_size=20), st.sampled_from(STYLES))
def test_property_each_style_reads_back_equal(
    values: list[Decimal], style: tuple[str, bool]
) -> None:
    decimal, grouped = style
    written = pd.Series([_format(v, decimal, grouped) for v in values])

    explicit = parse_decimal_column(written, decimal)
    assert not explicit.invalid.any()
    assert [Decimal(c) for c in explicit.canonical] == values

    auto = parse_decimal_column(written)
    assert not auto.invalid.any()
    if auto.ambiguous:
        # Only allowed when no value shows the separator: all are like '1,234' or integers.
        assert written.str.fullmatch(r"-?(\d+|[1-9]\d{0,2}[.,]\d{3})").all()
    else:
        assert [Decimal(c) for c in auto.canonical] == values
