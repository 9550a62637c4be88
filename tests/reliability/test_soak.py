"""The fault soak (tests/reliability/soak.py), short and seeded: a real `importer watch`
against a loopback sandbox that throws 429s, 5xx, timeouts and dropped connections at it
while files keep arriving; afterwards VTEX holds exactly what the files said."""

from __future__ import annotations

from pathlib import Path

from importer.sandbox import Faults
from tests.reliability.soak import SoakPlan, run_soak

# The mix of faults, on a time scale a test can afford: Retry-After 0.1 s, a client
# that gives up on a stalled answer after 1 s, backoff from 50 ms.
SHORT = SoakPlan(
    drop_seconds=7,
    seed=20261127,
    faults=Faults(
        latency_ms=5,
        rate_429=0.10,
        retry_after=0.1,
        rate_5xx=0.10,
        rate_timeout=0.05,
        rate_drop=0.05,
        seed=20261127,
        timeout_stall_s=5,
    ),
    file_every_s=0.4,
    order_every_s=0.8,
    max_backlog=3,
    settle_idle_s=30,
    feed_patience_s=2,
    importer_env={
        "IMPORTER__VTEX__TIMEOUT_S": "1",
        "IMPORTER__VTEX__BACKOFF_INITIAL_S": "0.05",
        "IMPORTER__VTEX__BACKOFF_MAX_S": "0.5",
        "IMPORTER__WATCH__SETTLE_S": "0.1",
        "IMPORTER__WATCH__SCAN_INTERVAL_S": "0.2",
        "IMPORTER__ORDERS__PULL_INTERVAL_S": "1",
    },
)


def test_a_short_fault_soak_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    result = run_soak(tmp_path, SHORT, log=lambda _: None)
    assert result.problems == [], result.table()
    intent = result.intent
    # The soak did what it claims: every flow, invalid rows, orders, and every fault kind.
    assert set(intent.files.values()) == {"prices", "inventory", "catalog", "invoices"}
    assert intent.invoices and intent.orders and any(intent.bad_rows.values())
    assert all(result.faults[kind] > 0 for kind in ("429", "5xx", "timeout", "dropped"))
    assert (result.rows_lost, result.duplicates) == (0, 0)
