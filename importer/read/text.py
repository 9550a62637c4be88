"""Text files (CSV/TSV/TXT) -> Grid of stripped cells with Excel row numbers.

The parse is pandas' C engine over the whole file (about a second for a million rows), with
`header=None` and every cell read as text, blank lines kept so that row numbers stay true.

Row numbers are the rows Excel shows (FORMATS.md promises them): record n of the file is
row n, blank lines included, whatever line breaks its quoted values hold. A Magento export
whose descriptions span lines has its 102nd record on row 102, not on line 948 of a text
editor. Both parsers (Arrow's fast path and pandas' C engine) hand over one frame row per
record, so the numbering is one for both.
A first line `sep=;` (Excel's delimiter hint) is honoured and, as in Excel, not counted.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from importer.errors import ConfigError, UnreadableFile
from importer.read.arrow_csv import read_uniform_csv
from importer.read.delimiter import SAMPLE_CHARS, sniff_layout
from importer.read.encoding import decode
from importer.read.grid import Grid
from importer.read.limits import MAX_CELL_CHARS, MAX_COLUMNS

_SEP_HINT = re.compile(r'"?sep=(.)"?(?:\r\n|\r|\n|$)', re.IGNORECASE)
_MORE_FIELDS = re.compile(r"Expected \d+ fields in line \d+, saw (\d+)")
_LINE_BREAK = r"\r\n|\r|\n"
_SINGLE_COLUMN_SEP = "\x1f"  # a parse delimiter for files that have none
_PARSE_ATTEMPTS = 16


def read_text(
    data: bytes, name: str, encoding: str, delimiter: str
) -> tuple[Grid, str, str | None]:
    """Parse a text file; return the grid, the encoding used and the delimiter used."""
    decoded = decode(data, name, encoding)
    text = decoded.text.rstrip("\x1a")  # DOS end-of-file mark
    explicit = _explicit_delimiter(delimiter)

    hint = _SEP_HINT.match(text)
    if hint is not None:
        text = text[hint.end() :]  # Excel hides this line: the next one is its row 1
        if explicit is None and hint.group(1) != '"':
            explicit = hint.group(1)
    if not text.strip():
        raise UnreadableFile(f"{name}: the file is empty. Export it again from the ERP.")

    layout = sniff_layout(text, explicit)
    if layout.header_fields is not None and layout.header_fields > MAX_COLUMNS:
        # The sniffer sees only the start of the file, which may cut a wide header short:
        # count the header's fields for the message.
        sep = layout.delimiter or _SINGLE_COLUMN_SEP
        raise UnreadableFile(
            f"{name}: the header has {_first_record_width(text, sep, whole=True):,} columns, "
            f"more than the {MAX_COLUMNS:,} allowed. Check the delimiter, or remove the unused "
            "columns."
        )
    sep = layout.delimiter or _SINGLE_COLUMN_SEP
    if decoded.encoding == "utf-8" and hint is None and len(text) == len(decoded.text):
        payload = data  # already valid UTF-8: hand pandas the bytes as they are
    else:
        payload = text.encode("utf-8")

    raw = _parse(payload, sep, layout.header_fields or 1, name, text)
    row_numbers = _row_numbers(raw)
    _check_cell_sizes(raw, row_numbers, name)
    frame = pd.DataFrame(
        {col: raw[col].str.strip() for col in raw.columns}, index=pd.RangeIndex(len(raw))
    )
    grid = Grid(
        frame=frame,
        row_numbers=row_numbers,
        declared_width=layout.header_fields,
        clean_text=decoded.clean,
    )
    return grid, decoded.encoding, layout.delimiter


def _explicit_delimiter(option: str) -> str | None:
    if option.lower() == "auto":
        return None
    if option.lower() in ("tab", "\\t"):
        return "\t"
    if len(option) != 1 or option in '"\r\n':
        raise ConfigError(
            f'delimiter {option!r} is not usable: give "auto" or one character such as ";", '
            '",", "|" or "tab".'
        )
    return option


def _parse(payload: bytes, sep: str, width: int, name: str, text: str) -> pd.DataFrame:
    """Parse with at least `width` columns, widening when a longer row shows up (the
    assembler then decides whether its extra cells are harmless trailing empties).

    pandas raises for a long row further down, but for a long *first* row it only warns
    and drops the extra values; so the first record's width is measured up front, and the
    warning, should it still come, is treated like the error."""
    width = max(width, _first_record_width(text, sep))
    if width <= MAX_COLUMNS:
        uniform = read_uniform_csv(payload, sep, width)  # 10x faster; None for odd files
        if uniform is not None:
            return uniform
    for _ in range(_PARSE_ATTEMPTS):
        if width > MAX_COLUMNS:
            raise _too_wide(name, width)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                return _read_csv(payload, sep, width)
        except pd.errors.ParserWarning as e:
            if width == MAX_COLUMNS:
                raise _too_wide(name, None) from e
            width = min(2 * width, MAX_COLUMNS)
        except pd.errors.ParserError as e:
            more = _MORE_FIELDS.search(str(e))
            if more is None:
                raise _parse_failure(e, name, text, sep) from e
            saw = int(more.group(1))
            width = saw if saw > MAX_COLUMNS else min(max(saw, 2 * width), MAX_COLUMNS)
        except (pd.errors.EmptyDataError, ValueError, OverflowError) as e:
            raise UnreadableFile(f"{name}: the file cannot be read as CSV ({e}).") from e
    raise UnreadableFile(f"{name}: the rows have too many different lengths to read as CSV.")


def _too_wide(name: str, values: int | None) -> UnreadableFile:
    count = f"{values:,} values" if values is not None else f"more than {MAX_COLUMNS:,} values"
    return UnreadableFile(
        f"{name}: a row has {count}, more than the {MAX_COLUMNS:,} columns allowed. Check "
        "the delimiter and the quotes around values."
    )


def _read_csv(payload: bytes, sep: str, width: int) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(payload),
        sep=sep,
        header=None,
        names=list(range(width)),
        index_col=False,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,  # blank lines count in Excel's row numbers
        quotechar='"',
        doublequote=True,
        engine="c",
        encoding="utf-8",
    )


def _first_record_width(text: str, sep: str, *, whole: bool = False) -> int:
    """Fields in the first record. A prefix is enough for parsing (and avoids copying a
    big file): a longer first record still shows up as pandas' warning. `whole` counts the
    header (the first non-blank record) to its end, however long."""
    source = io.StringIO(text if whole else text[:SAMPLE_CHARS], newline="")
    reader: Iterator[list[str]] = csv.reader(source, delimiter=sep, quotechar='"')
    if whole:
        reader = (record for record in reader if any(cell.strip() for cell in record))
    try:
        return len(next(reader, []))
    except csv.Error:
        return 1


def _parse_failure(error: Exception, name: str, text: str, sep: str) -> UnreadableFile:
    if "EOF inside string" in str(error):
        row = _unclosed_quote_line(text, sep)
        return UnreadableFile(
            f'{name}: a value that starts with a quote (") on row {row} is never closed, so '
            "the rest of the file would be read as one cell. Write a quote inside a value "
            'as two quotes (""), or export the file again.'
        )
    detail = str(error).replace("Error tokenizing data. C error: ", "").strip()
    return UnreadableFile(f"{name}: the file cannot be read as CSV ({detail}).")


def _unclosed_quote_line(text: str, sep: str) -> int:
    """The row (as Excel counts records) of the last record, the one that runs to the end."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"')
    rows = 0
    try:
        for _ in reader:
            rows += 1
    except csv.Error:
        pass
    return max(rows, 1)


def _row_numbers(raw: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Record n is the row n Excel shows: a value's line breaks stay inside its row."""
    return np.arange(1, len(raw) + 1, dtype=np.int64)


def _check_cell_sizes(raw: pd.DataFrame, row_numbers: npt.NDArray[np.int64], name: str) -> None:
    for col in raw.columns:
        # Byte lengths come straight from Arrow's offsets; a cell has at most as many
        # characters as bytes, so the exact count is needed only past the limit.
        cells = pa.array(raw[col])
        if not len(cells) or pc.max(pc.binary_length(cells)).as_py() <= MAX_CELL_CHARS:
            continue
        lengths = raw[col].str.len().to_numpy(dtype=np.int64)
        if lengths.max() > MAX_CELL_CHARS:
            row = int(row_numbers[int(np.argmax(lengths > MAX_CELL_CHARS))])
            raise UnreadableFile(
                f"{name}: a value on row {row} is {int(lengths.max()):,} characters long, more "
                f"than the {MAX_CELL_CHARS:,} allowed. Check the quotes in the file: an "
                "unclosed quote makes many rows one value."
            )
