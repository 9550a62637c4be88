"""What became of each row: outcomes, and how they reach the store and the report.

Below push and the flows, so that both can use it without importing each other. A flow turns
VTEX's answers into `RowOutcome`s; `record_outcomes` commits what VTEX confirmed, keeps what is
pending and puts every outcome on its report row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loguru import logger

from importer.errors import FatalVtexError, RowRejectedError
from importer.messages import render
from importer.models import Action, FileReport, ReportRow
from importer.rows import OutRow
from importer.state import Applied, PendingRow, Snapshot
from importer.validate import shown_key

if TYPE_CHECKING:  # a type only: the guard writes held files, far above this
    from importer.guard import Beyond

# A VTEX or ERP object as JSON gives it (an order, a price); rows are `OutRow`s.
Record = dict[str, Any]

# Actions that say a row reached VTEX: its snapshot moves, and a file read again keeps them.
LANDED = frozenset({Action.CREATED, Action.UPDATED, Action.DEACTIVATED, Action.WARNING})


@dataclass
class RowOutcome:
    record: OutRow  # the row as it was sent (or was to be)
    action: Action
    type: str = ""
    column: str = ""
    value: str = ""
    reason: str = ""
    status: int | None = None
    # Columns the row left empty whose value VTEX holds anyway, with that value (a cost price
    # kept, a markup derived): a report must not claim VTEX emptied them.
    kept: dict[str, str] = field(default_factory=dict)
    # A row held by a guard (Action.HELD): the move it would make, past which limit.
    held: Beyond | None = None


@dataclass
class PushResult:
    outcomes: list[RowOutcome] = field(default_factory=list)
    fatal: str = ""  # set when VTEX refused the credentials: the flow stopped
    file_warnings: list[str] = field(default_factory=list)  # for the report's summary

    @property
    def applied(self) -> list[Applied]:
        return [
            Applied(r.record.key, r.record.hash, r.record.payload())
            for r in self.outcomes
            if r.action in LANDED
        ]


def vtex_outcome(row: OutRow, exc: Exception) -> RowOutcome:
    """What a VTEX error means for a row, the same for every flow: unavailable (429, 5xx,
    timeout) or credentials refused (401/403) -> pending, retried on every pass until it
    lands; refused for good (other 4xx) -> failed, with VTEX's reason."""
    status = getattr(exc, "status", None)
    if isinstance(exc, FatalVtexError):
        return RowOutcome(
            row,
            Action.PENDING,
            type="vtex-forbidden",
            status=status,
            reason=render("vtex-forbidden", status=status),
        )
    if isinstance(exc, RowRejectedError):
        detail = " ".join(exc.body.split())[:300] or str(exc)
        return RowOutcome(
            row,
            Action.FAILED,
            type="vtex-rejected",
            status=status,
            reason=render("vtex-rejected", status=status, detail=detail),
        )
    detail = f"HTTP {status}" if status else str(exc).split(": ", 1)[-1]
    return RowOutcome(
        row,
        Action.PENDING,
        type="vtex-unavailable",
        status=status,
        reason=render("vtex-unavailable", detail=detail),
    )


def all_failed(rows: Iterable[OutRow], result: PushResult, exc: Exception) -> None:
    """Every row of `rows` meets the same VTEX error (a call they all depended on failed)."""
    if isinstance(exc, FatalVtexError):
        result.fatal = str(exc)
    result.outcomes.extend(vtex_outcome(row, exc) for row in rows)


def explain_updates(
    outcomes: list[RowOutcome],
    previous: Mapping[str, Mapping[str, Any]],
    columns: Sequence[str],
    kept_messages: Mapping[str, str] | None = None,
) -> None:
    """An updated row's report line says what changed: 'base_price: 10.01 -> 16.01'; only what
    VTEX got. A column the file does not carry was not sent, so it did not change; a column
    the row emptied whose value VTEX keeps (`kept_messages`: column -> message type) is a
    warning that says so."""
    kept_messages = kept_messages or {}
    for outcome in outcomes:
        record = outcome.record
        before = previous.get(record.key)
        if outcome.action != Action.UPDATED or before is None or outcome.reason:
            continue
        owned = [c for c in columns if record.carries(c) is not False]
        changed = changes(record.values, before, owned)
        kept = [
            c for c in changed if c in outcome.kept and c in kept_messages and not record.get(c)
        ]
        if kept:
            column = kept[0]
            outcome.action = Action.WARNING
            outcome.type = kept_messages[column]
            outcome.column = column
            outcome.value = ""
            outcome.reason = " ".join(
                render(kept_messages[c], before=before.get(c), kept=outcome.kept[c]) for c in kept
            )
            continue
        if changed:
            outcome.column = changed[0]
            outcome.value = record.get(changed[0])
            outcome.reason = describe(record.values, before, changed)


def changes(
    record: Mapping[str, Any], before: Mapping[str, Any], columns: Sequence[str]
) -> list[str]:
    return [c for c in columns if str(before.get(c, "")) != str(record.get(c, ""))]


def describe(record: Mapping[str, Any], before: Mapping[str, Any], columns: Sequence[str]) -> str:
    """'base_price: 10.01 -> 16.01; list_price: (empty) -> 5': each change said by its
    template, an empty side by the template of an empty value."""
    empty = render("empty-value")
    return "; ".join(
        render(
            "value-changed", column=c, before=before.get(c) or empty, after=record.get(c) or empty
        )
        for c in columns
    )


def report_row(outcome: RowOutcome) -> ReportRow:
    record = outcome.record
    return ReportRow(
        row=record.line,
        key=shown_key({"key": record.key, "warehouse_id": record.get("warehouse_id")}),
        action=outcome.action,
        column=outcome.column,
        value=outcome.value,
        reason=outcome.reason,
        status=outcome.status,
        type=outcome.type,
    )


def record_outcomes(
    flow: str,
    result: PushResult,
    snapshot: Snapshot,
    report: FileReport,
    source: str,
    *,
    settled: bool = False,
) -> None:
    """Commit what VTEX confirmed, keep what is pending, and put every outcome in the report.
    `settled`: the store already holds these outcomes (a resumed batch job): report only."""
    if not settled:
        store_outcomes(flow, result, snapshot, source, report.summary.sha256)
    summary = report.summary
    summary.file_warnings.extend(result.file_warnings)
    for outcome in result.outcomes:
        report.rows.append(report_row(outcome))
        summary.count(outcome.action)
    report.rows.sort(key=lambda r: (r.row is None, r.row or 0))
    if result.fatal:
        logger.error("VTEX refused the credentials: {}", result.fatal)


def store_outcomes(
    flow: str, result: PushResult, snapshot: Snapshot, source: str, sha256: str = ""
) -> None:
    """What VTEX confirmed moves the snapshot; what it refused for good is no longer pending;
    what it could not take is kept pending, with everything needed to send it again."""
    snapshot.commit(flow, result.applied, journal=(source, sha256))
    # A row VTEX refused for good is reported; it is no longer pending.
    snapshot.drop_pending(
        flow, [o.record.key for o in result.outcomes if o.action == Action.FAILED]
    )
    snapshot.add_pending(
        PendingRow(
            flow,
            o.record.key,
            o.record.hash,
            o.record.payload(),  # everything needed to send and report it again
            source,
            o.record.line,
            1,
            o.reason,
        )
        for o in result.outcomes
        if o.action == Action.PENDING
    )
