"""`importer undo NAME`: put back what the keys held before the last file named NAME.

Every commit journals the snapshot's payload of its keys as they were (`undo` table, in the
commit's transaction). Undo turns that journal into a held file, `inbox/<flow>/held/
undo-NAME.<digest>.csv`, with its preview (old: what VTEX holds now as far as the importer
knows; new: what it held before), so that a person looks first and `importer approve` sends
it, as any held file: diffed and read again, once. Prices and stock; not orders, invoices,
tracking or cancellations (VTEX cannot take those back), and not the catalog yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importer.deps import Deps
from importer.flows import registry
from importer.guard import held_folder, held_name, write_held
from importer.messages import render
from importer.models import Action
from importer.preview.plan import Planned
from importer.preview.write import PreviewSummary
from importer.rows import OutRow

UNDOABLE = ("prices", "inventory", "catalog")
PRODUCTS = "catalog-products"  # the catalog's product level, journaled beside its SKUs


@dataclass
class Undo:
    flow: str
    held: Path | None = None  # the held file to approve, when anything is to be put back
    put_back: int = 0
    created: list[str] = field(default_factory=list)  # keys that file created: no before
    changed_since: list[str] = field(default_factory=list)  # keys a later file moved again


def undo(name: str, deps: Deps) -> list[Undo]:
    """An Undo per flow the last file named `name` changed (empty: nothing journaled)."""
    store = deps.store
    done = []
    for flow in store.journaled_flows(name):
        if flow not in UNDOABLE:
            continue
        befores = store.befores(name, flow)
        if flow == "catalog":
            befores = _with_products_before(befores, store.befores(name, PRODUCTS))
        now = store.snapshot_payloads(flow, sorted(befores))
        frame = store.snapshot_hashes(flow)
        hashes = {str(k): int(h) for k, h in zip(frame["key"], frame["hash"], strict=True)}
        result = Undo(flow)
        rows: list[OutRow] = []
        lines: list[Planned] = []
        hashed = registry.flow(flow).spec.hashed
        for key, (before, after_hash) in sorted(befores.items()):
            if before is None:
                result.created.append(key)
                continue
            if hashes.get(key) != after_hash:
                result.changed_since.append(key)
                continue
            row = OutRow.from_payload({**before, "key": key})
            current = now.get(key, {})
            # The catalog hashes the columns its file carried: compare what the before holds.
            compared = hashed or [c for c in row.values if c not in _BOOKKEEPING]
            moved = [c for c in compared if str(current.get(c, "")) != row.get(c)]
            if not moved:
                continue
            rows.append(row)
            lines += [
                Planned(
                    None,
                    key,
                    Action.HELD,
                    column,
                    str(current.get(column, "")),
                    row.get(column),
                    render("undo-puts-back", file=name),
                    "undo",
                )
                for column in moved
            ]
        if rows:
            # What the rows' files carried: a SKU row's product columns come with it.
            columns = sorted({c for r in rows for c in r.values if c not in _BOOKKEEPING})
            if flow != "catalog":
                columns = registry.flow(flow).spec.names
            stem = held_name(f"undo-{name}", rows)
            summary = PreviewSummary(
                file=f"undo-{name}",
                flow=flow,
                previewed_at=deps.now(),
                rows_read=len(rows),
                account=deps.account,
            )
            result.held = write_held(
                held_folder(deps.loaded.folder("inbox"), flow),
                stem,
                columns,
                rows,
                lines,
                summary,
                deps.loaded.settings.output.report_file_mode,
            )
            result.put_back = len(rows)
        done.append(result)
    return done


_BOOKKEEPING = {"row", "key", "hash"}


def _with_products_before(
    skus: dict[str, tuple[dict[str, Any] | None, int]],
    products: dict[str, tuple[dict[str, Any] | None, int]],
) -> dict[str, tuple[dict[str, Any] | None, int]]:
    """The catalog's SKU befores with their product's before laid over them: a SKU row
    carries its product's columns, and undoing a rename is undoing it on that row. (A product
    the file changed without any of its SKU rows changing is not in the SKU journal: listed by
    `importer undo` as not undone.)"""
    out = {}
    for key, (before, after) in skus.items():
        if before is not None:
            product = products.get(str(before.get("product_ref", "")), (None, 0))[0]
            if product is not None:
                before = {**before, **{k: v for k, v in product.items() if k not in _BOOKKEEPING}}
        out[key] = (before, after)
    return out
