"""The catalog flow as the pipeline sees it (see `importer.flows.base.Flow`): its spec and
rules, then the two-level process of `process.py`."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from importer.deps import Deps
from importer.errors import FileRejected, HeaderError
from importer.flows.base import InputFile
from importer.flows.catalog.process import PRODUCTS, SKUS, catalog_changes, sync_catalog
from importer.flows.catalog.rules import catalog_normalise, catalog_rules, unique_eans
from importer.flows.catalog.spec import CATALOG
from importer.flows.keyed import rows_of
from importer.flows.spec import Raw, RuleResult
from importer.messages import render
from importer.models import FileReport, FileSummary, RowError
from importer.preview.plan import Plan, keyed_lines
from importer.rows import OutRow
from importer.state import PendingRow
from importer.validate import Validated


class Catalog:
    spec = CATALOG
    pending_flows = (SKUS, PRODUCTS)

    def normalise(self, frame: pd.DataFrame) -> None:
        catalog_normalise(frame)

    def rules(self, frame: pd.DataFrame, raw: Raw, now: datetime) -> RuleResult:
        return catalog_rules(frame, raw)

    def record_rules(self, records: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
        return unique_eans(records)

    def process(self, checked: Validated, file: InputFile, deps: Deps, report: FileReport) -> None:
        _categories_given_or_defaulted(checked, file, deps)
        report.summary.invalid = checked.rows_read - len(checked.records)
        sync_catalog(
            checked.records,
            deps,
            report,
            present=set(checked.present),
            # A held file a person approved (an undo) is its rows only: no full-mode removals.
            mentioned=None if file.approved else checked.mentioned,
        )

    def plan(self, checked: Validated, file: InputFile, deps: Deps) -> Plan:
        """What `process` would send: the same two-level diff, products then SKUs."""
        try:
            change = catalog_changes(
                checked.records,
                deps,
                file.name,
                present=set(checked.present),
                mentioned=checked.mentioned,
            )
        except FileRejected as exc:
            return Plan(refused=str(exc))
        work = change.work
        removals = [OutRow.from_payload(r) for r in work.removals]
        previous_skus = {
            **work.previous_skus,
            **deps.store.snapshot_payloads(SKUS, [r.key for r in removals]),
        }
        products = change.product_changes
        skus = change.sku_changes
        lines = keyed_lines(
            rows_of(products.new),
            rows_of(products.changed),
            [],
            work.previous_products,
            change.product_cols,
            label="product ",
        )
        lines += keyed_lines(
            rows_of(skus.new), rows_of(skus.changed), removals, previous_skus, change.sku_cols
        )
        return Plan(lines, unchanged=skus.unchanged)

    def retry(self, deps: Deps, only: set[str] | None = None) -> FileReport | None:
        rows = [r for r in deps.store.pending(SKUS) if only is None or r.key in only]
        products = [r for r in deps.store.pending(PRODUCTS) if only is None or r.key in only]
        return _retry(rows, products, deps) if rows or products else None


FLOW = Catalog()


def _categories_given_or_defaulted(checked: Validated, file: InputFile, deps: Deps) -> None:
    """A file without categories (no column, or no value in it) files its products under
    default_category; without that setting, the column is required, as FORMATS says."""
    if deps.loaded.settings.flow("catalog").default_category:
        return
    records = checked.records
    if "category" in checked.present and (records.empty or (records["category"] != "").any()):
        return
    raise HeaderError(render("category-column-missing", file=file.name))


def _retry(rows: list[PendingRow], products: list[PendingRow], deps: Deps) -> FileReport:
    """Pending SKU rows and pending products. Product values come from the pending product,
    else from what VTEX accepted last, never from an older row (which could undo a rename)."""
    now = deps.now()
    summary = FileSummary(
        file="pending-catalog", flow="catalog", sha256="", received_at=now, account=deps.account
    )
    report = FileReport(summary)
    pending_products = {r.key: r.payload for r in products}
    refs = {str(r.payload.get("product_ref", "")) for r in rows} - set(pending_products)
    overrides = {
        **deps.store.snapshot_payloads("catalog-products", sorted(refs)),
        **pending_products,
    }
    records = pd.DataFrame([r.payload for r in rows]).drop(columns=["hash"], errors="ignore")
    for column in ("row", "key", "sku_ref", "product_ref"):
        if column not in records:
            records[column] = pd.Series(dtype=object)
    summary.rows_read = len(records)
    present = {c for c in records.columns if (records[c].astype(str) != "").any()}
    for values in overrides.values():
        present |= {c for c, v in values.items() if v not in ("", None)}
    sync_catalog(
        records,
        deps,
        report,
        present=present,
        mentioned=None,
        product_overrides=overrides,
    )
    return report
