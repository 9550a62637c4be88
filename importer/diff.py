"""Snapshot + records -> changeset. Pure and vectorised: a million rows is one hash and a join.

A row's identity is its key; its change is a 64-bit hash of its canonical content
(`pandas.util.hash_pandas_object`), so the comparison never touches Python objects per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from importer.state import to_signed

Mask = npt.NDArray[np.bool_]


@dataclass
class Changeset:
    new: pd.DataFrame  # records whose key VTEX has never accepted
    changed: pd.DataFrame  # records whose content differs from what VTEX accepted
    unchanged: int
    absent: list[str]  # snapshot keys the file does not mention (used by mode = "full")
    # The unchanged rows, as (frame, mask) parts taken only when asked for: in a file with 1%
    # changed they are 99% of the rows, and copying them costs more than the whole diff.
    unchanged_parts: tuple[tuple[pd.DataFrame, Mask], ...] = field(default=(), repr=False)

    @property
    def unchanged_records(self) -> pd.DataFrame:
        """The rows that need nothing (kept for `force`)."""
        taken = [frame[mask] for frame, mask in self.unchanged_parts if mask.any()]
        if not taken:
            first = self.unchanged_parts[0][0] if self.unchanged_parts else self.changed
            return first.iloc[:0].reset_index(drop=True)
        return (
            pd.concat(taken, ignore_index=True)
            if len(taken) > 1
            else taken[0].reset_index(drop=True)
        )

    def force(self, keys: set[str]) -> Changeset:
        """Treat unchanged rows with these keys as changed (they must be sent again)."""
        if not keys:
            return self
        parts: list[tuple[pd.DataFrame, Mask]] = []
        forced_rows: list[pd.DataFrame] = [self.changed]
        count = 0
        for frame, mask in self.unchanged_parts:
            forced = mask & frame["key"].isin(keys).to_numpy(dtype=bool)
            count += int(forced.sum())
            forced_rows.append(frame[forced])
            parts.append((frame, mask & ~forced))
        return Changeset(
            new=self.new,
            changed=pd.concat(forced_rows, ignore_index=True),
            unchanged=self.unchanged - count,
            absent=self.absent,
            unchanged_parts=tuple(parts),
        )

    def without(self, keys: set[str]) -> Changeset:
        """Treat changed rows with these keys as unchanged (nothing to send for them)."""
        quiet = self.changed["key"].isin(keys).to_numpy(dtype=bool)
        return Changeset(
            new=self.new,
            changed=self.changed[~quiet].reset_index(drop=True),
            unchanged=self.unchanged + int(quiet.sum()),
            absent=self.absent,
            unchanged_parts=(*self.unchanged_parts, (self.changed, quiet)),
        )

    @property
    def to_push(self) -> pd.DataFrame:
        return pd.concat([self.new, self.changed], ignore_index=True)


def content_hash(records: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """A signed 64-bit hash per row over `columns` (signed to match SQLite's integers).

    The values are `pd.util.hash_pandas_object(records[columns].astype(str), index=False)`,
    bit for bit: the store keeps them, so another hash would make every row look changed
    after an upgrade. Only the work differs: a column that is empty in every row (most of a
    flow's optional columns) hashes one value instead of a million."""
    if records.empty:
        return pd.Series([], dtype="int64")
    size = len(records)
    hashed = _combine([_column_hash(records[name].astype(str), size) for name in columns], size)
    return pd.Series(hashed.view(np.int64), index=records.index)


def _column_hash(column: pd.Series, size: int) -> npt.NDArray[np.uint64]:
    if _all_empty(column):
        one = pd.util.hash_array(np.array([""], dtype=object))
        return np.full(size, one[0], dtype=np.uint64)
    if _mostly_distinct(column):
        # Prices and codes: finding the distinct values first (pandas' way) costs more than
        # the few repeats save. Same values either way: each cell is hashed on its own.
        return pd.util.hash_array(column.to_numpy(dtype=object), categorize=False)
    return np.asarray(pd.util.hash_pandas_object(column, index=False), dtype=np.uint64)


def _mostly_distinct(column: pd.Series, sample: int = 4096) -> bool:
    """Whether most values differ, judged on evenly spaced cells (a guess that only decides
    how to hash, never what the hash is)."""
    step = max(1, len(column) // sample)
    cells = column.iloc[::step]
    return bool(cells.nunique() > len(cells) // 2)


def _combine(hashes: list[npt.NDArray[np.uint64]], size: int) -> npt.NDArray[np.uint64]:
    """Column hashes -> row hashes, as hash_pandas_object combines a frame's columns (CPython's
    tuple hash, in uint64 arithmetic that wraps)."""
    count = len(hashes)
    multiplier = np.uint64(1000003)
    out = np.full(size, 0x345678, dtype=np.uint64)
    for i, column in enumerate(hashes):
        out ^= column
        out *= multiplier
        multiplier += np.uint64(82520 + 2 * (count - i))
    out += np.uint64(97531)
    return out


def _all_empty(column: pd.Series) -> bool:
    """Every cell is "" (Arrow strings answer from their offsets, without reading a byte)."""
    values = column.array
    arrow = getattr(values, "_pa_array", None)
    if isinstance(arrow, pa.ChunkedArray) and (
        pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)
    ):
        if arrow.null_count:
            return False
        return bool(pc.max(pc.binary_length(arrow)).as_py() in (0, None))
    return bool((column == "").all())


def diff(records: pd.DataFrame, snapshot: pd.DataFrame) -> Changeset:
    """`records` needs 'key' and 'hash' columns; `snapshot` is (key, hash) from the store."""
    # Positions instead of a join, so hashes stay int64 (a NaN-able join would make them
    # floats, and 64-bit hashes do not survive a double).
    # Both sides as one string type: mixing object and Arrow strings costs a conversion.
    position = pd.Index(snapshot["key"].astype("str")).get_indexer(
        pd.Index(records["key"].astype("str"))
    )
    is_new = position < 0
    same = np.zeros(len(records), dtype=bool)
    if (~is_new).any():
        old = snapshot["hash"].to_numpy(dtype="int64")[position[~is_new]]
        same[~is_new] = old == records["hash"].to_numpy(dtype="int64")[~is_new]
    is_changed = ~is_new & ~same
    # Keys are unique on both sides, so the positions already say which snapshot keys the
    # file mentions.
    seen = np.zeros(len(snapshot), dtype=bool)
    seen[position[position >= 0]] = True
    absent = [str(k) for k in snapshot["key"].to_numpy()[~seen]]
    return Changeset(
        new=records[is_new].reset_index(drop=True),
        changed=records[is_changed].reset_index(drop=True),
        unchanged=int(same.sum()),
        absent=absent,
        unchanged_parts=((records, same),),
    )


__all__ = ["Changeset", "content_hash", "diff", "to_signed"]
