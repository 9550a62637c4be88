"""At the terminal and as a service: --version, -v/-q, usage errors on their own exit code, and
SIGTERM answered between files (the file in hand finished, the rest left in the inbox)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from loguru import logger
from typer.testing import CliRunner

from importer.cli import EXIT_USAGE, app
from importer.files.watch import CompletenessGate
from importer.run import runner
from importer.run.runner import run_pass, watch
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    shown = CliRunner().invoke(app, ["--version"])
    assert shown.exit_code == 0
    assert shown.output.strip() == f"importer {version('vtex-file-importer')}"


def test_a_usage_error_is_not_a_configuration_error(workdir: Path) -> None:
    cli = CliRunner()
    # A typo in the scheduler's job line: 64 (EX_USAGE), not the bad-configuration 2.
    for line in (["run", "--nope"], ["preview"], ["watch", "--polling", "extra"], ["-v", "-q"]):
        assert cli.invoke(app, line).exit_code == EXIT_USAGE, line
    (workdir / "importer.toml").write_text('[flows.prices]\nmode = "sometimes"\n', "utf-8")
    bad = cli.invoke(app, ["run", "--config", str(workdir / "importer.toml")])
    assert bad.exit_code == 2 and "flows.prices.mode" in bad.output


@pytest.mark.slow  # three runs of a one-row file in-process, on the built-in sandbox (~0.8 s)
def test_quiet_shows_only_warnings_and_verbose_shows_debug(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    (tmp_path / "inbox" / "prices").mkdir(parents=True)
    config = ["--config", str(tmp_path / "importer.toml")]
    cli = CliRunner()
    outputs = {}
    for n, flag in enumerate(("-q", None, "-v"), start=1):
        # Each file its own bytes: the same bytes again would be a duplicate, not a bad row.
        drop(tmp_path, "prices", f"p{n}.csv", f"sku_ref,base_price\nDEMO-00{n},abc\n")
        args = [flag, "run", *config] if flag else ["run", *config]
        result = cli.invoke(app, args)
        assert result.exit_code == 1, result.output  # the bad row, whatever the flag
        outputs[flag] = result.output
    # The sandbox's warning is shown at every level; the file's INFO line not under -q.
    assert "WARNING" in outputs["-q"] and "INFO" not in outputs["-q"]
    assert "INFO" in outputs[None] and "DEBUG" not in outputs[None]
    assert "DEBUG" in outputs["-v"]


@pytest.mark.slow  # a pass over three price files in-process (~0.4 s)
def test_a_stop_between_files_finishes_the_file_in_hand_and_leaves_the_rest(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    for n in (1, 2, 3):
        drop(workdir, "prices", f"precos-{n}.csv", f"sku_ref,base_price\nSKU-0000{n},1{n}.00\n")
    stop = threading.Event()
    process_file = runner.process_file

    def sigterm_during_the_first(*args: object, **kwargs: object) -> object:
        stop.set()  # what the SIGTERM handler does, while this file is being processed
        return process_file(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "process_file", sigterm_during_the_first)
    lines: list[str] = []
    sink = logger.add(lines.append, level="INFO", format="{message}")
    try:
        result = run_pass(runtime, CompletenessGate(settle_seconds=0), stop=stop)
    finally:
        logger.remove(sink)

    assert result.stopped
    assert [r.summary.file for r in result.reports] == ["precos-1.csv"]
    assert result.reports[0].summary.updated + result.reports[0].summary.created == 1
    assert (workdir / "archive" / "done" / "precos-1.csv").exists()
    # The others were never claimed: still in the inbox, as dropped, for the next run.
    assert sorted(p.name for p in (workdir / "inbox" / "prices").glob("*.csv")) == [
        "precos-2.csv",
        "precos-3.csv",
    ]
    assert any(line.startswith("stopping (SIGTERM)") for line in lines)


@pytest.mark.slow  # watch in a thread for about a second
def test_watch_answers_a_stop_within_a_second_not_a_scan_interval(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    with (workdir / "importer.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n[orders]\nenabled = false\n")
    text = (workdir / "importer.toml").read_text("utf-8")
    (workdir / "importer.toml").write_text(
        text.replace("[watch]\nsettle_s = 0\n", "[watch]\nsettle_s = 0\nscan_interval_s = 60\n"),
        "utf-8",
    )
    runtime = make_runtime(sandbox)
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch, args=(runtime,), kwargs={"polling": True, "stop": stop}
    )
    watcher.start()
    time.sleep(0.5)  # in its wait for changes, 60 s long
    stopped_at = time.monotonic()
    stop.set()
    watcher.join(timeout=5)
    assert not watcher.is_alive()
    assert time.monotonic() - stopped_at < 2


@pytest.mark.slow  # a pass of 60 prices and one of 3 (~0.5 s)
def test_a_long_file_gets_a_progress_bar_that_follows_its_rows_and_a_short_one_none(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    import io

    from rich.console import Console

    from importer.follow import status_file
    from importer.follow.progress import TerminalProgress

    seed_store(sandbox, 60)
    runtime = make_runtime(sandbox)
    bars = TerminalProgress(Console(file=io.StringIO(), force_terminal=True, width=120))
    seen: list[tuple[str, float, float | None]] = []
    update = bars.progress.update

    def recorded(task: Any, **fields: Any) -> None:
        seen.append((bars.progress.tasks[0].description, fields["completed"], fields["total"]))
        update(task, **fields)

    bars.progress.update = recorded  # type: ignore[method-assign]
    rows = "".join(f"SKU-{n:05d},{n}.00\n" for n in range(1, 61))
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\n" + rows)
    status_file.observers.append(bars)
    try:
        with bars:
            one_pass(runtime)
            drop(workdir, "prices", "curto.csv", "sku_ref,base_price\nSKU-00001,1.50\n")
            one_pass(runtime)
    finally:
        status_file.observers.remove(bars)
    assert {d for d, _, _ in seen} == {"precos.csv [prices]"}  # the 1-row file: no bar
    assert seen[0][1] == 0 and seen[-1][1:] == (60, 60)
    assert [c for _, c, _ in seen] == sorted(c for _, c, _ in seen)
    assert bars.progress.tasks == []  # gone once the file is finished
