"""Catalog rules: replacing values, full mode, activation, pending rows, row errors."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from importer.sandbox import Faults, Sandbox
from tests.catalog_data import HEADERS, catalog_rows, write_catalog_csv
from tests.conftest import CHECK_UP, RuntimeFactory, one_pass, sandbox_client

COL = {name: i for i, name in enumerate(HEADERS)}


def drop_rows(workdir: Path, name: str, rows: list[list[str]]) -> None:
    write_catalog_csv(workdir / "inbox" / "catalog" / name, rows)


def admin(sandbox: Sandbox) -> httpx.Client:
    return sandbox_client(sandbox)


def sku_id(sandbox: Sandbox, ref: str) -> int:
    return next(i for i, s in sandbox.skus.items() if s["RefId"] == ref)


@pytest.mark.slow
def test_a_changed_ean_and_spec_values_replace_the_old_ones(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    rows = catalog_rows(products=2, skus_per_product=2)
    drop_rows(workdir, "c1.csv", rows)
    one_pass(runtime)
    rows[0][COL["ean"]] = "7890000099999"
    rows[0][COL["sku_spec:Tamanho"]] = "GG"
    rows[0][COL["product_spec:Material"]] = rows[1][COL["product_spec:Material"]] = "Linho"
    drop_rows(workdir, "c2.csv", rows)
    report = one_pass(runtime).reports[0]
    assert report.summary.failed == 0
    first = sku_id(sandbox, "S00001")
    assert sandbox.sku_eans(first) == ["7890000099999"]
    product = next(i for i, p in sandbox.products.items() if p["RefId"] == "P0001")
    with admin(sandbox) as client:
        context = client.get(f"/api/catalog_system/pvt/sku/stockkeepingunitbyid/{first}").json()
        specs = client.get(f"/api/catalog_system/pvt/products/{product}/specification").json()
    assert [s["FieldValues"] for s in context["SkuSpecifications"]] == [["GG"]]
    assert [(s["Name"], s["Value"]) for s in specs] == [("Material", ["Linho"])]


@pytest.mark.slow
def test_full_mode_deactivates_absent_skus_behind_the_guard(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(
        sandbox,
        {"IMPORTER__FLOWS__CATALOG__MODE": "full", "IMPORTER__FLOWS__CATALOG__MAX_REMOVALS": "0.2"},
    )
    rows = catalog_rows(products=5, skus_per_product=2)
    drop_rows(workdir, "c1.csv", rows)
    one_pass(runtime)
    drop_rows(workdir, "c2.csv", rows[:-2])  # product 5's two SKUs are gone from the ERP
    summary = one_pass(runtime).reports[0].summary
    assert (summary.deactivated, summary.unchanged) == (2, 8)
    assert not sandbox.skus[sku_id(sandbox, "S00010")]["IsActive"]
    assert len(sandbox.skus) == 10  # deactivated, never deleted
    drop_rows(workdir, "c3.csv", rows[:4])
    refused = one_pass(runtime).reports[0].summary
    assert refused.status == "failed"
    assert "would deactivate 4 of 10 known SKUs" in refused.error
    assert sandbox.skus[sku_id(sandbox, "S00005")]["IsActive"]


def test_a_sku_that_cannot_be_activated_says_why(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    rows = catalog_rows(products=1, skus_per_product=2)
    rows[1][COL["image_urls"]] = ""
    drop_rows(workdir, "c.csv", rows)
    report = one_pass(runtime).reports[0]
    line = next(r for r in report.rows if r.key == "S00002")
    assert (line.row, line.action, line.type) == (3, "failed", "not-activated")
    assert "no image" in line.reason
    assert sandbox.skus[sku_id(sandbox, "S00001")]["IsActive"]


@pytest.mark.slow
def test_vtex_down_then_back_lands_everything_once(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP)
    drop_rows(workdir, "c.csv", catalog_rows(products=3, skus_per_product=2))
    first = one_pass(runtime).reports[0].summary
    assert first.pending == 6
    sandbox.faults = None
    retry = one_pass(runtime).reports[0].summary
    assert (retry.file, retry.created, retry.pending) == ("pending-catalog", 6, 0)
    assert len(sandbox.skus) == 6 and len(sandbox.products) == 3
    assert all(len(sandbox.sku_files(s)) == 1 for s in sandbox.skus)
    assert all(s["IsActive"] for s in sandbox.skus.values())


def test_row_errors_in_a_catalog_file(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    rows = catalog_rows(products=3, skus_per_product=2)
    rows[1][COL["product_name"]] = "Outro nome"  # row 3 disagrees with row 2 on product P0001
    rows[2][COL["height_cm"]] = ""  # row 4: a new SKU without a height
    rows[4][COL["brand"]] = ""  # row 6: no brand
    drop_rows(workdir, "c.csv", rows)
    report = one_pass(runtime).reports[0]
    lines = {r.row: r for r in report.rows if r.key.startswith("S")}
    assert (lines[3].action, lines[3].type, lines[3].column) == (
        "invalid",
        "invalid-combination",
        "product_name",
    )
    assert (lines[4].action, lines[4].type) == ("failed", "missing-cell")
    assert "height_cm" in lines[4].reason
    assert (lines[6].action, lines[6].type, lines[6].column) == ("invalid", "missing-cell", "brand")
    assert report.summary.created == 3


def test_a_store_that_does_not_create_brands_reports_the_unknown_one(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__CATALOG__CREATE_BRANDS": "false"})
    with admin(sandbox) as client:
        client.post(
            "/api/catalog/pvt/brand", json={"Id": 1, "Name": "Marca 2", "Active": True}
        ).raise_for_status()
    rows = catalog_rows(products=2, skus_per_product=1, brands=2)  # Marca 2, then Marca 1
    drop_rows(workdir, "c.csv", rows)
    report = one_pass(runtime).reports[0]
    lines = {r.key: r for r in report.rows}
    assert lines["S00001"].action == "created"  # product 1 has brand "Marca 2", which exists
    assert lines["S00002"].action == "skipped"
    assert 'brand "Marca 1" does not exist in VTEX' in lines["product P0002"].reason
    assert "create_brands = false" in lines["product P0002"].reason
    assert [b["Name"] for b in sandbox.brands.values()] == ["Marca 2"]


@pytest.mark.slow
def test_an_inactive_product_takes_its_skus_with_it(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    headers = [*HEADERS, "product_active"]
    rows = [[*r, "true"] for r in catalog_rows(products=2, skus_per_product=2)]

    def write(name: str) -> None:
        write_rows(workdir / "inbox" / "catalog" / name, headers, rows)

    write("c1.csv")
    one_pass(runtime)
    assert all(s["IsActive"] for s in sandbox.skus.values())
    rows[0][-1] = rows[1][-1] = "false"  # product P0001 is withdrawn in the ERP
    write("c2.csv")
    one_pass(runtime)
    product = next(p for p in sandbox.products.values() if p["RefId"] == "P0001")
    assert product["IsActive"] is False
    assert not sandbox.skus[sku_id(sandbox, "S00001")]["IsActive"]
    assert not sandbox.skus[sku_id(sandbox, "S00002")]["IsActive"]
    assert sandbox.skus[sku_id(sandbox, "S00003")]["IsActive"]


def write_rows(path: Path, headers: list[str], rows: list[list[str]]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
