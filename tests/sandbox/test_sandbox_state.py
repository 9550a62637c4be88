"""The store on disk (Decimal-exact JSON), and the demo store."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
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


@given(json_values)
def test_json_round_trip_keeps_decimals_exact(value: object) -> None:
    assert loads(dumps(value)) == value


def test_json_keeps_the_digits_as_sent() -> None:
    assert dumps(loads('{"basePrice": 19.90, "cost": 1E+2}')) == '{"basePrice":19.90,"cost":1E+2}'
