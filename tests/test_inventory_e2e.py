"""Inventory end to end: absolute quantities, lead times kept, full mode behind its guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store


def inventory_writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [
        (r.method, r.path)
        for r in sandbox.requests
        if r.method in ("PUT", "PATCH") and "/inventory/" in r.path
    ]


def test_stock_lands_with_all_three_fields_or_leaves_lead_time_alone(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 4, warehouses=("1_1", "WH-SP"))
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "inventory",
        "estoque.csv",
        (
            "sku_ref,warehouse_id,quantity,lead_time,unlimited\n"
            "SKU-00001,1_1,10,3,\n"
            "SKU-00002,wh-sp,0,01.12:00:00,não\n"
            "SKU-00003,1_1,7,,\n"
            "SKU-00004,1_1,,,sim\n"
        ),
    )
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.invalid, summary.failed) == (4, 0, 0)
    methods = {path.split("/")[6]: method for method, path in inventory_writes(sandbox)}
    assert methods == {"1": "PUT", "2": "PUT", "3": "PATCH", "4": "PATCH"}
    first = sandbox.inventory[(1, "1_1")]
    assert (first["quantity"], first["leadTime"]) == (10, "3.00:00:00")
    # The warehouse id is sent as VTEX spells it, whatever case the ERP used.
    assert sandbox.inventory[(2, "WH-SP")]["leadTime"] == "1.12:00:00"
    assert sandbox.inventory[(4, "1_1")]["unlimitedQuantity"] is True


def test_bad_stock_rows_are_reported_and_the_rest_lands(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "inventory",
        "estoque.csv",
        (
            "sku_ref;warehouse_id;Saldo\n"
            "SKU-00001;1_1;-4\n"
            "SKU-00002;NOWHERE;5\n"
            "SKU-00003;1_1;2,5\n"
            "SKU-00003;1_1;6\n"
        ),
    )
    report = one_pass(runtime).reports[0]
    assert report.flatten(["row", "action", "type", "column"]) == [
        [2, "invalid", "out-of-range", "quantity"],
        [3, "failed", "unknown-warehouse", "warehouse_id"],
        [4, "invalid", "type-error", "quantity"],
        [5, "created", "", ""],
    ]
    assert "must be 0 or more" in report.rows[0].reason
    assert "1_1" in report.rows[1].reason  # names the warehouses that do exist
    assert set(sandbox.inventory) == {(3, "1_1")}


@pytest.mark.slow
def test_full_mode_zeroes_absent_rows_behind_the_removal_guard(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 20)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__INVENTORY__MODE": "full"})
    full = "sku_ref,warehouse_id,quantity\n" + "".join(
        f"SKU-{i:05d},1_1,{i}\n" for i in range(1, 21)
    )
    drop(workdir, "inventory", "full-1.csv", full)
    assert one_pass(runtime).reports[0].summary.created == 20

    drop(
        workdir,
        "inventory",
        "full-2.csv",
        full.replace("SKU-00020,1_1,20\n", "").replace("SKU-00019,1_1,19\n", ""),
    )
    summary = one_pass(runtime).reports[0].summary
    assert (summary.deactivated, summary.unchanged) == (2, 18)
    assert sandbox.inventory[(20, "1_1")]["quantity"] == 0

    sandbox.requests.clear()
    truncated = "sku_ref,warehouse_id,quantity\n" + "".join(
        f"SKU-{i:05d},1_1,{i}\n" for i in range(1, 11)
    )
    drop(workdir, "inventory", "full-3.csv", truncated)
    refused = one_pass(runtime).reports[0].summary
    assert refused.status == "failed"
    assert "would set 8 of 20 known stock rows to 0" in refused.error
    assert inventory_writes(sandbox) == []
    assert (workdir / "archive" / "failed" / "full-3.csv").exists()
