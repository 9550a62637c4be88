"""`importer preview FILE [--flow FLOW]`: read, validate and diff a file exactly as a run
would, write what the run would do, and send nothing.

The file stays where it is (nothing claims, moves or archives it), the store is only read
(the snapshot a run would diff against), and VTEX is never opened: the deps a preview hands
the flow have no way to reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from importer.config import LoadedSettings
from importer.deps import Deps
from importer.errors import FileRejected, UnreadableFile
from importer.flows.registry import FLOW_NAMES
from importer.messages import speaking
from importer.models import FileSummary
from importer.pipeline import read_checked
from importer.preview.plan import Plan, invalid_lines
from importer.preview.write import PreviewSummary, write_preview
from importer.read.entry import check_entry
from importer.state import Store
from importer.state.db import utc_now
from importer.vtex.http import VtexHttp


class PreviewUsageError(ValueError):
    """The command was asked something it cannot answer (no flow to read the file as)."""


@dataclass
class Preview:
    plan: Plan
    paths: list[Path] = field(default_factory=list)


def flow_of(path: Path, loaded: LoadedSettings, named: str | None) -> str:
    """The flow named with --flow, else the one whose inbox folder holds the file."""
    if named is not None:
        if named not in FLOW_NAMES:
            raise PreviewUsageError(
                f"--flow {named!r} is not a flow; the flows are {', '.join(FLOW_NAMES)}"
            )
        return named
    folder = path.absolute().parent  # not resolved: a link is judged where it lies
    inbox = loaded.folder("inbox").resolve()
    if folder.parent == inbox and folder.name in FLOW_NAMES:
        return folder.name
    raise PreviewUsageError(
        f"{path.name} is not in a flow's folder ({inbox}/<flow>/): name its flow with --flow "
        f"({', '.join(FLOW_NAMES)})"
    )


def preview_file(
    path: Path,
    flow: str,
    loaded: LoadedSettings,
    *,
    now: Callable[[], datetime] = utc_now,
) -> Preview:
    """The plan of `path` read as `flow`, written to outbox/reports/ as a preview pair."""
    settings = loaded.settings
    store = Store(
        loaded.folder("state") / "importer.sqlite3",
        lock_wait_s=settings.state.lock_wait_s,
        clock=now,
    )
    try:
        deps = Deps(loaded, store, _no_vtex, now=now)
        summary = FileSummary(path.name, flow, "", now(), account=deps.account)
        with speaking(settings.report.language):
            plan = _plan(path, flow, deps, summary)
    finally:
        store.close()
    written = PreviewSummary(
        file=summary.file,
        flow=flow,
        previewed_at=summary.received_at,
        rows_read=summary.rows_read,
        account=summary.account,
        encoding=summary.encoding,
        delimiter=summary.delimiter,
        file_warnings=tuple(summary.file_warnings),
    )
    with speaking(settings.report.language):  # its summary says "nothing was sent" too
        paths = write_preview(
            plan,
            written,
            loaded.folder("outbox") / "reports",
            settings.output.report_file_mode,
        )
    return Preview(plan, paths)


def _plan(path: Path, flow: str, deps: Deps, summary: FileSummary) -> Plan:
    try:
        # A link, a FIFO, a folder, a file over max_file_mb: refused unread, as a run does.
        check_entry(path, deps.loaded.settings.watch.max_file_mb)
        taken = read_checked(path, flow, deps, summary)
    except (UnreadableFile, FileRejected) as exc:
        return Plan(refused=str(exc))
    plan = taken.flow.plan(taken.checked, taken.file, deps)
    plan.lines += invalid_lines(taken.checked.errors)
    return plan


def _no_vtex() -> VtexHttp:
    # A preview's promise is that nothing is sent: a flow that tried would be a bug here.
    raise RuntimeError("a preview never opens VTEX")
