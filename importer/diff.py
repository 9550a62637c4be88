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
    position = pd.Index(snapshot["key"]).get_indexer(records["key"])
    is_new = position < 0
    same = np.zeros(len(records), dtype=bool)
    if (~is_new).any():
        old = snapshot["hash"].to_numpy(dtype="int64")[position[~is_new]]
        same[~is_new] = old == records["hash"].to_numpy(dtype="int64")[~is_new]
    is_changed = ~is_new & ~same
    in_file = pd.Index(records["key"])
    absent = snapshot.loc[~snapshot["key"].isin(in_file), "key"].tolist()
    return Changeset(
        new=records[is_new].reset_index(drop=True),
        changed=records[is_changed].reset_index(drop=True),
        unchanged=int(same.sum()),
        absent=absent,
    )


__all__ = ["Changeset", "content_hash", "diff", "to_signed"]
