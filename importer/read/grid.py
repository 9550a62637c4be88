"""The raw grid that the text and workbook readers hand to the table assembler."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd


@dataclass
class Grid:
    """Every row of a file or sheet, blank rows included, before the header is located.

    `frame` holds stripped text cells ("" when empty), columns labelled 0..n-1.
    `row_numbers` is the Excel row number of each frame row.
    `numeric` (workbooks only) marks cells that were numbers in the workbook.
    `declared_width` (text only) is how many fields the header line has: a data row with
    non-empty values beyond it was split by a delimiter that sits inside a value.
    """

    frame: pd.DataFrame
    row_numbers: npt.NDArray[np.int64]
    numeric: pd.DataFrame | None = None
    declared_width: int | None = None
    clean_text: bool = False
    """True when the reader knows no cell holds a control character or U+FFFD."""
