"""Logistics: warehouses and per SKU x warehouse inventory."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from importer.sandbox import Sandbox
from importer.sandbox.logistics import parse_lead_time

INVENTORY = "/api/logistics/pvt/inventory/skus/{sku}/warehouses/{wh}"
STOCK: dict[str, Any] = {
    "quantity": 7,
    "unlimitedQuantity": False,
    "leadTime": "1.02:00:00",
    "dateUtcOnBalanceSystem": "2024-06-13T00:52:16",
}


def test_inventory_put_get_round_trip(client: httpx.Client, sandbox: Sandbox) -> None:
    response = client.put(INVENTORY.format(sku=3, wh="WH-SP"), json=STOCK)
    assert (response.status_code, response.json()) == (200, True)
    balance = client.get("/api/logistics/pvt/inventory/skus/3").json()
    assert balance["skuId"] == "3"
    by_warehouse = {b["warehouseId"]: b for b in balance["balance"]}
    assert set(by_warehouse) == {"1_1", "WH-SP"}  # every warehouse, zeros where no stock
    assert by_warehouse["WH-SP"]["totalQuantity"] == 7
    assert by_warehouse["WH-SP"]["leadTime"] == "1.02:00:00"
    assert by_warehouse["1_1"]["totalQuantity"] == 0
    assert sandbox.inventory[(3, "WH-SP")]["dateUtcOnBalanceSystem"] == "2024-06-13T00:52:16"


def test_warehouse_ids_match_case_insensitively(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put(INVENTORY.format(sku=3, wh="wh-sp"), json=STOCK)
    assert (3, "WH-SP") in sandbox.inventory


@pytest.mark.parametrize(
    ("sku", "warehouse", "message"),
    [(3, "NOWHERE", "warehouse"), (999, "1_1", "SKU 999")],
)
def test_unknown_warehouse_or_sku_is_400(
    client: httpx.Client, sku: int, warehouse: str, message: str
) -> None:
    response = client.put(INVENTORY.format(sku=sku, wh=warehouse), json=STOCK)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_bad_lead_time_is_400(client: httpx.Client) -> None:
    response = client.put(INVENTORY.format(sku=3, wh="1_1"), json={**STOCK, "leadTime": "2 days"})
    assert response.status_code == 400


def test_patches_leave_the_other_half_alone(client: httpx.Client, sandbox: Sandbox) -> None:
    url = INVENTORY.format(sku=3, wh="1_1")
    client.put(url, json=STOCK)
    quantity = client.patch(url + "/quantity", json={"quantity": 2, "unlimitedQuantity": False})
    assert quantity.status_code == 204
    assert sandbox.inventory[(3, "1_1")]["leadTime"] == "1.02:00:00"
    assert client.patch(url + "/lead-time", json={"leadTime": "78:00:00"}).status_code == 204
    record = sandbox.inventory[(3, "1_1")]
    # Like VTEX, this route reads "78:00:00" as 78 days.
    assert (record["quantity"], record["leadTime"]) == (2, "78.00:00:00")


def test_unlimited_quantity_shows_as_a_million(client: httpx.Client) -> None:
    client.put(INVENTORY.format(sku=3, wh="1_1"), json={**STOCK, "unlimitedQuantity": True})
    balance = client.get("/api/logistics/pvt/inventory/skus/3").json()["balance"]
    assert balance[0]["hasUnlimitedQuantity"] is True and balance[0]["totalQuantity"] == 1_000_000


def test_warehouse_create_list_and_get(client: httpx.Client, sandbox: Sandbox) -> None:
    body = {
        "id": "RJ",
        "name": "Rio",
        "warehouseDocks": [
            {
                "dockId": "d1",
                "name": "Dock",
                "time": "1.00:00:00",
                "cost": "5.00",
                "translateDays": "days",
                "costToDisplay": "5,00",
            }
        ],
    }
    assert client.post("/api/logistics/pvt/configuration/warehouses", json=body).status_code == 200
    listed = client.get("/api/logistics/pvt/configuration/warehouses").json()
    assert [w["id"] for w in listed] == ["1_1", "WH-SP", "RJ"]
    one = client.get("/api/logistics/pvt/configuration/warehouses/RJ").json()
    assert one["warehouseDocks"] == [{"dockId": "d1", "time": "1.00:00:00", "cost": 5.0}]
    assert client.get("/api/logistics/pvt/configuration/warehouses/XX").status_code == 404


@pytest.mark.parametrize(
    ("text", "lenient", "canonical"),
    [
        ("00:00:00", False, "00:00:00"),
        ("10.10:00:00", False, "10.10:00:00"),
        ("0.05:30:00", False, "05:30:00"),
        ("8", True, "8.00:00:00"),
        ("78:00:00", True, "78.00:00:00"),
    ],
)
def test_lead_time_grammar(text: str, lenient: bool, canonical: str) -> None:
    assert parse_lead_time(text, lenient=lenient) == canonical
