"""The diff: identity by key, change by content hash, exact on 64-bit hashes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.diff import content_hash, diff
from importer.state import Applied, Store


def records(rows: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame({"key": list(rows), "price": list(rows.values())})
    frame["hash"] = content_hash(frame, ["price"])
    return frame


def test_new_changed_unchanged_and_absent(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    old = records({"A": "1.00", "B": "2.00", "C": "3.00"})
    pairs = zip(old["key"], old["hash"], strict=True)
    store.commit("prices", [Applied(k, int(h), {}) for k, h in pairs])
    changes = diff(
        records({"A": "1.00", "B": "2.50", "D": "4.00"}), store.snapshot_hashes("prices")
    )
    assert changes.new["key"].tolist() == ["D"]
    assert changes.changed["key"].tolist() == ["B"]
    assert changes.unchanged == 1
    assert changes.absent == ["C"]
    store.close()


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(
    before=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=6), max_size=30),
    after=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=6), max_size=30),
)
def test_diff_matches_a_plain_dictionary_comparison(
    before: dict[str, str], after: dict[str, str]
) -> None:
    snap = (
        records(before)[["key", "hash"]]
        if before
        else pd.DataFrame(
            {"key": pd.Series([], dtype=object), "hash": pd.Series([], dtype="int64")}
        )
    )
    changes = diff(records(after), snap)
    assert set(changes.new["key"]) == {k for k in after if k not in before}
    assert set(changes.changed["key"]) == {
        k for k in after if k in before and before[k] != after[k]
    }
    assert changes.unchanged == sum(1 for k in after if k in before and before[k] == after[k])
    assert set(changes.absent) == set(before) - set(after)
