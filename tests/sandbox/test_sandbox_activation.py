"""SKU activation rules (API-NOTES §3.8) and the SKU-with-context read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from importer.sandbox import Sandbox

SkuFactory = Callable[..., int]  # the `new_sku` fixture
ImageAdder = Callable[..., httpx.Response]  # the `add_image` fixture

SKU = "/api/catalog/pvt/stockkeepingunit/{}"
CONTEXT = "/api/catalog_system/pvt/sku/stockkeepingunitbyid/{}"


def put_active(client: httpx.Client, sku_id: int, active: bool = True) -> httpx.Response:
    """GET -> set IsActive -> PUT, as the importer does."""
    body = client.get(SKU.format(sku_id)).json()
    return client.put(SKU.format(sku_id), json={**body, "IsActive": active})


def is_active(client: httpx.Client, sku_id: int) -> bool:
    return bool(client.get(SKU.format(sku_id)).json()["IsActive"])


def test_activation_without_an_image_is_accepted_but_does_nothing(
    client: httpx.Client, sandbox: Sandbox, new_sku: SkuFactory
) -> None:
    sku_id = new_sku(ActivateIfPossible=False)
    response = put_active(client, sku_id)
    assert response.status_code == 200 and response.json()["IsActive"] is False
    assert is_active(client, sku_id) is False
    assert client.get(CONTEXT.format(sku_id)).json()["IsActive"] is False
    assert sandbox.activation_problems(sku_id) == ["the SKU has no image"]


def test_activate_if_possible_activates_when_the_image_arrives(
    client: httpx.Client, new_sku: SkuFactory, add_image: ImageAdder
) -> None:
    sku_id = new_sku()  # ActivateIfPossible: true
    assert put_active(client, sku_id).json()["IsActive"] is False  # refused: no image yet
    assert add_image(sku_id).status_code == 200
    assert is_active(client, sku_id) is True


def test_without_activate_if_possible_the_image_is_not_enough(
    client: httpx.Client, new_sku: SkuFactory, add_image: ImageAdder
) -> None:
    sku_id = new_sku(ActivateIfPossible=False)
    add_image(sku_id)
    assert is_active(client, sku_id) is False
    assert put_active(client, sku_id).json()["IsActive"] is True


def test_a_put_with_is_active_false_stops_the_automatic_activation(
    client: httpx.Client, new_sku: SkuFactory, add_image: ImageAdder
) -> None:
    sku_id = new_sku()
    assert put_active(client, sku_id, active=False).status_code == 200  # e.g. a GET->PUT echo
    add_image(sku_id)
    assert is_active(client, sku_id) is False
    assert put_active(client, sku_id).json()["IsActive"] is True  # an explicit true works


def test_an_sku_without_refid_needs_an_ean(
    client: httpx.Client, sandbox: Sandbox, new_sku: SkuFactory, add_image: ImageAdder
) -> None:
    sku_id = new_sku(RefId=None)
    add_image(sku_id)
    assert sandbox.activation_problems(sku_id) == ["the SKU has neither a RefId nor an EAN"]
    assert is_active(client, sku_id) is False
    client.post(SKU.format(sku_id) + "/ean/7891234567890")
    assert is_active(client, sku_id) is True


def _make_inactive(client: httpx.Client, path: str, flag: str) -> None:
    body = client.get(path).json()
    assert client.put(path, json={**body, flag: False}).status_code == 200


def test_an_inactive_product_brand_or_category_blocks_activation(
    client: httpx.Client, sandbox: Sandbox, new_sku: SkuFactory, add_image: ImageAdder
) -> None:
    _make_inactive(client, "/api/catalog/pvt/product/1", "IsActive")
    _make_inactive(client, "/api/catalog/pvt/brand/1", "Active")
    category = client.get("/api/catalog/pvt/category/1").json()
    client.put("/api/catalog/pvt/category/1", json={**category, "IsActive": False, "Score": 0})
    sku_id = new_sku()
    add_image(sku_id)
    assert sandbox.activation_problems(sku_id) == [
        "product 1 is inactive",
        "brand 1 is inactive",
        "category 1 is inactive",
    ]
    assert is_active(client, sku_id) is False
    assert sandbox.skus[1]["IsActive"] is True  # deactivating the parents does not cascade


def test_activating_the_product_later_does_not_activate_waiting_skus(
    client: httpx.Client, new_sku: SkuFactory, add_image: ImageAdder
) -> None:
    _make_inactive(client, "/api/catalog/pvt/product/1", "IsActive")
    sku_id = new_sku()
    add_image(sku_id)
    product = client.get("/api/catalog/pvt/product/1").json()
    client.put("/api/catalog/pvt/product/1", json={**product, "IsActive": True})
    assert is_active(client, sku_id) is False  # the trigger is the SKU's own image, not this
    assert put_active(client, sku_id).json()["IsActive"] is True


def test_every_sku_field_of_the_category_must_be_filled(
    client: httpx.Client, sandbox: Sandbox, new_sku: SkuFactory, add_image: ImageAdder
) -> None:
    size = {"FieldName": "Size", "GroupName": "Sizes", "RootLevelSpecification": False}
    # Another SKU of the category gets a Size: the category now has an SKU field.
    client.put(SKU.format(2) + "/specificationvalue", json={**size, "FieldValues": ["M"]})
    sku_id = new_sku()
    add_image(sku_id)
    assert sandbox.activation_problems(sku_id) == ["SKU specification 'Size' is not filled"]
    assert is_active(client, sku_id) is False
    client.put(SKU.format(sku_id) + "/specificationvalue", json={**size, "FieldValues": ["L"]})
    assert is_active(client, sku_id) is True  # ActivateIfPossible: the spec was the last rule


def test_removing_images_does_not_deactivate(client: httpx.Client) -> None:
    assert client.delete(SKU.format(4) + "/file").status_code == 200
    assert is_active(client, 4) is True


def test_the_sku_context(client: httpx.Client, add_image: ImageAdder) -> None:
    client.post(SKU.format(5) + "/ean/7891234567890")
    add_image(5, "https://images.example.com/b.png", Name="back", Label="Back")
    spec: dict[str, Any] = {"GroupName": "G", "RootLevelSpecification": False}
    client.put(
        SKU.format(5) + "/specificationvalue",
        json={**spec, "FieldName": "Size", "FieldValues": ["M"]},
    )
    client.put(
        "/api/catalog/pvt/product/1/specificationvalue",
        json={**spec, "FieldName": "Material", "FieldValues": ["Cotton", "Wool"]},
    )
    response = client.get(CONTEXT.format(5), params={"sc": 1})
    assert response.status_code == 200
    context = response.json()
    files = client.get(SKU.format(5) + "/file").json()
    assert (context["Id"], context["ProductId"], context["IsActive"]) == (5, 1, True)
    assert context["SkuName"] == "Demo SKU 005" and context["ProductName"] == "Demo product"
    assert context["NameComplete"] == "Demo product Demo SKU 005"
    assert context["AlternateIds"] == {"Ean": "7891234567890", "RefId": "DEMO-005"}
    assert context["AlternateIdValues"] == ["7891234567890", "DEMO-005"]
    assert context["Images"] == [
        {"ImageUrl": f["Url"], "ImageName": f["Label"], "FileId": f["ArchiveId"]} for f in files
    ]
    assert context["ImageUrl"] == files[0]["Url"]
    [sku_spec] = context["SkuSpecifications"]
    assert (sku_spec["FieldName"], sku_spec["FieldValues"], sku_spec["FieldGroupName"]) == (
        "Size",
        ["M"],
        "G",
    )
    [product_spec] = context["ProductSpecifications"]
    assert product_spec["FieldValues"] == ["Cotton", "Wool"]
    assert len(product_spec["FieldValueIds"]) == 2
    assert (context["BrandId"], context["BrandName"], context["IsBrandActive"]) == (
        "1",
        "Demo Brand",
        True,
    )
    assert context["ProductCategoryIds"] == "/1/" and context["ProductCategories"] == {"1": "Demo"}
    assert context["SalesChannels"] == [1]
    assert context["Dimension"]["weight"] == 500


def test_the_sku_context_of_an_unknown_sku_is_404(client: httpx.Client) -> None:
    assert client.get(CONTEXT.format(999)).status_code == 404
