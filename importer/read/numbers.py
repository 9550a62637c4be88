"""Decimal columns: '1234.56', '1,234.56', '1.234,56' and '1234,56' all read as 1234.56.

Money must never be a float, so values stay text: each cell becomes a canonical decimal
string ('1234.56', '-3', '0.5') that `Decimal()` reads exactly.

Which separator is the decimal one is decided per column (FORMATS.md: "a column's values
decide"). A value is evidence for ',' when it is a valid number with ',' as the decimal
separator and not with '.', and the other way round; so '1.234,56', '12,5', '0,123',
'1234,567' and '1.234.567' all say ','. Values like '1,234' or '1.000', valid both ways,
say nothing. The majority of the evidence wins and values contradicting it are invalid;
with no evidence and some undecidable values the column is `ambiguous`, and the caller
reports the whole column rather than guessing.

Everything runs on whole columns with Arrow's RE2 kernels (no Python per row): a million
values take a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

_SPACES = (" ", "\u00a0", "\u202f")  # space, NBSP, narrow NBSP: thousands separators
_SPACE = "[ \\x{a0}\\x{202f}]"
_CURRENCY = "(?i:R\\$)|[$€£]"
# A sign before the number (spaces allowed after it), or SAP's trailing minus ('12,50-').
_SIGNS = f"^[+-]{_SPACE}*|{_SPACE}*-$"


def _grouped(separator: str) -> str:
    """An integer in thousands groups ('1.234.567'); the first group has no leading zero."""
    return "[1-9]\\d{0,2}(?:" + separator + "\\d{3})+"


def _number(decimal: str, thousands: str) -> str:
    integer = "(?:\\d+|" + _grouped(thousands) + "|" + _grouped(_SPACE) + ")"
    return "^(?:" + integer + "(?:" + decimal + "\\d+)?|" + decimal + "\\d+)$"


_BY_COMMA = _number(",", "\\.")
_BY_DOT = _number("\\.", ",")
_LARGE_MINUS = pa.scalar("-", pa.large_string())
_LARGE_EMPTY = pa.scalar("", pa.large_string())
_PLAIN_DOT = "^\\d+(?:\\.\\d+)?$"  # numeric workbook cells, rendered by the reader


@dataclass
class DecimalColumn:
    canonical: pd.Series
    """Canonical decimal text per cell, same index as the input; "" when empty or invalid."""
    invalid: npt.NDArray[np.bool_]
    """Non-empty cells that are not numbers ('12,3,4', 'abc', '7.89E+12')."""
    separator: str | None
    """The decimal separator the column was read with; None when nothing showed it."""
    ambiguous: bool
    """decimal='auto' and the values cannot decide: the caller reports the whole column."""


# Empty, or digits with at most two decimals after a '.': unambiguous under "auto" and ".".
_SIMPLE = r"^(?:\d+(?:\.\d{1,2})?)?$"


def parse_decimal_column(
    values: pd.Series,
    decimal: str = "auto",
    numeric_mask: npt.NDArray[np.bool_] | None = None,
) -> DecimalColumn:
    """Read a column of decimal numbers written with ',' or '.' as the decimal separator.

    `decimal` is "auto", "," or "."; `numeric_mask` marks cells that a workbook stored as
    numbers: they are already '.'-decimal, count as no evidence, and are only canonicalised.
    """
    if decimal not in ("auto", ",", "."):
        raise ValueError(f'decimal must be "auto", "," or ".", not {decimal!r}')
    size = len(values)
    masked = np.zeros(size, dtype=bool) if numeric_mask is None else np.asarray(numeric_mask, bool)
    if masked.shape != (size,):
        raise ValueError("numeric_mask must have one entry per value")

    text = pa.array(values.astype("str"), from_pandas=True).cast(pa.large_string())
    if decimal != "," and not masked.any() and _all_simple(text):
        # The common case (ERP exports of plain '1234.56' money) in one regex pass: nothing
        # to guess, since no value has a ',' or a 3-digit fraction that could be thousands.
        # A simple value has no spaces, no sign and no leading '.', so none is trimmed.
        dotted = bool(pc.any(pc.match_substring(text, ".")).as_py())
        canonical = _canonical_simple(pc.fill_null(text, ""))
        return DecimalColumn(
            canonical=pd.Series(pd.array(canonical, dtype="str"), index=values.index),
            invalid=np.zeros(size, dtype=bool),
            separator="." if dotted or decimal == "." else None,
            ambiguous=False,
        )
    text = pc.utf8_trim_whitespace(pc.fill_null(text, ""))
    empty = _bools(pc.equal(text, ""))
    # Regex replacement costs ~0.1 s per million values even where nothing matches, so
    # each one runs only when a cheap match says some value needs it.
    if _any(text, _CURRENCY):
        text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, _CURRENCY, ""))
    lead = _bools(pc.match_substring_regex(text, "^[+-]"))
    trail = _bools(pc.ends_with(text, "-"))
    body = text
    if (lead | trail).any():
        body = pc.replace_substring_regex(text, _SIGNS, "")
    negative = _bools(pc.starts_with(text, "-")) | trail
    signed_ok = ~(lead & trail)  # '-12-' or a lone '-'

    by_comma = signed_ok & _bools(pc.match_substring_regex(body, _BY_COMMA))
    by_dot = signed_ok & _bools(pc.match_substring_regex(body, _BY_DOT))
    plain = signed_ok & _bools(pc.match_substring_regex(body, _PLAIN_DOT))
    judged = ~empty & ~masked
    says_comma = judged & by_comma & ~by_dot
    says_dot = judged & by_dot & ~by_comma
    undecided = judged & by_comma & by_dot & _bools(pc.match_substring_regex(body, "[.,]"))

    separator: str | None
    ambiguous = False
    if decimal != "auto":
        separator = decimal
    else:
        commas, dots = int(says_comma.sum()), int(says_dot.sum())
        if commas > dots:
            separator = ","
        elif dots > commas:
            separator = "."
        else:
            separator = None
            ambiguous = bool(undecided.any()) or commas > 0

    if separator == ",":
        valid_text = by_comma
        digits = pc.replace_substring(_drop_spaces(pc.replace_substring(body, ".", "")), ",", ".")
    else:
        # '.' or undecided: undecided columns only keep values that read the same both ways.
        valid_text = by_dot if separator == "." else by_dot & by_comma
        digits = _drop_spaces(pc.replace_substring(body, ",", ""))
    if ambiguous:
        valid_text = valid_text & ~undecided & ~says_comma & ~says_dot
    valid = np.where(masked, plain, valid_text) & ~empty
    invalid = ~empty & ~valid
    if ambiguous:
        invalid &= ~(undecided | says_comma | says_dot)

    digits = pc.if_else(pa.array(masked), body, digits)
    canonical = _canonical(digits, negative)
    canonical = pc.if_else(pa.array(valid), canonical, _LARGE_EMPTY)
    series = pd.Series(pd.array(canonical, dtype="str"), index=values.index)
    return DecimalColumn(
        canonical=series, invalid=invalid, separator=separator, ambiguous=ambiguous
    )


def _all_simple(text: pa.Array) -> bool:
    """Every value is empty (or missing) or matches _SIMPLE, before any trimming."""
    return bool(pc.all(pc.match_substring_regex(text, _SIMPLE)).as_py() is not False)


def _canonical_simple(text: pa.Array) -> pa.Array:
    """_canonical for values that match _SIMPLE: no sign and no leading '.' to handle, so
    only leading zeros ('007.50') and a fraction's trailing zeros ('7.50', '7.00')."""
    if pc.any(pc.starts_with(text, "0")).as_py() and _any(text, "^0\\d"):
        text = pc.replace_substring_regex(text, "^0+(\\d)", "\\1")
    fractional = pc.match_substring(text, ".")
    if not pc.any(pc.and_(fractional, pc.ends_with(text, "0"))).as_py():
        return text
    trimmed = pc.utf8_rtrim(pc.utf8_rtrim(text, characters="0"), characters=".")
    return pc.if_else(fractional, trimmed, text)


def _canonical(digits: pa.Array, negative: npt.NDArray[np.bool_]) -> pa.Array:
    """'007.500' -> '7.5', '.5' -> '0.5', '10.00' -> '10'; a '-' unless the value is zero."""
    text = digits
    if _any(text, "^0\\d"):
        text = pc.replace_substring_regex(text, "^0+(\\d)", "\\1")
    if pc.any(pc.starts_with(text, ".")).as_py():
        text = pc.replace_substring_regex(text, "^\\.", "0.")
    # Trailing zeros go only after a decimal point ('10.50' -> '10.5', never '100' -> '1').
    fractional = pc.match_substring(text, ".")
    trimmed = pc.utf8_rtrim(pc.utf8_rtrim(text, characters="0"), characters=".")
    text = pc.if_else(fractional, trimmed, text)
    minus = negative & ~_bools(pc.equal(text, "0"))
    if not minus.any():
        return text
    sign = pc.if_else(pa.array(minus), _LARGE_MINUS, _LARGE_EMPTY)
    return pc.binary_join_element_wise(sign, text, _LARGE_EMPTY)


def _drop_spaces(text: pa.Array) -> pa.Array:
    for space in _SPACES:
        if pc.any(pc.match_substring(text, space)).as_py():
            text = pc.replace_substring(text, space, "")
    return text


def _any(text: pa.Array, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(text, pattern)).as_py())


def _bools(array: pa.Array) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)
