"""Categories and brands as VTEX's ERP guide sets them up (issue 12, item 7, first half):
`publish_new = false` creates them inactive and says so, `default_category` receives the
products of a file without a category column, and a category that exists in VTEX but is
inactive (so VTEX's tree does not list it) is found, not created a second time."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest

from importer.models import Action, ReportRow
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, one_pass
from tests.reliability.test_crash import Died
from tests.test_catalog_safety import IMG, admin, drop_csv, product_id, row, sku_id

CATEGORY = "/api/catalog/pvt/category"
CATEGORY_BY_ID = "/api/catalog/pvt/category/{categoryId}"
TREE = "/api/catalog_system/pub/category/tree/{categoryLevels}"
BRAND = "/api/catalog/pvt/brand"
SKU_PUT = "/api/catalog/pvt/stockkeepingunit/{skuId}"
INACTIVE = {"IMPORTER__FLOWS__CATALOG__PUBLISH_NEW": "false"}
DEFAULTED = {"IMPORTER__FLOWS__CATALOG__DEFAULT_CATEGORY": "Integration"}
NO_CATEGORY = [h for h in row() if h != "category"]


def count(sandbox: Sandbox, method: str, path: str) -> int:
    return len(sandbox.requests_to(method, path))


def counts(sandbox: Sandbox) -> dict[str, int]:
    """The category and brand requests of the runs so far, and the SKU PUTs (activation)."""
    return {
        "tree": count(sandbox, "GET", TREE),
        "category GET": count(sandbox, "GET", CATEGORY_BY_ID),
        "category POST": count(sandbox, "POST", CATEGORY),
        "brand POST": count(sandbox, "POST", BRAND),
        "SKU PUT": count(sandbox, "PUT", SKU_PUT),
    }


def lines(report_rows: list[ReportRow]) -> dict[str, ReportRow]:
    return {r.key: r for r in report_rows}


def category_of(sandbox: Sandbox, product_ref: str) -> dict[str, object]:
    return sandbox.categories[sandbox.products[product_id(sandbox, product_ref)]["CategoryId"]]


def no_twins(sandbox: Sandbox) -> None:
    twins = Counter((c["Name"], c["FatherCategoryId"]) for c in sandbox.categories.values())
    assert [c for c, n in twins.items() if n > 1] == []
    assert [
        b for b, n in Counter(b["Name"] for b in sandbox.brands.values()).items() if n > 1
    ] == []


def add_category(client: httpx.Client, name: str, parent: int | None, *, active: bool) -> int:
    """A category made in the Admin (the importer's store has never seen it)."""
    body = {
        "Name": name,
        "Keywords": name,
        "Title": name,
        "Description": name,
        "AdWordsRemarketingCode": None,
        "LomadeeCampaignCode": None,
        "FatherCategoryId": parent,
        "GlobalCategoryId": 0,
        "ShowInStoreFront": True,
        "IsActive": active,
        "ActiveStoreFrontLink": True,
        "ShowBrandFilter": True,
        "Score": None,
        "StockKeepingUnitSelectionMode": "SPECIFICATION",
    }
    response = client.post(CATEGORY, json=body)
    response.raise_for_status()
    return int(response.json()["Id"])


def two_skus(**product: str) -> list[dict[str, str]]:
    second = row(sku_ref="S2", sku_name="Camiseta M", ean="7890000000002", **product)
    return [row(**product), dict(second, image_urls=f"{IMG}/s2.jpg")]


@pytest.mark.slow
def test_publish_new_false_creates_categories_and_brands_inactive_and_holds_activation(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox, INACTIVE)
    drop_csv(workdir, "c.csv", two_skus())
    report = one_pass(runtime).reports[0]
    found = lines(report.rows)
    assert [(c["Name"], c["IsActive"]) for c in sandbox.categories.values()] == [
        ("Roupas", False),
        ("Camisetas", False),
    ]
    assert [(b["Name"], b["Active"]) for b in sandbox.brands.values()] == [("Marca", False)]
    product = found["product P1"]
    assert (product.action, product.type) == (Action.WARNING, "created-inactive")
    for said in ('category "Roupas" was created', '"Roupas > Camisetas" was created inactive'):
        assert said in product.reason
    assert 'brand "Marca" was created inactive (publish_new = false)' in product.reason
    for ref in ("S1", "S2"):
        sku = found[ref]
        assert (sku.action, sku.type, sku.column) == (
            Action.WARNING,
            "activation-held",
            "sku_active",
        )
        assert "its brand is inactive; its category is inactive" in sku.reason
        assert sandbox.skus[sku_id(sandbox, ref)]["IsActive"] is False
    assert (report.summary.failed, report.summary.warnings) == (0, 3)
    # Per level: a read of its Id (free) and its create; the run reads the tree once and the
    # Id above the largest known one once. No activation PUT: VTEX would refuse it.
    assert counts(sandbox) == {
        "tree": 1,
        "category GET": 3,
        "category POST": 2,
        "brand POST": 1,
        "SKU PUT": 0,
    }
    # The next product in the same category: nothing looked up or created again.
    drop_csv(workdir, "c2.csv", [row(product_ref="P2", sku_ref="S3", ean="7890000000003")])
    report = one_pass(make_runtime(sandbox, INACTIVE)).reports[0]
    assert (lines(report.rows)["product P2"].action, lines(report.rows)["S3"].type) == (
        Action.CREATED,
        "activation-held",
    )
    assert counts(sandbox) == {
        "tree": 1,
        "category GET": 3,
        "category POST": 2,
        "brand POST": 1,
        "SKU PUT": 0,
    }
    no_twins(sandbox)


@pytest.mark.slow
def test_an_inactive_category_and_brand_made_in_the_admin_are_found_not_created_again(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    with admin(sandbox) as client:
        roupas = add_category(client, "Roupas", None, active=True)
        camisetas = add_category(client, "Camisetas", roupas, active=False)  # not in the tree
        client.post(BRAND, json={"Id": 7, "Name": "Marca", "Active": False}).raise_for_status()
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c.csv", [row()])
    report = one_pass(runtime).reports[0]
    assert category_of(sandbox, "P1")["Id"] == camisetas
    assert sandbox.products[product_id(sandbox, "P1")]["BrandId"] == 7
    assert (len(sandbox.categories), len(sandbox.brands)) == (2, 1)
    # publish_new = true: the SKU was to be active, VTEX refuses while the category is not.
    sku = lines(report.rows)["S1"]
    assert (sku.action, sku.type) == (Action.FAILED, "not-activated")
    assert "its brand is inactive; its category is inactive" in sku.reason
    # The tree, then the Ids it does not list: Camisetas (2), then 3, free.
    assert counts(sandbox) | {"SKU PUT": 0} == {
        "tree": 1,
        "category GET": 2,
        "category POST": 2,  # the two made in the Admin above
        "brand POST": 1,  # likewise
        "SKU PUT": 0,
    }


@pytest.mark.slow
def test_a_file_without_a_category_column_files_new_products_under_the_default_category(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    drop_csv(workdir, "c1.csv", [row()])
    one_pass(make_runtime(sandbox, DEFAULTED))
    camisetas = category_of(sandbox, "P1")["Id"]
    renamed = row(product_name="Camiseta nova")
    new = row(product_ref="P2", sku_ref="S2", ean="7890000000002", image_urls=f"{IMG}/s2.jpg")
    before = counts(sandbox)
    drop_csv(workdir, "c2.csv", [renamed, new], headers=NO_CATEGORY)
    report = one_pass(make_runtime(sandbox, DEFAULTED)).reports[0]
    found = lines(report.rows)
    integration = category_of(sandbox, "P2")
    assert (integration["Name"], integration["IsActive"]) == ("Integration", False)
    # The product VTEX has keeps its category (the file says none), and is renamed.
    p1 = sandbox.products[product_id(sandbox, "P1")]
    assert (p1["CategoryId"], p1["Name"]) == (camisetas, "Camiseta nova")
    # Its line claims no category change: the file says nothing about categories.
    assert (found["product P1"].action, found["product P1"].reason) == (
        Action.UPDATED,
        "product: product_name: Camiseta -> Camiseta nova",
    )
    line = found["product P2"]
    assert (line.action, line.type, line.column, line.value) == (
        Action.WARNING,
        "created-inactive",
        "category",
        "Integration",
    )
    assert 'the default category "Integration" was created inactive' in line.reason
    assert 'new product was filed under the default category "Integration"' in line.reason
    sku = found["S2"]
    assert (sku.action, sku.type) == (Action.WARNING, "activation-held")
    assert sandbox.skus[sku_id(sandbox, "S2")]["IsActive"] is False
    assert sandbox.skus[sku_id(sandbox, "S1")]["IsActive"] is True
    after = counts(sandbox)
    assert {k: after[k] - before[k] for k in after} == {
        "tree": 1,
        "category GET": 2,  # the Id above the known ones, then the one chosen (free)
        "category POST": 1,
        "brand POST": 0,
        "SKU PUT": 0,  # S1 is unchanged; S2 is created, and not activated
    }
    # The next file without categories: Integration is known, not looked up nor created.
    p3 = row(product_ref="P3", sku_ref="S3", ean="7890000000003")
    drop_csv(workdir, "c3.csv", [renamed, p3], headers=NO_CATEGORY)
    report = one_pass(make_runtime(sandbox, DEFAULTED)).reports[0]
    assert lines(report.rows)["product P3"].type == "default-category"
    assert "product P1" not in lines(report.rows) and report.summary.unchanged == 1
    assert category_of(sandbox, "P3")["Id"] == integration["Id"]
    assert count(sandbox, "POST", CATEGORY) == after["category POST"]
    no_twins(sandbox)


def test_a_file_without_a_category_column_and_no_default_category_is_refused(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    drop_csv(workdir, "c.csv", [row()], headers=NO_CATEGORY)
    report = one_pass(make_runtime(sandbox)).reports[0]
    assert report.summary.status == "failed"
    assert 'column "category" is missing' in report.summary.error
    assert "default_category" in report.summary.error
    assert sandbox.products == {}


class DieAfter:
    """Kill the pass (in-process: `Died`) just after VTEX applied the n-th create of a
    category or brand: created in VTEX, its id not yet remembered (the tree never lists it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
        self.seen = 0
        original = Sandbox.__call__

        def call(sandbox: Sandbox, request: httpx.Request) -> httpx.Response:
            response = original(sandbox, request)
            if request.method == "POST" and request.url.path in (CATEGORY, BRAND):
                self.seen += 1
                if self.seen == n:
                    raise Died(f"after create {n}")
            return response

        monkeypatch.setattr(Sandbox, "__call__", call)


@pytest.mark.slow
# The two levels, both inactive (a brand VTEX's brand list shows again: the campaign of
# tests/reliability/test_crash.py covers it).
@pytest.mark.parametrize("n", [1, 2])
def test_a_kill_after_an_inactive_category_is_created_does_not_create_it_twice(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    n: int,
) -> None:
    drop_csv(workdir, "c.csv", [row()])
    runtime = make_runtime(sandbox, INACTIVE)
    with monkeypatch.context() as patch:
        DieAfter(patch, n)
        with pytest.raises(Died):
            one_pass(runtime)
    runtime.deps.store.close()
    one_pass(make_runtime(sandbox, INACTIVE))
    no_twins(sandbox)
    assert [(c["Name"], c["IsActive"]) for c in sandbox.categories.values()] == [
        ("Roupas", False),
        ("Camisetas", False),
    ]
    assert category_of(sandbox, "P1")["Name"] == "Camisetas"
    assert sorted(p.name for p in (workdir / "archive" / "done").iterdir()) == ["c.csv"]
