"""Pricing: PUT replaces everything, PATCH /fixed upserts, money stays exact."""

from __future__ import annotations

from decimal import Decimal

import httpx

from importer.sandbox import Sandbox
from importer.sandbox.jsonio import dumps, loads

TP1 = {"tradePolicyId": "1", "value": 9, "minQuantity": 1}
TP2 = {"tradePolicyId": "2", "value": 8, "minQuantity": 1}
RANGE = {"from": "2024-01-01T00:00:00-03:00", "to": "2024-01-02T00:00:00-03:00"}


def test_put_stores_money_exactly(client: httpx.Client, sandbox: Sandbox) -> None:
    body = {
        "basePrice": Decimal("19.90"),
        "costPrice": Decimal("10.00"),
        "listPrice": Decimal("25.5"),
    }
    response = client.put("/pricing/prices/1", content=dumps(body))
    assert response.status_code == 200
    assert response.headers["Ratelimit-Limit"] and "Ratelimit-Remaining" in response.headers
    got = client.get("/pricing/prices/1")
    assert '"basePrice":19.90' in got.text  # the digits as sent, not a float's
    price = loads(got.content)
    assert (price["itemId"], price["basePrice"], price["listPrice"]) == (
        "1",
        Decimal("19.90"),
        Decimal("25.5"),
    )
    assert price["markup"] == 99  # derived, a whole percent
    assert sandbox.prices[1]["costPrice"] == Decimal("10.00")


def test_cost_and_markup_give_the_base_price(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put("/pricing/prices/2", content=dumps({"costPrice": Decimal("10.00"), "markup": 30}))
    assert sandbox.prices[2]["basePrice"] == Decimal("13.00")


def test_all_three_prices_are_refused(client: httpx.Client, sandbox: Sandbox) -> None:
    body = {"basePrice": 13, "costPrice": 10, "markup": 30}
    response = client.put("/pricing/prices/2", json=body)
    assert response.status_code == 400
    assert "not all three" in response.json()["error"]
    assert 2 not in sandbox.prices


def test_put_replaces_every_fixed_price(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put("/pricing/prices/1", json={"basePrice": 10, "fixedPrices": [TP1, TP2]})
    client.put("/pricing/prices/1", json={"basePrice": 11, "fixedPrices": [{**TP2, "value": 7}]})
    assert [(f["tradePolicyId"], f["value"]) for f in sandbox.prices[1]["fixedPrices"]] == [
        ("2", 7)
    ]
    client.put("/pricing/prices/1", json={"basePrice": 11})  # omitted fixedPrices: none left
    assert sandbox.prices[1]["fixedPrices"] == []
    assert sandbox.prices[1]["listPrice"] is None


def test_patch_fixed_upserts_and_removes_nothing(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put("/pricing/prices/1", json={"basePrice": 10, "fixedPrices": [TP1, TP2]})
    scheduled = {**TP1, "value": 5, "dateRange": RANGE}
    response = client.patch("/pricing/prices/1/fixed", json=[{**TP1, "value": 6}, scheduled])
    assert response.status_code == 200
    fixed = client.get("/pricing/prices/1/fixed").json()
    assert [(f["tradePolicyId"], f["value"], "dateRange" in f) for f in fixed] == [
        ("1", 6, False),  # same tradePolicyId + minQuantity + no range: replaced
        ("2", 8, False),  # untouched
        ("1", 5, True),  # same policy, other activation conditions: added
    ]
    assert client.get("/pricing/prices/1/fixed/2").json() == [{**TP2, "listPrice": None}]


def test_delete_fixed_of_one_table_and_whole_price(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put("/pricing/prices/1", json={"basePrice": 10, "fixedPrices": [TP1, TP2]})
    assert client.delete("/pricing/prices/1/fixed/1").status_code == 200
    assert [f["tradePolicyId"] for f in sandbox.prices[1]["fixedPrices"]] == ["2"]
    assert client.delete("/pricing/prices/1").status_code == 200
    assert client.get("/pricing/prices/1").status_code == 404
    assert client.delete("/pricing/prices/1").status_code == 200  # idempotent


def test_a_date_range_must_end_after_it_starts(client: httpx.Client) -> None:
    backwards = {**TP1, "dateRange": {"from": RANGE["to"], "to": RANGE["from"]}}
    response = client.put("/pricing/prices/1", json={"basePrice": 10, "fixedPrices": [backwards]})
    assert response.status_code == 400
    assert "after" in response.json()["error"]


def test_get_without_a_price_is_404(client: httpx.Client) -> None:
    assert client.get("/pricing/prices/20").status_code == 404
    assert client.get("/pricing/prices/20/fixed").status_code == 404


def test_a_cost_price_of_0_is_kept_as_0(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put("/pricing/prices/3", json={"basePrice": 10, "costPrice": 0}).raise_for_status()
    assert (sandbox.prices[3]["costPrice"], sandbox.prices[3]["markup"]) == (0, 0)


def test_a_null_list_price_breaks_the_spec_and_an_omitted_one_clears_it(
    client: httpx.Client, sandbox: Sandbox, spec_dir: object
) -> None:
    client.put("/pricing/prices/4", json={"basePrice": 10, "listPrice": 15}).raise_for_status()
    refused = client.put("/pricing/prices/4", json={"basePrice": 10, "listPrice": None})
    assert refused.status_code == 400  # VTEX's spec: listPrice is a number, never null
    assert sandbox.prices[4]["listPrice"] == 15
    client.put("/pricing/prices/4", json={"basePrice": 10}).raise_for_status()
    assert sandbox.prices[4]["listPrice"] is None  # a PUT replaces the whole price
