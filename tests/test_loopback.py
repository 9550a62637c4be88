"""The importer against the sandbox served on a loopback port, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from loguru import logger

from importer.sandbox import Sandbox, serve
from importer.sandbox.server import SandboxServer
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store


@pytest.fixture
def served(sandbox: Sandbox) -> Iterator[SandboxServer]:
    server = serve(sandbox, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.mark.slow
def test_prices_and_stock_over_http_with_vtex_base_url(
    workdir: Path, sandbox: Sandbox, served: SandboxServer, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox, {"VTEX_BASE_URL": served.url})
    assert runtime.sandbox is None  # no in-process shortcut: real sockets
    drop(workdir, "prices", "p.csv", "sku_ref;base_price\nSKU-00001;12,34\n")
    drop(workdir, "inventory", "s.csv", "sku_ref,warehouse_id,quantity\nSKU-00002,1_1,9\n")
    reports = one_pass(runtime).reports
    # Stock before prices (the pass's priority order, README "Rate limits and priorities").
    assert [(r.summary.file, r.summary.created) for r in reports] == [("s.csv", 1), ("p.csv", 1)]
    assert sandbox.prices[1]["basePrice"] == Decimal("12.34")
    assert sandbox.inventory[(2, "1_1")]["quantity"] == 9


def test_the_app_token_never_reaches_logs_reports_or_the_request_log(
    workdir: Path, served: SandboxServer, make_runtime: RuntimeFactory
) -> None:
    token = "TOKEN-must-never-leak-0123456789"
    sandbox = served.sandbox
    seed_store(sandbox, 1)
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG")
    try:
        # Wrong credentials: VTEX answers 401 to the check before any file is taken, which
        # is logged and returned (the file stays in the inbox, so no report is written).
        runtime = make_runtime(
            sandbox,
            {"VTEX_BASE_URL": served.url, "VTEX_APP_KEY": "sandbox-key", "VTEX_APP_TOKEN": token},
        )
        drop(workdir, "prices", "p.csv", "sku_ref,base_price\nSKU-00001,1.00\n")
        result = one_pass(runtime)
    finally:
        logger.remove(sink)
    assert result.vtex_failure is not None and result.vtex_failure.kind == "refused"
    assert result.reports == []
    written = [
        p.read_bytes().decode("utf-8", "replace")
        for p in (workdir / "outbox" / "reports").glob("*.csv")
    ]
    seen = "\n".join(
        lines + written + [repr(r) for r in sandbox.requests] + [repr(result.vtex_failure)]
    )
    assert token not in seen
    assert "401" in seen
