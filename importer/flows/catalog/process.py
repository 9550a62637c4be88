"""The catalog's two-level diff: products by product_ref, SKUs by sku_ref.

A product's columns repeat on each of its SKU rows; they are hashed once per product, so a
renamed product is one product update, not one per SKU, and a SKU row counts as changed only
when its own columns changed. Both levels have their own snapshot ("catalog-products" and
"catalog"), which moves only for what VTEX confirmed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pandas as pd

from importer.deps import Deps
from importer.diff import Changeset, content_hash, diff
from importer.errors import FileRejected
from importer.flows.catalog import kits, policies, specfields
from importer.flows.catalog.records import (
    PRODUCT_SPEC,
    SKU_SPEC,
    changed_columns,
    product_columns,
    sku_columns,
)
from importer.flows.catalog.sync import CatalogSync, SyncResult, Work
from importer.follow.status_file import pushing
from importer.messages import render
from importer.models import Action, FileReport, ReportRow
from importer.outcomes import PushResult, explain_updates, record_outcomes
from importer.state import Applied, PendingRow

SPEC_PREFIXES = (PRODUCT_SPEC, SKU_SPEC)
SPARSE = (policies.COLUMN, specfields.COLUMN, kits.COLUMN)
SKUS = "catalog"
PRODUCTS = "catalog-products"
BOOKKEEPING = ("row", "key", "hash")


@dataclass
class CatalogChanges:
    """A file's (or a retry's) catalog rows against both snapshots, before anything is sent."""

    work: Work
    sku_changes: Changeset
    product_changes: Changeset
    sku_cols: list[str]
    product_cols: list[str]
    # Rows whose hash moved but none of whose columns did: recorded quietly, nothing sent.
    quiet: list[Applied]
    # The same for products (a file without categories after one with them).
    quiet_products: list[Applied]


def catalog_changes(
    records: pd.DataFrame,
    deps: Deps,
    file_name: str,
    *,
    present: set[str],
    mentioned: set[str] | None,
    product_overrides: dict[str, dict[str, Any]] | None = None,
) -> CatalogChanges:
    """The two-level diff (see `sync_catalog`); only reads the store. Raises FileRejected for
    a full file that would remove too much."""
    store = deps.store
    settings = deps.loaded.settings.flow("catalog")
    # A specification column that is empty in every row says nothing: leaving it out of the
    # hash means adding or removing such a column does not make every row look changed. So
    # does a category column a file lacks (default_category): it moves no product, and so do
    # the columns added later (SPARSE): a file without them hashes as before.
    columns = [
        c
        for c in records.columns
        if c not in BOOKKEEPING
        and not (
            (c.startswith(SPEC_PREFIXES) or c == "category" or c in SPARSE)
            and (records[c].astype(str) == "").all()
        )
    ]
    for values in (product_overrides or {}).values():
        columns += [
            c for c in values if c not in columns and c not in BOOKKEEPING and not c.startswith("_")
        ]
    sku_cols, product_cols = sku_columns(columns), product_columns(columns)
    records = records.copy()
    for column in columns:
        if column not in records:
            records[column] = ""
    records["hash"] = content_hash(records, sku_cols)
    products = records.drop_duplicates("product_ref")[["row", *product_cols]].copy()
    if product_overrides:
        products = _overridden(products, product_overrides, product_cols)
    products["key"] = products["product_ref"]
    products["hash"] = content_hash(products, product_cols)

    sku_changes = diff(records, store.snapshot_hashes(SKUS))
    pending = store.pending_keys(SKUS)
    if pending:
        sku_changes = sku_changes.force(pending)
    product_changes = diff(products, store.snapshot_hashes(PRODUCTS))
    product_pending = store.pending_keys(PRODUCTS)
    if product_pending:
        product_changes = product_changes.force(product_pending)
    # Compared on what the file carries too: a column it has but left empty everywhere is
    # out of the hash, yet an emptied value is said on its line (value-kept), never quietly.
    carried = [
        *product_cols,
        *(c for c in product_columns(sorted(present)) if c not in product_cols),
    ]
    product_changes, quiet_products = _quiet_products(
        product_changes, carried, product_pending, deps
    )
    previous_skus = store.snapshot_payloads(SKUS, sku_changes.changed["key"].tolist())
    quiet_keys = [
        key
        for key, row in zip(
            sku_changes.changed["key"], sku_changes.changed.to_dict("records"), strict=True
        )
        if key in previous_skus
        and key not in pending
        and not changed_columns(_plain(row), previous_skus[key], sku_cols)
    ]
    quiet: list[Applied] = []
    if quiet_keys:
        silent = sku_changes.changed[sku_changes.changed["key"].isin(quiet_keys)]
        quiet = [
            Applied(str(r["key"]), int(r["hash"]), _plain(r)) for r in silent.to_dict("records")
        ]
        sku_changes = sku_changes.without(set(quiet_keys))

    removals: list[dict[str, Any]] = []
    if mentioned is not None and settings.mode == "full":
        absent = [k for k in sku_changes.absent if k not in mentioned]
        removals = _removals(absent, deps, file_name, settings.max_removals)

    work = Work(
        products={str(p["product_ref"]): _plain(p) for p in products.to_dict("records")},
        changed_products=set(product_changes.to_push["key"]),
        skus=[_plain(r) for r in sku_changes.to_push.to_dict("records")],
        previous_products=store.snapshot_payloads(
            PRODUCTS, product_changes.changed["key"].tolist()
        ),
        previous_skus=previous_skus,
        removals=removals,
        present=present,
    )
    return CatalogChanges(
        work, sku_changes, product_changes, sku_cols, product_cols, quiet, quiet_products
    )


def sync_catalog(
    records: pd.DataFrame,
    deps: Deps,
    report: FileReport,
    *,
    present: set[str],
    mentioned: set[str] | None,
    product_overrides: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Diff, send and record one file's (or one retry's) catalog rows.

    `mentioned` is the file's keys, None for a retry (no removals then).
    `product_overrides` (a retry) gives the product values to use instead of the rows' own:
    a pending product's, or the newest VTEX accepted, so that an old row never undoes a
    newer product change."""
    change = catalog_changes(
        records,
        deps,
        report.summary.file,
        present=present,
        mentioned=mentioned,
        product_overrides=product_overrides,
    )
    if change.quiet:
        deps.store.commit(SKUS, change.quiet)
    if change.quiet_products:
        deps.store.commit(PRODUCTS, change.quiet_products)
    report.summary.unchanged = change.sku_changes.unchanged
    work = change.work
    pushing(len(work.skus) + len(work.changed_products) + len(work.removals))
    result = _run(work, deps)
    explain_updates(result.sku_outcomes, work.previous_skus, change.sku_cols)
    _record_products(result, deps, report)
    record_outcomes(
        SKUS,
        PushResult(outcomes=result.sku_outcomes, fatal=result.fatal),
        deps.store,
        report,
        report.summary.file,
    )
    for outcome in result.product_outcomes:
        report.rows.append(
            ReportRow(
                row=outcome.record.line,
                key=f"product {outcome.record.get('product_ref')}",
                action=outcome.action,
                column=outcome.column,
                value=outcome.value,
                reason=outcome.reason,
                status=outcome.status,
                type=outcome.type,
            )
        )
    report.rows.sort(key=lambda r: (r.row is None, r.row or 0))


def _quiet_products(
    changes: Changeset, columns: list[str], pending: set[str], deps: Deps
) -> tuple[Changeset, list[Applied]]:
    """A product whose hash moved but none of whose columns did (the file's set of columns
    changed: a file without categories after one with them) needs nothing sent: its new hash
    is to be recorded quietly (by the caller: this only reads), and no change is claimed on
    its line."""
    previous = deps.store.snapshot_payloads(PRODUCTS, changes.changed["key"].tolist())
    rows = changes.changed.to_dict("records")
    quiet = [
        _plain(r)
        for r in rows
        if r["key"] in previous
        and r["key"] not in pending
        and not changed_columns(_plain(r), previous[r["key"]], columns)
    ]
    if not quiet:
        return changes, []
    applied = [Applied(str(r["key"]), int(r["hash"]), {**previous[r["key"]], **r}) for r in quiet]
    return changes.without({str(r["key"]) for r in quiet}), applied


def _record_products(result: SyncResult, deps: Deps, report: FileReport) -> None:
    """Products VTEX confirmed move their snapshot; pending ones are kept and retried; the
    summary counts the products that were not saved, so that a file whose product did not
    land is never taken for a completed duplicate."""
    store = deps.store
    outcomes = result.product_outcomes
    store.commit(
        PRODUCTS,
        [
            Applied(o.record.key, o.record.hash, o.record.payload())
            for o in outcomes
            if o.action in (Action.CREATED, Action.UPDATED, Action.WARNING)
        ],
        journal=(report.summary.file, report.summary.sha256),
    )
    store.drop_pending(PRODUCTS, [o.record.key for o in outcomes if o.action == Action.FAILED])
    store.add_pending(
        PendingRow(
            PRODUCTS,
            o.record.key,
            o.record.hash,
            o.record.payload(),
            report.summary.file,
            o.record.line,
            1,
            o.reason,
        )
        for o in outcomes
        if o.action == Action.PENDING
    )
    report.summary.products_not_saved += sum(
        o.action in (Action.FAILED, Action.PENDING) for o in outcomes
    )
    # A product line that landed with a value kept is a warning a person must see, like a row.
    report.summary.warnings += sum(o.action == Action.WARNING for o in outcomes)


def _overridden(
    products: pd.DataFrame, overrides: dict[str, dict[str, Any]], columns: list[str]
) -> pd.DataFrame:
    rows = {str(r["product_ref"]): _plain(r) for r in products.to_dict("records")}
    for ref, values in overrides.items():
        base = rows.get(ref, {"row": values.get("row")})
        base.update({c: values.get(c, base.get(c, "")) for c in columns})
        rows[ref] = base
    frame = pd.DataFrame(list(rows.values()))
    for column in ["row", *columns]:
        if column not in frame:
            frame[column] = ""
    return frame[["row", *columns]]


def _run(work: Work, deps: Deps) -> SyncResult:
    if not work.skus and not work.changed_products and not work.removals:
        return SyncResult()

    async def go() -> SyncResult:
        from importer.vtex.catalog import CatalogClient

        async with deps.http() as http:
            sync = CatalogSync(
                CatalogClient(http),
                deps.store,
                deps.loaded.settings.flow("catalog"),
                http.settings.concurrency,
                http.settings.max_attempts,
            )
            return await sync.run(work)

    return asyncio.run(go())


def _removals(
    absent: list[str], deps: Deps, file_name: str, max_removals: float
) -> list[dict[str, Any]]:
    """mode = "full": SKUs the file no longer lists are deactivated, never deleted."""
    if not absent:
        return []
    payloads = deps.store.snapshot_payloads(SKUS, absent)
    active = [k for k in absent if payloads[k].get("sku_active") != "false"]
    known = deps.store.snapshot_count(SKUS)
    if len(active) > max_removals * known:
        raise FileRejected(
            render(
                "catalog-removal-guard",
                file=file_name,
                count=len(active),
                known=known,
                limit=f"{max_removals:.0%}",
            ),
            type="removal-guard",
        )
    rows = []
    for key in active:
        payload = dict(payloads[key])
        payload.update(sku_active="false", row=None)
        rows.append(payload)
    if rows:
        frame = pd.DataFrame(rows)
        cols = sku_columns([c for c in frame.columns if c not in BOOKKEEPING])
        frame["hash"] = content_hash(frame, cols)
        rows = [_plain(r) for r in frame.to_dict("records")]
    return rows


def _plain(record: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in record.items()}
