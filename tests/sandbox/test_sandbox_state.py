"""The store on disk (Decimal-exact JSON), and the demo store."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer.sandbox import DEMO_SKU_COUNT, Sandbox, demo_refid
from importer.sandbox.jsonio import dumps, loads

ClientFactory = Callable[..., httpx.Client]


def test_save_and_load_round_trip(tmp_path: Path, make_client: ClientFactory) -> None:
    state = tmp_path / "state" / "sandbox.json"
    box = Sandbox(state_file=state)
    box.seed_demo()  # saves
    assert state.exists()
    client = make_client(box)
    client.put("/pricing/prices/4", content=dumps({"basePrice": Decimal("0.35")}))
    client.put(
        "/api/logistics/pvt/inventory/skus/4/warehouses/1_1",
        json={"quantity": 3, "unlimitedQuantity": False, "leadTime": "00:00:00"},
    )
    box.save()

    again = Sandbox(state_file=state)
    assert again.prices[4]["basePrice"] == Decimal("0.35")
    assert again.inventory[(4, "1_1")]["quantity"] == 3
    assert again.sku_refids[demo_refid(4)] == 4  # indexes rebuilt
    assert again.skus == box.skus and again.warehouses == box.warehouses
    next_sku = make_client(again).post(
        "/api/catalog/pvt/stockkeepingunit",
        json={
            "ProductId": 1,
            "Name": "x",
            "PackagedHeight": 1,
            "PackagedLength": 1,
            "PackagedWidth": 1,
            "PackagedWeightKg": 1,
        },
    )
    assert next_sku.json()["Id"] == DEMO_SKU_COUNT + 1


def test_writes_are_autosaved(tmp_path: Path, make_client: ClientFactory) -> None:
    state = tmp_path / "sandbox.json"
    box = Sandbox(state_file=state)
    box.autosave_s = 0  # after every write
    box.seed_demo()
    make_client(box).put("/pricing/prices/1", json={"basePrice": 2})
    assert Sandbox(state_file=state).prices[1]["basePrice"] == 2


def test_save_without_a_state_file_does_nothing(sandbox: Sandbox) -> None:
    sandbox.save()
    sandbox.load()
    assert len(sandbox.skus) == DEMO_SKU_COUNT


def test_seed_demo(sandbox: Sandbox) -> None:
    assert sorted(sandbox.skus) == list(range(1, 21))
    assert [sandbox.skus[i]["RefId"] for i in (1, 20)] == ["DEMO-001", "DEMO-020"]
    assert set(sandbox.warehouses) == {"1_1", "WH-SP"}
    assert len(sandbox.categories) == len(sandbox.brands) == len(sandbox.products) == 1
    assert all(s["ProductId"] == 1 for s in sandbox.skus.values())
    sandbox.seed_demo()  # replaces, never duplicates
    assert len(sandbox.skus) == DEMO_SKU_COUNT


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.slow
@given(json_values)
def test_json_round_trip_keeps_decimals_exact(value: object) -> None:
    assert loads(dumps(value)) == value


def test_json_keeps_the_digits_as_sent() -> None:
    assert dumps(loads('{"basePrice": 19.90, "cost": 1E+2}')) == '{"basePrice":19.90,"cost":1E+2}'


def test_the_demo_skus_are_active_with_an_image_each(sandbox: Sandbox) -> None:
    for sku_id in range(1, DEMO_SKU_COUNT + 1):
        [image] = sandbox.sku_files(sku_id)
        assert image["IsMain"] is True and image["SourceUrl"].endswith(f"/{demo_refid(sku_id)}.jpg")
        assert sandbox.skus[sku_id]["IsActive"] is True
        assert sandbox.activation_problems(sku_id) == []
    assert sandbox.product_trade_policies(1) == [1]


def test_images_eans_specs_and_links_survive_a_restart(
    tmp_path: Path, make_client: ClientFactory
) -> None:
    state = tmp_path / "sandbox.json"
    box = Sandbox(state_file=state)
    box.seed_demo()
    client = make_client(box)
    client.post("/api/catalog/pvt/stockkeepingunit/3/ean/789")
    client.post(
        "/api/catalog/pvt/stockkeepingunit/3/file",
        json={"Name": "side", "Url": "https://images.example.com/side.png"},
    )
    spec = {"FieldName": "Size", "GroupName": "Sizes", "RootLevelSpecification": False}
    client.put(
        "/api/catalog/pvt/stockkeepingunit/3/specificationvalue",
        json={**spec, "FieldValues": ["M"]},
    )
    client.put(
        "/api/catalog/pvt/product/1/specificationvalue",
        json={**spec, "FieldName": "Fit", "FieldValues": ["Slim"]},
    )
    sku = client.get("/api/catalog/pvt/stockkeepingunit/4").json()
    client.put("/api/catalog/pvt/stockkeepingunit/4", json={**sku, "IsActive": False})
    box.save()

    again = Sandbox(state_file=state)
    for table in (
        "sku_files", "sku_eans", "trade_policies", "product_trade_policies", "spec_groups",
        "spec_fields", "spec_values", "product_specs", "sku_specs", "sku_activation_off",
    ):  # fmt: skip
        assert getattr(again.store, table) == getattr(box.store, table), table
    assert again.store.sku_activation_off == {4} and again.sku_eans(3) == ["789"]
    # Ids go on after the restart: no new file, value or association reuses one.
    client = make_client(again)
    [image] = client.post(
        "/api/catalog/pvt/stockkeepingunit/3/file",
        json={"Name": "back", "Url": "https://images.example.com/back.png"},
    ).json()
    assert image["Id"] == 22 and image["ArchiveId"] == 155000 + 21
    [_, association] = client.put(
        "/api/catalog/pvt/product/1/specificationvalue",
        json={**spec, "FieldName": "Fit", "FieldValues": ["Wide"]},
    ).json()
    assert association["Id"] == 2 and association["FieldValueId"] == 3


def test_a_state_file_from_before_images_and_specs_still_loads(tmp_path: Path) -> None:
    state = tmp_path / "old.json"
    box = Sandbox(state_file=state)
    box.seed_demo()
    old = {k: v for k, v in box.store.to_json().items() if k in _OLD_KEYS}
    state.write_text(dumps(old), encoding="utf-8")
    again = Sandbox(state_file=state)
    assert len(again.skus) == DEMO_SKU_COUNT and again.sku_files(1) == []
    assert again.trade_policies == {1}


_OLD_KEYS = (
    "format", "categories", "brands", "products", "skus", "prices", "warehouses", "inventory",
)  # fmt: skip
