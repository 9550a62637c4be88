"""A row on its way (`importer.rows.OutRow`): its typed fields, and the store's edge, where it
is kept in the shape the store has always had, so that a store written before the type
resumes (the payloads below are exactly what the dict-based code of main wrote)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from importer.deps import Clients
from importer.flows.keyed import rows_of
from importer.models import Action
from importer.rows import OutRow, Removal, Unresolved
from importer.sandbox import Sandbox
from importer.state import PendingRow
from tests.conftest import RuntimeFactory, one_pass
from tests.flows.rooms import against

# What main stored for a prices row a Bulk Pricing job refused (code UPDATE_FAILED), with the
# period VTEX held for it.
STORED_PRICE: dict[str, Any] = {
    "row": 7,
    "key": "DEMO-001",
    "sku_ref": "DEMO-001",
    "sku_id": "",
    "base_price": "19.90",
    "list_price": "25.00",
    "cost_price": "10.00",
    "markup": "",
    "trade_policy": "",
    "fixed_price": "",
    "min_quantity": "",
    "valid_from": "",
    "valid_to": "",
    "prev_valid_from": "",
    "prev_valid_to": "",
    "hash": 4242,
    "_file_columns": "base_price,cost_price,list_price,sku_ref",
    "sku_id_resolved": 1,
    "_batch_refused": "UPDATE_FAILED",
}
# What main stored for a prices row of a file that carried base_price and sku_ref only.
STORED_BASE_ONLY: dict[str, Any] = {
    **STORED_PRICE,
    "row": 8,
    "key": "DEMO-003",
    "sku_ref": "DEMO-003",
    "base_price": "17.00",  # within the guard: VTEX holds 20
    "list_price": "",
    "cost_price": "",
    "hash": 4343,
    "_file_columns": "base_price,sku_ref",
    "sku_id_resolved": 3,
}
del STORED_BASE_ONLY["_batch_refused"]
# What main stored for a full file's removal of stock that VTEX could not take (a 503).
STORED_REMOVAL: dict[str, Any] = {
    "row": None,
    "key": "DEMO-002|1_1",
    "sku_ref": "DEMO-002",
    "sku_id": "",
    "warehouse_id": "1_1",
    "quantity": "0",
    "unlimited": "false",
    "lead_time": "",
    "balance_at": "",
    "counted_at": "2026-12-03T11:30:00Z",
    "hash": 77,
    "_reason": "not in this full file: stock set to 0",
    "sku_id_resolved": 2,
    "warehouse_vtex": "1_1",
    "_removal": True,
}
# What main stored for an invoice row whose key VTEX had accepted before (`_previous`).
STORED_INVOICE: dict[str, Any] = {
    "row": 2,
    "key": "1234-01|NF-1",
    "order_id": "1234-01",
    "invoice_number": "NF-1",
    "items": "17:2",
    "hash": 5,
    "_previous": {"row": 2, "key": "1234-01|NF-1", "items": "17:1", "hash": 4},
}


def test_a_payload_main_stored_reads_as_typed_fields_and_is_written_back_the_same() -> None:
    price = OutRow.from_payload(STORED_PRICE)
    assert (price.key, price.hash, price.line, price.sku_id) == ("DEMO-001", 4242, 7, 1)
    assert price.batch_refused == "UPDATE_FAILED" and price.removal is None
    base_only = OutRow.from_payload(STORED_BASE_ONLY)
    assert (base_only.carries("base_price"), base_only.carries("list_price")) == (True, False)
    assert price.get("base_price") == "19.90" and price.get("not a column") == ""
    assert not {k for k in price.values if k.startswith("_") or k.endswith("_resolved")}

    removal = OutRow.from_payload(STORED_REMOVAL)
    assert removal.removal == Removal("not in this full file: stock set to 0")
    assert (removal.line, removal.sku_id, removal.warehouse) == (None, 2, "1_1")
    assert removal.carries("quantity") is None  # the inventory flow does not mark its rows

    invoice = OutRow.from_payload(STORED_INVOICE)
    assert invoice.previous is not None and invoice.previous["items"] == "17:1"

    for stored in (STORED_PRICE, STORED_BASE_ONLY, STORED_REMOVAL, STORED_INVOICE):
        assert OutRow.from_payload(stored).payload() == stored


def test_a_row_from_the_diff_has_only_its_values_and_its_gaps_read_as_blank() -> None:
    frame = pd.DataFrame(
        {
            "row": [2, 3],
            "key": ["A", "B"],
            "hash": [1, 2],
            "sku_ref": ["A", "B"],
            "lead_time": ["1.00:00:00", float("nan")],  # a frame's gap (a retried old row)
        }
    )
    first, second = rows_of(frame)
    assert first.payload() == {
        "row": 2,
        "key": "A",
        "hash": 1,
        "sku_ref": "A",
        "lead_time": "1.00:00:00",
    }
    assert (first.sku_id, first.warehouse, first.removal, first.file_columns) == (
        None,
        "",
        None,
        None,
    )
    assert second.get("lead_time") == "" and second.line == 3


def test_a_stage_returns_a_new_row_and_an_unresolved_row_says_so() -> None:
    row = OutRow.from_payload({"row": 2, "key": "A", "hash": 1, "sku_ref": "A"})
    with pytest.raises(Unresolved):
        row.resolved_sku()
    with pytest.raises(Unresolved):
        row.vtex_warehouse()
    resolved = replace(row, sku_id=9, warehouse="1_1")
    assert (resolved.resolved_sku(), resolved.vtex_warehouse()) == (9, "1_1")
    assert row.sku_id is None  # the row given is left as it was
    with pytest.raises(AttributeError):
        row.sku_id = 3  # type: ignore[misc]


@pytest.mark.slow
def test_pending_rows_main_stored_are_retried_under_the_typed_rows(
    sandbox: Sandbox, make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    """A store written by main resumes: its price a job refused goes per SKU (the mark is
    dropped once used), a price still sends only the columns its file carried (VTEX keeps
    its list price), and its removal lands as deactivated with its reason; the snapshot
    gets the shape main gave it."""
    sandbox.seed_demo()

    async def held_in_vtex(clients: Clients) -> None:
        await clients.pricing.put_price(3, {"basePrice": 20, "costPrice": 10, "listPrice": 30})

    against(sandbox, held_in_vtex)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": "1"})
    store = runtime.deps.store
    store.add_pending(
        [
            PendingRow("prices", "DEMO-001", 4242, STORED_PRICE, "p.csv", 7, 1, "x"),
            PendingRow("prices", "DEMO-003", 4343, STORED_BASE_ONLY, "p.csv", 8, 1, "x"),
            PendingRow("inventory", "DEMO-002|1_1", 77, STORED_REMOVAL, "s.csv", None, 1, "503"),
        ]
    )
    sandbox.requests.clear()
    reports = {r.summary.file: r for r in one_pass(runtime).reports}

    assert [(r.key, r.action) for r in reports["pending-prices"].rows] == [
        ("DEMO-001", Action.CREATED),
        ("DEMO-003", Action.CREATED),
    ]
    # Per SKU: no batch job for a row a job refused, though it is one a job could carry.
    assert not [r for r in sandbox.requests if r.path.startswith("/api/price-importer")]
    assert sandbox.prices[1]["basePrice"] == Decimal("19.90")
    assert sandbox.prices[3]["basePrice"] == 17
    assert sandbox.prices[3]["listPrice"] == 30  # its file did not carry list_price
    [stock] = reports["pending-inventory"].rows
    assert (stock.action, stock.reason) == (
        Action.DEACTIVATED,
        "not in this full file: stock set to 0",
    )
    assert sandbox.inventory[(2, "1_1")]["quantity"] == 0
    assert store.pending_count() == 0
    kept = store.snapshot_payloads("prices", ["DEMO-001"])["DEMO-001"]
    assert kept == {k: v for k, v in STORED_PRICE.items() if k != "_batch_refused"}
    assert store.snapshot_payloads("inventory", ["DEMO-002|1_1"]) == {
        "DEMO-002|1_1": STORED_REMOVAL
    }
