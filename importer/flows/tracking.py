"""The tracking flow: inbox/tracking rows (one per event) -> each invoice's tracking events
(`PUT /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking`, API-NOTES §12.3).

VTEX takes an invoice's tracking as one body (isDelivered, deliveredDate and the whole event
list), so the rows of one invoice (order_id + invoice_number) are grouped, and the group is
what is diffed, sent and kept in the snapshot: one changed event sends that invoice's whole
list once, an unchanged invoice sends nothing. A row with an error holds its whole invoice
(a partial list would replace VTEX's whole list); the reason is on every row of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import pandas as pd

from importer.deps import Clients, Deps
from importer.diff import content_hash, diff
from importer.errors import VtexError
from importer.flows.base import InputFile
from importer.flows.invoices import INVOICE_NUMBER
from importer.flows.keyed import KeyedFlow, rows_of
from importer.flows.spec import Column, FlowSpec, Raw, RuleResult, missing
from importer.messages import render, row_error
from importer.models import Action, FileReport, RowError
from importer.outcomes import (
    PushResult,
    Record,
    RowOutcome,
    record_outcomes,
    store_outcomes,
    vtex_outcome,
)
from importer.push import IsNew, Send, per_parent
from importer.rows import OutRow, Payload
from importer.state import Snapshot, Store
from importer.validate import Validated
from importer.vtex.orders import OrdersClient

TRACKING = FlowSpec(
    name="tracking",
    columns=(
        Column("order_id", "code", required=True),
        Column("invoice_number", "code", required=True),
        Column("event_date", "date"),
        Column("city", "text"),
        Column("state", "text"),
        Column("description", "text"),
        Column("delivered", "bool"),
        Column("delivered_date", "date"),
    ),
    # A row is one event: validation's key (and its duplicate check) is the event, the
    # snapshot's key is the invoice (`invoice_key`).
    key_columns=("order_id", "invoice_number", "event_date", "city", "state", "description"),
    hashed=("events", "delivered", "delivered_date"),
)

EVENT_FIELDS = ("city", "state", "description")


def is_event(frame: pd.DataFrame) -> pd.Series:
    """Rows that carry an event (any of its cells), as opposed to the delivery alone."""
    event = frame["event_date"] != ""
    for name in EVENT_FIELDS:
        event = event | (frame[name] != "")
    return event


def invoice_key(order_id: str, number: str) -> str:
    return f"{order_id}|{number}"


class Tracking(KeyedFlow):
    spec = TRACKING

    def rules(self, frame: pd.DataFrame, raw: Raw, now: datetime) -> RuleResult:
        results: RuleResult = []
        for name in ("order_id", "invoice_number"):
            results.append(((frame[name] == "").to_numpy(), missing(name)))
        # A row that says where and when is an event, and VTEX shows it by its date and
        # description; a row with none of the four only says whether it was delivered.
        event = is_event(frame)
        for name in ("event_date", "description"):
            results.append(((event & (frame[name] == "")).to_numpy(dtype=bool), missing(name)))
        numbers = frame["invoice_number"]
        odd = ((numbers != "") & ~numbers.str.fullmatch(INVOICE_NUMBER)).to_numpy(dtype=bool)
        results.append(
            (
                odd,
                lambda row, i: row_error(
                    "invalid-combination",
                    template="invoice-number-characters",
                    row=row,
                    column="invoice_number",
                    value=str(numbers.iloc[i]),
                ),
            )
        )
        return results

    def record_rules(self, records: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
        """An invoice is delivered once: its rows' delivered_date agree, and a date needs a
        row that says delivered = true."""
        return delivery_rules(records)

    def process(self, checked: Validated, file: InputFile, deps: Deps, report: FileReport) -> None:
        summary = report.summary
        records = checked.records
        summary.invalid = checked.rows_read - len(records)
        held = held_rows(records, checked.errors)
        result = PushResult(outcomes=[held_outcome(h) for h in held])
        groups = group_events(records[~records["row"].isin([h.line for h in held])])
        if not groups.empty:
            groups["hash"] = content_hash(groups, self.spec.hashed)
            changes = diff(groups, deps.store.snapshot_hashes(self.name))
            # A pending invoice is sent again even when unchanged (a timed-out PUT may or
            # may not have applied); this file's list supersedes it.
            changes = changes.force(deps.store.pending_keys(self.name))
            to_push = changes.to_push
            sent = sum(len(rows.split(",")) for rows in to_push["event_rows"])
            summary.unchanged = len(records) - len(held) - sent
            previous = deps.store.snapshot_payloads(self.name, changes.changed["key"].tolist())
            rows = self.prepare(rows_of(to_push), previous, checked)
            pushed = self._push(rows, [], deps, set(changes.new["key"]), source=summary.file)
            result.outcomes = pushed.outcomes + result.outcomes
            result.fatal = pushed.fatal
            result.file_warnings = pushed.file_warnings
        self.record(result, deps.store, report, summary.file)

    def prepare(
        self, rows: list[OutRow], previous: Mapping[str, Payload], checked: Validated
    ) -> list[OutRow]:
        """Each invoice with how many fewer events it lists than VTEX got last time
        (`dropped`, said on its rows when it lands; kept with a pending row for its retry)."""
        return [
            replace(
                r,
                values={**r.values, "dropped": str(dropped_events(previous.get(r.key), r))},
            )
            for r in rows
        ]

    def record(self, result: PushResult, store: Snapshot, report: FileReport, source: str) -> None:
        """The store keeps one row per invoice; the report says each event row's outcome."""
        store_outcomes(self.name, result, store, source)
        events = PushResult(
            outcomes=[o for outcome in result.outcomes for o in per_event(outcome)],
            fatal=result.fatal,
            file_warnings=result.file_warnings,
        )
        record_outcomes(self.name, events, store, report, source, settled=True)

    async def send(
        self, rows: list[OutRow], removals: Sequence[OutRow], clients: Clients, store: Store,
        send: Send,
    ) -> PushResult:  # fmt: skip
        return await push_tracking(
            rows, clients.orders, clients.http.settings.concurrency, send.is_new
        )


FLOW = Tracking()


# -- validation ------------------------------------------------------------------------------


def _columns(records: pd.DataFrame, names: Iterable[str]) -> dict[str, list[str]]:
    """Columns as lists of text: the per-invoice work below walks rows in plain Python,
    which for a few thousand small groups is far cheaper than a pandas call per group."""
    return {name: records[name].astype(str).tolist() for name in names}


def _by_invoice(cells: dict[str, list[str]]) -> dict[str, list[int]]:
    """Positions of each invoice's rows, in file order, invoices in order of first row."""
    groups: dict[str, list[int]] = {}
    for i, (order_id, number) in enumerate(
        zip(cells["order_id"], cells["invoice_number"], strict=True)
    ):
        groups.setdefault(invoice_key(order_id, number), []).append(i)
    return groups


def delivery_rules(records: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
    errors: list[RowError] = []
    if records.empty:
        return records, errors
    names = ("key", "order_id", "invoice_number", "delivered", "delivered_date")
    cells = _columns(records, names)
    rows = records["row"].astype(int).tolist()
    dates, keys = cells["delivered_date"], cells["key"]
    bad: set[int] = set()
    for positions in _by_invoice(cells).values():
        dated = [i for i in positions if dates[i]]
        if not dated:
            continue
        first = dated[0]
        for i in dated[1:]:
            if dates[i] != dates[first]:
                bad.add(rows[i])
                errors.append(
                    row_error(
                        "invalid-combination",
                        template="tracking-delivered-conflict",
                        row=rows[i],
                        column="delivered_date",
                        value=dates[i],
                        key=keys[i],
                        first=dates[first],
                        first_row=rows[first],
                    )
                )
        if not any(cells["delivered"][i] == "true" for i in positions):
            for i in dated:
                bad.add(rows[i])
                errors.append(
                    row_error(
                        "invalid-combination",
                        template="tracking-delivered-date-alone",
                        row=rows[i],
                        column="delivered_date",
                        value=dates[i],
                        key=keys[i],
                        number=cells["invoice_number"][i],
                    )
                )
    if not bad:
        return records, errors
    return records[~records["row"].isin(bad)], errors


# -- grouping --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A valid row of an invoice that a row with an error holds, and the rows that hold it."""

    line: int
    order_id: str
    invoice_number: str
    bad_rows: tuple[int, ...]


def held_rows(records: pd.DataFrame, errors: Iterable[RowError]) -> list[Held]:
    """The valid rows of invoices that have a row with an error (a repeated row aside), each
    with the rows that hold it. An error row that lacks its order id (or invoice number)
    holds every invoice of the number (or order) it has: it may be one of their events."""
    bad: dict[tuple[str, str], set[int]] = {}
    for error in errors:
        # A repeated row is the same event: the first is used, the list stays whole.
        if not error.key or error.row is None or error.type == "duplicate-key":
            continue
        order_id, _, rest = error.key.partition("|")
        number = rest.partition("|")[0]
        if order_id or number:
            bad.setdefault((order_id, number), set()).add(error.row)
    if not bad or records.empty:
        return []
    held: list[Held] = []
    cells = _columns(records, ("order_id", "invoice_number"))
    lines = records["row"].astype(int).tolist()
    for line, order_id, number in zip(
        lines, cells["order_id"], cells["invoice_number"], strict=True
    ):
        rows = set().union(
            *(bad.get(k, set()) for k in ((order_id, number), (order_id, ""), ("", number)))
        )
        if rows:
            held.append(Held(line, order_id, number, tuple(sorted(rows))))
    return held


def held_outcome(held: Held) -> RowOutcome:
    order_id, number = held.order_id, held.invoice_number
    return RowOutcome(
        OutRow(invoice_key(order_id, number), 0, held.line, {}),
        Action.SKIPPED,
        type="tracking-invoice-incomplete",
        column="invoice_number",
        value=number,
        reason=render(
            "tracking-invoice-incomplete",
            rows=", ".join(str(r) for r in held.bad_rows),
            number=number,
            order=order_id,
        ),
    )


def group_events(records: pd.DataFrame) -> pd.DataFrame:
    """One record per invoice: its events in time order (then file order) as JSON text,
    delivered and delivered_date, and the file rows it came from (`event_rows`)."""
    columns = ["row", "key", "order_id", "invoice_number", *TRACKING.hashed, "event_rows"]
    if records.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    names = ("order_id", "invoice_number", "event_date", *EVENT_FIELDS, "delivered")
    cells = _columns(records, (*names, "delivered_date"))
    rows = records["row"].astype(int).tolist()
    dates = cells["event_date"]
    out: list[dict[str, object]] = []
    for key, positions in _by_invoice(cells).items():
        ordered = sorted(
            (i for i in positions if dates[i] or any(cells[n][i] for n in EVENT_FIELDS)),
            key=lambda i: (dates[i], rows[i]),
        )
        events = [
            {
                "city": cells["city"][i],
                "state": cells["state"][i],
                "description": cells["description"][i],
                "date": dates[i],
            }
            for i in ordered
        ]
        delivered = [cells["delivered_date"][i] for i in positions if cells["delivered_date"][i]]
        first = positions[0]
        out.append(
            {
                "row": min(rows[i] for i in positions),
                "key": key,
                "order_id": cells["order_id"][first],
                "invoice_number": cells["invoice_number"][first],
                "events": json.dumps(events, ensure_ascii=False, separators=(",", ":")),
                "delivered": "true"
                if any(cells["delivered"][i] == "true" for i in positions)
                else "false",
                "delivered_date": delivered[0] if delivered else "",
                "event_rows": ",".join(str(r) for r in sorted(rows[i] for i in positions)),
            }
        )
    frame = pd.DataFrame(out, columns=columns)
    frame["row"] = frame["row"].astype(np.int64)
    return frame.sort_values("row", kind="stable").reset_index(drop=True)


def dropped_events(previous: Payload | None, row: OutRow) -> int:
    """How many fewer events this invoice's list has than VTEX got last time for it (an
    export that lists only the newest events would erase the others: said on its rows)."""
    before = previous.get("events") if previous else None
    if not before:
        return 0
    return max(0, len(json.loads(str(before))) - len(json.loads(row.get("events"))))


def per_event(outcome: RowOutcome) -> list[RowOutcome]:
    """An invoice's outcome on each of its event rows (an outcome of one row stays as is)."""
    rows = outcome.record.get("event_rows")
    if not rows:
        return [outcome]
    return [replace(outcome, record=replace(outcome.record, line=int(r))) for r in rows.split(",")]


# -- sending ---------------------------------------------------------------------------------


def delivered_minute(moment: str) -> str:
    """RFC 3339 UTC ('2026-12-01T15:30:45Z') -> VTEX's deliveredDate ('2026-12-01 15:30')."""
    return moment[:10] + " " + moment[11:16]


async def push_tracking(
    rows: list[OutRow], client: OrdersClient, concurrency: int, is_new: IsNew
) -> PushResult:
    """One Get order per order (which invoices VTEX has, with their tracking numbers), then
    one PUT per invoice."""

    async def each(row: OutRow, order: Record | None) -> RowOutcome:
        return await _one(row, order, client, is_new(row))

    return await per_parent(rows, "order_id", client.get_order, each, concurrency)


async def _one(row: OutRow, order: Record | None, client: OrdersClient, new: bool) -> RowOutcome:
    order_id, number = row.get("order_id"), row.get("invoice_number")
    if order is None:
        return RowOutcome(
            row,
            Action.FAILED,
            type="unknown-order",
            column="order_id",
            value=order_id,
            reason=render("unknown-order", order=order_id),
        )
    packages = (order.get("packageAttachment") or {}).get("packages") or []
    package = next((p for p in packages if str(p.get("invoiceNumber")) == number), None)
    if package is None or not package.get("trackingNumber"):
        # VTEX takes events only for an invoice it has, with a tracking number (API-NOTES
        # §12.3): they wait, pending, for the invoices flow (FLOWS.md §8: defer).
        kind = "tracking-waiting-invoice" if package is None else "tracking-waiting-number"
        return RowOutcome(
            row,
            Action.PENDING,
            type=kind,
            column="invoice_number",
            value=number,
            reason=render(kind, number=number, order=order_id),
        )
    events = json.loads(row.get("events"))
    delivered_date = row.get("delivered_date")
    delivered = row.get("delivered") == "true"
    # VTEX's deliveredDate is required but nullable (also when delivered).
    minute = delivered_minute(delivered_date) if delivered_date else None
    body = {"isDelivered": delivered, "deliveredDate": minute, "events": events}
    try:
        await client.put_tracking_events(order_id, number, body)
    except VtexError as exc:
        return vtex_outcome(row, exc)
    reason = render("tracking-sent-delivered" if delivered else "tracking-sent", events=len(events))
    dropped = int(row.get("dropped") or 0)
    if dropped:
        return RowOutcome(
            row,
            Action.WARNING,
            type="tracking-events-dropped",
            column="description",
            reason=render("tracking-events-dropped", events=len(events), dropped=dropped),
        )
    if delivered_date and delivered_date[17:19] != "00":
        return RowOutcome(
            row,
            Action.WARNING,
            type="tracking-delivered-minute",
            column="delivered_date",
            value=delivered_date,
            reason=render(
                "tracking-delivered-minute",
                value=delivered_date,
                sent=minute,
            ),
        )
    return RowOutcome(row, Action.CREATED if new else Action.UPDATED, reason=reason)
