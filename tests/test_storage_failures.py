"""The importer's own storage in trouble (issue 10, items 7 and 8): a store locked by another
process, a full disk, a damaged database, a state folder deleted under `watch`, files claimed
under an earlier importer id. None of them ever refuses a file, and none makes the importer
send again, pass after pass, what VTEX already accepted."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from loguru import logger

import importer.state.db
from importer.errors import StorageError, StoreDamaged, StoreFull, StoreGone, StoreLocked
from importer.files.watch import CLAIM_DIR
from importer.run.lock import claim_owner
from importer.run.runner import watch
from importer.run.runtime import Runtime
from importer.sandbox import Sandbox
from importer.state import Applied, Store
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

PRICES = "sku_ref,base_price\n" + "".join(f"SKU-{i:05d},{i}.50\n" for i in range(1, 11))


def _db(runtime: Runtime) -> Path:
    return runtime.deps.store.path


# Another process (a backup, a `sqlite3` shell): holds SQLite's exclusive write lock on the
# store from "locked" until its stdin closes.
_HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""


@contextmanager
def held_exclusively(db: Path) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()


def _claimed(workdir: Path, flow: str) -> list[str]:
    return sorted(p.name for p in (workdir / "inbox" / flow / CLAIM_DIR).glob("*/*"))


def _archived(workdir: Path) -> dict[str, list[str]]:
    return {
        kind: sorted(p.name for p in (workdir / "archive" / kind).glob("*"))
        for kind in ("done", "failed")
    }


def _reports(workdir: Path) -> list[str]:
    return sorted(p.name for p in (workdir / "outbox" / "reports").glob("*.report.*"))


def _price_puts(sandbox: Sandbox) -> list[str]:
    return sorted(r.path for r in sandbox.requests_to("PUT", "/pricing/prices/"))


# -- 7. a locked store --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_store_locked_longer_than_lock_wait_s_leaves_the_file_for_the_next_pass(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 10)
    runtime = make_runtime(sandbox, {"IMPORTER__STATE__LOCK_WAIT_S": "0.3"})
    drop(workdir, "prices", "p.csv", PRICES)
    with held_exclusively(_db(runtime)):
        started = time.monotonic()
        with pytest.raises(StoreLocked, match=r"locked by another process .* 0.3 s"):
            one_pass(runtime)
        waited = time.monotonic() - started
    assert 0.3 <= waited < 3  # waited as long as it was told, then gave up
    # Nothing refused, nothing reported, nothing sent: the file waits in the inbox.
    assert _archived(workdir) == {"done": [], "failed": []}
    assert _reports(workdir) == []
    assert (workdir / "inbox" / "prices" / "p.csv").exists()
    assert _price_puts(sandbox) == []

    # The backup is over: the next pass takes the file as if nothing had happened.
    report = one_pass(runtime).reports[0]
    assert (report.summary.status, report.summary.created) == ("done", 10)
    assert _archived(workdir) == {"done": ["p.csv"], "failed": []}


@pytest.mark.slow
def test_a_store_locked_in_the_middle_of_a_file_never_sends_it_to_failed(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock arrives after VTEX accepted the rows, when the snapshot is to be committed: the
    file stays claimed, and the next pass sends those rows once more (an idempotent PUT), never
    again after that."""
    seed_store(sandbox, 10)
    runtime = make_runtime(sandbox, {"IMPORTER__STATE__LOCK_WAIT_S": "0.2"})
    drop(workdir, "prices", "p.csv", PRICES)
    commit = Store.commit
    locks: list[sqlite3.Connection] = []

    def backup_starts_first(
        self: Store, flow: str, applied: list[Applied], journal: tuple[str, str] | None = None
    ) -> int:
        if not locks:  # another process takes the lock just before the commit
            locks.append(sqlite3.connect(self.path, isolation_level=None, timeout=0))
            locks[0].execute("BEGIN EXCLUSIVE")
        return commit(self, flow, applied, journal)

    monkeypatch.setattr(Store, "commit", backup_starts_first)
    with pytest.raises(StoreLocked):
        one_pass(runtime)
    assert len(_price_puts(sandbox)) == 10  # VTEX has them; the snapshot does not
    assert _claimed(workdir, "prices") == ["p.csv"]  # left claimed, not refused
    assert _archived(workdir) == {"done": [], "failed": []}
    assert _reports(workdir) == []
    locks[0].execute("ROLLBACK")
    locks[0].close()

    report = one_pass(runtime).reports[0]
    assert (report.summary.status, report.summary.rows_read) == ("done", 10)
    assert len(_price_puts(sandbox)) == 20  # sent once more: what was not recorded
    assert _archived(workdir) == {"done": ["p.csv"], "failed": []}
    assert len(_reports(workdir)) == 2  # one report pair
    sandbox.requests.clear()
    assert one_pass(runtime).reports == []
    drop(workdir, "prices", "again.csv", PRICES.replace("SKU-00001,1.50", "SKU-00001,9.99"))
    assert one_pass(runtime).reports[0].summary.unchanged == 9
    assert _price_puts(sandbox) == ["/pricing/prices/1"]  # recorded now: never sent again


# -- 8. a full disk ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_full_disk_stops_the_pass_and_rows_vtex_accepted_are_sent_at_most_once_more(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up while a file is being pushed: SQLite itself answers "database or disk
    is full" (its page limit set to the pages the database has, so the commit of new rows has
    nowhere to go), and the free space the pass checks first reads 0 while the disk stays full.
    Counting VTEX requests: what the store had committed is never sent again; what VTEX
    accepted but the store could not record is sent once more, after the disk frees up, not on
    every pass while it is full."""
    seed_store(sandbox, 10)
    runtime = make_runtime(sandbox)
    store = runtime.deps.store
    stock = "sku_ref,warehouse_id,quantity\n" + "".join(
        f"SKU-{i:05d},1_1,{i}\n" for i in range(1, 11)
    )
    drop(workdir, "inventory", "stock.csv", stock)  # also teaches the store every SKU id
    assert one_pass(runtime).reports[0].summary.created == 10
    stock_writes = len(sandbox.requests_to("PUT", "/api/logistics/pvt/inventory/skus/"))
    stock_writes += len(sandbox.requests_to("PATCH", "/api/logistics/pvt/inventory/skus/"))
    assert stock_writes == 10

    sandbox.requests.clear()
    drop(workdir, "prices", "p.csv", PRICES)
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from here on
    with pytest.raises(StoreFull, match=r"disk holding .* is full"):
        one_pass(runtime)
    assert len(_price_puts(sandbox)) == 10  # accepted by VTEX, not recorded
    assert _claimed(workdir, "prices") == ["p.csv"]
    assert _archived(workdir) == {"done": ["stock.csv"], "failed": []}

    # Still full: every later pass stops before it claims or sends anything.
    monkeypatch.setattr(importer.state.db, "_free_bytes", lambda folder: 0)
    for _ in range(3):
        with pytest.raises(StoreFull, match=r"0\.0 MiB free, less than \[state\] min_free_mb"):
            one_pass(runtime)
    assert len(_price_puts(sandbox)) == 10
    pricing = [r for r in sandbox.requests if r.path.startswith("/pricing/")]
    assert len(pricing) == 10 * 2  # a GET and a PUT per SKU, once (besides the credentials checks)

    monkeypatch.undo()  # space was freed
    store._db.execute("PRAGMA max_page_count = 1073741823")
    sandbox.requests.clear()
    report = one_pass(runtime).reports[0]
    assert (report.summary.file, report.summary.status) == ("p.csv", "done")
    assert len(_price_puts(sandbox)) == 10  # the unrecorded rows, sent once more
    assert sandbox.requests_to("PUT", "/api/logistics/pvt/inventory/skus/") == []
    assert sandbox.requests_to("PATCH", "/api/logistics/pvt/inventory/skus/") == []
    assert _archived(workdir) == {"done": ["p.csv", "stock.csv"], "failed": []}
    assert len([r for r in _reports(workdir) if r.startswith("p.csv")]) == 2

    sandbox.requests.clear()
    drop(workdir, "prices", "p2.csv", PRICES)
    drop(workdir, "inventory", "stock2.csv", stock)
    drop(workdir, "prices", "p3.csv", PRICES.replace("SKU-00001,1.50", "SKU-00001,9.99"))
    reports = one_pass(runtime).reports
    outcome = {r.summary.file: (r.summary.status, r.summary.unchanged) for r in reports}
    assert outcome == {
        "p2.csv": ("duplicate", 0),
        "stock2.csv": ("duplicate", 0),
        "p3.csv": ("done", 9),
    }
    assert _price_puts(sandbox) == ["/pricing/prices/1"]  # only what changed


def test_a_disk_full_while_writing_a_report_is_not_blamed_on_the_file(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import importer.pipeline

    seed_store(sandbox, 10)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "p.csv", PRICES)

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(workdir / "outbox"))

    monkeypatch.setattr(importer.pipeline, "write_report", no_space)
    with pytest.raises(StoreFull, match="No space left on device"):
        one_pass(runtime)
    assert _claimed(workdir, "prices") == ["p.csv"]
    assert _archived(workdir) == {"done": [], "failed": []}
    monkeypatch.undo()
    sandbox.requests.clear()
    assert one_pass(runtime).reports[0].summary.status == "done"
    assert _price_puts(sandbox) == []  # the snapshot was committed before the report
    assert _archived(workdir) == {"done": ["p.csv"], "failed": []}


# -- 8. a damaged store ---------------------------------------------------------------------


def test_a_store_that_is_not_a_database_is_reported_as_damaged_with_the_fix(
    tmp_path: Path,
) -> None:
    db = tmp_path / "state" / "importer.sqlite3"
    db.parent.mkdir()
    db.write_bytes(b"these are not the pages you are looking for\n" * 200)
    with pytest.raises(StoreDamaged) as raised:
        Store(db)
    message = str(raised.value)
    assert f"{db} is damaged" in message
    assert "restore it from a backup or move it away" in message
    assert "starts from an empty snapshot and sends everything once" in message
    assert "\n" not in message


# -- 8. a state folder deleted under watch -------------------------------------------------


def test_a_deleted_state_folder_is_noticed_and_never_written_into(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 10)
    runtime = make_runtime(sandbox)
    store = runtime.deps.store
    state = store.path.parent
    drop(workdir, "prices", "p.csv", PRICES)
    one_pass(runtime)
    shutil.rmtree(state)
    drop(workdir, "prices", "q.csv", PRICES.replace(".50", ".75"))
    sandbox.requests.clear()
    with pytest.raises(StoreGone, match="was deleted or replaced while the importer ran"):
        one_pass(runtime)
    assert not state.exists()  # not recreated behind the person's back
    assert sandbox.requests == []
    assert (workdir / "inbox" / "prices" / "q.csv").exists()
    # Any write, not only the pass's first: the database that is gone is never written into.
    with pytest.raises(StoreGone):
        store.commit("prices", [Applied("SKU-00001", 1, {})])
    with pytest.raises(StoreGone):
        store.set_value("x", "y")
    assert not state.exists()


@pytest.mark.slow
def test_watch_stops_when_the_state_folder_is_deleted_and_waits_out_a_full_disk(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_store(sandbox, 10)
    runtime = make_runtime(
        sandbox,
        {"IMPORTER__WATCH__SCAN_INTERVAL_S": "0.05", "IMPORTER__ORDERS__ENABLED": "false"},
    )
    failures: list[BaseException] = []
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="INFO", format="{message}")
    free = {"bytes": 0}
    monkeypatch.setattr(importer.state.db, "_free_bytes", lambda folder: free["bytes"])

    def run() -> None:
        try:
            watch(runtime, polling=True, stop=stop)
        except BaseException as exc:
            failures.append(exc)

    stop = threading.Event()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        drop(workdir, "prices", "p.csv", PRICES)
        time.sleep(0.5)  # passes stop at the full disk: watch waits it out, claims nothing
        assert thread.is_alive() and failures == []
        assert (workdir / "inbox" / "prices" / "p.csv").exists()
        free["bytes"] = 1 << 40  # space was freed
        deadline = time.monotonic() + 15
        while not (workdir / "archive" / "done" / "p.csv").exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        shutil.rmtree(runtime.deps.store.path.parent)
        thread.join(timeout=15)
        assert not thread.is_alive()  # stopped by itself, not by `stop`
    finally:
        stop.set()
        thread.join(timeout=10)
        logger.remove(sink)
    assert len(failures) == 1 and isinstance(failures[0], StoreGone)
    # The full disk: one line when it started (not one per pass), one when it ended.
    assert sum("MiB free" in line and "watching on" in line for line in lines) == 1
    assert sum("usable again" in line for line in lines) == 1
    assert not runtime.deps.store.path.parent.exists()


# -- 8. files claimed under an earlier importer id ---------------------------------------------


def test_files_claimed_under_an_earlier_id_on_this_host_are_finished_by_a_new_state_folder(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 10)
    runtime = make_runtime(sandbox)
    owner = claim_owner(runtime.deps.store.path.parent)
    host = owner.rsplit("-", 1)[0]
    # What an importer whose state folder was deleted left claimed, on this host and another.
    earlier = workdir / "inbox" / "prices" / CLAIM_DIR / f"{host}-0badc0de"
    earlier.mkdir(parents=True)
    (earlier / "left.csv").write_text(PRICES, encoding="utf-8")
    elsewhere = workdir / "inbox" / "prices" / CLAIM_DIR / "other-machine-0badc0de"
    elsewhere.mkdir()
    (elsewhere / "theirs.csv").write_text(PRICES, encoding="utf-8")
    (runtime.deps.store.path.parent / "importer.id").unlink()  # the state folder is new

    reports = one_pass(runtime).reports
    assert [(r.summary.file, r.summary.status) for r in reports] == [("left.csv", "done")]
    assert _archived(workdir) == {"done": ["left.csv"], "failed": []}
    assert not (earlier / "left.csv").exists()
    assert (elsewhere / "theirs.csv").exists()  # another machine's work in progress


def test_a_known_id_leaves_the_claims_of_another_importer_on_this_host_alone(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """Two importers on one host with state folders of their own may share an inbox: only a
    new id (a new state folder) adopts the host's other claims."""
    seed_store(sandbox, 10)
    runtime = make_runtime(sandbox)
    owner = claim_owner(runtime.deps.store.path.parent)  # kept: not new at the pass
    twin = workdir / "inbox" / "prices" / CLAIM_DIR / f"{owner.rsplit('-', 1)[0]}-0badc0de"
    twin.mkdir(parents=True)
    (twin / "theirs.csv").write_text(PRICES, encoding="utf-8")
    assert one_pass(runtime).reports == []
    assert (twin / "theirs.csv").exists()


def test_every_storage_error_is_one_line_naming_a_fix() -> None:
    assert all(issubclass(k, StorageError) for k in (StoreLocked, StoreFull, StoreDamaged))
    assert StoreLocked.transient and StoreFull.transient
    assert not StoreDamaged.transient and not StoreGone.transient


# -- what `importer run` says: exit code 5 and one line ------------------------------------------


def _run(work: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    from tests.test_cli import importer as importer_cli

    return importer_cli("run", cwd=work, env=env)


def _working_folder(tmp_path: Path) -> Path:
    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    (tmp_path / "inbox" / "prices").mkdir(parents=True)
    (tmp_path / "inbox" / "prices" / "p.csv").write_text(
        "sku_ref,base_price\nDEMO-001,10.00\n", encoding="utf-8"
    )
    return tmp_path


@pytest.mark.slow
def test_run_exits_5_with_one_line_when_the_store_is_damaged(tmp_path: Path) -> None:
    work = _working_folder(tmp_path)
    db = work / "state" / "importer.sqlite3"
    db.parent.mkdir()
    db.write_bytes(b"\x00garbage, not a database\n" * 400)
    done = _run(work)
    assert done.returncode == 5, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("the importer's own storage failed: ")
    assert "importer.sqlite3 is damaged (file is not a database): restore it from a backup" in last
    assert (work / "inbox" / "prices" / "p.csv").exists()  # never blamed, never refused
    assert not (work / "archive").exists() and not (work / "outbox").exists()

    db.rename(db.with_suffix(".damaged"))  # what the message says to do
    again = _run(work)
    assert again.returncode == 0, again.stderr
    assert (work / "archive" / "done" / "p.csv").exists()


@pytest.mark.slow
def test_run_exits_5_when_another_process_keeps_the_store_locked(tmp_path: Path) -> None:
    work = _working_folder(tmp_path)
    Store(work / "state" / "importer.sqlite3").close()  # an earlier run made it
    with held_exclusively(work / "state" / "importer.sqlite3"):
        locked = _run(work, {"IMPORTER__STATE__LOCK_WAIT_S": "0.5"})
    assert locked.returncode == 5, locked.stderr
    assert "Traceback" not in locked.stderr
    assert "is locked by another process (a backup?) for more than 0.5 s" in locked.stderr
    assert "raise [state] lock_wait_s" in locked.stderr
    assert (work / "inbox" / "prices" / "p.csv").exists()
    assert not (work / "archive" / "failed").exists()
