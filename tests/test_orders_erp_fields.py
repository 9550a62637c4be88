"""Issue 12 item 3: what the ERP needs to invoice and ship, in the orders file.

Most checks read `order_rows` of sandbox orders (no files, no pass): the columns are a pure
function of VTEX's Get order. The replacement checks pull through the in-process sandbox.
"""

from __future__ import annotations

import copy
import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

from importer.orders.export import order_rows
from importer.orders.run import pull_orders
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, sandbox_client, seed_store

Row = dict[str, object]


def rows_of(order: dict[str, Any]) -> list[Row]:
    return order_rows(order, {})


def adds_up(rows: list[Row]) -> bool:
    """The lines plus shipping and tax are the order's total, to the minor unit."""
    first = rows[0]
    lines = sum((Decimal(str(r["item_total"])) for r in rows), Decimal(0))
    total = lines + Decimal(str(first["shipping_total"])) + Decimal(str(first["tax_total"]))
    return total == Decimal(str(first["order_total"]))


# -- currencies ---------------------------------------------------------------------------------


def test_a_clp_order_is_written_in_whole_pesos() -> None:
    """CurrencyDecimalDigits 0 stays 0 (it used to become 2: 19990 pesos written as 199.90)."""
    box = Sandbox(spec_dir=None)  # no request is sent: no contract to load
    order = box.add_order(
        [{"id": 1, "quantity": 2, "price": 19990}], shipping=2500, tax=0, currency="CLP"
    )
    rows = rows_of(order)
    assert [str(rows[0][c]) for c in ("unit_price", "item_total", "shipping_total")] == [
        "19990",
        "39980",
        "2500",
    ]
    assert (rows[0]["order_total"], rows[0]["currency"]) == (Decimal("42480"), "CLP")
    assert adds_up(rows)


def test_a_three_digit_currency_keeps_its_thousandths() -> None:
    box = Sandbox(spec_dir=None)  # no request is sent: no contract to load
    order = box.add_order(
        [{"id": 1, "quantity": 1, "price": 12345}], shipping=500, tax=0, currency="KWD"
    )
    [row] = rows_of(order)
    assert (str(row["unit_price"]), str(row["order_total"])) == ("12.345", "12.845")


# -- line totals --------------------------------------------------------------------------------


def three_for_a_hundred(box: Sandbox, **sale: Any) -> dict[str, Any]:
    """3 units for 100.00: VTEX rounds the unit price to 33.33, its groups are 2 x 33.33 and
    1 x 33.34, and the cent the per-unit rounding leaves is the order's roundingError."""
    line = {
        "id": 1,
        "quantity": 3,
        "price": 3500,
        "sellingPrice": 3333,
        "sellingPrices": [{"value": 6666, "quantity": 2}, {"value": 3334, "quantity": 1}],
    }
    return box.add_order([line, {"id": 2, "quantity": 1, "price": 990}], shipping=1000, tax=0)


def test_a_line_total_is_its_price_definition_so_the_lines_add_up_to_the_cent() -> None:
    box = Sandbox(spec_dir=None)  # no request is sent: no contract to load
    order = three_for_a_hundred(box)
    assert (order["value"], order["roundingError"]) == (11990, 1)
    first, second = rows_of(order)
    assert (str(first["unit_price"]), str(first["item_total"])) == ("33.33", "100.00")
    assert first["selling_prices"] == "2:66.66|1:33.34"
    assert first["rounding_adjustment"] == Decimal("0.00")  # nothing left over
    assert str(second["item_total"]) == "9.90"
    assert adds_up([first, second])


def test_without_price_definition_the_rounding_cent_goes_on_the_first_line() -> None:
    """An order document without priceDefinition: the lines are sellingPrice x quantity
    (99.99), and the cent VTEX's rounding left is put on the first line, and said there."""
    box = Sandbox(spec_dir=None)  # no request is sent: no contract to load
    order = copy.deepcopy(three_for_a_hundred(box))
    for item in order["items"]:
        del item["priceDefinition"]
    first, second = rows_of(order)
    assert (str(first["item_total"]), str(first["rounding_adjustment"])) == ("100.00", "0.01")
    assert second["rounding_adjustment"] == Decimal("0.00")
    assert adds_up([first, second])


def test_every_demo_order_adds_up_in_every_currency() -> None:
    box = Sandbox(spec_dir=None)  # no request is sent: no contract to load
    box.seed_demo()
    orders = [box.add_order(seed=3) for _ in range(40)]
    orders += [box.add_order(seed=4, currency=c) for c in ("CLP", "JPY", "KWD") for _ in range(5)]
    assert sum(o["totals"][3]["value"] > 0 for o in orders) > 0  # some carry tax
    for order in orders:
        rows = rows_of(order)
        assert adds_up(rows), order["orderId"]
        taxes = sum((Decimal(str(r["item_tax"])) for r in rows), Decimal(0))
        assert taxes == Decimal(str(rows[0]["tax_total"]))


# -- shipping, origin, buyer --------------------------------------------------------------------


def test_carrier_sla_pickup_point_marketplace_and_corporate_buyer_reach_the_erp() -> None:
    box = Sandbox(spec_dir=None)  # no request is sent: no contract to load
    order = box.add_order(
        [{"id": 1, "quantity": 1, "price": 5000, "sellingPrice": 4500}],
        shipping=0,
        tax=450,
        client={
            "isCorporate": True,
            "corporateName": "Acme Comércio Ltda",
            "tradeName": "Acme",
            "corporateDocument": "11222333000181",
            "stateInscription": "110042490114",
            "corporatePhone": "+551133334444",
        },
        pickup={"id": "1_loja-centro", "name": "Loja Centro", "address": "Rua da Bahia, 500"},
        marketplace={"name": "Magalu", "affiliateId": "MGZ", "orderId": "MGZ-77"},
        sales_channel="2",
    )
    [row] = rows_of(order)
    assert {c: row[c] for c in ("sla", "delivery_channel", "carrier")} == {
        "sla": "Retirada em Loja Centro",
        "delivery_channel": "pickup-in-point",
        "carrier": "Retirada na loja",
    }
    assert (
        row["estimated_delivery"]
        == order["shippingData"]["logisticsInfo"][0]["shippingEstimateDate"]
    )
    assert (row["pickup_point_id"], row["pickup_point_name"], row["pickup_point_address"]) == (
        "1_loja-centro",
        "Loja Centro",
        "Rua da Bahia, 500",
    )
    assert {c: row[c] for c in ("marketplace", "marketplace_order_id", "affiliate_id")} == {
        "marketplace": "Magalu",
        "marketplace_order_id": "MGZ-77",
        "affiliate_id": "MGZ",
    }
    assert (row["origin"], row["sales_channel"], row["item_seller"]) == (
        "Marketplace",
        "2",
        "Sandbox Store",
    )
    assert (row["is_corporate"], row["corporate_name"], row["corporate_document"]) == (
        "true",
        "Acme Comércio Ltda",
        "11222333000181",
    )
    assert (row["state_inscription"], row["trade_name"]) == ("110042490114", "Acme")
    assert (str(row["item_tax"]), str(row["tax_total"])) == ("4.50", "4.50")
    assert row["price_tags"] == "discount@price-{}-0#promotion:-5.00".format(order["orderId"])


def test_a_pickup_address_vtex_sends_as_an_object_is_one_line() -> None:
    box = Sandbox(spec_dir=None)  # no request is sent: no contract to load
    order = copy.deepcopy(box.add_order([{"id": 1}], pickup={"id": "p1", "name": "P1"}))
    info = order["shippingData"]["logisticsInfo"][0]
    info["pickupStoreInfo"]["address"] = {
        "street": "Rua A",
        "number": "10",
        "neighborhood": "Centro",
        "city": "Curitiba",
        "state": "PR",
        "postalCode": "80020-000",
    }
    del info["selectedDeliveryChannel"]  # the example's spelling only
    [row] = rows_of(order)
    assert row["pickup_point_address"] == "Rua A 10, Centro, Curitiba - PR, 80020-000"
    assert row["delivery_channel"] == "pickup-in-point"


# -- replacement --------------------------------------------------------------------------------


def exported(workdir: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((workdir / "outbox" / "orders").glob("orders-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def notices(workdir: Path) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted((workdir / "outbox" / "orders").glob("cancellations-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            found += [(r["order_id"], r["state"]) for r in csv.DictReader(handle)]
    return found


def test_a_replacing_order_is_exported_pointing_at_the_one_it_replaced(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 5)
    [kept, early] = sandbox.seed_orders(2)
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)  # creates the feed config, lists both, exports them
    # Handled already: VTEX would not let it be replaced now, so it is replaced before export.
    [late] = sandbox.seed_orders(1)
    later = sandbox.replace_order(late, address={"city": "Campinas"})
    # And one the ERP has, replaced afterwards (the sandbox lets a test do what VTEX forbids
    # only through set_order_status; here the order goes back to ready first).
    sandbox.set_order_status(early, "ready-for-handling")
    instead = sandbox.replace_order(early)
    result = pull_orders(runtime.deps)

    rows = exported(workdir)
    pointers = {r["order_id"]: r["replaces_order_id"] for r in rows}
    assert pointers[later["orderId"]] == late and pointers[instead["orderId"]] == early
    assert pointers[kept] == ""
    assert late not in pointers  # replaced before export: never exported as new
    assert sum(r["order_id"] == early for r in rows) == len(sandbox.orders[early]["items"])
    config = sandbox.feed_config()
    assert config is not None and "replaced" in config["filter"]["status"]
    # The ERP hears that the order it has was replaced (it must not ship it), once.
    assert notices(workdir) == [(early, "replaced")]
    assert result.cancellations == [early]
    assert sandbox.feed_pending() == []
    assert pull_orders(runtime.deps).exported == []


def test_a_feed_config_without_replaced_is_created_again(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """A config an earlier version made takes no `replaced` events: it is re-created (and the
    ready orders caught up), so that replacements reach the ERP."""
    seed_store(sandbox, 5)
    old = {
        "filter": {
            "type": "FromWorkflow",
            "status": [
                "ready-for-handling",
                "cancellation-requested",
                "request-cancel",
                "canceled",
            ],
        },
        "queue": {"visibilityTimeoutInSeconds": 240, "MessageRetentionPeriodInSeconds": 345600},
    }
    with sandbox_client(sandbox) as client:
        client.post("/api/orders/feed/config", json=old).raise_for_status()
    [order_id] = sandbox.seed_orders(1)
    runtime = make_runtime(sandbox)
    result = pull_orders(runtime.deps)
    config = sandbox.feed_config()
    assert config is not None and "replaced" in config["filter"]["status"]
    assert result.exported == [order_id] and result.swept
