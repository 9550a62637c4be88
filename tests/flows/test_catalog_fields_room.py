"""The catalog's trade_policies, spec_types and kit_components cells on their own: how each is
read and which cells are row errors (no files, no sandbox; end to end: test_catalog_fields)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest

from importer.flows.catalog import kits, policies, specfields
from importer.flows.catalog.flow import FLOW
from importer.vtex.contract import find_spec_dir
from tests.flows.rooms import by_row, check

PRODUCT = {"product_ref": "P-1", "product_name": "Camiseta", "category": "Roupas", "brand": "M"}


def sku(ref: str, **cells: str) -> dict[str, str]:
    return {**PRODUCT, "sku_ref": ref, **cells}


def test_trade_policies_are_whole_ids_separated_by_bars() -> None:
    assert policies.parse("2|1| 2") == [1, 2]
    assert [policies.parse(c) for c in ("1;2", "0", "1|", "x", "1.5")] == [None] * 5
    rows = [sku("S1", trade_policies="1|2"), {**sku("S2"), "product_ref": "P-2",
            "trade_policies": "1,2"}]  # fmt: skip
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {3: ("trade-policies-invalid", "trade_policies")}
    assert "1|2" in errors[0].message


def test_only_a_changed_set_is_sent() -> None:
    assert policies.wanted({"trade_policies": "1|2"}, None) == [1, 2]
    assert policies.wanted({"trade_policies": "1|2"}, {"trade_policies": "1|2"}) is None
    assert policies.wanted({"trade_policies": "2"}, {"trade_policies": "1|2"}) == [2]
    assert policies.wanted({"trade_policies": ""}, {"trade_policies": "1|2"}) is None


def test_kit_components_carry_ref_quantity_and_vtex_s_unit_price() -> None:
    assert kits.parse("S1:2:10,50| S-2/x:1:5") == [
        kits.Component("S1", 2, Decimal("10.50")),
        kits.Component("S-2/x", 1, Decimal(5)),
    ]
    bad = ("S1:2", "S1:0:1", "S1:1.5:1", "S1:1:-1", "S1:1:1|S1:2:1", ":1:1", "S1:1:1|")
    assert [kits.parse(c) for c in bad] == [None] * len(bad)
    rows = [sku("K1", kit_components="S1:2:1"), sku("K2", kit_components="S1:2"),
            sku("K3", kit_components="K3:1:1")]  # fmt: skip
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {
        3: ("kit-components-invalid", "kit_components"),
        4: ("invalid-combination", "kit_components"),
    }


@pytest.mark.parametrize(
    ("cell", "template"),
    [
        ("Cor:Lista", "spec-type-unknown"),
        ("Material", "spec-types-invalid"),
        ("Cor:Combo|Cor:Radio", "spec-types-invalid"),
        ("Peso:Number", "spec-type-no-column"),
        ("Cor:Text", "spec-type-sku"),
        ("Modelo:Combo", "spec-type-ambiguous"),
    ],
)
def test_a_spec_types_cell_that_cannot_be_followed_says_why(cell: str, template: str) -> None:
    columns = {"sku_spec:Cor", "product_spec:Material", "product_spec:Modelo", "sku_spec:Modelo"}
    with pytest.raises(specfields.SpecTypeError) as caught:
        specfields.parse(cell, columns)
    assert caught.value.template == template


def test_spec_types_are_vtex_s_names_in_any_spelling_and_positions_follow_the_cell() -> None:
    columns = {"sku_spec:Cor", "product_spec:Material", "product_spec:Modelo", "sku_spec:Modelo"}
    entries = specfields.parse("Cor:radio|Material:multi-line text|sku_spec:Modelo:COMBO", columns)
    assert [(e.column, e.type_id, e.position, e.for_sku) for e in entries] == [
        ("sku_spec:Cor", 6, 1, True),
        ("product_spec:Material", 2, 2, False),
        ("sku_spec:Modelo", 5, 3, True),
    ]
    rows = [{**sku("S1", spec_types="Cor:Lista"), "sku_spec:Cor": "Azul"}]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {2: ("spec-types-invalid", "spec_types")}
    assert "Text, Multi-Line Text, Number, Combo, Radio, Checkbox" in errors[0].message


def test_the_type_names_are_vtex_s_field_type_ids() -> None:
    """The ids are the OpenAPI's enum (not the ERP guide's list order, API-NOTES §12.8)."""
    spec = json.loads((find_spec_dir() / "catalog.json").read_text(encoding="utf-8"))
    body = spec["paths"]["/api/catalog/pvt/specification"]["post"]["requestBody"]
    enum = body["content"]["application/json"]["schema"]["properties"]["FieldTypeId"]["enum"]
    assert sorted(specfields.TYPES.values()) == sorted(enum)


class SlowCatalog:
    """The four calls FieldMaker makes, each yielding to the event loop as a network call
    does (the in-process sandbox answers without yielding, so it never interleaves two)."""

    def __init__(self) -> None:
        self.fields: list[dict[str, object]] = []
        self.creates = 0
        self.http = SimpleNamespace(pause_after=self.pause_after)

    async def pause_after(self, attempt: int) -> None:
        await asyncio.sleep(0)

    async def category_fields(self, category_id: int) -> list[dict[str, object]]:
        await asyncio.sleep(0)
        return [dict(f) for f in self.fields]

    async def category_groups(self, category_id: int) -> list[dict[str, object]]:
        await asyncio.sleep(0)
        return [{"Id": 7, "Name": "Especificações", "CategoryId": category_id}]

    async def create_field(self, body: dict[str, object]) -> int:
        await asyncio.sleep(0)
        self.creates += 1
        self.fields.append({"Name": body["Name"], "FieldId": self.creates,
                            "IsStockKeepingUnit": body["IsStockKeepingUnit"]})  # fmt: skip
        return self.creates


def test_two_products_of_one_category_sent_side_by_side_create_its_field_once() -> None:
    client = SlowCatalog()
    maker = specfields.FieldMaker(client, "Especificações", attempts=3)  # type: ignore[arg-type]
    entry = specfields.FieldType("sku_spec:Cor", 6, 1)

    async def both() -> None:
        await asyncio.gather(maker.ensure(10, [entry]), maker.ensure(10, [entry]))

    asyncio.run(both())
    assert client.creates == 1
