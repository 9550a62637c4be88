"""Who can read what the importer writes (issue 10, item 2; README "Who can read the files").

Reports: what the umask gives any new file (staff on the share open them). Orders and
cancellations (customers' names, documents, addresses): 0640. The store (with -wal/-shm) and
the log: 0600. Each under a known umask, and each changed by its `[output]` setting.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from importer.cli import _setup_logging
from importer.config import load_settings
from importer.errors import ConfigError
from importer.orders.run import pull_orders
from importer.run.runtime import sqlite_files
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX (README)")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    """A known umask, 022 as on most systems, restored afterwards."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def outputs(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, environ: dict[str, str]
) -> dict[str, list[Path]]:
    """One price file, one orders pull with a cancellation, and the log: every kind of file."""
    seed_store(sandbox, 3)
    sandbox.seed_orders(2, queue=True)
    runtime = make_runtime(sandbox, environ)
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-00001,10.50\n")
    one_pass(runtime)
    pull_orders(runtime.deps)
    sandbox.set_order_status(sorted(sandbox.orders)[0], "cancellation-requested")
    pull_orders(runtime.deps)
    state = workdir / "state"
    _setup_logging(state, runtime.deps.loaded.settings.output.state_file_mode)
    try:
        logger.info("a line, so that the log file exists")
    finally:
        logger.remove()
    orders = workdir / "outbox" / "orders"
    found = {
        "reports": sorted((workdir / "outbox" / "reports").glob("precos.csv.*")),
        "orders": sorted(orders.glob("orders-*.csv")),
        "cancellations": sorted(orders.glob("cancellations-*.csv")),
        "store": [p for p in sqlite_files(state / "importer.sqlite3") if p.exists()],
        "log": [state / "importer.log"],
    }
    assert [len(found[k]) for k in found] == [2, 1, 1, 3, 1], found  # db, -wal and -shm
    return found


def test_the_default_rule_under_umask_022(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, umask: None
) -> None:
    found = outputs(workdir, sandbox, make_runtime, {})

    modes = {kind: {mode_of(p) for p in paths} for kind, paths in found.items()}
    assert modes == {
        "reports": {0o644},  # like any file the user creates
        "orders": {0o640},
        "cancellations": {0o640},
        "store": {0o600},
        "log": {0o600},
    }


def test_each_setting_changes_its_files(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, umask: None
) -> None:
    environ = {
        "IMPORTER__OUTPUT__REPORT_MODE": "0640",
        "IMPORTER__OUTPUT__ORDERS_MODE": "0600",
        "IMPORTER__OUTPUT__STATE_MODE": "0o640",
    }
    found = outputs(workdir, sandbox, make_runtime, environ)

    modes = {kind: {mode_of(p) for p in paths} for kind, paths in found.items()}
    assert modes == {
        "reports": {0o640},
        "orders": {0o600},
        "cancellations": {0o600},
        "store": {0o640},
        "log": {0o640},
    }


@pytest.mark.parametrize(
    ("umask_value", "expected"), [(0o002, 0o664), (0o077, 0o600)], ids=["umask-002", "umask-077"]
)
def test_reports_follow_the_umask(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, umask_value: int, expected: int
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    before = os.umask(umask_value)
    try:
        drop(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-00001,10.50\n")
        one_pass(runtime)
    finally:
        os.umask(before)
    reports = sorted((workdir / "outbox" / "reports").glob("precos.csv.*"))
    assert len(reports) == 2 and {mode_of(p) for p in reports} == {expected}


def test_an_explicit_mode_is_applied_whatever_the_umask(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    sandbox.seed_orders(1, queue=True)
    runtime = make_runtime(sandbox, {"IMPORTER__OUTPUT__REPORT_MODE": "0644"})
    before = os.umask(0o077)
    try:
        drop(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-00001,10.50\n")
        one_pass(runtime)
        (orders,) = pull_orders(runtime.deps).files
    finally:
        os.umask(before)
    reports = sorted((workdir / "outbox" / "reports").glob("precos.csv.*"))
    assert {mode_of(p) for p in reports} == {0o644}
    assert mode_of(orders) == 0o640  # the group's read is given even where the umask denies it


def test_a_store_and_log_left_world_readable_by_an_older_version_are_closed(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, umask: None
) -> None:
    state = workdir / "state"
    state.mkdir(exist_ok=True)
    sqlite3.connect(state / "importer.sqlite3").close()
    (state / "importer.log").write_text("old lines\n", encoding="utf-8")
    (state / "importer.2026-12-01_10-00-00_000000.log").write_text("rotated\n", encoding="utf-8")
    assert mode_of(state / "importer.sqlite3") == 0o644

    make_runtime(sandbox)
    _setup_logging(state)
    logger.remove()

    assert mode_of(state / "importer.sqlite3") == 0o600
    assert {mode_of(p) for p in state.glob("importer*.log")} == {0o600}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("orders_mode", "umask", "three octal digits"),
        ("orders_mode", "0400", "must keep read and write"),
        ("state_mode", "0700", "no execute bit"),
        ("report_mode", "rw-r--r--", '"umask" or three octal digits'),
        ("report_mode", "06444", "three octal digits"),
    ],
)
def test_a_mode_that_is_not_a_file_mode_is_a_configuration_error(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(cwd=tmp_path, environ={f"IMPORTER__OUTPUT__{key.upper()}": value})
    assert f"output.{key}" in str(caught.value)


def test_a_mode_written_as_a_toml_number_is_refused_not_misread(tmp_path: Path) -> None:
    # 640 in TOML is decimal 640, i.e. 0o1200: never guess what was meant.
    (tmp_path / "importer.toml").write_text("[output]\norders_mode = 640\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="as text in quotes"):
        load_settings(cwd=tmp_path, environ={})
