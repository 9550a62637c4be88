"""The prices flow: inbox/prices rows -> VTEX Pricing (API-NOTES §4), all in this room.

A row is a SKU's base price (with its list and cost price, or markup), or with `trade_policy`
one of its fixed prices (per trade policy, minimum quantity and period). A SKU's base price and
all its fixed prices are one VTEX price: a change that moves a period, or sets a base price,
is a PUT of the whole price (read first, so fixed prices the file does not mention survive);
fixed prices alone are a PATCH. Big change sets of plain base prices go as one Bulk Pricing
job. Every value a row carries is sent, or its row says why not (action `warning`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from importer.config import GuardSettings
from importer.deps import Clients
from importer.flows.keyed import KeyedFlow
from importer.flows.spec import ZERO, Column, FlowSpec, Raw, RuleResult, sku_required
from importer.guard import move_beyond
from importer.messages import render, row_error
from importer.models import Action, RowError
from importer.outcomes import PushResult, RowOutcome
from importer.push import IsNew, Send, SkuTables, SkuTask, done, push_skus
from importer.rows import OutRow, Payload
from importer.state import Store
from importer.validate import Validated
from importer.vtex.bulk_pricing import BulkPricingClient, PriceLine, can_carry
from importer.vtex.pricing import PricingClient

PRICES = FlowSpec(
    name="prices",
    columns=(
        Column("sku_ref", "code"),
        Column("sku_id", "sku_id"),
        Column(
            "base_price",
            "decimal",
            required=True,
            minimum=ZERO,
            exclusive_minimum=True,
        ),
        Column("list_price", "decimal", minimum=ZERO),
        Column("cost_price", "decimal", minimum=ZERO),
        Column("markup", "int"),
        Column("trade_policy", "code"),
        Column("fixed_price", "decimal", minimum=ZERO, exclusive_minimum=True),
        Column("min_quantity", "int", minimum=Decimal(1)),
        Column("valid_from", "date"),
        Column("valid_to", "date", end_of_day=True),
    ),
    one_of=(("sku_ref", "sku_id"),),
    key_columns=("trade_policy", "min_quantity"),
    hashed=(
        "base_price",
        "list_price",
        "cost_price",
        "markup",
        "fixed_price",
        "valid_from",
        "valid_to",
    ),
)


# The sentence for a column a row emptied whose value VTEX keeps (see RowOutcome.kept).
KEPT_MESSAGES = {
    "cost_price": "cost-kept",
    "markup": "markup-kept",
    "list_price": "list-price-kept",
}


class Prices(KeyedFlow):
    spec = PRICES
    kept_messages = KEPT_MESSAGES
    batch_feature = BulkPricingClient.feature

    def rules(self, frame: pd.DataFrame, raw: Raw, now: datetime) -> RuleResult:
        return price_rules(frame, raw)

    def prepare(
        self, rows: list[OutRow], previous: Mapping[str, Payload], checked: Validated
    ) -> list[OutRow]:
        # What VTEX accepted last: a fixed price whose period moved must replace its old entry.
        if previous:
            rows = with_previous_periods(rows, previous)
        # Which columns this file owns: an empty cell of a column it carries is sent as empty
        # (a list price cleared), a column it lacks keeps VTEX's value. Kept with each row, so
        # that a pending retry sends what this file meant.
        owned = frozenset(checked.present)
        # What VTEX accepted last rides with the row: the guard compares the new base price
        # with it where VTEX's own is not read (a batch job).
        return [replace(r, file_columns=owned, previous=previous.get(r.key)) for r in rows]

    async def send(
        self, rows: list[OutRow], removals: Sequence[OutRow], clients: Clients, store: Store,
        send: Send,
    ) -> PushResult:  # fmt: skip
        held = [o for o in (_held_against(r, r.previous, send.guard) for r in rows) if o]
        if held:
            holding = {id(o.record) for o in held}
            rows = [r for r in rows if id(r) not in holding]
        result = await push_skus(self, rows, removals, clients, SkuTables.of(store), send)
        result.outcomes[:0] = held
        return result

    # -- as a SkuSender (importer.push) --

    async def ready(self, rows: list[OutRow], clients: Clients, result: PushResult) -> list[OutRow]:
        return rows

    def batchable(self, rows: list[OutRow]) -> list[OutRow]:
        return batchable_rows(rows)

    def batch_warnings(self, carried: list[OutRow]) -> list[str]:
        return []

    def tasks(
        self, rows: list[OutRow], clients: Clients, result: PushResult, send: Send
    ) -> list[SkuTask]:
        return price_tasks(rows, clients.pricing, result, send.is_new, send.guard)


FLOW = Prices()


# -- rules ------------------------------------------------------------------------------------


def price_rules(frame: pd.DataFrame, raw: Raw) -> RuleResult:
    fixed = (frame["trade_policy"] != "").to_numpy()
    no_base = (~fixed) & (frame["base_price"] == "").to_numpy()
    no_fixed = fixed & (frame["fixed_price"] == "").to_numpy()
    orphan_fixed = (~fixed) & (frame["fixed_price"] != "").to_numpy()
    dates = (frame["valid_from"] != "").to_numpy() != (frame["valid_to"] != "").to_numpy()
    reversed_dates = (
        (frame["valid_from"] != "")
        & (frame["valid_to"] != "")
        & (frame["valid_from"] >= frame["valid_to"])
    ).to_numpy()
    # A period or a minimum quantity on a base-price row would be dropped: VTEX's base price
    # has neither, so the price would apply at once and for every quantity.
    fixed_only: RuleResult = []
    for name in ("min_quantity", "valid_from", "valid_to"):
        on_base = (~fixed) & (frame[name] != "").to_numpy()

        def make(row: int, i: int, name: str = name) -> RowError:
            return row_error("fixed-price-only", row=row, column=name, value=str(raw[name].iat[i]))

        fixed_only.append((on_base, make))
    return [
        *sku_required(frame, raw),
        (no_base, lambda row, i: row_error("missing-cell", row=row, column="base_price", value="")),
        *fixed_only,
        (
            no_fixed,
            lambda row, i: row_error("missing-cell", row=row, column="fixed_price", value=""),
        ),
        (
            orphan_fixed,
            lambda row, i: row_error(
                "invalid-combination",
                template="fixed-price-without-policy",
                row=row,
                column="trade_policy",
                value="",
            ),
        ),
        (
            dates,
            # Said on the empty end, as every missing cell is.
            lambda row, i: row_error(
                "invalid-combination",
                template="price-period-incomplete",
                row=row,
                column="valid_from" if frame["valid_from"].iat[i] == "" else "valid_to",
                value="",
            ),
        ),
        (
            reversed_dates,
            lambda row, i: row_error(
                "invalid-combination",
                template="price-period-reversed",
                row=row,
                column="valid_to",
                value=str(raw["valid_to"].iat[i]),
            ),
        ),
    ]


# -- what a changed row carries from before --------------------------------------------


def with_previous_periods(rows: list[OutRow], previous: Mapping[str, Payload]) -> list[OutRow]:
    """Fixed-price rows carry the period VTEX holds for them (`prev_valid_from`,
    `prev_valid_to`: their own where VTEX holds none), so a changed period replaces the old
    entry instead of adding a second one. New rows: the rows given are left as they were."""
    if not any(r.get("trade_policy") for r in rows):
        return rows

    def held(row: OutRow, column: str) -> str:
        before = previous.get(row.key)
        if before is None:
            return row.get(column)
        value = before.get(column, "")
        return value if isinstance(value, str) else str(value)

    return [
        replace(
            r,
            values={
                **r.values,
                "prev_valid_from": held(r, "valid_from"),
                "prev_valid_to": held(r, "valid_to"),
            },
        )
        for r in rows
    ]


# -- sending ---------------------------------------------------------------------------------


def batchable_rows(rows: list[OutRow]) -> list[OutRow]:
    """Base-price rows the Bulk Pricing CSV can carry (see `bulk_pricing.can_carry`), one per
    SKU, of SKUs without a fixed price whose period moved or that carries a base price (those
    need a PUT of the whole price, which must not race the job)."""
    lines = [PriceLine.from_row(row) for row in rows]
    # SKUs with a fixed price whose period moved, or with a fixed-price row that carries a
    # base price too (it is checked against the base row, per SKU), stay out of the job.
    moved = {
        line.sku_id
        for row, line in zip(rows, lines, strict=True)
        if line.trade_policy and (_period_changed(row) or line.base_price is not None)
    }
    seen: set[int] = set()
    carried: list[OutRow] = []
    for row, line in zip(rows, lines, strict=True):
        if line.sku_id in moved or line.sku_id in seen or not can_carry(line):
            continue
        seen.add(line.sku_id)
        carried.append(row)
    return carried


def price_tasks(
    rows: list[OutRow],
    pricing: PricingClient,
    result: PushResult,
    is_new: IsNew,
    guard: GuardSettings | None = None,
) -> list[SkuTask]:
    by_sku: dict[int, list[OutRow]] = {}
    for row in rows:
        by_sku.setdefault(row.resolved_sku(), []).append(row)
    tasks: list[SkuTask] = []
    for sku_id, group in by_sku.items():

        async def task(sku_id: int = sku_id, group: list[OutRow] = group) -> None:
            fixed = [r for r in group if r.get("trade_policy")]
            source = base_source(group)
            notes = _conflicts(group, source)
            kept: dict[str, str] = {}
            # A fixed price whose period changed must replace the entry with the old period;
            # PATCH would add a second entry beside it (VTEX keys entries by their period).
            moved = [_previous_activation(r) for r in fixed if _period_changed(r)]
            if source is not None or moved:
                # A PUT replaces every fixed price: read what VTEX holds so that fixed prices
                # this file does not mention (set in the admin, say) survive.
                current = await pricing.get_price(sku_id)
                # The guard against what VTEX holds now (an Admin edit since, or a first file).
                beyond = (
                    _held_against(
                        source, current and {"base_price": current.get("basePrice")}, guard
                    )
                    if source is not None
                    else None
                )
                if beyond is not None:
                    result.outcomes.extend(replace(beyond, record=row) for row in group)
                    return
                if source is not None:
                    sent = price_body(source, fixed, current, drop=moved)
                    body, kept = sent.body, sent.kept
                    notes.setdefault(id(source), []).extend(sent.notes)
                elif current is not None:
                    body = price_body(_base_of(current), fixed, current, drop=moved).body
                else:  # no price at all yet, so no old entry to replace
                    body = {}
                if body:
                    await pricing.put_price(sku_id, body)
                    if source is not None and _clearing_list_price(source, body, current):
                        kept.update(await _list_price_after_clearing(pricing, sku_id))
                else:
                    await pricing.patch_fixed(sku_id, [fixed_entry(r) for r in fixed])
            else:
                await pricing.patch_fixed(sku_id, [fixed_entry(r) for r in fixed])
            for row in group:
                outcome = done(row, is_new)
                if row is source:
                    outcome.kept = kept
                said = notes.get(id(row))
                if said:
                    outcome.action = Action.WARNING
                    outcome.type, outcome.column, outcome.value = said[0][:3]
                    outcome.reason = " ".join(note[3] for note in said)
                result.outcomes.append(outcome)

        tasks.append((group, task))
    return tasks


def _held_against(
    row: OutRow, holds: Mapping[str, object] | None, guard: GuardSettings | None
) -> RowOutcome | None:
    """The row held, when its base price moves from what `holds` says beyond the guard."""
    if guard is None or holds is None or not row.get("base_price"):
        return None
    beyond = move_beyond(holds.get("base_price"), row.get("base_price"), guard)
    if beyond is None:
        return None
    return RowOutcome(
        row, Action.HELD, type="price-guard", column="base_price", value=row.get("base_price"),
        held=beyond,
    )  # fmt: skip


# (type, column, value, reason): a value of the row that VTEX did not get as written.
Note = tuple[str, str, str, str]


@dataclass
class PriceBody:
    body: dict[str, Any]
    notes: list[Note] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # see RowOutcome.kept


def base_source(group: list[OutRow]) -> OutRow | None:
    """The row that gives a SKU its base price: its base-price row, else the first of its
    fixed-price rows that carries a base price too (a row with both sends both)."""
    for row in group:
        if not row.get("trade_policy"):
            return row
    for row in group:
        if row.get("base_price"):
            return row
    return None


def _conflicts(group: list[OutRow], source: OutRow | None) -> dict[int, list[Note]]:
    """Base, cost and markup values on a SKU's other rows that are not the ones sent: a SKU has
    one of each, so another row's different value did not reach VTEX."""
    notes: dict[int, list[Note]] = {}
    for row in group:
        if row is source:
            continue
        for column in ("base_price", "cost_price", "markup"):
            value = row.get(column)
            if not value:
                continue
            if source is None:
                reason = render("base-price-missing", column=column, value=value)
                notes.setdefault(id(row), []).append(("base-price-missing", column, value, reason))
                continue
            sent = source.get(column)
            if _same_number(value, sent):
                continue
            reason = render(
                "sku-price-conflict",
                column=column,
                value=value,
                first_row=source.line,
                sent=sent or render("empty-value"),
            )
            notes.setdefault(id(row), []).append(("sku-price-conflict", column, value, reason))
    return notes


def _same_number(a: str, b: str) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except ArithmeticError:
        return a == b


def price_body(
    base: OutRow,
    fixed: list[OutRow],
    current: dict[str, Any] | None,
    drop: Sequence[tuple[str, int, str, str]] = (),
) -> PriceBody:
    """The complete PUT body: exactly two of base/cost/markup, and all fixed prices to keep
    (VTEX's current ones, less those in `drop`, with the file's replacing their equals).

    Every value the row has is sent as written, 0 included. VTEX takes two of base, cost and
    markup, so a markup beside a cost price is derived by VTEX: when it differs from the file's,
    the row says so. An empty list price in a file that has the column clears VTEX's (a PUT
    without listPrice replaces the price without one; VTEX's spec does not allow null); a file
    without the column, or a fixed-price row (whose list price is its fixed entry's), keeps
    VTEX's. An empty cost price keeps VTEX's, since VTEX always holds one."""
    result = PriceBody({"basePrice": Decimal(base.get("base_price"))})
    body = result.body
    price = Decimal(base.get("base_price"))
    cost_text, markup_text = base.get("cost_price"), base.get("markup")
    if cost_text:
        cost = Decimal(cost_text)
        body["costPrice"] = cost
        derived = derived_markup(price, cost)
        if markup_text and int(markup_text) != derived:
            reason = render(
                "markup-derived", value=markup_text, derived=derived, base=price, cost=cost
            )
            result.notes.append(("markup-derived", "markup", markup_text, reason))
        elif not markup_text:
            result.kept["markup"] = str(derived)
    elif markup_text:
        body["markup"] = int(markup_text)
        result.kept["cost_price"] = str(derived_cost(price, int(markup_text)))
    else:
        held = (current or {}).get("costPrice")
        cost = Decimal(str(held)) if held is not None else price  # base alone: cost = base
        if held is not None:
            body["costPrice"] = cost
        result.kept["cost_price"] = str(cost)
        result.kept["markup"] = str(derived_markup(price, cost))
    own_list_price = "" if base.get("trade_policy") else base.get("list_price")
    if own_list_price:
        body["listPrice"] = Decimal(own_list_price)
    elif not _clears_list_price(base) and current and _positive(current.get("listPrice")):
        body["listPrice"] = Decimal(str(current["listPrice"]))
    entries = [_clean_fixed(e) for e in (current or {}).get("fixedPrices") or []]
    entries = [e for e in entries if _activation(e) not in drop]
    for row in fixed:
        new = fixed_entry(row)
        entries = [e for e in entries if _activation(e) != _activation(new)] + [new]
    body["fixedPrices"] = entries
    return result


def _clearing_list_price(
    source: OutRow, body: dict[str, Any], current: dict[str, Any] | None
) -> bool:
    return (
        _clears_list_price(source)
        and "listPrice" not in body
        and current is not None
        and _positive(current.get("listPrice"))
    )


async def _list_price_after_clearing(pricing: PricingClient, sku_id: int) -> dict[str, str]:
    """VTEX documents its PUT as replacing the price, so one without listPrice clears it; that
    an omitted listPrice is cleared is not said in so many words, so the price is read back:
    a list price VTEX still holds is reported (see RowOutcome.kept), never claimed cleared."""
    after = await pricing.get_price(sku_id)
    held = (after or {}).get("listPrice")
    return {"list_price": str(held)} if _positive(held) else {}


def _clears_list_price(base: OutRow) -> bool:
    """An empty list_price cell on a base-price row of a file with the column: no list price."""
    return not base.get("trade_policy") and base.carries("list_price") is True


def derived_markup(base: Decimal, cost: Decimal) -> int:
    """The markup VTEX derives from a base and a cost price: a whole percent (VTEX's markup is
    an integer; its rounding is not documented: half up, as the sandbox does)."""
    if cost == 0:
        return 0
    return int(((base - cost) / cost * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def derived_cost(base: Decimal, markup: int) -> Decimal:
    """The cost price VTEX derives from a base price and a markup, to the cent."""
    if markup == -100:
        return Decimal(0)
    return (base / (1 + Decimal(markup) / 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _period_changed(row: OutRow) -> bool:
    if "prev_valid_from" not in row.values:
        return False
    before = (row.get("prev_valid_from"), row.get("prev_valid_to"))
    return before != (row.get("valid_from"), row.get("valid_to"))


def _previous_activation(row: OutRow) -> tuple[str, int, str, str]:
    return (
        row.get("trade_policy"),
        int(row.get("min_quantity") or 1),
        row.get("prev_valid_from"),
        row.get("prev_valid_to"),
    )


def _base_of(current: dict[str, Any]) -> OutRow:
    """A base row that keeps the base price VTEX holds (for a PUT made for fixed prices)."""

    def text(name: str) -> str:
        return str(current[name]) if _positive(current.get(name)) else ""

    values = {
        "base_price": text("basePrice"),
        "cost_price": text("costPrice"),
        "markup": "",
        "list_price": text("listPrice"),
    }
    return OutRow(key="", hash=0, line=None, values=values)


def fixed_entry(row: OutRow) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "tradePolicyId": row.get("trade_policy"),
        "value": Decimal(row.get("fixed_price")),
        "minQuantity": int(row.get("min_quantity") or 1),
    }
    if row.get("list_price"):
        entry["listPrice"] = Decimal(row.get("list_price"))
    if row.get("valid_from") and row.get("valid_to"):
        entry["dateRange"] = {"from": row.get("valid_from"), "to": row.get("valid_to")}
    return entry


def _clean_fixed(entry: dict[str, Any]) -> dict[str, Any]:
    """Keep only the fields a PUT accepts from what a GET returned."""
    clean: dict[str, Any] = {
        "tradePolicyId": str(entry.get("tradePolicyId", "")),
        "value": Decimal(str(entry.get("value", 0))),
        "minQuantity": int(entry.get("minQuantity") or 1),
    }
    if entry.get("listPrice") is not None:
        clean["listPrice"] = Decimal(str(entry["listPrice"]))
    date_range = entry.get("dateRange")
    if isinstance(date_range, dict) and date_range.get("from") and date_range.get("to"):
        clean["dateRange"] = {"from": date_range["from"], "to": date_range["to"]}
    return clean


def _activation(entry: dict[str, Any]) -> tuple[str, int, str, str]:
    date_range = entry.get("dateRange") or {}
    return (
        entry["tradePolicyId"],
        entry["minQuantity"],
        date_range.get("from", ""),
        date_range.get("to", ""),
    )


def _positive(value: object) -> bool:
    try:
        return value is not None and Decimal(str(value)) > 0
    except ArithmeticError:
        return False
