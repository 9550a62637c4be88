"""`importer pending drop`: giving up on pending rows, with a report that lists them."""

from __future__ import annotations

from pathlib import Path

from importer.config import LoadedSettings
from importer.messages import render, speaking
from importer.models import Action, FileReport, FileSummary, ReportRow
from importer.report import write_report
from importer.state import Store
from importer.state.db import utc_now

DROPPED = "pending-dropped"


def drop_pending(
    loaded: LoadedSettings, flow: str, keys: set[str] | None
) -> tuple[int, list[Path]]:
    """Drop the flow's pending rows (those of `keys`; every one when None) and write the report
    of what was dropped. The report is written first: a row is never dropped unlisted."""
    from importer.flows import registry

    store = Store(
        loaded.folder("state") / "importer.sqlite3",
        lock_wait_s=loaded.settings.state.lock_wait_s,
    )
    try:
        names = registry.flow(flow).pending_flows
        rows = [
            (name, row)
            for name in names
            for row in store.pending(name)
            if keys is None or row.key in keys
        ]
        if not rows:
            return 0, []
        now = utc_now()
        summary = FileSummary(
            file=f"{DROPPED}-{flow}",
            flow=flow,
            sha256="",
            received_at=now,
            finished_at=now,
            account=loaded.settings.vtex.account,
            rows_read=len(rows),
        )
        report = FileReport(summary)
        language = loaded.settings.report.language
        for _, row in rows:
            with speaking(language):
                reason = render(
                    "pending-dropped", file=row.source_file, error=row.last_error or "-"
                )
            report.rows.append(
                ReportRow(
                    row.source_row,
                    row.key,
                    Action.SKIPPED,
                    "",
                    "",
                    reason,
                    None,
                    DROPPED,
                )
            )
        paths = write_report(
            report,
            loaded.folder("outbox") / "reports",
            mode=loaded.settings.output.report_file_mode,
            style=loaded.report_style(),
        )
        dropped = sum(
            store.drop_pending(name, [row.key for n, row in rows if n == name]) for name in names
        )
        return dropped, paths
    finally:
        store.close()
