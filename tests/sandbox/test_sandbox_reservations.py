"""Reservations: an order holds its items, start-handling acknowledges them, a cancel frees them,
a stock write clears the acknowledged ones (all of them, or with the opt-in rule only those its
count time reflects), and GET inventory shows what is reserved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from importer.sandbox import Sandbox
from importer.sandbox.state import Store

STOCK = "/api/logistics/pvt/inventory/skus/{sku}/warehouses/{wh}"


def write(client: httpx.Client, quantity: int, counted: str | None, *, patch: bool = False) -> None:
    body: dict[str, Any] = {"quantity": quantity, "unlimitedQuantity": False}
    if counted is not None:
        body["dateUtcOnBalanceSystem"] = counted
    if patch:
        response = client.patch(STOCK.format(sku=3, wh="1_1") + "/quantity", json=body)
    else:
        response = client.put(STOCK.format(sku=3, wh="1_1"), json={**body, "leadTime": "00:00:00"})
    assert response.status_code < 300, response.text


def reserved(client: httpx.Client) -> int:
    balance = client.get("/api/logistics/pvt/inventory/skus/3").json()["balance"]
    return int(next(b for b in balance if b["warehouseId"] == "1_1")["reservedQuantity"])


def handled_order(client: httpx.Client, sandbox: Sandbox, quantity: int) -> str:
    order = sandbox.add_order([{"id": 3, "quantity": quantity, "price": 1000}])
    started = client.post(f"/api/oms/pvt/orders/{order['orderId']}/start-handling")
    assert started.status_code == 204
    return str(order["orderId"])


def test_an_order_holds_its_items_until_a_stock_write_after_handling(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    write(client, 10, None)
    order = sandbox.add_order([{"id": 3, "quantity": 2, "price": 1000}])
    assert reserved(client) == 2 and sandbox.available(3, "1_1") == 8
    write(client, 10, None)  # not in handling yet: only confirmed, a write keeps it
    assert reserved(client) == 2
    client.post(f"/api/oms/pvt/orders/{order['orderId']}/start-handling")
    write(client, 8, None, patch=True)  # the ERP picked the 2 units and counts 8
    assert reserved(client) == 0 and sandbox.available(3, "1_1") == 8


def test_a_canceled_order_frees_its_items(client: httpx.Client, sandbox: Sandbox) -> None:
    write(client, 5, None)
    order = sandbox.add_order([{"id": 3, "quantity": 4, "price": 1000}])
    assert sandbox.available(3, "1_1") == 1
    assert client.post(f"/api/oms/pvt/orders/{order['orderId']}/cancel").status_code == 200
    assert reserved(client) == 0 and sandbox.available(3, "1_1") == 5


def test_by_default_any_stock_write_clears_acknowledged_reservations(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    write(client, 10, None)
    handled_order(client, sandbox, 3)
    write(client, 10, "2020-01-01T00:00:00Z")  # VTEX documents no rule for the date
    assert reserved(client) == 0


def test_with_the_count_time_rule_a_write_clears_only_what_its_count_reflects(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.store.release_by_count_time = True
    write(client, 10, None)
    handled_order(client, sandbox, 3)
    before = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    write(client, 10, before)  # counted before the order was picked: still reserved
    write(client, 10, before + "+00:00", patch=True)
    assert reserved(client) == 3 and sandbox.available(3, "1_1") == 7
    write(client, 7, None)  # no date: the request's time, after the handling
    assert reserved(client) == 0 and sandbox.available(3, "1_1") == 7


def test_a_count_time_that_is_not_a_date_is_refused(client: httpx.Client) -> None:
    body = {"quantity": 1, "unlimitedQuantity": False, "dateUtcOnBalanceSystem": "yesterday"}
    response = client.patch(STOCK.format(sku=3, wh="1_1") + "/quantity", json=body)
    assert response.status_code == 400 and "ISO 8601" in response.text


def test_reservations_survive_a_save_and_load(
    client: httpx.Client, sandbox: Sandbox, tmp_path: Path
) -> None:
    write(client, 10, None)
    order_id = handled_order(client, sandbox, 2)
    path = tmp_path / "sandbox.json"
    sandbox.store.save(path)
    (loaded,) = Store.load(path).reservations.values()
    assert (loaded["orderId"], loaded["quantity"], loaded["status"]) == (
        order_id,
        2,
        "Acknowledged",
    )
