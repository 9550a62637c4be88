"""What a pass finishes before and after the inbox: VTEX batch jobs an earlier run left
unsettled, pending rows sent again, and the reports of that work (which have no input file).
"""

from __future__ import annotations

import asyncio

from loguru import logger

from importer import batches
from importer.deps import Deps
from importer.flows import registry
from importer.messages import speaking
from importer.models import FileReport, FileSummary
from importer.outcomes import PushResult, record_outcomes
from importer.push import batch_outcomes
from importer.report import free_report_stem, remove_unfinished, report_paths, write_report


def resume_batches(flow: str, deps: Deps) -> FileReport | None:
    """Settle the VTEX batch jobs of the flow that an earlier run left unsettled (a crash, or a
    job that outlived its wait): poll each (never start it again), record what became of its
    rows, and report them as `batch-<flow>`. Runs before a pass takes new files, so that a
    newer value is never overtaken by a job's older one. Returns None when there were none."""
    jobs = deps.store.open_batches(flow)
    if not jobs:
        return None
    summary = FileSummary(
        file=f"batch-{flow}", flow=flow, sha256="", received_at=deps.now(), account=deps.account
    )
    report = FileReport(summary)
    keys = [r.key for job in jobs for r in deps.store.batch_rows(job.batch_id)]
    known = set(deps.store.snapshot_payloads(flow, keys))

    async def go() -> PushResult:
        result = PushResult()
        async with deps.http() as http:
            for job in jobs:
                outcome = await batches.resume(
                    batches.client_for(job.feature, http),
                    job,
                    store=deps.store,
                    clock=http.clock,
                    is_new=lambda r: r.key not in known,
                    policy=batches.policy_of(http.settings),
                    now=deps.now,
                )
                result.outcomes.extend(batch_outcomes(outcome))
                result.fatal = result.fatal or outcome.fatal
        return result

    # asyncio.run copies this context into its task: the reasons speak the reader's language.
    with speaking(deps.loaded.settings.report.language):
        result = asyncio.run(go())
    summary.rows_read = len(result.outcomes)
    record_outcomes(flow, result, deps.store, report, "batch", settled=True)
    summary.finished_at = deps.now()
    write_pass_report(report, deps)
    return report


# The stem of the pass report being written (kv), so that a kill mid-write is cleaned up.
_REPORT_BEING_WRITTEN = "pass-report-unfinished"


def write_pass_report(report: FileReport, deps: Deps) -> None:
    """Write the report of a pass's own work (pending rows retried, batch jobs settled), which
    has no input file and so no ledger entry: its name is kept in the store while its two
    files are written, so that a kill between them is cleaned up by `finish_pass_report`."""
    reports = deps.loaded.folder("outbox") / "reports"
    summary = report.summary
    stem = free_report_stem(reports, summary.file, summary.finished_at or deps.now())
    deps.store.set_value(_REPORT_BEING_WRITTEN, stem)
    write_report(
        report,
        reports,
        stem=stem,
        mode=deps.loaded.settings.output.report_file_mode,
        style=deps.loaded.report_style(),
    )
    deps.store.set_value(_REPORT_BEING_WRITTEN, "")


def finish_pass_report(deps: Deps) -> None:
    """Remove what a kill left of a pass report (its temporary files, one file of its pair):
    never a half-written report in outbox/reports. What it said is not lost for the rows that
    need a person: those still pending are reported again by the pass that retries them."""
    stem = deps.store.get_value(_REPORT_BEING_WRITTEN)
    if not stem:
        return
    reports = deps.loaded.folder("outbox") / "reports"
    if not all(p.exists() for p in report_paths(reports, stem)):
        logger.warning("{}: the report was cut short by a crash; its rest is removed", stem)
        remove_unfinished(reports, stem)
    deps.store.set_value(_REPORT_BEING_WRITTEN, "")


def retry_pending(flow: str, deps: Deps, only: set[str] | None = None) -> FileReport | None:
    """Send again the rows that VTEX could not take earlier (those of `only`, if given), and
    write the report of that work. Returns it when there were any."""
    with speaking(deps.loaded.settings.report.language):
        report = registry.flow(flow).retry(deps, only)
    if report is None:
        return None
    summary = report.summary
    summary.finished_at = deps.now()
    write_pass_report(report, deps)
    logger.info(
        "retried {} pending {} rows: {} landed, {} still pending, {} failed",
        summary.rows_read,
        flow,
        summary.created + summary.updated,
        summary.pending,
        summary.failed,
    )
    return report
