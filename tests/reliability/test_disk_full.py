"""A disk that is really full: the state folder on a 4 MiB tmpfs, filled to the last byte by a
ballast file (needs root to mount; skipped elsewhere, where tests/test_storage_failures.py
injects the same failure through SQLite's page limit).

Counting VTEX requests: while the disk is full, passes send nothing; rows VTEX accepted whose
snapshot commit hit the full disk are sent once more after space is freed, never on every
pass; rows the store had committed are never sent again."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.errors import StoreFull
from importer.files.watch import CLAIM_DIR
from importer.sandbox import Sandbox
from importer.state import Applied, Store
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

PRICES = "sku_ref,base_price\n" + "".join(f"SKU-{i:05d},{i}.50\n" for i in range(1, 11))
STOCK = "sku_ref,warehouse_id,quantity\n" + "".join(f"SKU-{i:05d},1_1,{i}\n" for i in range(1, 11))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write a ballast file until the disk refuses another byte."""
    ballast = disk / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return ballast


def _price_puts(sandbox: Sandbox) -> int:
    return len(sandbox.requests_to("PUT", "/pricing/prices/"))


def test_a_really_full_disk_sends_accepted_rows_at_most_once_more(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    small_disk: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_store(sandbox, 10)
    runtime = make_runtime(
        sandbox,
        {
            "IMPORTER__FOLDERS__STATE": str(small_disk / "state"),
            "IMPORTER__STATE__MIN_FREE_MB": "1",
        },
    )
    store = runtime.deps.store
    drop(workdir, "inventory", "stock.csv", STOCK)
    assert one_pass(runtime).reports[0].summary.created == 10

    # The disk fills up while a price file is pushed: just before its snapshot commit (with an
    # empty write-ahead log, so that the commit needs new space on the disk).
    commit = Store.commit
    ballasts: list[Path] = []

    def disk_fills_first(
        self: Store, flow: str, applied: list[Applied], journal: tuple[str, str] | None = None
    ) -> int:
        if not ballasts:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            ballasts.append(fill(small_disk))
        return commit(self, flow, applied, journal)

    monkeypatch.setattr(Store, "commit", disk_fills_first)
    sandbox.requests.clear()
    drop(workdir, "prices", "p.csv", PRICES)
    with pytest.raises(StoreFull, match="database or disk is full"):
        one_pass(runtime)
    assert _price_puts(sandbox) == 10  # VTEX accepted them; the store could not record them
    claimed = workdir / "inbox" / "prices" / CLAIM_DIR
    assert [p.name for p in claimed.glob("*/*")] == ["p.csv"]
    assert not (workdir / "archive" / "failed").exists()

    # While the disk stays full, a pass stops before it claims or sends anything.
    for _ in range(3):
        with pytest.raises(StoreFull, match=r"MiB free, less than \[state\] min_free_mb"):
            one_pass(runtime)
    assert _price_puts(sandbox) == 10
    pricing = [r for r in sandbox.requests if r.path.startswith("/pricing/")]
    assert len(pricing) == 20  # a GET and a PUT per SKU, once (besides the credentials checks)

    ballasts[0].unlink()  # space is freed
    sandbox.requests.clear()
    report = one_pass(runtime).reports[0]
    assert (report.summary.file, report.summary.status) == ("p.csv", "done")
    assert _price_puts(sandbox) == 10  # once more: what the full disk kept from the snapshot
    assert [r for r in sandbox.requests if "/inventory/" in r.path] == []  # committed: never
    sandbox.requests.clear()
    assert one_pass(runtime).reports == []
    assert sandbox.requests == []
    assert store.snapshot_count("prices") == 10
