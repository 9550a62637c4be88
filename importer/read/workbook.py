"""Workbooks (XLSX/XLSM, XLS, ODS) -> Grid of text cells, via python-calamine.

Every cell becomes the text a person would type for it, so that workbooks and CSV files
look the same to the rest of the importer:

- text: as written, stripped;
- numbers: integral values without a decimal part (an EAN stored as the number
  7891234567890.0 becomes "7891234567890"), others in their shortest exact form with a '.'
  decimal and no exponent ("12.5", "0.00001"); such cells are marked in `Grid.numeric`,
  because their '.' is certainly a decimal point, whatever the column's other values say;
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
from typing import Any

import numpy as np
import pandas as pd
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
    return UnreadableFile(
        f"{name}: the {_KIND_NAMES.get(kind, kind)} workbook is damaged or incomplete and "
        f"cannot be read ({type(error).__name__}: {error}). Open it in Excel or LibreOffice, "
        "save it again, and drop the new file."
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
    width = max(len(row) for row in rows)
    texts: list[list[str]] = []
    numbers: list[list[bool]] = []
    for row in rows:
        padding = [""] * (width - len(row))
        texts.append([_cell_text(value) for value in row] + padding)
        numbers.append([_is_number(value) for value in row] + [False] * len(padding))
    columns = pd.RangeIndex(width)
    frame = pd.DataFrame(texts, columns=columns, dtype="str")
    numeric = pd.DataFrame(np.array(numbers, dtype=bool).reshape(len(rows), width), columns=columns)
    _check_cell_sizes(frame, name, first_row)
    return frame, numeric


def _check_cell_sizes(frame: pd.DataFrame, name: str, first_row: int) -> None:
    for col in frame.columns:
        lengths = frame[col].str.len().to_numpy(dtype=np.int64)
        if len(lengths) and lengths.max() > MAX_CELL_CHARS:
            offset = int(np.argmax(lengths > MAX_CELL_CHARS))
            raise UnreadableFile(
                f"{name}: a cell on row {first_row + offset} is {int(lengths.max()):,} "
                f"characters long, more than the {MAX_CELL_CHARS:,} allowed."
            )


def _is_number(value: Any) -> bool:
    # bool is a subclass of int, hence the exact type checks.
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _cell_text(value: Any) -> str:
    render = _RENDER.get(type(value))
    if render is not None:
        return render(value)
    return "" if value is None else str(value).strip()


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return ""
    if value.is_integer():
        return str(int(value))
    # repr() is the shortest text that reads back as the same float; it only needs help
    # for tiny values, which it writes with an exponent ('1e-05').
    text = repr(value)
    return text if "e" not in text else np.format_float_positional(value, unique=True, trim="-")


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
