"""The types that cross stage boundaries: row errors, row outcomes, file reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Action(StrEnum):
    """What happened to one row of an input file (the report's `action` column)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DEACTIVATED = "deactivated"
    INVALID = "invalid"  # the row's data is wrong: the person must fix the file
    FAILED = "failed"  # VTEX refused the row: see reason and status
    PENDING = "pending"  # VTEX was unavailable; retried automatically on every later pass
    SKIPPED = "skipped"  # not sent because something it depends on failed
    # Landed, but a column was not sent as the file has it (kept, rounded, not sendable):
    # the reason says which column and why. Never silence: a value that does not reach VTEX
    # as written is always on its row.
    WARNING = "warning"
    # Beyond a limit a person set (a price moving more than the guard allows): not sent; it
    # waits under inbox/<flow>/held/ until `importer approve` (or `reject`).
    HELD = "held"


@dataclass(frozen=True)
class RowError:
    """One problem with one cell or row. A value, never an exception.

    `type` is a short slug (`type-error`, `missing-cell`, `duplicate-key`, `unknown-sku`...);
    `message` is the sentence a person reads, rendered from the type by `importer.messages`.
    `row` is the row number as Excel shows it (header row = 1), None for file-level problems.
    """

    type: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    key: str | None = None


@dataclass(frozen=True)
class ReportRow:
    """One line of a result report: a row that was not unchanged."""

    row: int | None
    key: str
    action: Action
    column: str = ""
    value: str = ""
    reason: str = ""
    status: int | None = None  # VTEX's HTTP status where there was one
    type: str = ""  # the error slug, empty for created/updated/deactivated


# The summary's counter of each action a pushed row can end with.
_COUNTERS = {
    Action.CREATED: "created",
    Action.UPDATED: "updated",
    Action.DEACTIVATED: "deactivated",
    Action.FAILED: "failed",
    Action.PENDING: "pending",
    Action.SKIPPED: "skipped",
    Action.WARNING: "warnings",
    Action.HELD: "held",
}


@dataclass
class FileSummary:
    """The summary block of a report. Counts are rows of the input file."""

    file: str
    flow: str
    sha256: str
    received_at: datetime
    finished_at: datetime | None = None
    status: str = "done"  # done | failed | duplicate
    rows_read: int = 0
    invalid: int = 0
    unchanged: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    failed: int = 0
    pending: int = 0
    skipped: int = 0  # rows skipped because a dependency failed
    warnings: int = 0  # rows that landed with a column not sent as written (Action.WARNING)
    held: int = 0  # rows held by a guard until a person approves them (Action.HELD)
    products_not_saved: int = 0  # catalog: product lines that failed or are pending
    duplicate_of: str = ""  # when the same bytes were already processed: that file's name
    account: str = ""
    error: str = ""  # the file-level reason when status is "failed"
    encoding: str = ""
    delimiter: str = ""
    unknown_columns: list[str] = field(default_factory=list)
    # File-level warnings a person must see (an unmapped column that looks like a known one).
    file_warnings: list[str] = field(default_factory=list)

    def count(self, action: Action) -> None:
        """Count one row of `action` (an unchanged or invalid row is counted where it is
        known, not row by row)."""
        counter = _COUNTERS.get(action)
        if counter is not None:
            setattr(self, counter, getattr(self, counter) + 1)

    @property
    def unsettled(self) -> int:
        """What did not land: the same file dropped again must be processed, not skipped."""
        return self.failed + self.pending + self.skipped + self.products_not_saved + self.held


@dataclass
class FileReport:
    """Everything a person needs to act on one input file."""

    summary: FileSummary
    rows: list[ReportRow] = field(default_factory=list)
    # Why the input is still claimed after its report was written (it could not be archived:
    # retried on the next pass, without a second report); empty once it is archived.
    left_behind: str = ""
    stem: str = ""  # the report pair's name in outbox/reports/, once it is written
    # The input's own header and, per reported row number, its cells as the file had them:
    # the workbook shows them beside the result, so a person corrects the rows there.
    input_headers: list[str] = field(default_factory=list)
    input_cells: dict[int, list[str]] = field(default_factory=dict)

    def flatten(self, columns: list[str]) -> list[list[object]]:
        """The report rows as a plain table, for tests and quick looks."""
        return [[getattr(r, c) for c in columns] for r in self.rows]
