"""The store split by table (issue 11): each table group works alone over a shared database,
holds only its own methods, and mypy refuses a stage a write its signature does not allow."""

from __future__ import annotations

import re
import textwrap
import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest

import importer
from importer.errors import StoreFull, StoreGone
from importer.state import (
    Applied,
    Batches,
    BatchJob,
    BatchRow,
    Database,
    Ids,
    Ledger,
    LedgerEntry,
    Orders,
    PendingRow,
    Snapshot,
    Store,
    Values,
    from_signed,
)

GROUPS = (Ledger, Snapshot, Ids, Orders, Batches, Values)

# What `importer.state.store.Store` offered before the split: every caller's method must still be on
# the Store, each defined by exactly one table group (or by the Store itself).
STORE_METHODS = [
    "close",
    "check_usable",
    "last_landed",
    "start_file",
    "finish_file",
    "unarchived_files",
    "set_archived",
    "abandon_file",
    "snapshot_hashes",
    "snapshot_payloads",
    "snapshot_count",
    "commit",
    "add_pending",
    "pending",
    "pending_keys",
    "pending_count",
    "drop_pending",
    "sku_ids",
    "remember_sku_ids",
    "catalog_ids",
    "remember_catalog_ids",
    "order_states",
    "unfinished_orders",
    "set_order_states",
    "forget_orders",
    "sku_refs",
    "get_value",
    "set_value",
    "set_values",
    "start_batch",
    "open_batches",
    "batch_rows",
    "batch_keys",
    "set_batch_state",
    "settle_batch",
]

BIG_HASH = 2**64 - 1  # unsigned: stored reinterpreted as -1


def _pending(key: str, source: str, row: int) -> PendingRow:
    return PendingRow("prices", key, BIG_HASH, {"key": key}, source, row, 1, "503")


def test_a_snapshot_alone_commits_and_a_newer_file_supersedes_its_pending_rows(
    tmp_path: Path,
) -> None:
    database = Database(tmp_path / "state" / "importer.sqlite3")
    snapshot = Snapshot(database)
    snapshot.add_pending([_pending("A", "old.csv", 2), _pending("B", "old.csv", 3)])
    assert snapshot.pending_keys("prices") == {"A", "B"}

    assert snapshot.drop_pending("prices", ["A", "never-pending"]) == 1  # a newer file has A
    assert snapshot.commit("prices", [Applied("B", BIG_HASH, {"key": "B", "price": 9})]) == 1
    assert snapshot.pending_count() == 0  # B landed: no longer pending either

    hashes = snapshot.snapshot_hashes("prices")
    assert hashes["key"].tolist() == ["B"]
    assert from_signed(int(hashes["hash"].iloc[0])) == BIG_HASH
    assert snapshot.snapshot_payloads("prices", ["A", "B"]) == {"B": {"key": "B", "price": 9}}
    assert snapshot.snapshot_count("inventory") == 0
    database.close()


def test_a_ledger_alone_keeps_a_file_until_its_input_is_archived(tmp_path: Path) -> None:
    database = Database(tmp_path / "state" / "importer.sqlite3")
    ledger = Ledger(database)
    file_id = ledger.start_file("abc", "p.csv", "prices", datetime.now(UTC))
    assert ledger.last_landed("prices") is None  # still processing

    ledger.finish_file(file_id, "done", rows_read=10, failed=1, report="p-20260101")
    [unarchived] = ledger.unarchived_files()
    assert (unarchived.id, unarchived.name, unarchived.report) == (file_id, "p.csv", "p-20260101")
    assert (unarchived.rows_read, unarchived.failed) == (10, 1)

    ledger.set_archived(file_id)
    assert ledger.unarchived_files() == []
    assert ledger.last_landed("prices") == LedgerEntry(file_id, "abc", "p.csv", "done", 1)
    database.close()


def test_groups_over_one_database_see_each_others_writes(tmp_path: Path) -> None:
    """A batch job keeps its rows pending and lands them in the snapshot: the Snapshot over
    the same database sees both, and so does the Store's own view."""
    store = Store(tmp_path / "state" / "importer.sqlite3")
    batches, snapshot = Batches(store.database), Snapshot(store.database)
    job = BatchJob("job-1", "prices", "bulk-pricing", "created", "https://u", {}, "z", "f.csv")
    rows = [BatchRow(0, "A", BIG_HASH, {"key": "A"}), BatchRow(1, "B", 7, {"key": "B"})]
    batches.start_batch(job, rows, [_pending("A", "f.csv", 2), _pending("B", "f.csv", 3)])
    assert snapshot.pending_keys("prices") == {"A", "B"}
    assert batches.batch_keys("prices") == {"A": "job-1", "B": "job-1"}

    # VTEX refused the job's B (hash 7), but B's pending row holds a newer value: it stays.
    landed = [Applied("A", BIG_HASH, {"key": "A"})]
    batches.settle_batch("job-1", "prices", landed, [], [("B", 7)])
    assert snapshot.snapshot_payloads("prices", ["A"]) == {"A": {"key": "A"}}
    assert store.pending_keys("prices") == {"B"}
    assert store.open_batches("prices") == []
    store.close()


def test_a_group_used_alone_still_says_what_a_storage_failure_means(tmp_path: Path) -> None:
    path = tmp_path / "state" / "importer.sqlite3"
    database = Database(path)
    snapshot, values = Snapshot(database), Values(database)
    pages = database.connection.execute("PRAGMA page_count").fetchone()[0]
    database.connection.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
    with pytest.raises(StoreFull, match=r"disk holding .* is full"):
        snapshot.commit("prices", [Applied("A", 1, {"text": "x" * 100_000})])
    assert snapshot.snapshot_count("prices") == 0  # rolled back, nothing half-written

    path.unlink()  # the state folder deleted under a running importer
    with pytest.raises(StoreGone, match="deleted or replaced"):
        values.set_value("cursor", "1")
    database.close()


def test_each_group_holds_only_its_own_methods_and_the_store_all_of_them() -> None:
    defined_by = {
        name: [group.__name__ for group in GROUPS if name in vars(group)] for name in STORE_METHODS
    }
    on_the_store_itself = {name for name, groups in defined_by.items() if not groups}
    assert on_the_store_itself == {"close", "check_usable"}  # what opening the file is about
    assert {name: groups for name, groups in defined_by.items() if len(groups) > 1} == {}
    assert all(callable(getattr(Store, name)) for name in STORE_METHODS)
    assert all(issubclass(Store, group) for group in GROUPS)
    assert not hasattr(Snapshot, "start_file") and not hasattr(Ledger, "commit")
    assert not hasattr(Snapshot, "check_usable")  # the runtime's, not a stage's


def test_the_push_and_batch_stages_are_given_only_the_tables_they_write() -> None:
    """What the mypy test below proves of `SkuTables` and `Batches` holds for these stages
    because their signatures name those, not the whole Store."""
    from importer import batches, push

    assert typing.get_type_hints(push.push_skus)["tables"] is push.SkuTables
    assert typing.get_type_hints(push.SkuTables) == {"ids": Ids, "jobs": Batches, "values": Values}
    assert typing.get_type_hints(push.held_back)["jobs"] is Batches
    assert typing.get_type_hints(push.resolve_skus)["ids"] is Ids
    for stage in (batches.send, batches.resume):
        assert typing.get_type_hints(stage)["store"] is Batches
    for memory in (batches.feature_off, batches.remember_off):
        assert typing.get_type_hints(memory)["store"] is Values


_STAGES = """
from datetime import UTC, datetime

from importer.batches import feature_off
from importer.push import SkuTables
from importer.state import Applied, Batches, Ledger, Snapshot, Store


def diff_stage(snapshot: Snapshot) -> None:
    snapshot.commit("prices", [Applied("A", 1, {})])  # its own table: fine
    snapshot.start_file("sha", "a.csv", "prices", datetime.now(UTC))  # ledger: refused


def archive_stage(ledger: Ledger) -> None:
    ledger.set_archived(1)
    ledger.commit("prices", [])  # snapshot: refused


def push_stage(tables: SkuTables) -> None:  # what push_skus is given
    tables.ids.remember_sku_ids({"A": 1})
    feature_off(tables.values, "bulk-pricing", datetime.now(UTC))
    tables.jobs.settle_batch("job", "prices", [], [], [])  # a job settles its rows: fine
    tables.ids.commit("prices", [])  # the snapshot outside a job: refused
    tables.values.drop_pending("prices", ["A"])  # pending outside a job: refused


def batch_stage(jobs: Batches) -> None:  # what importer.batches.send and resume are given
    jobs.set_batch_state("job", "uploaded")
    jobs.set_value("cursor", "1")  # kv: refused
    feature_off(jobs, "bulk-pricing", datetime.now(UTC))  # kv: refused


def runtime(store: Store) -> None:
    diff_stage(store)  # the Store is every group
    archive_stage(store)
    push_stage(SkuTables.of(store))
    batch_stage(store)
"""


_TAKEN_AS_ANY = (
    "importer.deps",
    "importer.config",
    "importer.errors",
    "importer.messages",
    "importer.models",
    "importer.outcomes",
    "importer.vtex.*",
    "loguru.*",
)


@pytest.mark.slow
def test_mypy_refuses_a_stage_a_write_to_a_table_its_signature_does_not_name(
    tmp_path: Path,
) -> None:
    api = pytest.importorskip("mypy.api")
    (tmp_path / "stages.py").write_text(textwrap.dedent(_STAGES), encoding="utf-8")
    root = Path(importer.__file__).resolve().parents[1]  # this checkout's importer
    # pandas (a return type of the snapshot) is taken as Any: checking its stubs takes seconds.
    (tmp_path / "mypy.ini").write_text(
        f"[mypy]\nstrict = True\nmypy_path = {root}\n"
        "[mypy-pandas.*]\nfollow_imports = skip\nfollow_imports_for_stubs = True\n"
        # And what push and batches merely pass along (VTEX clients, settings, messages): the
        # tables' types are the point, and checking httpx and pydantic takes half a minute.
        f"[mypy-{','.join(_TAKEN_AS_ANY)}]\nfollow_imports = skip\n",
        encoding="utf-8",
    )
    stdout, stderr, status = api.run(
        [
            "--config-file",
            str(tmp_path / "mypy.ini"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-error-summary",
            str(tmp_path / "stages.py"),
        ]
    )
    errors = [re.sub(r"^.*stages\.py:", "", line) for line in stdout.splitlines()]
    assert errors == [
        '11: error: "Snapshot" has no attribute "start_file"  [attr-defined]',
        '16: error: "Ledger" has no attribute "commit"  [attr-defined]',
        '23: error: "Ids" has no attribute "commit"  [attr-defined]',
        '24: error: "Values" has no attribute "drop_pending"  [attr-defined]',
        '29: error: "Batches" has no attribute "set_value"  [attr-defined]',
        '30: error: Argument 1 to "feature_off" has incompatible type "Batches"; expected '
        '"Values"  [arg-type]',
    ], stdout + stderr
    assert status == 1
