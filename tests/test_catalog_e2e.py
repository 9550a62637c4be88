"""Catalog end to end: an ERP export becomes categories, brands, products, SKUs, EANs, images,
specifications and active SKUs in the sandbox, and later drops send only what changed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import Faults, Sandbox
from tests.catalog_data import catalog_rows, write_catalog_csv, write_catalog_xlsx
from tests.conftest import CHECK_PATH, RuntimeFactory, one_pass, sandbox_client


def writes(sandbox: Sandbox, method: str, prefix: str) -> list[str]:
    return [
        r.path
        for r in sandbox.requests
        if r.method == method and r.path.startswith(prefix) and r.status < 300
    ]


def skus_by_ref(sandbox: Sandbox) -> Counter[str]:
    return Counter(str(s["RefId"]) for s in sandbox.skus.values())


@pytest.mark.slow
def test_a_2000_sku_workbook_lands_completely_and_active(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    write_catalog_xlsx(workdir / "inbox" / "catalog" / "catalogo.xlsx", catalog_rows())
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.failed, summary.invalid, summary.pending) == (2000, 0, 0, 0)
    assert len(sandbox.products) == 500
    assert len(sandbox.skus) == 2000
    assert all(s["IsActive"] for s in sandbox.skus.values())
    assert [r.violations for r in sandbox.requests if r.violations] == []
    assert len(sandbox.brands) == 20
    # 3 departments, their categories and subcategories: every level created once.
    names = Counter(c["Name"] for c in sandbox.categories.values())
    assert max(names.values()) == 1 and len(names) == 3 + 12 + 60
    assert skus_by_ref(sandbox).most_common(1)[0][1] == 1


@pytest.mark.slow
def test_changes_send_only_what_changed_and_keep_fields_the_file_lacks(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    inbox = workdir / "inbox" / "catalog"
    write_catalog_csv(inbox / "c1.csv", catalog_rows(products=50))
    assert one_pass(runtime).reports[0].summary.created == 200
    # Someone enriches a product and a SKU in VTEX's admin, outside the ERP.
    product_id = next(p for p, v in sandbox.products.items() if v["RefId"] == "P0007")
    sku_id = next(s for s, v in sandbox.skus.items() if v["RefId"] == "S00025")
    with sandbox_client(sandbox) as admin:
        product = admin.get(f"/api/catalog/pvt/product/{product_id}").json()
        product["MetaTagDescription"] = "Texto do marketing"
        admin.put(f"/api/catalog/pvt/product/{product_id}", json=product).raise_for_status()
        sku = admin.get(f"/api/catalog/pvt/stockkeepingunit/{sku_id}").json()
        sku["RewardValue"] = 3.5
        admin.put(f"/api/catalog/pvt/stockkeepingunit/{sku_id}", json=sku).raise_for_status()
    sandbox.requests.clear()

    changed = set(range(21, 31))  # ten SKUs of products 6 and 7 and 8
    write_catalog_csv(
        inbox / "c2.csv", catalog_rows(products=50, renamed={7}, changed_skus=changed)
    )
    report = one_pass(runtime).reports[0]
    assert report.summary.updated == 10
    assert report.summary.unchanged == 190
    assert len(writes(sandbox, "PUT", "/api/catalog/pvt/stockkeepingunit/")) == 10
    assert writes(sandbox, "PUT", "/api/catalog/pvt/product/") == [
        f"/api/catalog/pvt/product/{product_id}"
    ]
    assert sandbox.products[product_id]["Name"] == "Produto 7 (novo nome)"
    assert sandbox.products[product_id]["MetaTagDescription"] == "Texto do marketing"
    assert sandbox.skus[sku_id]["RewardValue"] == 3.5
    assert sandbox.skus[sku_id]["Name"].endswith(" v2")
    assert all(s["IsActive"] for s in sandbox.skus.values())
    assert [r.violations for r in sandbox.requests if r.violations] == []
    product_line = next(r for r in report.rows if r.key == "product P0007")
    assert product_line.reason == ("product: product_name: Produto 7 -> Produto 7 (novo nome)")


@pytest.mark.slow
def test_sending_a_file_again_never_duplicates_eans_images_or_spec_values(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    rows = catalog_rows(products=10)
    runtime = make_runtime(sandbox)
    write_catalog_csv(workdir / "inbox" / "catalog" / "c.csv", rows)
    one_pass(runtime)
    sandbox.requests.clear()
    write_catalog_csv(workdir / "inbox" / "catalog" / "c.csv", rows)
    assert one_pass(runtime).reports[0].summary.status == "duplicate"
    assert [r.path for r in sandbox.requests] == [CHECK_PATH]  # the check before taking files

    # Even with the importer's memory gone (a new state folder), nothing piles up.
    runtime.deps.store.close()
    (workdir / "importer.toml").write_text(
        (workdir / "importer.toml").read_text() + '\n[folders]\nstate = "state2"\n'
    )
    fresh = make_runtime(sandbox)
    write_catalog_csv(workdir / "inbox" / "catalog" / "c-again.csv", rows)
    again = one_pass(fresh).reports[0].summary
    assert (again.failed, again.pending) == (0, 0)
    assert writes(sandbox, "POST", "/api/catalog/pvt/stockkeepingunit/") == []  # no EAN, file
    assert all(len(sandbox.sku_eans(s)) == 1 for s in sandbox.skus)
    assert all(len(sandbox.sku_files(s)) == 1 for s in sandbox.skus)
    assert skus_by_ref(sandbox).most_common(1)[0][1] == 1


def test_a_forbidden_brand_and_a_broken_image_are_reported_and_siblings_land(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    sandbox = Sandbox(
        account="teststore",
        app_key=SANDBOX_KEY,
        app_token=SANDBOX_TOKEN,
        forbidden=frozenset({"POST /api/catalog/pvt/brand"}),
    )
    runtime = make_runtime(sandbox)
    rows = catalog_rows(products=3, skus_per_product=2, brands=3)
    rows[2][3] = rows[3][3] = "Marca Nova"  # product 2 (rows 4 and 5 in Excel): a new brand
    rows[0][13] = "https://images.invalid/quebrada.jpg"  # row 2: a broken image
    # Brands 1 and 3 exist already (the store's curated list); "Marca Nova" does not.
    with sandbox_client(sandbox) as admin:
        sandbox.forbidden = frozenset()
        for brand_id, name in ((1, "Marca 1"), (2, "Marca 2"), (3, "Marca 3")):
            admin.post(
                "/api/catalog/pvt/brand", json={"Id": brand_id, "Name": name, "Active": True}
            ).raise_for_status()
        sandbox.forbidden = frozenset({"POST /api/catalog/pvt/brand"})
    write_catalog_csv(workdir / "inbox" / "catalog" / "c.csv", rows)
    report = one_pass(runtime).reports[0]
    by_row = {(r.row, r.key): r for r in report.rows}
    assert by_row[(2, "S00001")].action == "failed"
    assert by_row[(2, "S00001")].type == "image-refused"
    assert "images.invalid" in by_row[(2, "S00001")].reason
    for row, ref in ((4, "S00003"), (5, "S00004")):
        assert by_row[(row, ref)].action == "skipped"
        assert 'brand "Marca Nova"' in by_row[(row, ref)].reason
    assert by_row[(4, "product P0002")].action == "failed"
    assert report.summary.created == 3  # S00002, S00005, S00006
    assert {s["RefId"] for s in sandbox.skus.values()} == {"S00001", "S00002", "S00005", "S00006"}


@pytest.mark.slow
def test_creates_that_time_out_are_looked_up_before_they_are_sent_again(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    sandbox = Sandbox(account="teststore", app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
    sandbox.faults = Faults(rate_timeout=0.25, seed=3)  # a timed-out write still applies
    runtime = make_runtime(sandbox)
    write_catalog_csv(workdir / "inbox" / "catalog" / "c.csv", catalog_rows(products=20))
    for _ in range(3):
        one_pass(runtime)
        if runtime.deps.store.pending_count() == 0:
            break
    assert runtime.deps.store.pending_count() == 0
    assert len(sandbox.skus) == 80
    assert skus_by_ref(sandbox).most_common(1)[0][1] == 1
    assert Counter(p["RefId"] for p in sandbox.products.values()).most_common(1)[0][1] == 1
    assert max(Counter(c["Name"] for c in sandbox.categories.values()).values()) == 1
    assert all(len(sandbox.sku_eans(s)) == 1 for s in sandbox.skus)
    assert all(len(sandbox.sku_files(s)) == 1 for s in sandbox.skus)
    assert all(s["IsActive"] for s in sandbox.skus.values())
    assert [r.violations for r in sandbox.requests if r.violations] == []
