"""Cells whose text is damaged rather than wrong: a control character that no export
writes on purpose (a stray NUL from a fixed-width field, say), or U+FFFD where the reader
met bytes that are not in the file's encoding (a file that mixes encodings).

Such a cell is never data to send: validation reports its row, and the other rows go on.
The reader refuses a whole file only when damage is everywhere (binary data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

CONTROL_CHARACTER = "control-character"
UNDECODABLE_TEXT = "undecodable-text"
DAMAGE_TYPES = frozenset({CONTROL_CHARACTER, UNDECODABLE_TEXT})

# C0 controls and DEL, as the reader counts them (`encoding._CONTROL_BYTES`): all but tab,
# LF and CR, which a quoted value may hold, and form feed, which old text exports use.
_CONTROLS = r"[\x00-\x08\x0b\x0e-\x1f\x7f]"
_CONTROLS_RE = re.compile(_CONTROLS)


@dataclass(frozen=True)
class DamagedCell:
    index: int
    """Position of the cell in the column (not its Excel row)."""
    type: str
    """CONTROL_CHARACTER or UNDECODABLE_TEXT."""
    shown: str
    """The value as a person can read it: control characters written as `\\x00`."""


def damaged_cells(values: pd.Series) -> list[DamagedCell]:
    """The damaged cells of one column of text, in order."""
    cells = pa.array(values.astype("str"), type=pa.large_string())
    # RE2 over Arrow buffers: a million cells in a few tens of milliseconds.
    suspect = pc.match_substring_regex(cells, _CONTROLS + "|\ufffd")  # U+FFFD: undecodable
    found = np.flatnonzero(suspect.to_numpy(zero_copy_only=False))
    damaged: list[DamagedCell] = []
    for index in found.tolist():
        text = str(values.iloc[index])
        kind = CONTROL_CHARACTER if _CONTROLS_RE.search(text) else UNDECODABLE_TEXT
        damaged.append(DamagedCell(index, kind, _visible(text)))
    return damaged


def _visible(text: str) -> str:
    return _CONTROLS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


__all__ = ["DAMAGE_TYPES", "DamagedCell", "damaged_cells"]
