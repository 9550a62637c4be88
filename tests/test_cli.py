"""The command line as a person runs it: init, config, run with the built-in sandbox."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Slow: every test starts the importer as a subprocess (about 2 s of imports each).
# `tasks.py test --fast` leaves this module out.
pytestmark = pytest.mark.slow


ROOT = Path(__file__).resolve().parents[1]


def importer(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("VTEX_", "IMPORTER__"))}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "importer", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_init_then_run_the_samples_against_the_built_in_sandbox(tmp_path: Path) -> None:
    work = tmp_path / "work"
    assert importer("init", str(work), cwd=tmp_path).returncode == 0
    config = (work / "importer.toml").read_text(encoding="utf-8")
    (work / "importer.toml").write_text(
        config.replace("settle_s = 2", "settle_s = 0"), encoding="utf-8"
    )
    shutil.copy(ROOT / "samples" / "precos-erp.csv", work / "inbox" / "prices")
    shutil.copy(ROOT / "samples" / "inventory.csv", work / "inbox" / "inventory")
    shutil.copy(ROOT / "samples" / "catalogo.xlsx", work / "inbox" / "catalog")

    done = importer("run", cwd=work)
    assert done.returncode == 0, done.stderr
    assert "USING THE BUILT-IN VTEX SANDBOX" in done.stderr
    assert sorted(p.name for p in (work / "archive" / "done").iterdir()) == [
        "catalogo.xlsx",
        "inventory.csv",
        "precos-erp.csv",
    ]
    assert "catalogo.xlsx [catalog] done: read 6, created 6" in done.stderr
    reports = sorted(p.name for p in (work / "outbox" / "reports").glob("*.report.*"))
    assert [n.split(".")[0] for n in reports] == (
        ["catalogo"] * 2 + ["inventory"] * 2 + ["precos-erp"] * 2
    )
    assert (work / "state" / "sandbox.json").exists()

    again = importer("run", cwd=work)
    assert again.returncode == 0
    assert "duplicate" not in again.stderr  # nothing new in the inbox: nothing to do


def test_config_masks_secrets_and_names_sources(tmp_path: Path) -> None:
    shown = importer(
        "config",
        cwd=tmp_path,
        env={"VTEX_APP_KEY": "appkey-visible-ok", "VTEX_APP_TOKEN": "TOPSECRET"},
    )
    assert shown.returncode == 0
    assert "TOPSECRET" not in shown.stdout + shown.stderr
    assert "vtex.app_token" in shown.stdout and "[env VTEX_APP_TOKEN]" in shown.stdout


def test_run_exit_codes_for_bad_config_and_rows_needing_attention(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text(
        '[flows.prices]\nmode = "sometimes"\n', encoding="utf-8"
    )
    bad = importer("run", cwd=tmp_path)
    assert bad.returncode == 2
    assert "flows.prices.mode" in bad.stderr

    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    (tmp_path / "inbox" / "prices").mkdir(parents=True)
    (tmp_path / "inbox" / "prices" / "p.csv").write_text(
        "sku_ref,base_price\nDEMO-001,abc\nDEMO-002,10.00\n", encoding="utf-8"
    )
    attention = importer("run", cwd=tmp_path)
    assert attention.returncode == 1, attention.stderr


def test_sandbox_command_serves_the_emulator_on_loopback(tmp_path: Path) -> None:
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("VTEX_", "IMPORTER__"))}
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "importer", "sandbox", "--port", str(port), "--orders", "3"),
            "--metered",
        ],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        headers = {
            "X-VTEX-API-AppKey": "sandbox-key",
            "X-VTEX-API-AppToken": "sandbox-token",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        url = (
            f"http://127.0.0.1:{port}/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/DEMO-003"
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(url, headers=headers, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.1)
        assert answer.status_code == 200
        assert str(answer.json()) == "3"
        assert httpx.get(url, timeout=2).status_code == 401  # no credentials, no answer
        listed = httpx.get(
            f"http://127.0.0.1:{port}/api/oms/pvt/orders",
            headers=headers,
            params={"f_status": "ready-for-handling"},
            timeout=2,
        )
        assert listed.json()["paging"]["total"] == 3
        # --metered: Pricing answers carry the meter's reading (unmetered: a fixed Reset of 0).
        price = {"basePrice": 10.0, "costPrice": 5.0, "fixedPrices": []}
        put = httpx.put(f"http://127.0.0.1:{port}/pricing/prices/3", json=price, headers=headers)
        assert put.status_code == 200
        assert (put.headers["Ratelimit-Remaining"], put.headers["Ratelimit-Reset"]) == ("499", "1")
    finally:
        server.terminate()
        server.communicate(timeout=10)


def test_a_second_importer_on_the_same_folder_refuses_to_start(tmp_path: Path) -> None:
    from importer.run.lock import FolderLock

    with FolderLock(tmp_path / "state"):
        second = importer("run", cwd=tmp_path)
    assert second.returncode == 4
    assert "another importer is already running on this folder (pid" in second.stderr
    assert importer("run", cwd=tmp_path).returncode == 0  # the lock went with its holder


def test_orders_pull_writes_the_demo_orders_and_a_second_pull_writes_none(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    first = importer("orders", "pull", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "5 order(s) exported, 5 handled" in first.stdout
    files = list((tmp_path / "outbox" / "orders").glob("orders-*.csv"))
    assert len(files) == 1
    second = importer("orders", "pull", cwd=tmp_path)
    assert "0 order(s) exported" in second.stdout
    assert len(list((tmp_path / "outbox" / "orders").glob("orders-*.csv"))) == 1


def test_a_logged_traceback_never_shows_local_variables(tmp_path: Path) -> None:
    # loguru prints local values in tracebacks by default; the token is a local somewhere.
    from loguru import logger

    from importer.cli import _setup_logging

    def build_client(app_token: str) -> None:
        raise RuntimeError("connection refused")

    secret = "-".join(["TOKEN", "in", "a", "local", "variable", "42"])  # not in any source line
    _setup_logging(tmp_path)
    try:
        try:
            build_client(secret)
        except RuntimeError:
            logger.exception("could not reach VTEX")
    finally:
        logger.remove()
    text = (tmp_path / "importer.log").read_text(encoding="utf-8")
    assert "could not reach VTEX" in text and "connection refused" in text
    assert secret not in text


# What only a pass over files needs (~2 s of imports): a command that takes no file, or stops
# before it would, must answer without them (importer/cli.py imports them inside the commands;
# importer/memory.py chooses Arrow's allocator without importing pyarrow).
PASS_ONLY = (
    "pandas",
    "pyarrow",
    "numpy",
    "openpyxl",
    "importer.run.runner",
    "importer.run.runtime",
    "importer.sandbox",
)


def imported_by(
    *args: str, cwd: Path, extra: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`python -X importtime -m importer ARGS`: its result and the modules it imported."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("VTEX_", "IMPORTER__"))}
    environ.update(extra or {})
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "importer", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return done, modules


def test_help_config_and_a_busy_folder_answer_without_what_a_pass_needs(tmp_path: Path) -> None:
    from importer.run.lock import FolderLock

    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    helped, help_modules = imported_by("--help", cwd=tmp_path)
    shown, config_modules = imported_by("config", cwd=tmp_path)
    with FolderLock(tmp_path / "state"):
        busy, busy_modules = imported_by("run", cwd=tmp_path)
    assert (helped.returncode, shown.returncode, busy.returncode) == (0, 0, 4), busy.stderr
    assert "importer.config" in config_modules  # the list is read right
    for modules in (help_modules, config_modules, busy_modules):
        assert sorted(m for m in PASS_ONLY if m in modules) == []


@pytest.mark.slow
def test_a_run_against_a_store_never_loads_the_sandbox(tmp_path: Path) -> None:
    """The emulator and the OpenAPI contract it checks with are ~0.3 s of every start: only
    a run whose target is the built-in sandbox loads them."""
    (tmp_path / "inbox" / "prices").mkdir(parents=True)
    (tmp_path / "inbox" / "prices" / "p.csv").write_text("sku_id,base_price\n1,10\n")
    store = {
        "VTEX_BASE_URL": "http://127.0.0.1:9",  # nothing listens there: the check fails at once
        "VTEX_APP_KEY": "key",
        "VTEX_APP_TOKEN": "token",
        "IMPORTER__VTEX__MAX_ATTEMPTS": "1",
        "IMPORTER__WATCH__SETTLE_S": "0",
    }
    done, modules = imported_by("run", cwd=tmp_path, extra=store)
    assert done.returncode == 6, done.stderr[-2000:]  # VTEX did not answer: nothing taken
    assert "importer.run.runtime" in modules and "importer.pipeline" in modules
    assert sorted(m for m in modules if m.startswith(("importer.sandbox", "jsonschema"))) == []
