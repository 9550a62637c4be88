"""Catalog: create rules, full-replacement PUTs and the RefId lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from importer.sandbox import Sandbox

ClientFactory = Callable[..., httpx.Client]

NEW_SKU: dict[str, Any] = {
    "ProductId": 1,
    "Name": "Size 10",
    "RefId": "NEW-1",
    "PackagedHeight": 10,
    "PackagedLength": 10,
    "PackagedWidth": 10,
    "PackagedWeightKg": 100,
    "ManufacturerCode": "M-1",
    "IsActive": False,
}
CATEGORY: dict[str, Any] = {
    "Name": "Shoes",
    "Keywords": "shoes",
    "Title": "Shoes",
    "Description": "Shoes",
    "AdWordsRemarketingCode": None,
    "LomadeeCampaignCode": None,
    "FatherCategoryId": 1,
    "GlobalCategoryId": 0,
    "ShowInStoreFront": True,
    "IsActive": True,
    "ActiveStoreFrontLink": True,
    "ShowBrandFilter": True,
    "Score": None,
    "StockKeepingUnitSelectionMode": "SPECIFICATION",
}


def test_sku_create_returns_the_sku_with_a_new_id(client: httpx.Client, sandbox: Sandbox) -> None:
    response = client.post("/api/catalog/pvt/stockkeepingunit", json=NEW_SKU)
    assert response.status_code == 200
    sku = response.json()
    assert sku["Id"] == 21 and sku["RefId"] == "NEW-1" and sku["IsActive"] is False
    assert sandbox.sku_refids["NEW-1"] == 21


def test_sku_created_active_is_refused(client: httpx.Client, sandbox: Sandbox) -> None:
    response = client.post("/api/catalog/pvt/stockkeepingunit", json={**NEW_SKU, "IsActive": True})
    assert response.status_code == 400
    assert "NEW-1" not in sandbox.sku_refids


@pytest.mark.parametrize(
    ("change", "status"),
    [({"ProductId": 999}, 400), ({"RefId": "DEMO-001"}, 409), ({"Id": 1}, 409)],
)
def test_sku_create_conflicts(client: httpx.Client, change: dict[str, Any], status: int) -> None:
    response = client.post("/api/catalog/pvt/stockkeepingunit", json={**NEW_SKU, **change})
    assert response.status_code == status


def test_sku_put_is_a_full_replacement(client: httpx.Client, sandbox: Sandbox) -> None:
    sku_id = client.post("/api/catalog/pvt/stockkeepingunit", json=NEW_SKU).json()["Id"]
    image = {"Name": "front", "Url": "https://images.example.com/front.jpg"}
    client.post(f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file", json=image)  # activation
    client.put(f"/api/catalog/pvt/stockkeepingunit/{sku_id}", json={**NEW_SKU, "IsActive": True})
    assert sandbox.skus[sku_id]["IsActive"] is True
    partial = {k: v for k, v in NEW_SKU.items() if k not in ("ManufacturerCode", "RefId")}
    partial["IsActive"] = True
    response = client.put(f"/api/catalog/pvt/stockkeepingunit/{sku_id}", json=partial)
    assert response.status_code == 200
    assert response.json()["ManufacturerCode"] == "" and response.json()["RefId"] is None
    assert "NEW-1" not in sandbox.sku_refids  # the cleared RefId no longer resolves


def test_sku_put_without_is_active_deactivates(make_client: ClientFactory) -> None:
    # Without the contract (where IsActive is required), to show what VTEX itself does.
    box = Sandbox(spec_dir=None)
    box.seed_demo()
    body = {k: v for k, v in NEW_SKU.items() if k not in ("IsActive", "RefId")}
    assert make_client(box).put("/api/catalog/pvt/stockkeepingunit/5", json=body).status_code == 200
    assert box.skus[5]["IsActive"] is False


def test_sku_lookups_by_refid(client: httpx.Client) -> None:
    by_id = client.get("/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/DEMO-003")
    assert by_id.status_code == 200 and by_id.json() == "3"  # a JSON string, as VTEX
    missing = client.get("/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/NOPE")
    assert missing.status_code == 404
    full = client.get("/api/catalog/pvt/stockkeepingunit", params={"RefId": "DEMO-004"})
    assert full.status_code == 200 and full.json()["Id"] == 4
    bulk = client.post(
        "/api/catalog_system/pub/sku/stockkeepingunitidsbyrefids", json=["DEMO-001", "NOPE"]
    )
    assert bulk.json() == {"DEMO-001": "1", "NOPE": None}


def test_duplicate_refids_in_the_bulk_lookup_are_a_500(client: httpx.Client) -> None:
    response = client.post(
        "/api/catalog_system/pub/sku/stockkeepingunitidsbyrefids", json=["DEMO-001", "DEMO-001"]
    )
    assert response.status_code == 500


def test_product_by_refid_is_200_null_when_missing(client: httpx.Client) -> None:
    found = client.get("/api/catalog_system/pvt/products/productgetbyrefid/DEMO")
    assert found.status_code == 200 and found.json()["Id"] == 1
    missing = client.get("/api/catalog_system/pvt/products/productgetbyrefid/NOPE")
    assert missing.status_code == 200 and missing.text == "null"


def test_category_brand_and_product_round_trip(client: httpx.Client, sandbox: Sandbox) -> None:
    category = client.post("/api/catalog/pvt/category", json=CATEGORY).json()
    assert category["TreePath"] == ["Demo", "Shoes"] and category["TreePathIds"] == [1, 2]
    assert client.get("/api/catalog/pvt/category/1").json()["HasChildren"] is True
    brand = client.post("/api/catalog/pvt/brand", json={"Id": 2000001, "Name": "Acme"}).json()
    assert brand["LinkId"] == "acme"
    renamed = client.put("/api/catalog/pvt/brand/2000001", json={"Id": 2000001, "Name": "Acme Co"})
    assert renamed.json()["LinkId"] == "acme"  # known issue: PUT brand keeps LinkId
    assert {b["id"] for b in client.get("/api/catalog_system/pvt/brand/list").json()} == {
        1,
        2000001,
    }
    product = {"Name": "Boot", "CategoryId": 2, "BrandId": 2000001, "RefId": "BOOT"}
    created = client.post("/api/catalog/pvt/product", json=product).json()
    assert created["DepartmentId"] == 1 and created["LinkId"] == "boot"
    put = client.put(
        f"/api/catalog/pvt/product/{created['Id']}", json={**product, "Name": "Boot 2"}
    )
    assert put.json()["IsVisible"] is False  # omitted boolean: false
    assert sandbox.product_refids["BOOT"] == created["Id"]


def test_express_product_create_makes_inactive_category_and_brand(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    body = {"Name": "Tee", "CategoryPath": "Demo/Shirts/Tees", "BrandName": "NewBrand"}
    product = client.post("/api/catalog/pvt/product", json=body).json()
    tees = sandbox.categories[product["CategoryId"]]
    assert tees["Name"] == "Tees" and tees["IsActive"] is False
    assert sandbox.brands[product["BrandId"]]["Active"] is False
    assert product["DepartmentId"] == 1  # "Demo" already existed and was reused


def test_a_trailing_space_gives_a_bare_400(client: httpx.Client) -> None:
    response = client.post("/api/catalog/pvt/brand", json={"Id": 7, "Name": "Acme "})
    assert (response.status_code, response.content) == (400, b"")


def _category(client: httpx.Client, name: str, father: int | None, *, active: bool = True) -> int:
    body = {**CATEGORY, "Name": name, "Title": f"{name} title", "Description": f"{name} text"}
    body.update(FatherCategoryId=father, IsActive=active)
    response = client.post("/api/catalog/pvt/category", json=body)
    assert response.status_code == 200
    return int(response.json()["Id"])


def test_the_category_tree_shows_active_categories_to_the_given_depth(
    client: httpx.Client,
) -> None:
    shoes = _category(client, "Shoes", 1)
    boots = _category(client, "Boots", shoes)
    hidden = _category(client, "Hidden", 1, active=False)
    _category(client, "Under hidden", hidden)
    garden = _category(client, "Garden", None)
    tree = client.get("/api/catalog_system/pub/category/tree/3").json()
    host = "https://sandbox.vtexcommercestable.com.br"
    assert tree == [
        {
            "id": 1,
            "name": "Demo",
            "hasChildren": True,
            "url": f"{host}/demo",
            "children": [
                {
                    "id": shoes,
                    "name": "Shoes",
                    "hasChildren": True,
                    "url": f"{host}/demo/shoes",
                    "children": [
                        {
                            "id": boots,
                            "name": "Boots",
                            "hasChildren": False,
                            "url": f"{host}/demo/shoes/boots",
                            "children": [],
                            "Title": "Boots title",
                            "MetaTagDescription": "Boots text",
                        }
                    ],
                    "Title": "Shoes title",
                    "MetaTagDescription": "Shoes text",
                }
            ],
            "Title": "Demo",
            "MetaTagDescription": "Demo category",
        },
        {
            "id": garden,
            "name": "Garden",
            "hasChildren": False,
            "url": f"{host}/garden",
            "children": [],
            "Title": "Garden title",
            "MetaTagDescription": "Garden text",
        },
    ]
    one_level = client.get("/api/catalog_system/pub/category/tree/1").json()
    assert [(n["id"], n["hasChildren"], n["children"]) for n in one_level] == [
        (1, True, []),
        (garden, False, []),
    ]


@pytest.mark.parametrize("levels", ["0", "two", "-1"])
def test_a_category_tree_depth_that_is_not_a_positive_number_is_400(
    client: httpx.Client, levels: str
) -> None:
    assert client.get(f"/api/catalog_system/pub/category/tree/{levels}").status_code == 400


def test_trade_policy_links_are_idempotent(client: httpx.Client, sandbox: Sandbox) -> None:
    path = "/api/catalog/pvt/product/1/salespolicy"
    sandbox.store.product_trade_policies.clear()
    for _ in range(2):
        response = client.post(f"{path}/1")
        assert (response.status_code, response.content) == (200, b"")
    assert client.get(path).json() == [{"ProductId": 1, "StoreId": 1}]
    assert client.post(f"{path}/2").status_code == 404  # the store has only trade policy 1
    sandbox.trade_policies.add(2)
    client.post(f"{path}/2")
    assert [p["StoreId"] for p in client.get(path).json()] == [1, 2]
    assert client.delete(f"{path}/1").status_code == 200
    assert client.delete(f"{path}/1").status_code == 200  # not linked: still 200
    assert client.get(path).json() == [{"ProductId": 1, "StoreId": 2}]
    assert client.post("/api/catalog/pvt/product/99/salespolicy/1").status_code == 404
    assert client.get("/api/catalog/pvt/product/99/salespolicy").status_code == 404
