"""The store: the snapshot moves only on commit; pending rows survive restarts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from importer.state import Applied, PendingRow, Store


def test_commit_clears_pending_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state" / "importer.sqlite3"
    store = Store(path)
    store.add_pending([PendingRow("prices", "A", 2**63 + 5, {"key": "A"}, "f.csv", 2, 1, "503")])
    store.add_pending([PendingRow("prices", "A", 2**63 + 5, {"key": "A"}, "f.csv", 2, 1, "503")])
    assert store.pending("prices")[0].attempts == 2
    assert store.pending("prices")[0].hash == 2**63 + 5
    store.close()
    store = Store(path)
    assert store.pending_count("prices") == 1
    store.commit("prices", [Applied("A", 2**63 + 5, {"key": "A"})])
    assert store.pending_count() == 0
    assert store.snapshot_count("prices") == 1
    store.close()


def test_file_ledger_knows_the_last_file_that_landed(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    now = datetime.now(UTC)
    crashed = store.start_file("abc", "a.csv", "prices", now)
    assert store.last_landed("prices") is None  # still 'processing': a crash is no success
    store.finish_file(crashed, "done", 10, 0)
    store.finish_file(store.start_file("abc", "again.csv", "prices", now), "duplicate", 0, 0)
    store.finish_file(store.start_file("def", "s.csv", "inventory", now), "done", 1, 0)
    entry = store.last_landed("prices")
    assert entry is not None and (entry.name, entry.sha256, entry.failed) == ("a.csv", "abc", 0)
    store.close()


def test_sku_map_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.remember_sku_ids({"0789": 12, "A-1": 7})
    assert store.sku_ids(["0789", "A-1", "nope"]) == {"0789": 12, "A-1": 7}
    store.close()
