"""The invoices flow: inbox/invoices rows -> invoice notifications and tracking updates
(API-NOTES §6.5-6.6), all in this room.

A new invoice (order_id + invoice_number never sent) is posted once; a known invoice whose
tracking columns changed sends a tracking update, not a second invoice. VTEX cannot change an
invoice's other data, so a changed value or item list is a row error asking for a new number.
Rows of one order go one at a time, so that what is left to invoice is known for each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

import pandas as pd

from importer.deps import Clients
from importer.errors import VtexError
from importer.flows.keyed import KeyedFlow
from importer.flows.spec import ZERO, Column, FlowSpec, Raw, RuleResult, missing
from importer.messages import render, row_error
from importer.models import Action
from importer.orders.fields import price_definition
from importer.orders.money import currency_code, currency_digits, minor_units, units
from importer.outcomes import PushResult, Record, RowOutcome, vtex_outcome
from importer.push import IsNew, Send
from importer.rows import OutRow, Payload
from importer.state import Store
from importer.validate import Validated
from importer.vtex.orders import OrdersClient

TRACKING_COLUMNS = ("courier", "tracking_number", "tracking_url")

INVOICES = FlowSpec(
    name="invoices",
    columns=(
        Column("order_id", "code", required=True),
        Column("invoice_number", "code", required=True),
        Column(
            "invoice_value",
            "decimal",
            required=True,
            minimum=ZERO,
            exclusive_minimum=True,
        ),
        Column("issuance_date", "date"),
        Column("invoice_key", "code"),
        Column("invoice_url", "text"),
        Column("invoice_type", "text"),
        Column("courier", "text"),
        Column("tracking_number", "code"),
        Column("tracking_url", "text"),
        Column("items", "text"),
    ),
    key_columns=("order_id", "invoice_number"),
    hashed=(
        "invoice_value",
        "issuance_date",
        "invoice_key",
        "invoice_url",
        "invoice_type",
        "items",
        *TRACKING_COLUMNS,
    ),
)


class Invoices(KeyedFlow):
    spec = INVOICES

    def normalise(self, frame: pd.DataFrame) -> None:
        """Output/Input as VTEX spells them; anything unknown becomes '' (a row error)."""
        frame["invoice_type"] = (
            frame["invoice_type"]
            .str.casefold()
            .map(
                {
                    "": "Output",
                    "output": "Output",
                    "input": "Input",
                    "saida": "Output",
                    "saída": "Output",
                    "entrada": "Input",
                }
            )
            .fillna("")
        )

    def rules(self, frame: pd.DataFrame, raw: Raw, now: datetime) -> RuleResult:
        return invoice_rules(frame, raw)

    def prepare(
        self, rows: list[OutRow], previous: Mapping[str, Payload], checked: Validated
    ) -> list[OutRow]:
        if not previous:
            return rows
        # What was sent last, so that a changed item list is caught (VTEX cannot change it).
        return [replace(r, previous=previous.get(r.key)) for r in rows]

    async def send(
        self, rows: list[OutRow], removals: Sequence[OutRow], clients: Clients, store: Store,
        send: Send,
    ) -> PushResult:  # fmt: skip
        return await push_invoices(
            rows, clients.orders, clients.http.settings.concurrency, send.is_new, send.now
        )


FLOW = Invoices()


INVOICE_NUMBER = r"[A-Za-z0-9][A-Za-z0-9._-]*"
ITEMS = r"\s*\d+\s*:\s*\d+\s*(?::\s*\d+(?:[.,]\d{1,2})?\s*)?"


def invoice_rules(frame: pd.DataFrame, raw: Raw) -> RuleResult:
    results: RuleResult = []
    for name in ("order_id", "invoice_number"):
        results.append(((frame[name] == "").to_numpy(), missing(name)))
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
    bad_type = (frame["invoice_type"] == "").to_numpy(dtype=bool)
    results.append(
        (
            bad_type,
            lambda row, i: row_error(
                "invalid-combination",
                template="invoice-type-unknown",
                row=row,
                column="invoice_type",
                value=str(raw["invoice_type"].iloc[i]),
            ),
        )
    )
    items = frame["items"]
    bad_items = ((items != "") & ~items.str.fullmatch(f"{ITEMS}(?:\\|{ITEMS})*")).to_numpy(
        dtype=bool
    )
    results.append(
        (
            bad_items,
            lambda row, i: row_error(
                "invalid-combination",
                template="invoice-items-format",
                row=row,
                column="items",
                value=str(items.iloc[i]),
            ),
        )
    )
    return results


# Where VTEX takes an invoice (issue 12 item 4): from ready-for-handling, where the ERP
# "prepares the invoice" (Help Center, order flow and status), through handling, where the
# order waits for it, and Verifying invoice/Invoiced (partial invoices, returns); a customer's
# cancellation request too, since "an invoice lets the order continue" (API-NOTES §12.1).
# Never a canceled or replaced order, nor one not yet paid.
INVOICEABLE = {
    "ready-for-handling",
    "start-handling",
    "handling",
    "ready-for-invoicing",
    "invoice",
    "invoiced",
    "cancellation-requested",
    "request-cancel",
}


class _Inexact(ValueError):
    """A money cell with more decimals than the order's currency holds."""

    def __init__(self, column: str, value: str) -> None:
        super().__init__(value)
        self.column, self.value = column, value


async def push_invoices(
    rows: list[OutRow],
    client: OrdersClient,
    concurrency: int,
    is_new: IsNew,
    now: Callable[[], datetime],
) -> PushResult:
    """Send each order's rows in file order (`now`: the pass's clock, the issuance date of an
    invoice that gives none)."""
    result = PushResult()
    by_order: dict[str, list[OutRow]] = {}
    for row in rows:
        by_order.setdefault(row.get("order_id"), []).append(row)
    gate = asyncio.Semaphore(concurrency)

    async def one_order(order_id: str, group: list[OutRow]) -> None:
        async with gate:
            try:
                order = await client.get_order(order_id)
            except VtexError as exc:
                result.outcomes.extend(vtex_outcome(row, exc) for row in group)
                return
            for row in sorted(group, key=lambda r: r.line or 0):
                result.outcomes.append(await _one(row, order, client, is_new(row), now()))

    await asyncio.gather(*(one_order(o, g) for o, g in by_order.items()))
    return result


async def _one(
    row: OutRow, order: Record | None, client: OrdersClient, new: bool, now: datetime
) -> RowOutcome:
    order_id, number = row.get("order_id"), row.get("invoice_number")
    if order is None:
        return _failed(row, "unknown-order", "order_id", order_id, order=order_id)
    try:
        # Amounts in the order's currency: 10 ** digits minor units a unit (orders/money.py).
        digits = currency_digits(order)
    except ValueError:
        return _failed(
            row,
            "currency-digits-unknown",
            "order_id",
            order_id,
            order=order_id,
            digits=_raw_digits(order),
        )
    packages = (order.get("packageAttachment") or {}).get("packages") or []
    sent = next((p for p in packages if str(p.get("invoiceNumber")) == number), None)
    try:
        if sent is not None:
            return await _known(row, sent, order_id, number, client, new, digits)
        if not new:
            return _failed(
                row, "unknown-invoice", "invoice_number", number, number=number, order=order_id
            )
        status = str(order.get("status", ""))
        if status not in INVOICEABLE:
            return _failed(
                row, "order-not-in-handling", "order_id", order_id, order=order_id, status=status
            )
        value = minor_units(row.get("invoice_value"), digits)
        if value is None:
            raise _Inexact("invoice_value", row.get("invoice_value"))
        kind = row.get("invoice_type") or "Output"
        sold = sum(
            int(p.get("invoiceValue") or 0) for p in packages if p.get("type", "Output") == "Output"
        )
        returned = sum(
            int(p.get("invoiceValue") or 0) for p in packages if p.get("type") == "Input"
        )
        total = int(order.get("value") or 0)
        if kind == "Output" and value > total - sold:
            return _failed(
                row,
                "value-above-total",
                "invoice_value",
                row.get("invoice_value"),
                template="invoice-above-total",
                amount=units(value, digits),
                left=units(total - sold, digits),
                order=order_id,
            )
        if kind == "Input":
            if sold < total:
                # VTEX refunds a return only once the whole order is invoiced (API-NOTES §6.5):
                # sending it now would lose the refund. It waits, and is retried every pass.
                return RowOutcome(
                    row,
                    Action.PENDING,
                    type="waiting-full-invoice",
                    column="invoice_type",
                    value=kind,
                    reason=render("waiting-full-invoice", order=order_id),
                )
            if value > sold - returned:
                return _failed(
                    row,
                    "value-above-total",
                    "invoice_value",
                    row.get("invoice_value"),
                    template="return-above-total",
                    amount=units(value, digits),
                    left=units(sold - returned, digits),
                    order=order_id,
                )
        items = _items(row.get("items"), order, packages, digits)
        body = {
            "type": kind,
            "issuanceDate": row.get("issuance_date") or now.isoformat(timespec="seconds"),
            "invoiceNumber": number,
            "invoiceValue": str(value),
            "invoiceKey": row.get("invoice_key") or None,
            "invoiceUrl": row.get("invoice_url") or None,
            "courier": row.get("courier") or "",
            "trackingNumber": row.get("tracking_number") or "",
            "trackingUrl": row.get("tracking_url") or "",
            "items": items,
        }
        await client.post_invoice(order_id, body)
        # Later rows of this order see this invoice (what is left, numbers already sent).
        packages.append(
            {
                "invoiceNumber": number,
                "invoiceValue": value,
                "type": kind,
                "items": [
                    {"itemIndex": _index_of(order, i["id"]), "quantity": i["quantity"]}
                    for i in items
                ],
                "courier": row.get("courier"),
                "trackingNumber": row.get("tracking_number"),
                "trackingUrl": row.get("tracking_url"),
            }
        )
        order["packageAttachment"] = {
            **(order.get("packageAttachment") or {}),
            "packages": packages,
        }
        return RowOutcome(row, Action.CREATED)
    except _Inexact as inexact:
        return _failed(
            row,
            "invoice-value-precision",
            inexact.column,
            inexact.value,
            currency=currency_code(order) or render("the-order-currency"),
            digits=digits,
        )
    except VtexError as exc:
        return vtex_outcome(row, exc)


def _raw_digits(order: Record) -> str:
    preferences = order.get("storePreferencesData") or {}
    return str((preferences.get("currencyFormatInfo") or {}).get("CurrencyDecimalDigits"))


async def _known(
    row: OutRow,
    sent: Record,
    order_id: str,
    number: str,
    client: OrdersClient,
    new: bool,
    digits: int,
) -> RowOutcome:
    """An invoice VTEX already has: only its tracking can change (API-NOTES §6.5)."""
    problem = _changed_invoice(row, sent, digits)
    tracking = _tracking_changed(row, sent)
    if tracking:
        await client.update_tracking(
            order_id,
            number,
            {
                "trackingNumber": row.get("tracking_number") or "",
                "trackingUrl": row.get("tracking_url") or None,
                "dispatchedDate": None,
                "courier": row.get("courier") or None,
            },
        )
    if problem:
        return _failed(
            row,
            "invoice-changed",
            problem,
            row.get(problem),
            template="invoice-changed-tracking-sent" if tracking else "invoice-changed",
            number=number,
            changed=problem,
        )
    if tracking:
        return RowOutcome(
            row,
            Action.UPDATED,
            column="tracking_number",
            value=row.get("tracking_number"),
            reason=render("invoice-tracking-sent"),
        )
    return RowOutcome(
        row, Action.CREATED if new else Action.UPDATED, reason=render("invoice-already-in-vtex")
    )


def _changed_invoice(row: OutRow, sent: Record, digits: int) -> str:
    """The first column in which the row differs from the invoice VTEX holds, or ''."""
    if minor_units(row.get("invoice_value"), digits) != int(sent.get("invoiceValue") or 0):
        return "invoice_value"
    if (row.get("invoice_type") or "Output") != (sent.get("type") or "Output"):
        return "invoice_type"
    for column, field in (("invoice_key", "invoiceKey"), ("invoice_url", "invoiceUrl")):
        if row.get(column) and row.get(column) != (sent.get(field) or ""):
            return column
    previous = row.previous or {}
    if previous and str(previous.get("items", "")) != row.get("items"):
        return "items"
    return ""


def _index_of(order: Record, sku_id: str) -> int:
    for index, item in enumerate(order.get("items") or []):
        if str(item.get("id")) == sku_id:
            return index
    return -1


def _items(text: str, order: Record, packages: list[Record], digits: int) -> list[Record]:
    """'123:2|456:1:19.90' -> VTEX items (unit price in the currency's minor units). Empty ->
    what is left of the order: its items less the quantities earlier sale invoices covered.
    Raises _Inexact for a price the currency cannot hold (19.90 for a CLP order)."""
    order_items = order.get("items") or []
    prices = {
        str(i.get("id")): int(i.get("sellingPrice", i.get("price", 0)) or 0) for i in order_items
    }
    if not text:
        invoiced: dict[int, int] = {}
        for package in packages:
            if package.get("type", "Output") != "Output":
                continue
            for item in package.get("items") or []:
                index = int(item.get("itemIndex", -1))
                invoiced[index] = invoiced.get(index, 0) + int(item.get("quantity") or 0)
        left = []
        for index, item in enumerate(order_items):
            quantity = int(item.get("quantity") or 0) - invoiced.get(index, 0)
            if quantity <= 0:
                continue
            if not invoiced.get(index):
                left += _whole_line(item)
                continue
            left.append(
                {
                    "id": str(item.get("id")),
                    "quantity": quantity,
                    "price": prices.get(str(item.get("id")), 0),
                }
            )
        return left
    items = []
    for part in text.split("|"):
        fields = [f.strip() for f in part.split(":")]
        sku_id, quantity = fields[0].lstrip("0") or "0", int(fields[1])
        price = prices.get(sku_id, 0)
        if len(fields) > 2:
            given = minor_units(fields[2].replace(",", "."), digits)
            if given is None:
                raise _Inexact("items", text)
            price = given
        items.append({"id": sku_id, "quantity": quantity, "price": price})
    return items


def _whole_line(item: Record) -> list[Record]:
    """A line invoiced whole, as unit prices that add up to its priceDefinition.total (3 units
    for 100.00: 2 x 33.33 and 1 x 33.34; VTEX multiplies each price by its quantity), so that
    the items say what the order's total says. Without a total: its sellingPrice per unit."""
    sku_id, quantity = str(item.get("id")), int(item.get("quantity") or 0)
    total = price_definition(item).get("total")
    unit = int(item.get("sellingPrice", item.get("price", 0)) or 0)
    if total is None or int(total) == unit * quantity or quantity <= 0:
        return [{"id": sku_id, "quantity": quantity, "price": unit}]
    base, extra = divmod(int(total), quantity)  # `extra` units cost one minor unit more
    parts = [(quantity - extra, base), (extra, base + 1)]
    return [{"id": sku_id, "quantity": q, "price": p} for q, p in parts if q]


def _tracking_changed(row: OutRow, sent: Record) -> bool:
    return row.get("tracking_number") != str(sent.get("trackingNumber") or "") or (
        bool(row.get("tracking_number"))
        and (
            row.get("tracking_url") != str(sent.get("trackingUrl") or "")
            or row.get("courier") != str(sent.get("courier") or "")
        )
    )


def _failed(
    row: OutRow, type: str, column: str, value: str, *, template: str = "", **fields: object
) -> RowOutcome:
    """A row VTEX cannot take, said by the template of its type (or `template`)."""
    reason = render(template or type, **fields)
    return RowOutcome(row, Action.FAILED, type=type, column=column, value=value, reason=reason)
