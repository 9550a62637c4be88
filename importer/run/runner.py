"""Passes over the inbox: `importer run` does one, `importer watch` loops over them.

A pass finishes files a crash left claimed, then takes the files that are complete, flow by
flow in the registry's order (a priority, bent where a flow depends on another: orders'
invoices first, then the catalog before the stock and prices it may create SKUs for), then
retries pending rows. `watch` pulls the orders before a pass and, when the pull falls due
during one, before the pass's next file.

Trouble with the importer's own storage (`StorageError`: the store locked, the disk full, the
database damaged or deleted) is never blamed on a file: the pass stops where it is, the file
being processed stays claimed and is finished by a later pass, and the error goes up to the
command (`run` exits 5; `watch` tries again on its next pass when the trouble may pass by
itself, and stops otherwise).
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger

from importer.config import WatchSettings
from importer.deps import Deps
from importer.errors import StorageError, UnreadableFile, disk_full
from importer.files.fingerprint import sha256_of
from importer.files.openfiles import open_for_writing
from importer.files.watch import (
    Candidate,
    CompletenessGate,
    InboxEvents,
    adopt_host_leftovers,
    claim,
    claimed_files,
    done_marker_of,
    scan_inbox,
    scan_refused,
    unsafe_folders,
)
from importer.flows import registry
from importer.flows.registry import FLOW_NAMES
from importer.models import FileReport, FileSummary
from importer.notify.run import notify_files, notify_overdue
from importer.pipeline import finish_report, process_file
from importer.run.leftovers import finish_pass_report, resume_batches, retry_pending
from importer.run.lock import claim_owner
from importer.run.preflight import Preflight, PreflightFailure
from importer.run.resume import resume_file, settle_ledger
from importer.run.runtime import Runtime


@dataclass
class PassResult:
    reports: list[FileReport] = field(default_factory=list)
    waiting: int = 0  # files seen but not yet complete
    # Flow or claim folders that are links: nothing was taken from them (`unsafe_folders`).
    unsafe: list[str] = field(default_factory=list)
    # Set when the check before taking files failed: nothing was claimed in this pass.
    vtex_failure: PreflightFailure | None = None
    # Stopped between two files (SIGTERM): what was not taken waits for the next pass.
    stopped: bool = False

    @property
    def left_behind(self) -> list[FileReport]:
        """Files this pass left claimed for a reason a person must fix (an archive folder it
        cannot move them into, say): `run` exits 1 for them."""
        return [r for r in self.reports if r.left_behind]

    @property
    def needs_attention(self) -> bool:
        if self.unsafe or self.left_behind:
            return True
        for report in self.reports:
            s = report.summary
            if s.status == "failed" or s.invalid or s.failed or s.pending or s.held:
                return True
        return False


def make_gate(settings: WatchSettings) -> CompletenessGate:
    """The completeness gate `run` and `watch` take files through."""
    return CompletenessGate(settle_seconds=settings.settle_s, done_marker=settings.done_marker)


def enabled_flows(runtime: Runtime) -> list[str]:
    settings = runtime.deps.loaded.settings
    return [f for f in FLOW_NAMES if settings.flow(f).enabled]


def run_pass(
    runtime: Runtime,
    gate: CompletenessGate,
    settle: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
    *,
    before_file: Callable[[], None] | None = None,
) -> PassResult:
    """One pass. `settle` (if given) waits between two looks at the inbox, so that a file
    that is still being written is left for a later pass. `stop` (SIGTERM) is looked at
    between files: the file in hand is finished, the others wait in the inbox. `before_file`
    (if given) runs before each file is taken: `watch` pulls the orders there when the pull
    is due, so that a pass of many files does not hold them back."""
    deps = runtime.deps

    def stopping() -> bool:
        if stop is not None and stop.is_set():
            result.stopped = True
        return result.stopped

    inbox = deps.loaded.folder("inbox")
    flows = enabled_flows(runtime)
    result = PassResult()
    # Before anything is claimed or sent: the store is where it was, has room and takes a
    # write. Otherwise rows VTEX accepted could not be recorded, and would be sent again.
    deps.store.check_usable()
    # Only rows pending before this pass are retried in it: rows that just spent their retries
    # wait for the next pass rather than hammering VTEX again at once.
    pending_before = {
        f: set().union(*(deps.store.pending_keys(p) for p in registry.flow(f).pending_flows))
        for f in flows
    }
    finish_pass_report(deps)  # a pass report a crash cut short: never left half-written
    # VTEX batch jobs an earlier run left unsettled go first: a newer file must not be
    # overtaken by a job's older values.
    for flow in flows:
        try:
            settled = resume_batches(flow, deps)
        except StorageError:
            raise
        except Exception as exc:  # a bug must not stop every pass: the job stays recorded
            logger.error("internal error settling {} batch jobs: {}", flow, exc)
            continue
        if settled is not None:
            result.reports.append(settled)
    # A new importer id means a new state folder: what this host claimed under the old id is
    # adopted, or it would never be finished.
    owner = claim_owner(deps.loaded.folder("state"), on_new=lambda me: _adopt_leftovers(inbox, me))
    leftovers = claimed_files(inbox, flows, owner)
    settle_ledger(deps, [(c.flow, c.path.name) for c in leftovers])
    # VTEX must answer and take the credentials before any file is taken: otherwise every
    # file would be archived "done" with all its rows pending.
    preflight = Preflight(deps)
    # A claimed file a local writer still holds open (it reopened the file just before the
    # claim) is read once the writer is done with it, not now.
    busy = open_for_writing(c.path for c in leftovers) if leftovers else set()
    for leftover in leftovers:
        if stopping():
            break
        if leftover.path in busy:
            result.waiting += 1
            continue
        if not preflight.passed():
            break
        logger.warning("finishing {} left claimed by an earlier run", leftover.path.name)
        result.reports.append(_safely(leftover, runtime, resume=True))
    result.unsafe = unsafe_folders(inbox, flows, owner)
    for problem in result.unsafe:
        logger.error("{}", problem)
    # Links, FIFOs and devices are refused unread at once: no completeness check opens them.
    for entry in scan_refused(inbox, flows):
        claimed = claim(entry, owner)
        if claimed is not None:
            result.reports.append(_safely(Candidate(entry.flow, claimed), runtime))
    candidates = scan_inbox(inbox, flows)
    ready = gate.ready(candidates)
    if settle is not None and gate.waiting:
        settle()
        ready = gate.ready(scan_inbox(inbox, flows))
    result.waiting += gate.waiting
    marker = deps.loaded.settings.watch.done_marker
    order = {flow: i for i, flow in enumerate(FLOW_NAMES)}
    for candidate in sorted(ready, key=lambda c: order[c.flow]):
        if stopping() or not preflight.passed():
            break
        if before_file is not None:
            before_file()
        claimed = claim(candidate, owner)
        if claimed is None:
            continue  # vanished, or another importer took it
        if marker:
            # Gone as soon as its file is ours: a marker left behind would let the ERP's next
            # file of that name be taken before its own marker says it is complete.
            _remove_marker(done_marker_of(candidate.path, marker))
        result.reports.append(_safely(Candidate(candidate.flow, claimed), runtime))
    # Pending rows go last: a file taken in this pass may carry newer values for their keys,
    # which supersede them (sending the stale value first would flash an old price).
    if preflight.failed:
        pending_before = {}  # they would only spend their retries on a VTEX that is not there
    for flow, keys in pending_before.items():
        if stopping():
            break
        report = retry_pending(flow, deps, only=keys)
        if report is not None:
            result.reports.append(report)
    if runtime.sandbox is not None:
        runtime.sandbox.save()
    result.vtex_failure = preflight.failure
    # After the files: a notice per file that needs a person, then the late ones ([notify]).
    notify_files(result.reports, deps)
    notify_overdue(deps, flows)
    if result.stopped:
        logger.info(
            "stopping (SIGTERM): the file in hand was finished; what this pass had not taken "
            "waits in the inbox for the next run"
        )
    return result


def _remove_marker(marker: Path) -> None:
    try:
        marker.unlink(missing_ok=True)
    except OSError as exc:
        logger.warning("{}: the completion marker could not be removed: {}", marker, exc)


def _safely(candidate: Candidate, runtime: Runtime, *, resume: bool = False) -> FileReport:
    """A bug must not stop the importer nor leave a file claimed forever: report it.
    `resume`: a file a crash left claimed (it may be reported already)."""
    process = resume_file if resume else process_file
    try:
        return _storage_errors_named(process, candidate, runtime)
    except StorageError as exc:
        # Not the file's fault, and the store cannot record a verdict: the pass stops, and the
        # file stays claimed for the next one (never archive/failed).
        logger.error(
            "{}: not finished, the importer's own storage failed: {} ({} stays in {} and is "
            "taken again on the next pass)",
            candidate.path.name,
            exc,
            candidate.path.name,
            candidate.path.parent,
        )
        raise
    except Exception as exc:
        logger.error(
            "internal error on {}: {}\n{}", candidate.path.name, exc, traceback.format_exc()
        )
        deps = runtime.deps
        summary = FileSummary(
            file=candidate.path.name,
            flow=candidate.flow,
            sha256="",
            received_at=deps.now(),
            status="failed",
            account=deps.account,
            error=f"internal error ({type(exc).__name__}): the importer could "
            "not process this file. Send this report and the file to support.",
        )
        try:
            with contextlib.suppress(UnreadableFile):  # not a regular file: never read
                summary.sha256 = sha256_of(candidate.path)
            return finish_report(candidate.path, FileReport(summary), deps, failed=True)
        except Exception as again:
            # Reporting or archiving failed too (the file vanished, archive/ is read-only, the
            # disk is full): the file stays claimed and is tried again on the next pass; the
            # importer itself must go on with the other files.
            logger.critical(
                "{}: could not be reported nor archived ({}: {}); it stays in {} and is "
                "tried again on the next pass",
                candidate.path.name,
                type(again).__name__,
                again,
                candidate.path.parent,
            )
            return FileReport(summary)


def _storage_errors_named(
    process: Callable[[Path, str, Deps], FileReport], candidate: Candidate, runtime: Runtime
) -> FileReport:
    """`process(file)`, with a full disk anywhere (a report, the archive) raised as StoreFull."""
    try:
        return process(candidate.path, candidate.flow, runtime.deps)
    except OSError as exc:
        full = disk_full(exc, exc.filename or runtime.deps.loaded.root)
        if full is None:
            raise
        raise full from exc


def _adopt_leftovers(inbox: Path, owner: str) -> None:
    adopted = adopt_host_leftovers(inbox, owner)
    if adopted:
        logger.warning("{} file(s) claimed under an earlier importer id: finishing them", adopted)


def _pull_orders(runtime: Runtime) -> None:
    """A failed pull is logged and tried again at the next interval; it never stops watch."""
    from importer.orders.run import pull_orders

    try:
        pull_orders(runtime.deps)
    except StorageError as exc:
        if not exc.transient:
            raise  # a damaged or deleted store: watch stops (see `_watched_pass`)
        logger.error("orders pull failed, tried again next interval: {}", exc)
    except Exception as exc:
        logger.error("orders pull failed, tried again next interval: {}", exc)


# How often watch asks whether a reconcile is due ([reconcile] every_h counts in hours).
RECONCILE_CHECK_S = 60.0


def _reconcile(runtime: Runtime, every_h: float) -> None:
    """A failed reconcile is logged and resumed at the next check; it never stops watch."""
    from importer.reconcile.schedule import run_due

    try:
        run_due(runtime.deps, every_h)
    except StorageError as exc:
        if not exc.transient:
            raise  # a damaged or deleted store: watch stops (see `_watched_pass`)
        logger.error("reconcile stopped, resumed at the next check: {}", exc)
    except Exception as exc:
        logger.error("reconcile stopped, resumed at the next check: {}", exc)


@dataclass
class _Trouble:
    """The kind of storage trouble `watch` is waiting out, if any."""

    kind: type[StorageError] | None = None


class OrdersDue:
    """`watch`'s orders pull, taken whenever it is due: before each pass, and before each
    file of a pass (orders go first: shoppers wait on them)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._settings = runtime.deps.loaded.settings.orders
        self._next = time.monotonic()

    def pull_if_due(self) -> None:
        if not self._settings.enabled or time.monotonic() < self._next:
            return
        _pull_orders(self._runtime)
        self._next = time.monotonic() + self._settings.pull_interval_s


def _watched_pass(
    runtime: Runtime,
    gate: CompletenessGate,
    trouble: _Trouble,
    stop: threading.Event,
    before_file: Callable[[], None] | None = None,
) -> PassResult:
    """A pass of `watch`. Storage trouble that may pass by itself (a backup's lock, a full
    disk) is logged once when it starts and once when it ends, and the pass is tried again
    after `scan_interval_s`; trouble a person must fix (a damaged or deleted store) stops
    `watch` (exit 5)."""
    try:
        result = run_pass(runtime, gate, stop=stop, before_file=before_file)
    except StorageError as exc:
        if not exc.transient:
            raise
        if type(exc) is not trouble.kind:
            logger.error(
                "{}; watching on, trying again every {:g} s",
                exc,
                runtime.deps.loaded.settings.watch.scan_interval_s,
            )
        trouble.kind = type(exc)
        return PassResult()
    if trouble.kind is not None:
        logger.info("the importer's storage is usable again: going on")
        trouble.kind = None
    return result


# How often a watch waiting for changes looks at its stop signal: SIGTERM is answered within
# this, not after a whole scan interval (a service manager kills what does not stop).
STOP_CHECK_S = 0.5


def _changed_or_stopped(events: InboxEvents, timeout: float, stop: threading.Event) -> bool:
    """Wait up to `timeout` for a change in the inbox; True if one came. Returns early (False)
    once `stop` is set."""
    deadline = time.monotonic() + timeout
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if events.wait(min(left, STOP_CHECK_S)):
            return True
    return False


def watch(runtime: Runtime, *, polling: bool, stop: threading.Event) -> None:
    settings = runtime.deps.loaded.settings.watch
    gate = make_gate(settings)
    inbox = runtime.deps.loaded.folder("inbox")
    with InboxEvents(inbox, polling=polling or settings.polling) as events:
        logger.info(
            "watching {} ({}; scanning every {}s)",
            inbox,
            "polling" if polling or settings.polling else "events + polling",
            settings.scan_interval_s,
        )
        orders = OrdersDue(runtime)
        every_h = runtime.deps.loaded.settings.reconcile.every_h
        next_reconcile_check = time.monotonic()
        trouble = _Trouble()
        while not stop.is_set():
            # Orders first: shoppers wait on them, and a big file in the pass must not hold
            # them back. No pull while the store is in trouble: it could not record them.
            in_trouble = trouble.kind is not None
            if not in_trouble:
                orders.pull_if_due()
            # Within the pass too, before each file: a pass of many files (a long catalog
            # file among them) does not hold the orders back past their interval.
            hook = None if in_trouble else orders.pull_if_due
            result = _watched_pass(runtime, gate, trouble, stop, before_file=hook)
            if stop.is_set():
                break
            # After the pass: a file that landed is in the snapshot the reconcile reads back.
            due = every_h is not None and time.monotonic() >= next_reconcile_check
            if due and every_h is not None and trouble.kind is None:
                _reconcile(runtime, every_h)
                next_reconcile_check = time.monotonic() + RECONCILE_CHECK_S
            # A file seen but not yet complete is looked at again once it may have settled.
            timeout = settings.scan_interval_s
            if result.waiting:
                timeout = min(timeout, max(settings.settle_s, 0.2))
            if _changed_or_stopped(events, timeout, stop) and not stop.is_set():
                time.sleep(0.05)  # let a burst of events (a copy in progress) coalesce
