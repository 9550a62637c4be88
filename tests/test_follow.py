"""Follow (issue 13 item 3): a status file per input from received to done, `importer status`
with an exit code monitoring can use, and `importer pending list|retry|drop`."""

from __future__ import annotations

import csv
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from importer.cli import EXIT_USAGE, app
from importer.flows.registry import FLOW_NAMES
from importer.follow import status_file
from importer.follow.overview import lock_holder, overview
from importer.sandbox import Sandbox
from importer.state import PendingRow
from importer.state.db import utc_now
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store


@pytest.mark.slow  # one pass of 40 prices (~0.4 s)
def test_a_status_file_follows_a_file_from_received_to_done(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_store(sandbox, 40)
    runtime = make_runtime(sandbox)
    written: list[tuple[str, int, int]] = []
    write = status_file.FileStatus._write

    def seen(self: status_file.FileStatus) -> None:
        written.append((self.state, self.sent, self.to_send))
        write(self)

    monkeypatch.setattr(status_file.FileStatus, "_write", seen)
    monkeypatch.setattr(status_file, "PROGRESS_EVERY_S", 0.0)  # every step, for the test
    rows = "".join(f"SKU-{n:05d},{n}.00\n" for n in range(1, 41))
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\n" + rows)
    report = one_pass(runtime).reports[0]

    states = [state for state, _, _ in written]
    assert states[:3] == ["received", "validating", "pushing"] and states[-1] == "done"
    progress = [sent for state, sent, total in written if state == "pushing"]
    assert progress[0] == 0 and progress[-1] == 40 and progress == sorted(progress)
    status = json.loads((workdir / "outbox" / "status" / "precos.csv.json").read_text("utf-8"))
    assert status["state"] == "done" and (status["sent"], status["to_send"]) == (40, 40)
    assert status["counts"]["created"] == 40 and status["report"] == report.stem
    assert (workdir / "outbox" / "reports" / f"{report.stem}.report.csv").exists()


def test_a_status_file_that_cannot_be_written_never_stops_the_file(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    (workdir / "outbox").mkdir(exist_ok=True)
    (workdir / "outbox" / "status").write_text("a file where the folder should be", "utf-8")
    drop(workdir, "prices", "p.csv", "sku_ref,base_price\nSKU-00001,1.00\n")
    report = one_pass(runtime).reports[0]
    assert report.summary.created == 1 and (workdir / "archive" / "done" / "p.csv").exists()


@pytest.mark.slow  # a landed file, a failing one, pending rows (~0.5 s)
def test_status_lists_what_needs_a_person_and_exits_for_monitoring(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    config = ["--config", str(workdir / "importer.toml")]
    cli = CliRunner()
    clean = cli.invoke(app, ["status", "--offline", "--json", *config])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.output)["attention"] == []  # first use: nothing to do

    drop(workdir, "prices", "p.csv", "sku_ref,base_price\nSKU-00001,1.00\nSKU-09999,2.00\n")
    one_pass(runtime)
    runtime.deps.store.add_pending(
        [
            PendingRow(
                "inventory", "SKU-00002|1_1", 7, {"key": "SKU-00002|1_1"}, "p.csv", 3, 2, "503"
            )
        ]
    )
    shown = cli.invoke(app, ["status", "--offline", "--json", *config])
    assert shown.exit_code == 1
    seen = json.loads(shown.output)
    assert seen["recent"][0]["name"] == "p.csv" and seen["recent"][0]["not_landed"] == 1
    assert seen["pending"] == [
        {
            "flow": "inventory",
            "reason": "503",
            "rows": 1,
            "oldest": seen["recent"][0]["received_at"],
            "oldest_age_h": seen["pending"][0]["oldest_age_h"],
        }
    ]
    assert any("did not land" in line for line in seen["attention"])
    assert any("pending row" in line for line in seen["attention"])
    text = cli.invoke(app, ["status", "--offline", *config])
    assert "needs a person:" in text.output and "pending: 1 inventory row(s)" in text.output


def test_pending_drop_lists_what_it_drops_and_needs_keys_or_all(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    store = make_runtime(sandbox).deps.store
    store.add_pending(
        [
            PendingRow("prices", key, 1, {"key": key}, "p.csv", row, 3, "429")
            for row, key in ((2, "SKU-1"), (3, "SKU-2"))
        ]
    )
    config = ["--config", str(workdir / "importer.toml")]
    cli = CliRunner()
    assert cli.invoke(app, ["pending", "drop", "prices", *config]).exit_code == EXIT_USAGE
    listed = cli.invoke(app, ["pending", "list", *config])
    assert "prices\tSKU-1\tp.csv:2" in listed.output
    dropped = cli.invoke(app, ["pending", "drop", "prices", "SKU-1", *config])
    assert dropped.exit_code == 0, dropped.output
    assert store.pending_keys("prices") == {"SKU-2"}
    [report] = (workdir / "outbox" / "reports").glob("pending-dropped-prices.*.report.csv")
    with report.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["key"], r["type"]) for r in rows] == [("SKU-1", "pending-dropped")]
    assert "429" in rows[0]["reason"]


def test_the_lock_holder_is_read_not_taken_and_a_dead_holder_is_nobody(tmp_path: Path) -> None:
    note = tmp_path / "importer.run.lock.owner"
    assert lock_holder(tmp_path) is None
    note.write_text(f"pid {os.getpid()} on {socket.gethostname()}", "utf-8")
    assert lock_holder(tmp_path) == f"pid {os.getpid()} on {socket.gethostname()}"
    note.write_text(f"pid 999999999 on {socket.gethostname()}", "utf-8")
    assert lock_holder(tmp_path) is None  # a crash left its note


def test_an_empty_store_has_nothing_to_say(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    seen: Any = overview(runtime.deps.loaded, runtime.deps.store, FLOW_NAMES, utc_now())
    assert (seen.recent, seen.held, seen.pending, seen.last_pull) == ([], [], [], None)
    assert seen.attention() == []
