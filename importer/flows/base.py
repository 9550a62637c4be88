"""The Flow protocol: what the generic pipeline asks of each flow's room.

`importer.pipeline` reads and validates a file (the flow's spec and rules), then hands the
valid records to `flow.process`, which diffs, sends and records them; `flow.retry` sends again
what VTEX could not take earlier. Most flows are keyed (`importer.flows.keyed`); the catalog
has its own two-level process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from importer.deps import Deps
from importer.flows.spec import FlowRules
from importer.models import FileReport
from importer.preview.plan import Plan
from importer.validate import Validated


@dataclass(frozen=True)
class InputFile:
    """The file a flow processes: its name in reports and when it was written (never later
    than now: a file server's clock ahead of ours must not date anything in the future)."""

    name: str
    written_at: datetime
    # Rows a person approved (`importer approve`, a held file): the flow's guard is off.
    approved: bool = False


class Flow(FlowRules, Protocol):
    # The store's flows this one keeps rows under (snapshot, pending): its own name, and the
    # catalog's product level too.
    pending_flows: tuple[str, ...]

    def process(self, checked: Validated, file: InputFile, deps: Deps, report: FileReport) -> None:
        """Diff, send and record one file's valid records; raise FileRejected for a file that
        must not be applied at all."""
        ...

    def plan(self, checked: Validated, file: InputFile, deps: Deps) -> Plan:
        """What `process` would send for this file, worked out the same way, with nothing
        sent and nothing written (`importer preview`)."""
        ...

    def retry(self, deps: Deps, only: set[str] | None = None) -> FileReport | None:
        """Send again the rows VTEX could not take earlier (those of `only`, if given); the
        report of that work, or None when there was none."""
        ...
