"""Specifications by name: what they create, that they add (never duplicate, never replace),
the reads, and the deletes (FieldId for fields with values)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from importer.sandbox import Sandbox
from importer.sandbox.specs import CHECKBOX, COMBO

SkuFactory = Callable[..., int]  # the `new_sku` fixture

PRODUCT_BY_NAME = "/api/catalog/pvt/product/{}/specificationvalue"
SKU_BY_NAME = "/api/catalog/pvt/stockkeepingunit/{}/specificationvalue"


def by_name(field: str, *values: str, group: str = "Composition", root: bool = False) -> Any:
    return {
        "FieldName": field,
        "GroupName": group,
        "RootLevelSpecification": root,
        "FieldValues": list(values),
    }


def test_product_spec_by_name_creates_group_field_and_values(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    response = client.put(PRODUCT_BY_NAME.format(1), json=by_name("Material", "Cotton", "Wool"))
    assert response.status_code == 200
    [group] = sandbox.spec_groups.values()
    [field] = sandbox.spec_fields.values()
    assert (group["Name"], group["CategoryId"]) == ("Composition", 1)  # the product's category
    assert (field["Name"], field["FieldGroupId"], field["CategoryId"]) == (
        "Material",
        group["Id"],
        1,
    )
    assert field["FieldTypeId"] == CHECKBOX and field["IsStockKeepingUnit"] is False
    assert [v["Name"] for v in sandbox.spec_values.values()] == ["Cotton", "Wool"]
    assert response.json() == [
        {"Id": a["Id"], "ProductId": 1, "FieldId": field["Id"], "FieldValueId": v, "Text": t}
        for a, v, t in zip(
            sandbox.product_specs(1), sandbox.spec_values, ["Cotton", "Wool"], strict=True
        )
    ]


def test_the_same_spec_put_twice_is_not_duplicated(client: httpx.Client, sandbox: Sandbox) -> None:
    first = client.put(PRODUCT_BY_NAME.format(1), json=by_name("Material", "Cotton"))
    again = client.put(PRODUCT_BY_NAME.format(1), json=by_name("Material", "Cotton", "Cotton"))
    assert again.status_code == 200 and again.json() == first.json()
    assert len(sandbox.spec_groups) == len(sandbox.spec_fields) == len(sandbox.spec_values) == 1
    assert len(sandbox.product_specs(1)) == 1


def test_a_spec_put_adds_values_and_keeps_the_others(client: httpx.Client) -> None:
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("Material", "Cotton", "Wool"))
    response = client.put(PRODUCT_BY_NAME.format(1), json=by_name("Material", "Silk"))
    assert [a["Text"] for a in response.json()] == ["Cotton", "Wool", "Silk"]  # not replaced
    listed = client.get("/api/catalog_system/pvt/products/1/specification").json()
    assert [(s["Name"], s["Value"]) for s in listed] == [("Material", ["Cotton", "Wool", "Silk"])]


def test_the_product_spec_reads(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("Material", "Cotton"))
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("Origin", "Brazil", group="Other"))
    material, origin = sandbox.spec_fields.values()
    assert client.get("/api/catalog_system/pvt/products/1/specification").json() == [
        {"Value": ["Cotton"], "Id": material["Id"], "Name": "Material"},
        {"Value": ["Brazil"], "Id": origin["Id"], "Name": "Origin"},
    ]
    associations = client.get("/api/catalog/pvt/product/1/specification").json()
    assert [(a["ProductId"], a["FieldId"], a["Text"]) for a in associations] == [
        (1, material["Id"], "Cotton"),
        (1, origin["Id"], "Brazil"),
    ]
    assert set(associations[0]) == {"Id", "ProductId", "FieldId", "FieldValueId", "Text"}


def test_names_match_exactly_and_root_level_is_the_root(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("Color", "Red"))
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("color", "Red"))
    assert [f["Name"] for f in sandbox.spec_fields.values()] == ["Color", "color"]
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("Care", "Hand wash", group="G", root=True))
    root_group = next(g for g in sandbox.spec_groups.values() if g["Name"] == "G")
    assert root_group["CategoryId"] is None


@pytest.mark.parametrize(
    "body",
    [
        by_name("Material"),  # no values
        by_name("M" * 101, "x"),  # FieldName over 100 characters
        {**by_name("Material", "x"), "FieldValues": "x"},
    ],
)
def test_bad_by_name_bodies_are_400(client: httpx.Client, sandbox: Sandbox, body: Any) -> None:
    assert client.put(PRODUCT_BY_NAME.format(1), json=body).status_code == 400
    assert sandbox.spec_fields == {}


def test_by_name_on_unknown_product_or_sku_is_404(client: httpx.Client) -> None:
    assert client.put(PRODUCT_BY_NAME.format(99), json=by_name("A", "b")).status_code == 404
    assert client.put(SKU_BY_NAME.format(99), json=by_name("A", "b")).status_code == 404
    assert client.get("/api/catalog_system/pvt/products/99/specification").status_code == 404
    assert client.get("/api/catalog/pvt/product/99/specification").status_code == 404
    assert client.get("/api/catalog/pvt/stockkeepingunit/99/specification").status_code == 404


def test_sku_spec_by_name_takes_exactly_one_value(client: httpx.Client, sandbox: Sandbox) -> None:
    assert client.put(SKU_BY_NAME.format(3), json=by_name("Size", "M", "L")).status_code == 400
    assert client.put(SKU_BY_NAME.format(3), json=by_name("Size")).status_code == 400
    response = client.put(SKU_BY_NAME.format(3), json=by_name("Size", "M", group="Sizes"))
    assert response.status_code == 200
    [field] = sandbox.spec_fields.values()
    assert field["FieldTypeId"] == COMBO and field["IsStockKeepingUnit"] is True
    [association] = response.json()
    assert (association["SkuId"], association["FieldId"], association["Text"]) == (
        3,
        field["Id"],
        "M",
    )
    assert client.get("/api/catalog/pvt/stockkeepingunit/3/specification").json() == [association]


def test_sku_spec_puts_add_too(client: httpx.Client) -> None:
    client.put(SKU_BY_NAME.format(3), json=by_name("Size", "M"))
    client.put(SKU_BY_NAME.format(3), json=by_name("Size", "M"))
    response = client.put(SKU_BY_NAME.format(3), json=by_name("Size", "L"))
    assert [a["Text"] for a in response.json()] == ["M", "L"]  # M kept: delete it to replace


def test_a_field_name_of_the_other_kind_is_400(client: httpx.Client) -> None:
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("Size", "Big"))
    response = client.put(SKU_BY_NAME.format(3), json=by_name("Size", "M"))
    assert response.status_code == 400 and "product field" in response.json()["error"]


def test_product_spec_delete_wants_the_field_id(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("Material", "Cotton", "Wool"))
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("Origin", "Brazil"))
    material = next(f for f in sandbox.spec_fields.values() if f["Name"] == "Material")
    path = "/api/catalog/pvt/product/1/specification/{}"
    assert client.delete(path.format(material["Id"])).status_code == 200
    assert [a["Text"] for a in sandbox.product_specs(1)] == ["Brazil"]
    assert client.delete(path.format(material["Id"])).status_code == 404  # already gone
    assert client.delete("/api/catalog/pvt/product/1/specification").status_code == 200
    assert client.get("/api/catalog/pvt/product/1/specification").json() == []
    assert len(sandbox.spec_values) == 3  # the model stays; only the associations go


def test_an_association_id_is_rejected_when_it_is_not_the_field_id(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    # Make association ids and field ids differ: two values of one field.
    client.put(PRODUCT_BY_NAME.format(1), json=by_name("Material", "Cotton", "Wool"))
    wool = sandbox.product_specs(1)[1]
    assert wool["Id"] != wool["FieldId"]
    response = client.delete(f"/api/catalog/pvt/product/1/specification/{wool['Id']}")
    assert response.status_code == 404
    assert len(sandbox.product_specs(1)) == 2


def test_sku_spec_delete_takes_the_association_id(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put(SKU_BY_NAME.format(3), json=by_name("Size", "M"))
    client.put(SKU_BY_NAME.format(3), json=by_name("Color", "Red"))
    size, color = sandbox.sku_specs(3)
    path = "/api/catalog/pvt/stockkeepingunit/3/specification/{}"
    assert client.delete(path.format(size["Id"])).status_code == 200
    assert sandbox.sku_specs(3) == [color]
    assert client.delete(path.format(size["Id"])).status_code == 404
    assert client.delete("/api/catalog/pvt/stockkeepingunit/3/specification").status_code == 200
    assert client.get("/api/catalog/pvt/stockkeepingunit/3/specification").json() == []
