"""The row hash is what the store keeps: it must never change between releases.

`content_hash` computes `pandas.util.hash_pandas_object` over the hashed columns in its own
faster way (empty columns hashed once, distinct values hashed without deduplication); a
different value for the same row would make every row of every flow look changed after an
upgrade, and resend a whole catalog to VTEX.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.diff import content_hash, diff

cells = st.one_of(st.just(""), st.text(max_size=6), st.sampled_from(["0", "19.9", "true"]))


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(cells, cells, cells), min_size=1, max_size=40),
    arrow=st.booleans(),
)
def test_content_hash_is_pandas_hash_of_the_rows(
    rows: list[tuple[str, str, str]], arrow: bool
) -> None:
    dtype = "str" if arrow else object
    frame = pd.DataFrame(
        {name: pd.Series([r[i] for r in rows], dtype=dtype) for i, name in enumerate("abc")}
    )
    expected = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
    assert (content_hash(frame, ["a", "b", "c"]).to_numpy() == expected.view(np.int64)).all()


def test_a_long_column_of_distinct_prices_hashes_as_pandas_does() -> None:
    # Large and distinct: the path that skips pandas' deduplication.
    prices = pd.Series(pd.array([f"{i}.{i % 100:02d}" for i in range(20_000)], dtype="str"))
    frame = pd.DataFrame({"base_price": prices, "markup": pd.array([""] * 20_000, dtype="str")})
    expected = pd.util.hash_pandas_object(frame, index=False).to_numpy().view(np.int64)
    assert (content_hash(frame, ["base_price", "markup"]).to_numpy() == expected).all()


def test_the_hash_of_a_row_is_the_one_stores_already_hold() -> None:
    # Pinned: a pandas upgrade that changed its hashing would fail here, not in production.
    row = pd.DataFrame({"base_price": ["19.9"], "list_price": [""], "unlimited": ["true"]})
    assert content_hash(row, list(row.columns)).iloc[0] == 1325474620210823823


def test_forcing_and_quieting_rows_moves_them_between_changed_and_unchanged() -> None:
    frame = pd.DataFrame({"key": ["A", "B", "C", "D"], "price": ["1", "2", "3", "4"]})
    frame["hash"] = content_hash(frame, ["price"])
    snapshot = frame[["key", "hash"]].copy()
    snapshot.loc[snapshot["key"] == "B", "hash"] = 0  # B changed
    changes = diff(frame, snapshot)
    assert changes.changed["key"].tolist() == ["B"]
    assert changes.unchanged_records["key"].tolist() == ["A", "C", "D"]
    forced = changes.force({"C"})
    assert sorted(forced.changed["key"]) == ["B", "C"] and forced.unchanged == 2
    assert forced.unchanged_records["key"].tolist() == ["A", "D"]
    quiet = forced.without({"B"})
    assert quiet.changed["key"].tolist() == ["C"] and quiet.unchanged == 3
    assert sorted(quiet.unchanged_records["key"]) == ["A", "B", "D"]
