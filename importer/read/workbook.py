"""Workbooks (XLSX/XLSM, XLS, ODS) -> Grid of text cells, via python-calamine.

Every cell becomes the text a person would type for it, so that workbooks and CSV files
look the same to the rest of the importer:

- text: as written, stripped;
- numbers: as Excel shows them, to 15 significant digits (Excel keeps no more), with a '.'
  decimal, no exponent and no trailing zeros: a price stored as 731.9399999999999 is
  "731.94", an EAN stored as 54398267125.00001 is "54398267125", 7891234567890.0 is
  "7891234567890", 1e-05 is "0.00001". Such cells are marked in `Grid.numeric`, because their
  '.' is certainly a decimal point, whatever the column's other values say;
- booleans: "true" / "false";
- dates "2026-01-31", date-times "2026-01-31T10:00:00", times "10:30:00", durations
  "2.03:00:00" (VTEX's d.hh:mm:ss);
- empty cells, and cells holding an Excel error such as #N/A (calamine gives none): "".
Formulas are read as the values Excel cached when it saved the file.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from decimal import Decimal
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import python_calamine as calamine

from importer.errors import UnreadableFile
from importer.read.grid import Grid
from importer.read.limits import MAX_CELL_CHARS, MAX_COLUMNS
from importer.read.zipguard import check_workbook_zip

_KIND_NAMES = {"xlsx": "Excel", "xls": "Excel 97-2003", "ods": "OpenDocument"}


def read_workbook(data: bytes, kind: str, name: str, sheet: str | None) -> tuple[Grid, str]:
    """Read one sheet of a workbook; return the grid and the sheet's name."""
    if kind in ("xlsx", "ods"):
        check_workbook_zip(data, name)
    try:
        return _read(data, kind, name, sheet)
    except UnreadableFile:
        raise
    except calamine.PasswordError as e:
        raise UnreadableFile(
            f"{name}: the workbook is password-protected. Save it without a password and "
            "drop it again."
        ) from e
    except Exception as e:
        # calamine signals damage with several exception types (CalamineError, XmlError,
        # ZipError, ValueError...); to the person they all mean the same thing.
        raise _damaged(name, kind, e) from e
    except BaseException as e:
        # pyo3 turns a panic inside the Rust parser into PanicException, a BaseException.
        if type(e).__name__ != "PanicException":
            raise
        raise _damaged(name, kind, e) from e


def _damaged(name: str, kind: str, error: BaseException) -> UnreadableFile:
    # Some parser errors carry no text ("XmlError: "): then the type alone says enough.
    detail = f"{type(error).__name__}: {error}" if str(error).strip() else type(error).__name__
    return UnreadableFile(
        f"{name}: the {_KIND_NAMES.get(kind, kind)} workbook is damaged or incomplete and "
        f"cannot be read ({detail}). Open it in Excel or LibreOffice, save it again, and drop "
        "the new file."
    )


def _read(data: bytes, kind: str, name: str, sheet: str | None) -> tuple[Grid, str]:
    with calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
        sheet_name = _choose_sheet(workbook, sheet, name)
        worksheet = workbook.get_sheet_by_name(sheet_name)
        if worksheet.width > MAX_COLUMNS:
            raise UnreadableFile(
                f'{name}: sheet "{sheet_name}" uses {worksheet.width:,} columns, more than the '
                f"{MAX_COLUMNS:,} allowed. Delete the unused columns to the right of the data."
            )
        rows = worksheet.to_python(skip_empty_area=True)
        start = worksheet.start
    if not rows or start is None:
        raise UnreadableFile(
            f'{name}: sheet "{sheet_name}" is empty. Check that the data is on the first '
            'sheet, or name its sheet in the flow\'s "sheet" setting.'
        )
    frame, numeric = _render(rows, name, first_row=start[0] + 1)
    row_numbers = np.arange(start[0] + 1, start[0] + 1 + len(rows), dtype=np.int64)
    return Grid(frame=frame, row_numbers=row_numbers, numeric=numeric), sheet_name


def _choose_sheet(workbook: calamine.CalamineWorkbook, wanted: str | None, name: str) -> str:
    names = list(workbook.sheet_names)
    if not names:
        raise UnreadableFile(f"{name}: the workbook has no sheets.")
    if wanted is None:
        # The first sheet a person sees: hidden sheets and chart sheets are skipped.
        for meta in workbook.sheets_metadata:
            visible = meta.visible == calamine.SheetVisibleEnum.Visible
            if visible and meta.typ == calamine.SheetTypeEnum.WorkSheet:
                return str(meta.name)
        return names[0]
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    listed = ", ".join(f'"{n}"' for n in names)
    raise UnreadableFile(
        f'{name}: the workbook has no sheet named "{wanted}"; its sheets are {listed}. Fix '
        'the flow\'s "sheet" setting or rename the sheet.'
    )


def _render(rows: list[list[Any]], name: str, first_row: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    width = max(map(len, rows))
    if min(map(len, rows)) != width:
        rows = [row + [""] * (width - len(row)) for row in rows]
    grid = np.empty((len(rows), width), dtype=object)
    grid[:] = rows  # cells are scalars, so this is the grid; a column is then a view
    texts: dict[int, pd.Series] = {}
    numbers: dict[int, npt.NDArray[np.bool_]] = {}
    for position in range(width):
        texts[position], numbers[position] = _render_column(grid[:, position])
    frame = pd.DataFrame(texts, columns=pd.RangeIndex(width))
    numeric = pd.DataFrame(numbers, columns=pd.RangeIndex(width))
    _check_cell_sizes(frame, name, first_row)
    return frame, numeric


_OTHER, _FLOAT, _TEXT, _INT = 0, 1, 2, 3
_KIND_CODES: dict[type, int] = {float: _FLOAT, str: _TEXT, int: _INT}


def _render_column(cells: npt.NDArray[np.object_]) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """A column's cells as text (`_cell_text`), and where they were numbers. Floats, most of
    a price sheet, and text are rendered a column at a time (`_float_texts`, str.strip);
    other cells one by one."""
    # A number is an int or a finite float. Exact types: bool is a subclass of int. (One map of
    # dict.get over the cells' types keeps the per-cell work in C.)
    kinds = np.fromiter(
        map(_KIND_CODES.get, map(type, cells), repeat(_OTHER)), dtype=np.int8, count=len(cells)
    )
    is_float, is_text, numbers = kinds == _FLOAT, kinds == _TEXT, kinds == _INT
    texts = np.empty(len(cells), dtype=object)
    texts[is_text] = list(map(str.strip, cells[is_text]))
    other = ~(is_float | is_text)
    texts[other] = [_cell_text(value) for value in cells[other]]
    if is_float.any():
        floats = cells[is_float].astype(np.float64)
        texts[is_float] = _float_texts(floats)
        numbers[is_float] = np.isfinite(floats)
    return pd.Series(pd.array(texts, dtype="str")), numbers


def _float_texts(floats: npt.NDArray[np.float64]) -> npt.NDArray[np.object_]:
    """`_float_text` of every value, a column at a time.

    Money first: a value that is exactly the double nearest some cents (x.y or x.yz, under
    10^13) has that decimal as its 15-digit text, which is what `_float_text` writes; Arrow
    formats the integers. The rest: `%.15g` mapped in C, and `_float_text` itself where `%g`
    would write an exponent (tiny and huge values), nan, inf or -0."""
    texts = np.empty(len(floats), dtype=object)
    with np.errstate(invalid="ignore", over="ignore"):
        cents = np.rint(floats * 100)
        money = (abs(floats) < 1e13) & (cents / 100 == floats) & (floats != np.trunc(floats))
    if money.any():
        signed = cents[money].astype(np.int64)
        magnitude = np.abs(signed)
        hundredths = magnitude % 100
        padded = pa.array(hundredths + 100).cast(pa.string())  # 5 -> "105": digits 1..2
        fraction = pc.if_else(
            pa.array(hundredths % 10 == 0),
            pc.utf8_slice_codeunits(padded, 1, 2),  # 50 -> "5"
            pc.utf8_slice_codeunits(padded, 1, 3),
        )
        sign = pc.if_else(pa.array(signed < 0), "-", "")
        whole = pa.array(magnitude // 100).cast(pa.string())
        text = pc.binary_join_element_wise(sign, whole, ".", fraction, "")
        texts[money] = text.to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~money)
    values = floats[rest].tolist()
    rendered = list(map(_EXCEL_DIGITS.__mod__, values))
    with np.errstate(invalid="ignore"):
        odd = np.abs(floats[rest])
        # %g writes an exponent below 1e-4 and from 1e15 (a value just under 1e15 may round
        # up to it); -0.0 would read "-0".
        special = ~np.isfinite(odd) | (odd < 1e-4) | (odd >= 9e14)
    for i in np.flatnonzero(special).tolist():
        rendered[i] = _float_text(values[i])
    texts[rest] = rendered
    return texts


def _check_cell_sizes(frame: pd.DataFrame, name: str, first_row: int) -> None:
    for col in frame.columns:
        lengths = frame[col].str.len().to_numpy(dtype=np.int64)
        if len(lengths) and lengths.max() > MAX_CELL_CHARS:
            offset = int(np.argmax(lengths > MAX_CELL_CHARS))
            raise UnreadableFile(
                f"{name}: a cell on row {first_row + offset} is {int(lengths.max()):,} "
                f"characters long, more than the {MAX_CELL_CHARS:,} allowed."
            )


def _cell_text(value: Any) -> str:
    render = _RENDER.get(type(value))
    if render is not None:
        return render(value)
    return "" if value is None else str(value).strip()


# Excel stores and shows at most 15 significant digits: 731.9399999999999 is the 731.94 a
# person typed, and what a person sees is what must reach VTEX.
_EXCEL_DIGITS = "%.15g"


def _float_text(value: float) -> str:
    """A number cell as Excel shows it: 15 significant digits, positional, no trailing
    zeros (an integral value has no decimal part)."""
    if not math.isfinite(value):
        return ""
    text = _EXCEL_DIGITS % value
    if "e" in text:  # below 1e-4 or from 1e15: written out, as a person types it
        text = format(Decimal(text), "f")
    return "0" if text == "-0" else text


def _duration_text(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{sign}{days}.{clock}" if days else f"{sign}{clock}"


def _iso(value: dt.date | dt.time) -> str:
    return value.isoformat()


# One renderer per exact cell type (a dict lookup beats an isinstance chain per cell; exact
# types also keep bool apart from int and datetime apart from date).
_RENDER: dict[type, Callable[[Any], str]] = {
    str: str.strip,
    float: _float_text,
    int: str,
    bool: lambda value: "true" if value else "false",
    dt.datetime: _iso,
    dt.date: _iso,
    dt.time: _iso,
    dt.timedelta: _duration_text,
}
