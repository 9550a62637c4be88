"""Changeset + VTEX clients -> per-row outcomes. The only stage that talks to VTEX for files.

Outcomes are values: `applied` rows go to the snapshot, `pending` rows (VTEX unavailable after
retries) are kept and retried on every pass, `failed` rows are reported and sent again only
when a file carries them again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from loguru import logger

from importer import batches
from importer.errors import FatalVtexError, RetriableVtexError, RowRejectedError
from importer.messages import render
from importer.models import Action
from importer.store import Applied, Store
from importer.vtex.batch_jobs import FeatureUnavailable
from importer.vtex.catalog import CatalogClient
from importer.vtex.http import VtexHttp
from importer.vtex.logistics import LogisticsClient
from importer.vtex.pricing import PricingClient

Record = dict[str, Any]


@dataclass
class RowOutcome:
    record: Record  # the canonical row: row, key, hash and the flow's columns
    action: Action
    type: str = ""
    column: str = ""
    value: str = ""
    reason: str = ""
    status: int | None = None
    # Columns the row left empty whose value VTEX holds anyway, with that value (a cost price
    # kept, a markup derived): a report must not claim VTEX emptied them.
    kept: dict[str, str] = field(default_factory=dict)


@dataclass
class PushResult:
    outcomes: list[RowOutcome] = field(default_factory=list)
    fatal: str = ""  # set when VTEX refused the credentials: the flow stopped
    file_warnings: list[str] = field(default_factory=list)  # for the report's summary

    @property
    def applied(self) -> list[Applied]:
        return [
            Applied(r.record["key"], int(r.record["hash"]), r.record)
            for r in self.outcomes
            if r.action in (Action.CREATED, Action.UPDATED, Action.DEACTIVATED, Action.WARNING)
        ]


@dataclass
class Clients:
    http: VtexHttp
    catalog: CatalogClient
    pricing: PricingClient
    logistics: LogisticsClient

    @classmethod
    def over(cls, http: VtexHttp) -> Clients:
        return cls(http, CatalogClient(http), PricingClient(http), LogisticsClient(http))


Task = Callable[[], Awaitable[None]]


async def push(
    flow: str,
    records: pd.DataFrame,
    clients: Clients,
    store: Store,
    *,
    is_new: Callable[[Record], bool],
    removals: Sequence[Record] = (),
    batch_threshold: int = 0,
    source: str = "",
) -> PushResult:
    """Send `records` (new or changed rows) and `removals` (full-mode absences) to VTEX.

    Prices and inventory: when at least `batch_threshold` (> 0) of the rows can go in one VTEX
    batch job, they do (see `_batched`); the others, and all of them on an account without the
    feature, go per SKU. `source` names the file in the store's record of a batch job."""
    result = PushResult()
    rows: list[Record] = (
        [{str(k): v for k, v in r.items()} for r in records.to_dict("records")]
        if not records.empty
        else []
    )
    removal_rows = [dict(r, _removal=True) for r in removals]
    if flow == "invoices":
        from importer.orders.invoices import push_invoices
        from importer.vtex.orders import OrdersClient

        return await push_invoices(
            rows, OrdersClient(clients.http), clients.http.settings.concurrency, is_new
        )
    try:
        await _resolve_skus(rows + removal_rows, clients, store, result)
    except (FatalVtexError, RetriableVtexError) as exc:
        _allvtex_outcome(rows + removal_rows, result, exc)
        return result
    except RowRejectedError as exc:
        result.outcomes.extend(vtex_outcome(row, exc) for row in rows + removal_rows)
        return result
    ready = [r for r in rows + removal_rows if r.get("sku_id_resolved") is not None]
    if flow == "prices":
        ready = _held_back(ready, "prices", store, result)
        ready = await _batched(
            "prices", ready, clients, store, result, is_new, batch_threshold, source
        )
        tasks = _price_tasks(ready, clients.pricing, result, is_new)
    elif flow == "inventory":
        try:
            ready = await _known_warehouses(ready, clients.logistics, result)
        except (FatalVtexError, RetriableVtexError) as exc:
            _allvtex_outcome(ready, result, exc)
            return result
        except RowRejectedError as exc:
            result.outcomes.extend(vtex_outcome(row, exc) for row in ready)
            return result
        ready = _held_back(ready, "inventory", store, result)
        ready = await _batched(
            "inventory", ready, clients, store, result, is_new, batch_threshold, source
        )
        tasks = _inventory_tasks(ready, clients.logistics, result, is_new)
    else:
        raise ValueError(f"no push for flow {flow!r}")
    await _run(tasks, clients.http.settings.concurrency, result)
    return result


async def _resolve_skus(
    rows: list[Record], clients: Clients, store: Store, result: PushResult
) -> None:
    refs = sorted({r["sku_ref"] for r in rows if not r.get("sku_id") and r.get("sku_ref")})
    known = store.sku_ids(refs)
    missing = [ref for ref in refs if ref not in known]
    if missing:
        found = await clients.catalog.sku_ids_by_refs(missing)
        fresh = {ref: sku_id for ref, sku_id in found.items() if sku_id is not None}
        store.remember_sku_ids(fresh)
        known.update(fresh)
    for row in rows:
        if row.get("sku_id"):
            row["sku_id_resolved"] = int(row["sku_id"])
        elif row["sku_ref"] in known:
            row["sku_id_resolved"] = known[row["sku_ref"]]
        else:
            result.outcomes.append(
                RowOutcome(
                    row,
                    Action.FAILED,
                    type="unknown-sku",
                    column="sku_ref",
                    value=row["sku_ref"],
                    reason=render("unknown-sku", value=row["sku_ref"]),
                )
            )


def _allvtex_outcome(rows: list[Record], result: PushResult, exc: Exception) -> None:
    if isinstance(exc, FatalVtexError):
        result.fatal = str(exc)
    for row in rows:
        result.outcomes.append(vtex_outcome(row, exc))


def vtex_outcome(row: Record, exc: Exception) -> RowOutcome:
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


# The columns each row's file carried ("base_price,list_price,sku_ref"), set on price rows.
FILE_COLUMNS = "_file_columns"
# The sentence for a column a row emptied whose value VTEX keeps (see RowOutcome.kept).
KEPT_MESSAGES = {
    "cost_price": "cost-kept",
    "markup": "markup-kept",
    "list_price": "list-price-kept",
}


def carried(row: Record, column: str) -> bool | None:
    """Whether the row's file has `column`; None when the row does not say (rows of another
    flow, rows kept pending from before the mark existed)."""
    listed = row.get(FILE_COLUMNS)
    if not isinstance(listed, str):
        return None
    return column in listed.split(",")


def explain_updates(
    outcomes: list[RowOutcome], previous: dict[str, dict[str, Any]], columns: Sequence[str]
) -> None:
    """An updated row's report line says what changed: 'base_price: 10.01 -> 16.01'; only what
    VTEX got. A column the file does not carry was not sent, so it did not change; a column
    the row emptied whose value VTEX keeps is a warning that says so."""
    for outcome in outcomes:
        before = previous.get(str(outcome.record.get("key", "")))
        if outcome.action != Action.UPDATED or before is None or outcome.reason:
            continue
        owned = [c for c in columns if carried(outcome.record, c) is not False]
        changed = changes(outcome.record, before, owned)
        kept = [c for c in changed if c in outcome.kept and not outcome.record.get(c)]
        if kept:
            column = kept[0]
            outcome.action = Action.WARNING
            outcome.type = KEPT_MESSAGES[column]
            outcome.column = column
            outcome.value = ""
            outcome.reason = " ".join(
                render(KEPT_MESSAGES[c], before=before.get(c), kept=outcome.kept[c]) for c in kept
            )
            continue
        if changed:
            outcome.column = changed[0]
            outcome.value = str(outcome.record.get(changed[0], ""))
            outcome.reason = describe(outcome.record, before, changed)


def changes(record: Record, before: Record, columns: Sequence[str]) -> list[str]:
    return [c for c in columns if str(before.get(c, "")) != str(record.get(c, ""))]


def describe(record: Record, before: Record, columns: Sequence[str]) -> str:
    return "; ".join(
        f"{c}: {before.get(c) or '(empty)'} -> {record.get(c) or '(empty)'}" for c in columns
    )


async def _run(
    tasks: list[tuple[list[Record], Task]], concurrency: int, result: PushResult
) -> None:
    """Run per-SKU tasks with bounded concurrency; a fatal error stops what has not started."""
    gate = asyncio.Semaphore(concurrency)
    stop = asyncio.Event()

    async def one(rows: list[Record], task: Task) -> None:
        async with gate:
            if stop.is_set():
                for row in rows:
                    result.outcomes.append(vtex_outcome(row, FatalVtexError(result.fatal)))
                return
            try:
                await task()
            except RetriableVtexError as exc:
                result.outcomes.extend(vtex_outcome(row, exc) for row in rows)
            except FatalVtexError as exc:
                stop.set()
                result.fatal = str(exc)
                result.outcomes.extend(vtex_outcome(row, exc) for row in rows)
            except (ValueError, ArithmeticError, KeyError, TypeError) as exc:
                # A bug or a value we cannot send must cost these rows, never the whole file.
                result.outcomes.extend(
                    RowOutcome(
                        row,
                        Action.FAILED,
                        type="internal-error",
                        reason=render("internal-error", detail=str(exc)[:200]),
                    )
                    for row in rows
                )
            except RowRejectedError as exc:
                result.outcomes.extend(vtex_outcome(row, exc) for row in rows)

    await asyncio.gather(*(one(rows, task) for rows, task in tasks))


def _done(row: Record, is_new: Callable[[Record], bool]) -> RowOutcome:
    action = batches.landed_action(row, is_new)
    reason = row.get("_reason", "") if action is Action.DEACTIVATED else ""
    return RowOutcome(row, action, reason=reason)


def batch_outcomes(outcome: batches.BatchOutcome) -> list[RowOutcome]:
    """A batch job's per-row results as the outcomes a report and the store take."""
    return [
        RowOutcome(row, action, kind, column, str(row.get(column, "")) if column else "", reason)
        for row, action, kind, column, reason in outcome.rows
    ]


# -- batch jobs (Bulk Pricing, batch inventory) -------------------------------------------------


def _held_back(rows: list[Record], flow: str, store: Store, result: PushResult) -> list[Record]:
    """Rows whose key is in a VTEX batch job that has not settled wait for it: sent now, they
    could be overwritten by the job's older value when it lands. They stay pending."""
    waiting = store.batch_keys(flow)
    if not waiting:
        return rows
    for row in rows:
        batch = waiting.get(str(row["key"]))
        if batch is not None:
            what = "with an earlier value of this row has not finished; this value waits for it"
            result.outcomes.append(
                RowOutcome(
                    row,
                    Action.PENDING,
                    type="vtex-batch-pending",
                    reason=render("vtex-batch-pending", api="batch", batch=batch, what=what),
                )
            )
    return [r for r in rows if str(r["key"]) not in waiting]


async def _batched(
    flow: str,
    rows: list[Record],
    clients: Clients,
    store: Store,
    result: PushResult,
    is_new: Callable[[Record], bool],
    threshold: int,
    source: str,
) -> list[Record]:
    """Send the rows a batch job can carry as one job when there are at least `threshold` of
    them; return the rows left for per-SKU calls. A 403/404 on creating the job (the account
    lacks the feature) sends everything per SKU and is remembered for a day."""
    # Rows an earlier job refused go per SKU this time; the mark is not kept any further.
    refused = {id(r) for r in rows if isinstance(r.pop(batches.PER_SKU_MARK, None), str)}
    if threshold <= 0:
        return rows
    candidates = [r for r in rows if id(r) not in refused]
    carried = (
        _batchable_prices(candidates) if flow == "prices" else _batchable_inventory(candidates)
    )
    if len(carried) < threshold:
        return rows
    api = batches.client_for(batches.FEATURE_OF_FLOW[flow], clients.http)
    now = datetime.now(UTC)
    if batches.feature_off(store, api.feature, now):
        return rows
    chosen = {id(r) for r in carried}
    rest = [r for r in rows if id(r) not in chosen]
    try:
        outcome = await batches.send(
            api, carried, store=store, flow=flow, source=source, clock=clients.http.clock,
            is_new=is_new, policy=batches.policy_of(clients.http.settings),
        )  # fmt: skip
    except FeatureUnavailable as exc:
        batches.remember_off(store, api, exc, now)
        return rows
    except (FatalVtexError, RetriableVtexError) as exc:
        _allvtex_outcome(carried, result, exc)
        return rest
    except RowRejectedError as exc:  # 413 / 422 on creation: this set cannot go as a job
        logger.warning("VTEX {} refused the job ({}): sending per SKU", api.title, exc)
        return rows
    result.outcomes.extend(batch_outcomes(outcome))
    if outcome.fatal:
        result.fatal = outcome.fatal
    if flow == "inventory":
        result.file_warnings.append(render("batch-without-count-time", rows=len(carried)))
    return rest


def _batchable_prices(rows: list[Record]) -> list[Record]:
    """Base-price rows the Bulk Pricing CSV can carry (see `bulk_pricing.can_carry`), one per
    SKU, of SKUs without a fixed price whose period moved or that carries a base price (those
    need a PUT of the whole price, which must not race the job)."""
    from importer.vtex.bulk_pricing import can_carry

    # SKUs with a fixed price whose period moved, or with a fixed-price row that carries a
    # base price too (it is checked against the base row, per SKU), stay out of the job.
    moved = {
        r["sku_id_resolved"]
        for r in rows
        if r.get("trade_policy") and (_period_changed(r) or r.get("base_price"))
    }
    seen: set[int] = set()
    carried: list[Record] = []
    for row in rows:
        sku = row["sku_id_resolved"]
        if sku in moved or sku in seen or not can_carry(row):
            continue
        seen.add(sku)
        carried.append(row)
    return carried


def _batchable_inventory(rows: list[Record]) -> list[Record]:
    """Rows with a lead time (see `batch_inventory.can_carry`)."""
    from importer.vtex.batch_inventory import can_carry

    return [r for r in rows if can_carry(r)]


# -- prices -----------------------------------------------------------------------------------


def _price_tasks(
    rows: list[Record],
    pricing: PricingClient,
    result: PushResult,
    is_new: Callable[[Record], bool],
) -> list[tuple[list[Record], Task]]:
    by_sku: dict[int, list[Record]] = {}
    for row in rows:
        by_sku.setdefault(row["sku_id_resolved"], []).append(row)
    tasks: list[tuple[list[Record], Task]] = []
    for sku_id, group in by_sku.items():

        async def task(sku_id: int = sku_id, group: list[Record] = group) -> None:
            fixed = [r for r in group if r["trade_policy"]]
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
                outcome = _done(row, is_new)
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


# (type, column, value, reason): a value of the row that VTEX did not get as written.
Note = tuple[str, str, str, str]


@dataclass
class PriceBody:
    body: dict[str, Any]
    notes: list[Note] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # see RowOutcome.kept


def base_source(group: list[Record]) -> Record | None:
    """The row that gives a SKU its base price: its base-price row, else the first of its
    fixed-price rows that carries a base price too (a row with both sends both)."""
    for row in group:
        if not row["trade_policy"]:
            return row
    for row in group:
        if row.get("base_price"):
            return row
    return None


def _conflicts(group: list[Record], source: Record | None) -> dict[int, list[Note]]:
    """Base, cost and markup values on a SKU's other rows that are not the ones sent: a SKU has
    one of each, so another row's different value did not reach VTEX."""
    notes: dict[int, list[Note]] = {}
    for row in group:
        if row is source:
            continue
        for column in ("base_price", "cost_price", "markup"):
            value = str(row.get(column) or "")
            if not value:
                continue
            if source is None:
                reason = render("base-price-missing", column=column, value=value)
                notes.setdefault(id(row), []).append(("base-price-missing", column, value, reason))
                continue
            sent = str(source.get(column) or "")
            if _same_number(value, sent):
                continue
            reason = render(
                "sku-price-conflict",
                column=column,
                value=value,
                first_row=source.get("row"),
                sent=sent or "(empty)",
            )
            notes.setdefault(id(row), []).append(("sku-price-conflict", column, value, reason))
    return notes


def _same_number(a: str, b: str) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except ArithmeticError:
        return a == b


def price_body(
    base: Record,
    fixed: list[Record],
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
    result = PriceBody({"basePrice": Decimal(base["base_price"])})
    body = result.body
    price = Decimal(base["base_price"])
    cost_text, markup_text = str(base.get("cost_price") or ""), str(base.get("markup") or "")
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
    own_list_price = "" if base.get("trade_policy") else str(base["list_price"])
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
    source: Record, body: dict[str, Any], current: dict[str, Any] | None
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


def _clears_list_price(base: Record) -> bool:
    """An empty list_price cell on a base-price row of a file with the column: no list price."""
    return not base.get("trade_policy") and carried(base, "list_price") is True


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


def _period_changed(row: Record) -> bool:
    if "prev_valid_from" not in row:
        return False
    return (row["prev_valid_from"], row["prev_valid_to"]) != (row["valid_from"], row["valid_to"])


def _previous_activation(row: Record) -> tuple[str, int, str, str]:
    return (
        row["trade_policy"],
        int(row["min_quantity"] or 1),
        row["prev_valid_from"],
        row["prev_valid_to"],
    )


def _base_of(current: dict[str, Any]) -> Record:
    """A base row that keeps the base price VTEX holds (for a PUT made for fixed prices)."""

    def text(name: str) -> str:
        return str(current[name]) if _positive(current.get(name)) else ""

    return {
        "base_price": text("basePrice"),
        "cost_price": text("costPrice"),
        "markup": "",
        "list_price": text("listPrice"),
    }


def fixed_entry(row: Record) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "tradePolicyId": row["trade_policy"],
        "value": Decimal(row["fixed_price"]),
        "minQuantity": int(row["min_quantity"] or 1),
    }
    if row["list_price"]:
        entry["listPrice"] = Decimal(row["list_price"])
    if row["valid_from"] and row["valid_to"]:
        entry["dateRange"] = {"from": row["valid_from"], "to": row["valid_to"]}
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


# -- inventory --------------------------------------------------------------------------------


async def _known_warehouses(
    rows: list[Record], logistics: LogisticsClient, result: PushResult
) -> list[Record]:
    if not rows:
        return rows
    listed = [str(w.get("id", "")) for w in await logistics.warehouses()]
    # Inventory calls treat warehouse ids case-insensitively; send the id as VTEX spells it.
    by_fold = {w.casefold(): w for w in listed}
    ready: list[Record] = []
    for row in rows:
        wh = by_fold.get(str(row["warehouse_id"]).casefold())
        if wh is None:
            result.outcomes.append(
                RowOutcome(
                    row,
                    Action.FAILED,
                    type="unknown-warehouse",
                    column="warehouse_id",
                    value=row["warehouse_id"],
                    reason=render(
                        "unknown-warehouse",
                        value=row["warehouse_id"],
                        known=", ".join(listed) or "none",
                    ),
                )
            )
        else:
            row["warehouse_vtex"] = wh
            ready.append(row)
    return ready


def _inventory_tasks(
    rows: list[Record],
    logistics: LogisticsClient,
    result: PushResult,
    is_new: Callable[[Record], bool],
) -> list[tuple[list[Record], Task]]:
    tasks: list[tuple[list[Record], Task]] = []
    for row in rows:

        async def task(row: Record = row) -> None:
            sku_id, wh = row["sku_id_resolved"], row["warehouse_vtex"]
            unlimited = row.get("unlimited") == "true"
            quantity = int(row.get("quantity") or 0)
            # When the ERP counted, as the row has kept it since the file (a retry hours later
            # still says the count's time, not its own).
            counted_at = str(row.get("counted_at") or row.get("balance_at") or "")
            if row.get("lead_time"):
                await logistics.put_inventory(
                    sku_id, wh, quantity=quantity, unlimited=unlimited,
                    lead_time=row["lead_time"], counted_at=counted_at,
                )  # fmt: skip
            else:
                # The file does not own lead times: a PUT would zero the one set in VTEX.
                await logistics.patch_quantity(
                    sku_id, wh, quantity=quantity, unlimited=unlimited, counted_at=counted_at
                )
            result.outcomes.append(_done(row, is_new))

        tasks.append(([row], task))
    return tasks
