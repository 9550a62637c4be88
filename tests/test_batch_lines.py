"""The batch clients' typed lines: `PriceLine` / `StockLine.from_row` (the one place a row's
values are read, for rows sent now and rows a store recorded with a job), the CSV written from
lines, `can_carry`, and VTEX's error lines mapped back to lines and report columns. In-process,
no HTTP: milliseconds."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest

from importer.rows import BATCH_REFUSED as PER_SKU_MARK
from importer.rows import OutRow
from importer.vtex.batch_inventory import BatchInventoryClient, StockLine
from importer.vtex.batch_inventory import can_carry as stock_can_carry
from importer.vtex.batch_jobs import ErrorLine
from importer.vtex.bulk_pricing import BulkPricingClient, PriceLine
from importer.vtex.bulk_pricing import can_carry as price_can_carry
from importer.vtex.http import VtexHttp

# The clients' CSV and matching never touch HTTP: only the account name is read.
HTTP = cast(VtexHttp, SimpleNamespace(settings=SimpleNamespace(account="teststore")))


def price_row(**cells: Any) -> OutRow:
    """A prices row as `importer.push` hands it on (and as the store records it with a job)."""
    row: dict[str, Any] = {
        "key": "SKU-7|",
        "hash": 123,
        "row": 2,
        "sku_ref": "SKU-7",
        "sku_id": "",
        "sku_id_resolved": 7,
        "base_price": "10.50",
        "list_price": "12.00",
        "cost_price": "5.25",
        "markup": "",
        "trade_policy": "",
        "fixed_price": "",
    }
    return OutRow.from_payload({**row, **cells})


def stock_row(**cells: Any) -> OutRow:
    return OutRow.from_payload(stock_payload(**cells))


def stock_payload(**cells: Any) -> dict[str, Any]:
    """A stock row as the store records it with a job."""
    row: dict[str, Any] = {
        "key": "11|1_1",
        "hash": 9,
        "row": 3,
        "sku_ref": "",
        "sku_id": "11",
        "sku_id_resolved": 11,
        "warehouse_id": "1_1",
        "warehouse_vtex": "1_1",
        "quantity": "40",
        "unlimited": "false",
        "lead_time": "1.00:00:00",
        "balance_at": "",
        "counted_at": "2026-12-03T10:00:00Z",
    }
    return {**row, **cells}


# -- from_row ---------------------------------------------------------------------------------


def test_a_price_line_holds_what_the_row_says_typed() -> None:
    assert PriceLine.from_row(price_row()) == PriceLine(
        sku_id=7,
        base_price=Decimal("10.50"),
        list_price=Decimal("12.00"),
        cost_price=Decimal("5.25"),
        has_markup=False,
        trade_policy="",
        sku_column="sku_ref",
    )
    fixed = PriceLine.from_row(price_row(sku_ref="", sku_id="7", base_price="", trade_policy="1"))
    assert (fixed.base_price, fixed.trade_policy, fixed.sku_column) == (None, "1", "sku_id")
    assert PriceLine.from_row(price_row(markup="0")).has_markup  # a 0 markup is a markup


def test_a_row_recorded_with_a_job_by_earlier_code_makes_the_same_line() -> None:
    # The store's payload is the row as it was sent, side-channel keys included (a row an
    # earlier job refused, a full-mode removal): they are not the line's business.
    recorded = {**stock_payload(), PER_SKU_MARK: "UPDATE_FAILED", "_removal": True}
    assert StockLine.from_row(OutRow.from_payload(recorded)) == StockLine.from_row(stock_row())
    assert StockLine.from_row(stock_row()) == StockLine(
        sku_id=11,
        warehouse_id="1_1",
        quantity=40,
        unlimited=False,
        lead_time="1.00:00:00",
        balance_at="",
        sku_column="sku_id",
    )


def test_an_unlimited_row_without_a_quantity_is_a_line_of_zero() -> None:
    line = StockLine.from_row(stock_row(quantity="", unlimited="true"))
    assert (line.quantity, line.unlimited) == (0, True)


def test_a_row_push_did_not_resolve_is_no_line() -> None:
    payload = {k: v for k, v in stock_payload().items() if k != "warehouse_vtex"}
    with pytest.raises(KeyError):
        PriceLine.from_row(price_row(sku_id_resolved=None))
    with pytest.raises(KeyError):
        StockLine.from_row(OutRow.from_payload(payload))


# -- can_carry --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "carried"),
    [
        ({}, True),
        ({"markup": "20"}, False),  # VTEX would derive the base price: checked per SKU
        ({"trade_policy": "1", "fixed_price": "9"}, False),  # fixed prices stay per SKU
        ({"cost_price": ""}, False),  # the CSV requires a cost price
        ({"cost_price": "0"}, False),  # per SKU, a cost price of 0 is sent as 0
        ({"list_price": ""}, False),  # an import's empty List Price is undocumented
        ({"base_price": "0"}, False),
        ({"base_price": "not a number"}, False),  # never carried: per SKU reports it
    ],
)
def test_the_base_prices_csv_carries_only_what_it_can_express(
    cells: dict[str, str], carried: bool
) -> None:
    assert price_can_carry(PriceLine.from_row(price_row(**cells))) is carried


@pytest.mark.parametrize(
    ("cells", "carried"),
    [
        ({}, True),
        ({"lead_time": ""}, False),  # the CSV would zero VTEX's lead time
        ({"lead_time": "soon"}, False),
        ({"balance_at": "2026-12-03T09:00:00Z"}, False),  # no CSV column for a count time
    ],
)
def test_the_inventory_csv_carries_only_what_it_can_express(
    cells: dict[str, str], carried: bool
) -> None:
    assert stock_can_carry(StockLine.from_row(stock_row(**cells))) is carried


# -- csv --------------------------------------------------------------------------------------


def test_the_base_prices_csv_is_written_from_lines() -> None:
    lines = [
        PriceLine.from_row(price_row()),
        PriceLine.from_row(price_row(sku_id_resolved=8, base_price="3", list_price="4.0")),
    ]
    assert BulkPricingClient(HTTP).csv(lines) == (
        b"SKU ID,Cost Price,Base Price,List Price,Child Account\n"
        b"7,5.25,10.50,12.00,\n"
        b"8,5.25,3,4.0,\n"
    )


def test_a_price_line_the_csv_cannot_carry_is_refused_not_written_blank() -> None:
    line = PriceLine.from_row(price_row(cost_price=""))
    with pytest.raises(ValueError, match="cost price"):
        BulkPricingClient(HTTP).csv([line])


def test_the_inventory_csv_is_written_from_lines() -> None:
    lines = [
        StockLine.from_row(stock_row()),
        StockLine.from_row(
            stock_row(
                sku_id_resolved=12,
                warehouse_vtex="WH-SP",
                quantity="",
                unlimited="true",
                lead_time="00:30:00",
            )
        ),
    ]
    assert BatchInventoryClient(HTTP).csv(lines) == (
        b"item_id,account_name,container_id,quantity,unlimited,lead_time\n"
        b"11,teststore,1_1,40,false,PT24H\n"
        b"12,teststore,WH-SP,0,true,PT30M\n"
    )


# -- VTEX's error lines back to lines ---------------------------------------------------------


def test_bulk_pricing_errors_name_their_line_by_sku_id() -> None:
    client = BulkPricingClient(HTTP)
    lines = [PriceLine.from_row(price_row(sku_id_resolved=n)) for n in (7, 8, 9)]
    locate = client.locator(lines)
    assert locate(ErrorLine(None, {"SKU ID": " 9 "}, "", "")) == 2
    assert locate(ErrorLine(None, {"SKU ID": "10"}, "", "")) is None
    by_ref, by_id = lines[0], PriceLine.from_row(price_row(sku_ref="", sku_id="7"))
    sku_error = ErrorLine(None, {"SKU ID": "7"}, "SKU_NOT_FOUND", "no such SKU")
    assert (client.column(sku_error, by_ref), client.column(sku_error, by_id)) == (
        "sku_ref",
        "sku_id",
    )
    cost = ErrorLine(None, {"SKU ID": "7"}, "X", "Cost Price must be positive")
    assert client.column(cost, by_ref) == "cost_price"
    assert client.column(ErrorLine(None, {}, "X", "try later"), by_ref) == ""


def test_inventory_errors_name_their_line_by_sku_and_warehouse_then_by_number() -> None:
    client = BatchInventoryClient(HTTP)
    lines = [
        StockLine.from_row(stock_row()),
        StockLine.from_row(stock_row(warehouse_vtex="WH-SP")),
        StockLine.from_row(stock_row(sku_id_resolved=12)),
    ]
    locate = client.locator(lines)
    # VTEX may spell the warehouse in another case; the SKU x warehouse wins over the number.
    assert locate(ErrorLine(2, {"item_id": "11", "container_id": "wh-sp"}, "", "")) == 1
    assert locate(ErrorLine(4, {"item_id": "", "container_id": ""}, "", "")) == 2  # header = 1
    assert locate(ErrorLine(5, {"item_id": "99", "container_id": "1_1"}, "", "")) is None
    line = lines[0]
    assert client.column(ErrorLine(2, {}, "INVALID_QUANTITY", ""), line) == "quantity"
    assert client.column(ErrorLine(2, {}, "UNKNOWN", ""), line) == "sku_id"
    by_ref = StockLine.from_row(stock_row(sku_ref="REF-11", sku_id=""))
    assert client.column(ErrorLine(2, {}, "UNKNOWN", ""), by_ref) == "sku_ref"
    message = ErrorLine(2, {}, "X", "container_id is not a warehouse of this account")
    assert client.column(message, line) == "warehouse_id"
