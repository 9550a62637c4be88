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
from decimal import Decimal
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


@dataclass
class PushResult:
    outcomes: list[RowOutcome] = field(default_factory=list)
    fatal: str = ""  # set when VTEX refused the credentials: the flow stopped

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


def explain_updates(
    outcomes: list[RowOutcome], previous: dict[str, dict[str, Any]], columns: Sequence[str]
) -> None:
    """An updated row's report line says what changed: 'base_price: 10.01 -> 16.01'."""
    for outcome in outcomes:
        before = previous.get(str(outcome.record.get("key", "")))
        if outcome.action != Action.UPDATED or before is None or outcome.reason:
            continue
        changed = changes(outcome.record, before, columns)
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
    return rest


def _batchable_prices(rows: list[Record]) -> list[Record]:
    """Base-price rows the Bulk Pricing CSV can carry (see `bulk_pricing.can_carry`), one per
    SKU, of SKUs without a fixed price whose period moved (that needs a PUT of the whole price,
    which must not race the job)."""
    from importer.vtex.bulk_pricing import can_carry

    moved = {r["sku_id_resolved"] for r in rows if r.get("trade_policy") and _period_changed(r)}
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
            base = [r for r in group if not r["trade_policy"]]
            fixed = [r for r in group if r["trade_policy"]]
            # A fixed price whose period changed must replace the entry with the old period;
            # PATCH would add a second entry beside it (VTEX keys entries by their period).
            moved = [_previous_activation(r) for r in fixed if _period_changed(r)]
            if base or moved:
                # A PUT replaces every fixed price: read what VTEX holds so that fixed prices
                # this file does not mention (set in the admin, say) survive.
                current = await pricing.get_price(sku_id)
                if base:
                    body = price_body(base[0], fixed, current, drop=moved)
                elif current is not None:
                    body = price_body(_base_of(current), fixed, current, drop=moved)
                else:  # no price at all yet, so no old entry to replace
                    body = {}
                if body:
                    await pricing.put_price(sku_id, body)
                else:
                    await pricing.patch_fixed(sku_id, [fixed_entry(r) for r in fixed])
            else:
                await pricing.patch_fixed(sku_id, [fixed_entry(r) for r in fixed])
            result.outcomes.extend(_done(r, is_new) for r in group)

        tasks.append((group, task))
    return tasks


def price_body(
    base: Record,
    fixed: list[Record],
    current: dict[str, Any] | None,
    drop: Sequence[tuple[str, int, str, str]] = (),
) -> dict[str, Any]:
    """The complete PUT body: exactly two of base/cost/markup, and all fixed prices to keep
    (VTEX's current ones, less those in `drop`, with the file's replacing their equals)."""
    body: dict[str, Any] = {"basePrice": Decimal(base["base_price"])}
    if base["cost_price"] and _positive(base["cost_price"]):
        body["costPrice"] = Decimal(base["cost_price"])
    elif base["markup"]:
        body["markup"] = int(base["markup"])
    elif current and _positive(current.get("costPrice")):
        body["costPrice"] = Decimal(str(current["costPrice"]))
    if base["list_price"]:
        body["listPrice"] = Decimal(base["list_price"])
    elif current and _positive(current.get("listPrice")):
        body["listPrice"] = Decimal(str(current["listPrice"]))
    entries = [_clean_fixed(e) for e in (current or {}).get("fixedPrices") or []]
    entries = [e for e in entries if _activation(e) not in drop]
    for row in fixed:
        new = fixed_entry(row)
        entries = [e for e in entries if _activation(e) != _activation(new)] + [new]
    body["fixedPrices"] = entries
    return body


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
            if row.get("lead_time"):
                await logistics.put_inventory(
                    sku_id, wh, quantity=quantity, unlimited=unlimited, lead_time=row["lead_time"]
                )
            else:
                # The file does not own lead times: a PUT would zero the one set in VTEX.
                await logistics.patch_quantity(sku_id, wh, quantity=quantity, unlimited=unlimited)
            result.outcomes.append(_done(row, is_new))

        tasks.append(([row], task))
    return tasks
