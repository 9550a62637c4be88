"""The inventory room on its own: its row rules, the count time it stamps, what a full file
zeroes, and its send against the in-process sandbox (no files, no pass). See
tests/test_inventory_e2e.py and tests/test_stock_count_time.py end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from importer.config import FlowSettings
from importer.deps import Clients
from importer.diff import content_hash
from importer.errors import FileRejected
from importer.flows.base import InputFile
from importer.flows.inventory import FLOW, INVENTORY, full_file_removals, stamp_count_time
from importer.messages import render
from importer.models import Action
from importer.outcomes import PushResult
from importer.push import Send, run_tasks
from importer.rows import OutRow
from importer.state import Applied, Store
from importer.state.db import utc_now
from importer.validate import utc_text
from tests.flows.rooms import NOW, against, by_row, canonical, check, demo_sandbox, writes

WRITTEN = datetime(2026, 12, 3, 11, 30, 0, tzinfo=UTC)
FILE = InputFile("estoque.csv", WRITTEN)


def stock_row(**cells: Any) -> OutRow:
    """A changed stock row as the inventory room sends it (resolved to a SKU id)."""
    row: dict[str, Any] = {
        "row": 2,
        "key": "DEMO-001|1_1",
        "sku_ref": "DEMO-001",
        "sku_id": "",
        "sku_id_resolved": 1,
        "warehouse_id": "1_1",
        "quantity": "5",
        "unlimited": "false",
        "lead_time": "",
        "balance_at": "",
        "counted_at": utc_text(WRITTEN),
        "hash": 1,
    }
    row.update(cells)
    return OutRow.from_payload(row)


# -- the rules --------------------------------------------------------------------------------


def test_a_count_beyond_the_ten_minute_skew_is_refused_one_within_it_is_not() -> None:
    ahead = [
        timedelta(minutes=9),
        timedelta(minutes=10),
        timedelta(minutes=10, seconds=1),
        timedelta(days=1),
    ]
    rows = [
        {"sku_ref": "A", "warehouse_id": "1_1", "quantity": "3", "balance_at": utc_text(NOW + d)}
        for d in ahead
    ]
    _, errors = check(FLOW, rows, raw={"balance_at": {3: "04/12/2026 12:00"}})
    assert by_row(errors) == {
        4: ("out-of-range", "balance_at"),
        5: ("out-of-range", "balance_at"),
    }
    assert errors[1].value == "04/12/2026 12:00"  # as the file wrote it
    assert "must be a moment already past (when the ERP counted this stock)" in errors[0].message


def test_the_future_is_judged_by_the_pass_s_clock() -> None:
    row = {
        "sku_ref": "A",
        "warehouse_id": "1_1",
        "quantity": "3",
        "balance_at": utc_text(NOW + timedelta(hours=1)),
    }
    assert check(FLOW, [row], now=NOW)[1] != []
    assert check(FLOW, [row], now=NOW + timedelta(hours=1))[1] == []


def test_a_row_without_warehouse_or_quantity_is_missing_a_cell_unless_unlimited() -> None:
    rows = [
        {"sku_ref": "A", "quantity": "3"},
        {"sku_ref": "B", "warehouse_id": "1_1"},
        {"sku_ref": "C", "warehouse_id": "1_1", "unlimited": "true"},  # fine: no count needed
        {"warehouse_id": "1_1", "quantity": "1"},
    ]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {
        2: ("missing-cell", "warehouse_id"),
        3: ("missing-cell", "quantity"),
        5: ("missing-cell", "sku_ref"),
    }
    assert errors[1].message == render("missing-cell", column="quantity")


def test_a_blank_unlimited_is_spelt_false_so_it_never_differs_from_false() -> None:
    rows = [
        {"sku_ref": "A", "unlimited": ""},
        {"sku_ref": "B", "unlimited": "false"},
        {"sku_ref": "C", "unlimited": "true"},
    ]
    frame = canonical(INVENTORY, rows)
    FLOW.normalise(frame)
    assert frame["unlimited"].tolist() == ["false", "false", "true"]
    hashes = content_hash(frame.assign(sku_ref="A"), INVENTORY.hashed).tolist()
    assert hashes[0] == hashes[1] != hashes[2]


# -- the count time ---------------------------------------------------------------------------


def test_rows_without_a_count_time_are_counted_when_the_file_was_written() -> None:
    given = "2026-12-03T09:00:00Z"
    records = canonical(INVENTORY, [{"sku_ref": "A"}, {"sku_ref": "B", "balance_at": given}])
    out = stamp_count_time(records, WRITTEN)
    assert out["counted_at"].tolist() == ["2026-12-03T11:30:00Z", given]
    assert out["balance_at"].tolist() == ["", given]  # kept: a batch job never takes row B
    all_blank = stamp_count_time(canonical(INVENTORY, [{"sku_ref": "A"}] * 3), WRITTEN)
    assert all_blank["counted_at"].tolist() == ["2026-12-03T11:30:00Z"] * 3
    # A file time in another zone is written in UTC.
    brt = datetime(2026, 12, 3, 8, 30, tzinfo=UTC).astimezone(ZoneInfo("America/Sao_Paulo"))
    assert stamp_count_time(canonical(INVENTORY, [{}]), brt)["counted_at"].iat[0] == (
        "2026-12-03T08:30:00Z"
    )


# -- a full file ------------------------------------------------------------------------------


def store_with(tmp_path: Path, stock: dict[str, str]) -> Store:
    """A store whose inventory snapshot holds these keys at these quantities."""
    store = Store(tmp_path / "importer.sqlite3")
    frame = canonical(
        INVENTORY,
        [
            {
                "key": k,
                "sku_ref": k.split("|")[0],
                "warehouse_id": k.split("|")[1],
                "quantity": q,
                "unlimited": "false",
            }
            for k, q in stock.items()
        ],
    )
    frame["hash"] = content_hash(frame, INVENTORY.hashed)
    store.commit(
        "inventory",
        [
            Applied(str(r["key"]), int(r["hash"]), {str(k): v for k, v in r.items()})
            for r in frame.to_dict("records")
        ],
    )
    return store


def test_a_full_file_zeroes_what_it_no_longer_lists_at_the_file_s_time(tmp_path: Path) -> None:
    stock = {f"S{i}|1_1": "4" for i in range(20)} | {"Z|1_1": "0"}
    store = store_with(tmp_path, stock)
    try:
        rows = full_file_removals(["S0|1_1", "Z|1_1"], FILE, store, FlowSettings())
    finally:
        store.close()
    [row] = rows  # Z is at 0 already: nothing to send for it
    assert (row.key, row.get("quantity"), row.get("unlimited")) == ("S0|1_1", "0", "false")
    assert row.get("counted_at") == "2026-12-03T11:30:00Z" and row.get("balance_at") == ""
    assert row.removal is not None and row.removal.reason == render("stock-zeroed-absent")
    zeroed = canonical(
        INVENTORY, [{"sku_ref": "S0", "warehouse_id": "1_1", "quantity": "0", "unlimited": "false"}]
    )
    assert row.hash == content_hash(zeroed, INVENTORY.hashed).iat[0]


def test_a_full_file_that_would_zero_too_much_is_refused_whole(tmp_path: Path) -> None:
    store = store_with(tmp_path, {f"S{i}|1_1": "4" for i in range(10)})
    absent = [f"S{i}|1_1" for i in range(2)]  # 2 of 10 > 10%
    try:
        with pytest.raises(FileRejected) as refused:
            full_file_removals(absent, FILE, store, FlowSettings())
        allowed = full_file_removals(absent, FILE, store, FlowSettings(max_removals=0.2))
    finally:
        store.close()
    assert "would set 2 of 10 known stock rows to 0, more than max_removals (10%)" in str(
        refused.value
    )
    assert refused.value.type == "removal-guard"
    assert len(allowed) == 2


# -- the send, against the sandbox -----------------------------------------------------------


def send_rows(sandbox: Any, rows: list[OutRow]) -> PushResult:
    result = PushResult()

    async def work(clients: Clients) -> None:
        ready = await FLOW.ready(rows, clients, result)
        await run_tasks(
            FLOW.tasks(ready, clients, result, Send(lambda r: False, now=utc_now)), 4, result
        )

    against(sandbox, work)
    return result


def test_a_quantity_is_patched_with_its_count_time_and_leaves_the_lead_time_alone() -> None:
    sandbox = demo_sandbox()
    result = send_rows(
        sandbox,
        [
            stock_row(
                quantity="0", balance_at="2026-12-03T09:00:00Z", counted_at="2026-12-03T09:00:00Z"
            )
        ],
    )
    [patch] = writes(sandbox)
    assert patch.path == "/api/logistics/pvt/inventory/skus/1/warehouses/1_1/quantity"
    assert patch.method == "PATCH"
    assert patch.body == {
        "quantity": 0,
        "unlimitedQuantity": False,
        "dateUtcOnBalanceSystem": "2026-12-03T09:00:00Z",
    }
    assert [o.action for o in result.outcomes] == [Action.UPDATED]
    assert sandbox.inventory[(1, "1_1")]["quantity"] == 0


def test_a_row_with_a_lead_time_puts_all_three_fields() -> None:
    sandbox = demo_sandbox()
    send_rows(sandbox, [stock_row(quantity="7", unlimited="true", lead_time="3.00:00:00")])
    [put] = writes(sandbox)
    assert put.method == "PUT" and put.path.endswith("/skus/1/warehouses/1_1")
    assert put.body == {
        "quantity": 7,
        "unlimitedQuantity": True,
        "leadTime": "3.00:00:00",
        "dateUtcOnBalanceSystem": "2026-12-03T11:30:00Z",
    }


def test_warehouse_ids_match_as_vtex_matches_them_and_an_unknown_one_fails() -> None:
    sandbox = demo_sandbox()
    rows = [
        stock_row(key="DEMO-001|wh-sp", warehouse_id="wh-sp"),
        stock_row(row=3, key="DEMO-001|cd-9", warehouse_id="CD-9"),
    ]
    result = send_rows(sandbox, rows)
    [patch] = writes(sandbox)
    assert patch.path == "/api/logistics/pvt/inventory/skus/1/warehouses/WH-SP/quantity"
    outcome = {o.record.line: o for o in result.outcomes}
    assert outcome[2].action is Action.UPDATED
    assert (outcome[3].action, outcome[3].type, outcome[3].column, outcome[3].value) == (
        Action.FAILED,
        "unknown-warehouse",
        "warehouse_id",
        "CD-9",
    )
    assert outcome[3].reason == render("unknown-warehouse", value="CD-9", known="1_1, WH-SP")


def test_a_zeroed_absent_row_lands_as_deactivated_with_its_reason() -> None:
    sandbox = demo_sandbox()
    zeroed = stock_row(quantity="0", row=None, _removal=True, _reason=render("stock-zeroed-absent"))
    result = send_rows(sandbox, [zeroed])
    [patch] = writes(sandbox)
    assert patch.body["quantity"] == 0
    [outcome] = result.outcomes
    assert outcome.action is Action.DEACTIVATED
    assert outcome.reason == "not in this full file: stock set to 0"


def test_batch_jobs_are_off_unless_the_store_accepts_them_without_count_times() -> None:
    assert FLOW.batch_threshold(FlowSettings(batch_threshold=50)) == 0
    on = FlowSettings(batch_threshold=50, batch_without_count_time=True)
    assert FLOW.batch_threshold(on) == 50
    # As push hands them over: SKU id resolved, warehouse as VTEX spells it.
    ready = {"sku_id_resolved": 1, "warehouse_vtex": "1_1"}
    with_lead_time = stock_row(lead_time="1.00:00:00", **ready)
    assert FLOW.batchable([with_lead_time, stock_row(**ready)]) == [with_lead_time]
    assert "2 stock rows went in a VTEX batch inventory job" in FLOW.batch_warnings([{}, {}])[0]
