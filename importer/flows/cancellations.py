"""The cancellations flow: inbox/cancellations rows -> the ERP cancels an order, or denies a
customer's cancellation request (API-NOTES §6.7, §12.1-12.2), all in this room.

Once per order and action: the key is (order_id, action) and only the reason is hashed, so a
file dropped again sends nothing, and a row whose reason changed is reported as not sent (VTEX
cancels or denies once; it keeps the first reason). Before each call the order is read: an
order a crashed or timed-out pass already canceled, or whose request it already denied, is
not sent again (neither call is documented as safe to repeat). Rows of one order go one at a
time, in file order, against the order as VTEX holds it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import pandas as pd

from importer.deps import Clients, Deps
from importer.errors import RowRejectedError, VtexError
from importer.flows.base import InputFile
from importer.flows.keyed import KeyedFlow
from importer.flows.spec import Column, FlowSpec, Raw, RuleResult, missing
from importer.messages import render, row_error
from importer.models import Action, FileReport, RowError
from importer.outcomes import PushResult, Record, RowOutcome, vtex_outcome
from importer.push import Send, per_parent
from importer.rows import OutRow, Payload
from importer.state import Store
from importer.validate import Validated
from importer.vtex.orders import OrdersClient

CANCEL, DENY = "cancel", "deny"
DONE_BEFORE = "cancellation-done-before"  # the report's type of a key VTEX already took
# The reason VTEX holds, when it is not the row's (the action was done before, by someone
# else): a value the room adds to a row that lands as a warning, so the snapshot keeps it.
VTEX_REASON = "vtex_reason"

CANCELLATIONS = FlowSpec(
    name="cancellations",
    columns=(
        Column("order_id", "code", required=True),
        Column("action", "text", required=True),
        Column("reason", "text"),
    ),
    key_columns=("order_id", "action"),
    hashed=("reason",),
)

# What VTEX's order says once the action is done (API-NOTES §6.8: `cancel` passes to `canceled`).
CANCELED = frozenset({"cancel", "canceled"})


class Cancellations(KeyedFlow):
    spec = CANCELLATIONS

    def normalise(self, frame: pd.DataFrame) -> None:
        """cancel/deny in any case; anything else becomes '' (a row error)."""
        frame["action"] = (
            frame["action"].str.strip().str.casefold().map({CANCEL: CANCEL, DENY: DENY}).fillna("")
        )

    def rules(self, frame: pd.DataFrame, raw: Raw, now: datetime) -> RuleResult:
        return cancellation_rules(frame, raw)

    def process(self, checked: Validated, file: InputFile, deps: Deps, report: FileReport) -> None:
        super().process(checked, file, deps, report)
        # A row found done before is unchanged, said on its row: the summary counts unchanged
        # rows where the diff knows them, so these are added here.
        report.summary.unchanged += sum(1 for r in report.rows if r.type == DONE_BEFORE)

    def prepare(
        self, rows: list[OutRow], previous: Mapping[str, Payload], checked: Validated
    ) -> list[OutRow]:
        if not previous:
            return rows
        # A changed row is a key VTEX already took (the snapshot has it): only its reason can
        # differ, and that is no reason to cancel or deny again. The row carries what was
        # accepted, for its report.
        return [replace(r, previous=previous.get(r.key)) for r in rows]

    async def send(
        self, rows: list[OutRow], removals: Sequence[OutRow], clients: Clients, store: Store,
        send: Send,
    ) -> PushResult:  # fmt: skip
        return await push_cancellations(rows, clients.orders, clients.http.settings.concurrency)


FLOW = Cancellations()


def cancellation_rules(frame: pd.DataFrame, raw: Raw) -> RuleResult:
    results: RuleResult = [((frame["order_id"] == "").to_numpy(), missing("order_id"))]
    written = raw["action"]
    results.append(((written == "").to_numpy(dtype=bool), missing("action")))
    unknown = ((written != "") & (frame["action"] == "")).to_numpy(dtype=bool)
    results.append(
        (
            unknown,
            lambda row, i: row_error(
                "invalid-combination",
                template="cancellation-action-unknown",
                row=row,
                column="action",
                value=str(written.iloc[i]),
            ),
        )
    )
    # Every row needs its reason: VTEX's deny takes a mandatory denyReason (API-NOTES §12.2),
    # and FORMATS.md asks one of every cancel (VTEX takes it optionally, and keeps it).
    for action, template in ((CANCEL, "cancel-reason-missing"), (DENY, "deny-reason-missing")):
        no_reason = ((frame["action"] == action) & (frame["reason"] == "")).to_numpy(dtype=bool)
        results.append((no_reason, _reason_missing(template)))
    return results


def _reason_missing(template: str) -> Callable[[int, int], RowError]:
    return lambda row, i: row_error(
        "missing-cell", template=template, row=row, column="reason", value=""
    )


async def push_cancellations(
    rows: list[OutRow], client: OrdersClient, concurrency: int
) -> PushResult:
    """Each order read once, then its rows in file order; orders side by side. A key sent
    before (its reason changed since) is reported without reading the order."""
    done_before = [_done_before(row, row.previous) for row in rows if row.previous]
    to_send = [row for row in rows if not row.previous]

    async def each(row: OutRow, order: Record | None) -> RowOutcome:
        return await _one(row, order, client)

    result = await per_parent(to_send, "order_id", client.get_order, each, concurrency)
    result.outcomes[:0] = done_before
    return result


def _done_before(row: OutRow, previous: Payload) -> RowOutcome:
    """A key VTEX already took (`previous`: what the snapshot keeps of it), with another
    reason now: nothing is sent."""
    before = str(previous.get(VTEX_REASON) or previous.get("reason") or "")
    return RowOutcome(
        row,
        Action.UNCHANGED,
        type=DONE_BEFORE,
        column="reason",
        value=row.get("reason"),
        reason=render(
            "cancellation-done-before",
            order=row.get("order_id"),
            action=row.get("action"),
            before=before or "-",
        ),
    )


async def _one(row: OutRow, order: Record | None, client: OrdersClient) -> RowOutcome:
    order_id = row.get("order_id")
    if order is None:
        return _failed(row, "unknown-order", "order_id", order_id, order=order_id)
    try:
        if row.get("action") == CANCEL:
            return await _cancel(row, order, client)
        return await _deny(row, order, client)
    except RowRejectedError as exc:
        if exc.status == 404:
            return _failed(row, "unknown-order", "order_id", order_id, order=order_id)
        return _refused(row, exc)
    except VtexError as exc:
        return vtex_outcome(row, exc)


async def _cancel(row: OutRow, order: Record, client: OrdersClient) -> RowOutcome:
    order_id, reason = row.get("order_id"), row.get("reason")
    if str(order.get("status", "")) in CANCELED:
        # Canceled already: by an earlier pass that died before recording it, or by someone
        # else. What VTEX holds as the reason decides whether the row landed as written.
        held = _cancel_reason(order)
        if held != reason:
            return RowOutcome(
                _holding(row, held),  # kept with the snapshot: what a later row is told
                Action.WARNING,
                type="canceled-with-other-reason",
                column="reason",
                value=reason,
                reason=render("canceled-with-other-reason", order=order_id, held=held or "-"),
            )
        return RowOutcome(row, Action.CREATED, reason=render("cancel-already-in-vtex"))
    await client.cancel(order_id, reason)
    order["status"] = "canceled"  # a deny later in the file sees it
    order["cancelReason"] = reason
    return RowOutcome(row, Action.CREATED)


async def _deny(row: OutRow, order: Record, client: OrdersClient) -> RowOutcome:
    order_id, reason = row.get("order_id"), row.get("reason")
    request = _latest_request(order)
    if request is None:
        # VTEX's deny names the request it denies (a mandatory id): without one there is
        # nothing to send.
        status = str(order.get("status", ""))
        return _failed(
            row, "no-cancellation-request", "order_id", order_id, order=order_id, status=status
        )
    if _field(request, "deniedBySeller") is True:
        held = str(_field(request, "deniedBySellerReason") or "")
        if held != reason:
            return RowOutcome(
                _holding(row, held),
                Action.WARNING,
                type="denied-with-other-reason",
                column="reason",
                value=reason,
                reason=render("denied-with-other-reason", order=order_id, held=held or "-"),
            )
        return RowOutcome(row, Action.CREATED, reason=render("deny-already-in-vtex"))
    await client.deny_cancellation(order_id, str(_field(request, "id")), reason)
    request["deniedBySeller"] = True
    request["deniedBySellerReason"] = reason
    return RowOutcome(row, Action.CREATED)


def _holding(row: OutRow, held: str) -> OutRow:
    """The row with the reason VTEX holds for it, as a value the snapshot keeps."""
    return replace(row, values={**row.values, VTEX_REASON: held})


def _latest_request(order: Record) -> Record | None:
    """The order's last cancellation request: `cancellationRequests[]` (the guide's Get order),
    else the id in `cancellationData` (the guide's spelling, camelCase; the spec's is
    PascalCase and has no id). Keys are read case-insensitively (API-NOTES §12.1)."""
    requests = [r for r in _field(order, "cancellationRequests") or [] if isinstance(r, dict)]
    if requests:
        return requests[-1]
    data = _field(order, "cancellationData")
    if isinstance(data, dict) and _field(data, "cancellationRequestId"):
        return {"id": _field(data, "cancellationRequestId"), "deniedBySeller": False}
    return None


def _cancel_reason(order: Record) -> str:
    data = _field(order, "cancellationData")
    held = order.get("cancelReason") or (_field(data, "reason") if isinstance(data, dict) else "")
    return str(held or "")


def _field(record: Record, name: str) -> Any:
    """A field of VTEX's JSON whatever the case of its name (cancellationData is PascalCase in
    the spec, camelCase in the guide)."""
    if name in record:
        return record[name]
    folded = name.casefold()
    return next((v for k, v in record.items() if k.casefold() == folded), None)


def _refused(row: OutRow, exc: RowRejectedError) -> RowOutcome:
    """VTEX refused the call for good (an invoiced order, a request already answered): the
    row fails with VTEX's own message."""
    template = "cancel-refused" if row.get("action") == CANCEL else "deny-refused"
    order_id = row.get("order_id")
    return RowOutcome(
        row,
        Action.FAILED,
        type=template,
        column="order_id",
        value=order_id,
        status=exc.status,
        reason=render(template, order=order_id, status=exc.status, answer=_message(exc)),
    )


def _message(exc: RowRejectedError) -> str:
    """OMS's {"error": {"message"}} when the body has it, else the body as it came."""
    try:
        body = json.loads(exc.body)
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        message = error.get("message") if isinstance(error, dict) else body.get("message")
        if isinstance(message, str) and message.strip():
            return " ".join(message.split())[:300]
    return " ".join(exc.body.split())[:300] or str(exc)


def _failed(row: OutRow, type: str, column: str, value: str, **fields: object) -> RowOutcome:
    """A row VTEX cannot take, said by the template of its type."""
    reason = render(type, **fields)
    return RowOutcome(row, Action.FAILED, type=type, column=column, value=value, reason=reason)
