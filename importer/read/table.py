"""read_table(): any accepted file -> Table of text cells with Excel row numbers.

The one entry point of reading. It sniffs what the bytes are, hands them to the text or
the workbook reader (both return a Grid of every row), then finds the header (the first
non-blank row), drops blank rows and trims empty unnamed columns on the right.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from importer.errors import UnreadableFile
from importer.read.entry import check_size, open_regular
from importer.read.grid import Grid
from importer.read.limits import DEFAULT_MAX_FILE_MB, HEAD_BYTES
from importer.read.sniff import refuse_by_head, sniff_kind
from importer.read.text import read_text
from importer.read.workbook import read_workbook


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file; the defaults let the bytes decide (a flow's config may not)."""

    encoding: str = "auto"
    """"auto" or a codec name ("utf-8", "cp1252", ...): explicit wins."""
    delimiter: str = "auto"
    """"auto" or one character (";", ",", "|", a tab or the word "tab"): explicit wins."""
    sheet: str | None = None
    """Workbook sheet name; None = the first visible sheet."""
    max_file_mb: int = DEFAULT_MAX_FILE_MB
    """A bigger file is refused before it is read (`[watch] max_file_mb`)."""


@dataclass
class Table:
    """A file's cells as text. `frame` has one column per header position, labelled 0..n-1;
    every cell is a str ("" when empty, never NaN); blank rows are dropped."""

    headers: list[str]
    frame: pd.DataFrame
    row_numbers: npt.NDArray[np.int64]
    """For each frame row, the row number a person sees in Excel."""
    header_row: int
    kind: str
    """"csv" | "xlsx" | "xls" | "ods"."""
    encoding: str | None = None
    delimiter: str | None = None
    """Text files: the delimiter used; None for a single-column file."""
    sheet: str | None = None
    numeric: pd.DataFrame | None = None
    """Workbooks: True where the cell was a number (rendered with a '.' decimal)."""
    clean_text: bool = False
    """True when no cell can hold a control character or U+FFFD: validation skips looking."""


_DEFAULT_OPTIONS = ReadOptions()


def read_table(path: Path, options: ReadOptions = _DEFAULT_OPTIONS) -> Table:
    """Read a CSV/TSV/TXT, XLSX/XLSM, XLS or ODS file. Raises UnreadableFile, with a
    message that names the file, the problem and the fix, for anything it cannot read."""
    name = path.name
    try:
        with open_regular(path) as handle:  # never through a link, never a pipe
            size = os.fstat(handle.fileno()).st_size
            check_size(size, name, options.max_file_mb)
            head = handle.read(HEAD_BYTES)
            if not head:
                raise UnreadableFile(f"{name}: the file is empty. Export it again from the ERP.")
            # What the first bytes already prove (a PDF, binary data) is refused unread.
            refuse_by_head(head, name, options.encoding)
            handle.seek(0)
            data = handle.read()  # one buffer of the file's size: no copy of head + rest
    except OSError as e:
        raise UnreadableFile(f"{name}: the file cannot be opened ({e.strerror or e}).") from e
    kind = sniff_kind(data, name)
    if kind == "csv":
        grid, encoding, delimiter = read_text(data, name, options.encoding, options.delimiter)
        return _assemble(grid, name, kind, encoding=encoding, delimiter=delimiter)
    grid, sheet = read_workbook(data, kind, name, options.sheet)
    return _assemble(grid, name, kind, sheet=sheet)


def _assemble(
    grid: Grid,
    name: str,
    kind: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    frame = grid.frame
    filled = [(frame[col] != "").to_numpy(dtype=bool) for col in frame.columns]
    nonblank = np.logical_or.reduce(filled)
    if not nonblank.any():
        where = f'sheet "{sheet}"' if sheet is not None else "the file"
        raise UnreadableFile(
            f"{name}: {where} has no header row: every row is blank. Export it again from the ERP."
        )
    header_index = int(np.argmax(nonblank))
    header_cells = [str(cell) for cell in frame.iloc[header_index]]
    named = max(i for i, cell in enumerate(header_cells) if cell) + 1

    is_data = nonblank.copy()
    is_data[: header_index + 1] = False
    if grid.declared_width is not None:
        _refuse_split_values(
            grid, filled, is_data, max(named, grid.declared_width), name, delimiter
        )
    used = [i for i, cells in enumerate(filled) if cells[is_data].any()]
    width = max(named, used[-1] + 1 if used else 0)

    rows = np.flatnonzero(is_data)
    table_frame = _take(frame, rows, width)
    numeric = None if grid.numeric is None else _take(grid.numeric, rows, width)
    return Table(
        headers=header_cells[:width],
        frame=table_frame,
        row_numbers=grid.row_numbers[rows].astype(np.int64),
        header_row=int(grid.row_numbers[header_index]),
        kind=kind,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        numeric=numeric,
        clean_text=grid.clean_text,
    )


def _take(frame: pd.DataFrame, rows: npt.NDArray[np.intp], width: int) -> pd.DataFrame:
    """The given rows and the first `width` columns, relabelled 0..n-1."""
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        # No blank rows among the data (the usual case): a slice, which copies nothing.
        taken = frame.iloc[rows[0] : rows[-1] + 1, :width]
    else:
        taken = frame.iloc[rows, :width]
    taken = taken.reset_index(drop=True)
    taken.columns = pd.RangeIndex(width)
    return taken


def _refuse_split_values(
    grid: Grid,
    filled: list[npt.NDArray[np.bool_]],
    is_data: npt.NDArray[np.bool_],
    limit: int,
    name: str,
    delimiter: str | None,
) -> None:
    """A text row with values beyond the header's last field means a delimiter inside an
    unquoted value (`SKU,Price` / `A1,12,50`): reading on would shift values silently."""
    beyond = [cells & is_data for cells in filled[limit:]]
    if not beyond:
        return
    offending = np.logical_or.reduce(beyond)
    if not offending.any():
        return
    index = int(np.argmax(offending))
    row = [str(cell) for cell in grid.frame.iloc[index]]
    count = max(i for i, cell in enumerate(row) if cell) + 1
    extra = next(cell for cell in row[limit:] if cell)
    shown = {"\t": "tab", None: "delimiter"}.get(delimiter, f'"{delimiter}"')
    raise UnreadableFile(
        f"{name}: row {int(grid.row_numbers[index])} has {count} values but the header has "
        f'{limit} (the first extra value is "{extra[:40]}"). A value that contains the '
        f"delimiter {shown} must be in quotes: export the file again with quoted values or "
        "with another delimiter."
    )
