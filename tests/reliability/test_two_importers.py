"""Two importers on one folder (issue 5, part 4).

(a) On one machine the OS lock in state/ keeps a second `run` or `watch` from starting
    (exit code 4, a message naming the folder, the holder and what to do), and the lock goes
    with its holder, even when it is SIGKILLed.
(b) Where the lock cannot help (two machines on one SMB share, each with its own state
    folder), the atomic claim alone must keep every file from being processed twice: two
    `watch` processes race over the same inbox and every file and every row is taken once.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from importer.files.watch import CLAIM_DIR, Candidate, claim, claimed_files
from importer.run.lock import FolderLock, claim_owner
from importer.sandbox import Sandbox
from tests.conftest import seed_store
from tests.reliability.drop_kit import (
    archived,
    claimed_now,
    make_workdir,
    report_summaries,
    requests_per_path,
    stop_importer,
    wait_until,
)
from tests.reliability.live import LiveSandbox, start_importer

# Slow (two importer subprocesses on one folder): `tasks.py test --fast` leaves this module out.
pytestmark = pytest.mark.slow


def test_a_second_importer_on_the_folder_refuses_to_start_while_the_first_runs(
    tmp_path: Path,
) -> None:
    work = make_workdir(tmp_path / "work", settle_s=0, scan_interval_s=0.2)
    state = work / "state"
    with LiveSandbox() as live:
        first = start_importer(["watch"], work, live.url)
        seconds: list[subprocess.Popen[str]] = []
        try:
            wait_until((state / "importer.run.lock.owner").exists, 20, "the first to take the lock")
            # Both commands that take files, started together: one start-up of wall time.
            seconds += [start_importer(args, work, live.url) for args in (["run"], ["watch"])]
            answers = [(p.communicate(timeout=60)[1], p.returncode) for p in seconds]
            assert first.poll() is None, "the first importer must not be disturbed"
        finally:
            # SIGKILL: the lock must go with a holder that dies without cleaning up.
            for proc in [first, *seconds]:
                proc.kill()
                proc.communicate(timeout=10)
    for err, code in answers:
        assert code == 4, err
        assert f"pid {first.pid} on " in err  # who holds it
        assert str(state) in err  # which folder
        assert "stop it first, or give this one its own working folder" in err  # what to do
    with FolderLock(state):  # free again, although its holder never released it
        pass


FILES = 20
ROWS_PER_FILE = 5


def test_two_importers_with_separate_state_never_take_one_file_twice(tmp_path: Path) -> None:
    """Each importer has its own state folder (as on two machines), so neither lock sees the
    other: only the claim (an atomic rename into inbox/<flow>/.importer/) stands between
    them and processing a file twice."""
    work = make_workdir(tmp_path / "work", settle_s=0.2, scan_interval_s=0.2)
    sandbox = Sandbox(account="teststore", app_key="sandbox-key", app_token="sandbox-token")
    seed_store(sandbox, FILES * ROWS_PER_FILE)
    expected: dict[int, Decimal] = {}
    with LiveSandbox(sandbox) as live:
        racers = [
            start_importer(["watch"], work, live.url, {"IMPORTER__FOLDERS__STATE": state})
            for state in ("state-a", "state-b")
        ]
        try:
            for state in ("state-a", "state-b"):
                log = work / state / "importer.log"
                wait_until(
                    lambda log=log: log.exists() and "watching" in log.read_text("utf-8"),
                    30,
                    f"{state}'s importer to start watching",
                )
            for n in range(FILES):
                lines = ["sku_ref,base_price"]
                for i in range(n * ROWS_PER_FILE + 1, (n + 1) * ROWS_PER_FILE + 1):
                    expected[i] = Decimal(f"{i}.25")
                    lines.append(f"SKU-{i:05d},{expected[i]}")
                path = work / "inbox" / "prices" / f"precos-{n:03d}.csv"
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            wait_until(
                lambda: (
                    sum(archived(work).values()) + sum(archived(work, "failed").values()) >= FILES
                    and not claimed_now(work, "prices")
                ),
                60,
                f"all {FILES} files archived",
            )
        finally:
            outputs = [stop_importer(p) for p in racers]

    names = {f"precos-{n:03d}.csv" for n in range(FILES)}
    assert archived(work, "failed") == Counter(), outputs
    assert archived(work) == Counter(dict.fromkeys(names, 1))
    summaries = report_summaries(work)
    assert {name: len(s) for name, s in summaries.items()} == dict.fromkeys(names, 1)
    assert all(s[0]["created"] == ROWS_PER_FILE for s in summaries.values())
    # Every row reached VTEX exactly once, with its file's value.
    puts = requests_per_path(sandbox, "PUT", "/pricing/prices/")
    assert puts == Counter({f"/pricing/prices/{i}": 1 for i in expected})
    assert {i: sandbox.prices[i]["basePrice"] for i in expected} == expected
    # Both took part: the race was real, not one importer doing everything.
    taken = [
        len(re.findall(r"\[prices\] done", (work / s / "importer.log").read_text("utf-8")))
        for s in ("state-a", "state-b")
    ]
    assert sum(taken) == FILES and min(taken) > 0, taken


def test_a_claim_belongs_to_its_importer_and_leftovers_of_old_versions_are_adopted_once(
    tmp_path: Path,
) -> None:
    """What makes (b) hold: an importer finishes only what it claimed itself, never another's
    work in progress, and a file left directly in .importer/ (by a version without owners)
    goes to exactly one importer."""
    inbox = tmp_path / "inbox"
    (inbox / "prices").mkdir(parents=True)
    mine, theirs = claim_owner(tmp_path / "state-a"), claim_owner(tmp_path / "state-b")
    assert mine != theirs and mine == claim_owner(tmp_path / "state-a")  # stable per folder

    (inbox / "prices" / "a.csv").write_text("sku_ref,base_price\n", encoding="utf-8")
    claimed = claim(Candidate("prices", inbox / "prices" / "a.csv"), theirs)
    assert claimed == inbox / "prices" / CLAIM_DIR / theirs / "a.csv"
    assert claim(Candidate("prices", inbox / "prices" / "a.csv"), mine) is None  # taken
    assert claimed_files(inbox, ["prices"], mine) == []  # their work in progress, not mine
    assert claimed_files(inbox, ["prices"], theirs) == [Candidate("prices", claimed)]

    old = inbox / "prices" / CLAIM_DIR / "old.csv"
    old.write_text("sku_ref,base_price\n", encoding="utf-8")
    adopted = claimed_files(inbox, ["prices"], mine)
    assert adopted == [Candidate("prices", inbox / "prices" / CLAIM_DIR / mine / "old.csv")]
    assert claimed_files(inbox, ["prices"], theirs) == [Candidate("prices", claimed)]
