"""Snapshot + records -> changeset. Pure and vectorised: a million rows is one hash and a join.

A row's identity is its key; its change is a 64-bit hash of its canonical content
(`pandas.util.hash_pandas_object`), so the comparison never touches Python objects per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from importer.store import to_signed


@dataclass
class Changeset:
    new: pd.DataFrame  # records whose key VTEX has never accepted
    changed: pd.DataFrame  # records whose content differs from what VTEX accepted
    unchanged: int
    absent: list[str]  # snapshot keys the file does not mention (used by mode = "full")
    unchanged_records: pd.DataFrame  # the rows that need nothing (kept for `force`)

    def force(self, keys: set[str]) -> Changeset:
        """Treat unchanged rows with these keys as changed (they must be sent again)."""
        if not keys:
            return self
        records = self.unchanged_records
        forced = records["key"].isin(keys)
        return Changeset(
            new=self.new,
            changed=pd.concat([self.changed, records[forced]], ignore_index=True),
            unchanged=self.unchanged - int(forced.sum()),
            absent=self.absent,
            unchanged_records=records[~forced].reset_index(drop=True),
        )

    def without(self, keys: set[str]) -> Changeset:
        """Treat changed rows with these keys as unchanged (nothing to send for them)."""
        quiet = self.changed["key"].isin(keys)
        return Changeset(
            new=self.new,
            changed=self.changed[~quiet].reset_index(drop=True),
            unchanged=self.unchanged + int(quiet.sum()),
            absent=self.absent,
            unchanged_records=pd.concat(
                [self.unchanged_records, self.changed[quiet]], ignore_index=True
            ),
        )

    @property
    def to_push(self) -> pd.DataFrame:
        return pd.concat([self.new, self.changed], ignore_index=True)


def content_hash(records: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """A signed 64-bit hash per row over `columns` (signed to match SQLite's integers)."""
    if records.empty:
        return pd.Series([], dtype="int64")
    hashed = pd.util.hash_pandas_object(records[list(columns)].astype(str), index=False)
    return pd.Series(hashed.to_numpy().view(np.int64), index=records.index)


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
        unchanged_records=records[same].reset_index(drop=True),
    )


__all__ = ["Changeset", "content_hash", "diff", "to_signed"]
