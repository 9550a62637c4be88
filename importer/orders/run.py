"""Entry points for the command line and the watch loop: one pull, or one order again."""

from __future__ import annotations

import asyncio
import json

from loguru import logger

from importer.deps import Deps
from importer.errors import VtexError
from importer.orders.pull import OrderPuller, PullResult
from importer.vtex.http import VtexHttp
from importer.vtex.orders import OrdersClient


def _puller(deps: Deps, http: VtexHttp) -> OrderPuller:
    settings = deps.loaded.settings.orders
    return OrderPuller(
        OrdersClient(http),
        deps.store,
        deps.loaded.folder("outbox") / "orders",
        deps.now,
        settings.file_format,
        deps.loaded.settings.output.orders_file_mode,
    )


def pull_orders(deps: Deps, *, sweep: bool = False) -> PullResult:
    """One pull; `sweep` also lists every ready order (else every `sweep_interval_s`)."""
    settings = deps.loaded.settings.orders

    async def go() -> PullResult:
        async with deps.http() as http:
            return await _puller(deps, http).pull(
                settings.source, sweep_interval_s=settings.sweep_interval_s, sweep=sweep
            )

    try:
        result = asyncio.run(go())
    except VtexError as exc:
        _remember_pull(deps, ok=False, detail=str(exc)[:300])
        raise
    _remember_pull(deps, ok=True, detail=f"{len(result.exported)} exported")
    for problem in result.problems:
        logger.warning(problem)
    if result.exported or result.events:
        logger.info(
            "orders: {} event(s), {} exported, {} handled, {} committed",
            result.events,
            len(result.exported),
            len(result.handled),
            result.committed,
        )
    return result


LAST_PULL = "orders.last_pull"  # the kv value `importer status` reads


def _remember_pull(deps: Deps, *, ok: bool, detail: str) -> None:
    """When the last pull ran and how it went, for `importer status`."""
    deps.store.set_value(
        LAST_PULL,
        json.dumps({"at": deps.now().isoformat(timespec="seconds"), "ok": ok, "detail": detail}),
    )


def export_order(deps: Deps, order_id: str) -> PullResult:
    async def go() -> PullResult:
        async with deps.http() as http:
            result = PullResult()
            await _puller(deps, http).export_again(order_id, result)
            return result

    return asyncio.run(go())
