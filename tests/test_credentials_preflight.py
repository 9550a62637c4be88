"""Which VTEX a run talks to, and the check before any file is taken.

A store named without its secrets (an environment file that did not load, misspelt variable
names) is refused: it must never quietly become a sandbox run that exits 0. And before a pass
claims a file, one authenticated call checks that VTEX answers and takes the credentials:
otherwise every file would be archived "done" with all its rows pending.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import Result
from typer.testing import CliRunner

from importer.cli import app
from importer.config import load_settings
from importer.errors import ConfigError
from importer.run.runner import watch
from importer.run.runtime import SANDBOX_KEY, build_runtime
from importer.sandbox import Faults, Sandbox, serve
from importer.sandbox.server import SandboxServer
from tests.conftest import CHECK_PATH, RuntimeFactory, drop, one_pass, seed_store
from tests.test_cli import imported_by, importer

PRICES = "sku_ref,base_price\nSKU-00001,3.00\n"
PREFLIGHT = CHECK_PATH


def inbox_files(root: Path) -> dict[str, bytes]:
    """Every file under inbox/, claim folders included, with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in (root / "inbox").rglob("*") if p.is_file()
    }


# --------------------------------------------------------------------------- the target


@pytest.mark.parametrize(
    ("config", "environ", "named_by"),
    [
        ("", {"VTEX_ACCOUNT": "minhaloja"}, "VTEX_ACCOUNT"),
        ('[vtex]\naccount = "minhaloja"\n', {}, "[vtex] account in importer.toml"),
        # misspelt names: VTEX_APPKEY / VTEX_TOKEN are not read
        ("", {"VTEX_ACCOUNT": "minhaloja", "VTEX_APPKEY": "k", "VTEX_TOKEN": "t"}, "VTEX_ACCOUNT"),
    ],
    ids=["env-account", "file-account", "misspelt-secrets"],
)
def test_a_named_store_without_its_secrets_is_refused_naming_what_is_missing(
    tmp_path: Path, config: str, environ: dict[str, str], named_by: str
) -> None:
    (tmp_path / "importer.toml").write_text(config, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        build_runtime(load_settings(cwd=tmp_path, environ=environ))
    message = str(refused.value)
    assert named_by in message and "'minhaloja'" in message
    assert "VTEX_APP_KEY and VTEX_APP_TOKEN are not set" in message
    assert not (tmp_path / "state" / "sandbox.json").exists()  # no sandbox was started


def in_process(
    monkeypatch: pytest.MonkeyPatch, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> Result:
    """A command that sets up no logging (`config`), run in-process: no interpreter start."""
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, list(args), env=env)


@pytest.mark.slow
def test_run_pull_and_config_exit_2_for_a_named_store_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    (tmp_path / "inbox" / "prices").mkdir(parents=True)
    drop(tmp_path, "prices", "p.csv", PRICES)
    env = {"VTEX_ACCOUNT": "minhaloja"}
    for command in (["run"], ["orders", "pull"]):
        done, modules = imported_by(*command, cwd=tmp_path, extra=env)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "VTEX_ACCOUNT names the store 'minhaloja'" in done.stderr, command
        assert "USING THE BUILT-IN VTEX SANDBOX" not in done.stderr
        # Refused while the runtime is built: before the runner, the store without pandas.
        assert "importer.run.runtime" in modules  # the list is read right
        heavy = ("pandas", "pyarrow", "numpy", "openpyxl", "importer.run.runner")
        assert sorted(m for m in heavy if m in modules) == [], command
    shown = in_process(monkeypatch, tmp_path, "config", env=env)
    assert shown.exit_code == 2
    assert "target: NONE" in shown.stdout
    assert "VTEX_ACCOUNT names the store 'minhaloja'" in shown.stderr
    assert inbox_files(tmp_path) == {"inbox/prices/p.csv": PRICES.encode()}
    assert not (tmp_path / "outbox" / "orders").exists()  # no demo orders "pulled"
    assert not (tmp_path / "state" / "sandbox.json").exists()


@pytest.mark.slow
def test_with_no_store_named_the_sandbox_is_used_and_said_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    (tmp_path / "inbox" / "prices").mkdir(parents=True)
    drop(tmp_path, "prices", "p.csv", "sku_ref,base_price\nDEMO-001,3.00\n")
    shown = in_process(monkeypatch, tmp_path, "config")
    assert shown.exit_code == 0
    assert "target: sandbox" in shown.stdout
    done = importer("run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (report,) = (tmp_path / "outbox" / "reports").glob("p.*.report.xlsx")
    book = openpyxl.load_workbook(report)
    fields = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row}
    book.close()
    assert fields["account"] == "sandbox"


# --------------------------------------------------------------------------- the preflight


def test_refused_credentials_claim_nothing_and_the_next_pass_takes_the_files(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    drop(workdir, "prices", "p.csv", PRICES)
    drop(workdir, "inventory", "s.csv", "sku_ref,warehouse_id,quantity\nSKU-00002,1_1,9\n")
    before = inbox_files(workdir)
    wrong = make_runtime(sandbox, {"VTEX_APP_KEY": SANDBOX_KEY, "VTEX_APP_TOKEN": "not-it"})
    result = one_pass(wrong)
    assert result.vtex_failure is not None and result.vtex_failure.kind == "refused"
    assert "401" in result.vtex_failure.detail and "not-it" not in result.vtex_failure.detail
    assert result.reports == []
    assert inbox_files(workdir) == before  # nothing claimed, moved or reported
    assert not (workdir / "archive").exists() and not (workdir / "outbox" / "reports").exists()
    assert [r.path for r in sandbox.requests] == [PREFLIGHT]  # one call, then nothing
    wrong.deps.store.close()

    right = make_runtime(sandbox)
    result = one_pass(right)
    assert result.vtex_failure is None
    assert [(r.summary.file, r.summary.status) for r in result.reports] == [
        ("s.csv", "done"),  # stock before prices: the pass's priority order
        ("p.csv", "done"),
    ]
    assert sandbox.inventory[(2, "1_1")]["quantity"] == 9


def test_no_answer_claims_nothing_and_the_next_pass_takes_the_file(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    sandbox.faults = Faults(rate_drop=1.0, seed=3)  # every connection closed unanswered
    drop(workdir, "prices", "p.csv", PRICES)
    before = inbox_files(workdir)
    result = one_pass(runtime)
    assert result.vtex_failure is not None and result.vtex_failure.kind == "no-answer"
    assert result.reports == []
    assert inbox_files(workdir) == before
    attempts = runtime.deps.loaded.settings.vtex.max_attempts
    assert [r.path for r in sandbox.requests] == [PREFLIGHT] * attempts  # the retry policy's

    sandbox.faults = None
    result = one_pass(runtime)
    assert result.vtex_failure is None
    assert [(r.summary.file, r.summary.status) for r in result.reports] == [("p.csv", "done")]
    assert sandbox.prices[1]["basePrice"] == 3


def test_an_empty_inbox_costs_no_call(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    assert one_pass(runtime).vtex_failure is None
    assert sandbox.requests == []


@pytest.mark.slow
def test_watch_skips_the_claims_while_vtex_does_not_answer_and_never_exits(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(
        sandbox,
        {"IMPORTER__WATCH__SCAN_INTERVAL_S": "0.1", "IMPORTER__ORDERS__ENABLED": "false"},
    )
    sandbox.faults = Faults(rate_drop=1.0)
    stop = threading.Event()
    thread = threading.Thread(
        target=watch, args=(runtime,), kwargs={"polling": True, "stop": stop}, daemon=True
    )
    thread.start()
    try:
        drop(workdir, "prices", "p.csv", PRICES)
        deadline = time.monotonic() + 15
        while sum(r.path == PREFLIGHT for r in sandbox.requests) < 3 * 6:  # 3 passes' checks
            assert time.monotonic() < deadline, "watch stopped checking"
            time.sleep(0.05)
        assert thread.is_alive()
        assert inbox_files(workdir) == {"inbox/prices/p.csv": PRICES.encode()}
        sandbox.faults = None
        done = workdir / "archive" / "done" / "p.csv"
        while not done.exists():
            assert time.monotonic() < deadline, "the file was never taken once VTEX answered"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert sandbox.prices[1]["basePrice"] == 3


@pytest.fixture
def served(sandbox: Sandbox) -> Iterator[SandboxServer]:
    server = serve(sandbox, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_run_exits_3_when_vtex_refuses_and_6_when_it_does_not_answer(
    tmp_path: Path, served: SandboxServer
) -> None:
    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    (tmp_path / "inbox" / "prices").mkdir(parents=True)
    drop(tmp_path, "prices", "p.csv", PRICES)
    before = inbox_files(tmp_path)
    refused = importer(
        "run",
        cwd=tmp_path,
        env={"VTEX_BASE_URL": served.url, "VTEX_APP_KEY": "k", "VTEX_APP_TOKEN": "wrong-token"},
    )
    assert refused.returncode == 3, refused.stderr
    assert "VTEX refused the credentials" in refused.stderr
    assert "wrong-token" not in refused.stderr
    silent = importer(
        "run",
        cwd=tmp_path,
        env={
            "VTEX_BASE_URL": f"http://127.0.0.1:{closed_port()}",
            "IMPORTER__VTEX__MAX_ATTEMPTS": "2",
            "IMPORTER__VTEX__BACKOFF_INITIAL_S": "0",
        },
    )
    assert silent.returncode == 6, silent.stderr
    assert "VTEX did not answer" in silent.stderr
    assert inbox_files(tmp_path) == before
    assert not (tmp_path / "archive").exists()
