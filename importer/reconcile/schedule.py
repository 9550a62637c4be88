"""`[reconcile] every_h`: which flows `importer watch` reconciles now, and doing it.

Every flow that can be reconciled (prices, inventory, catalog) is considered. A flow is due
when the folder uses it (its snapshot holds keys the importer sent) and its
last reconcile finished `every_h` hours ago or more, or never did (the first one runs when
watch starts), or one was interrupted (it resumes at once). When each finished is kept in the
store, so a restarted watch keeps the schedule.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from loguru import logger

from importer.deps import Deps
from importer.reconcile.readers import READERS, parts
from importer.reconcile.run import ReconcileResult, reconcile
from importer.state.reconcile import Reconciling


def due_flows(deps: Deps, every_h: float) -> list[str]:
    table = Reconciling(deps.store.database)
    now = deps.now()
    due: list[str] = []
    for flow in READERS:
        if deps.store.snapshot_count(flow) == 0:
            continue  # the folder does not use it (or nothing landed yet): nothing to read
        last = table.last_finished(flow)
        interrupted = table.progress(flow) is not None
        if interrupted or last is None or now - _moment(last, now) >= timedelta(hours=every_h):
            due.append(flow)
    return due


def run_due(deps: Deps, every_h: float) -> list[ReconcileResult]:
    results: list[ReconcileResult] = []
    for flow in due_flows(deps, every_h):
        result = reconcile(flow, parts(flow, deps), deps)
        logger.info(
            "reconcile {}: {} key(s) read back, {} drifted, {} kept, {} unreadable; report {}",
            flow,
            result.checked,
            result.drifted_keys,
            result.kept_keys,
            result.unreadable_keys,
            result.paths[0].name,
        )
        results.append(result)
    return results


def _moment(text: str, now: datetime) -> datetime:
    moment = datetime.fromisoformat(text)
    # Stored from the pass's clock; compare like with like.
    if moment.tzinfo is None and now.tzinfo is not None:
        return moment.replace(tzinfo=now.tzinfo)
    return moment
