"""What the room tests share: a frame of canonical text as `importer.validate` hands it to a
flow, the rules run over it as validate runs them, and VTEX clients over an in-process sandbox.

No files, no store of a pass, no runner: a room's rules and sends are called directly, so each
test takes milliseconds (the end-to-end tests beside these cover the whole pass).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np
import pandas as pd

from importer.config import VtexSettings
from importer.deps import Clients
from importer.flows.spec import FlowRules, FlowSpec
from importer.models import RowError
from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import LoggedRequest, Sandbox
from importer.vtex.http import VtexHttp
from importer.vtex.timing import VirtualClock

ACCOUNT = "teststore"
NOW = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)
T = TypeVar("T")


def canonical(spec: FlowSpec, rows: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """Rows as validate leaves them: every column of the spec, text, '' where the file had
    nothing (extra names, such as 'product_spec:Cor', become columns too)."""
    names = list(spec.names)
    for row in rows:
        names += [n for n in row if n not in names]
    return pd.DataFrame(
        {n: pd.Series([str(r.get(n, "")) for r in rows], dtype=object) for n in names}
    )


def check(
    flow: FlowRules,
    rows: Sequence[Mapping[str, str]],
    raw: Mapping[str, Mapping[int, str]] | None = None,
    now: datetime = NOW,
) -> tuple[pd.DataFrame, list[RowError]]:
    """Normalise, then run the flow's row rules as `importer.validate` does: a row already
    flagged by one rule is not flagged again by a later one. Row i is the file's row i + 2
    (the header is row 1). `raw`: cells as the file wrote them, where that differs from the
    canonical text (column -> {index: text})."""
    frame = canonical(flow.spec, rows)
    cells = {str(c): frame[c].astype(str).copy() for c in frame.columns}
    for column, spelt in (raw or {}).items():
        for i, text in spelt.items():
            cells[column].iat[i] = text
    flow.normalise(frame)
    errors: list[RowError] = []
    bad = np.zeros(len(frame), dtype=bool)
    for mask, make in flow.rules(frame, cells, now):
        for index in np.flatnonzero(mask & ~bad):
            i = int(index)
            errors.append(make(i + 2, i))
        bad |= mask
    return frame, sorted(errors, key=lambda e: (e.row or 0, e.column or ""))


def by_row(errors: list[RowError]) -> dict[int, tuple[str, str]]:
    """Each flagged row -> (type, column)."""
    return {int(e.row or 0): (e.type, e.column or "") for e in errors}


def demo_sandbox() -> Sandbox:
    """The demo store (SKUs 1..20 = DEMO-001..DEMO-020, warehouses '1_1' and 'WH-SP') with
    VTEX's OpenAPI contract checked on every request."""
    sandbox = Sandbox(account=ACCOUNT, app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
    sandbox.seed_demo()
    return sandbox


def against(sandbox: Sandbox, work: Callable[[Clients], Awaitable[T]]) -> T:
    """Run `work` with VTEX clients over the sandbox, in-process, on virtual time."""

    async def go() -> T:
        http = VtexHttp(
            VtexSettings(account=ACCOUNT, max_attempts=2),
            app_key=SANDBOX_KEY,
            app_token=SANDBOX_TOKEN,
            transport=sandbox.async_transport(),
            clock=VirtualClock(),
        )
        async with http:
            return await work(Clients.over(http))

    return asyncio.run(go())


def writes(sandbox: Sandbox) -> list[LoggedRequest]:
    """What VTEX was asked to change, in order; each request already passed VTEX's contract
    (the sandbox answers a request that does not with 400, and the test sees it fail)."""
    found = [r for r in sandbox.requests if r.method in {"POST", "PUT", "PATCH", "DELETE"}]
    assert all(not r.violations for r in found), [r.violations for r in found]
    return found
