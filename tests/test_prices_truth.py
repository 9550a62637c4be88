"""Prices: every value of a mapped column reaches VTEX as the file says, or its row says why.

A report never claims a change VTEX did not get: an emptied list price is cleared in VTEX, a
cost price of 0 is sent as 0, and what VTEX keeps or derives instead of the file's value is a
`warning` on the row.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from importer.models import Action, FileReport
from importer.report import read_report_csv
from importer.sandbox import Sandbox
from importer.sandbox.pricing import PUT_CLEARS_LIST_PRICE
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store


def price_puts(sandbox: Sandbox) -> list[dict[str, object]]:
    return [
        dict(r.body)
        for r in sandbox.requests
        if r.method == "PUT" and r.path.startswith("/pricing/prices/")
    ]


def row_of(report: FileReport, row: int) -> tuple[str, str, str, str]:
    found = next(r for r in report.rows if r.row == row)
    return str(found.action), found.type, found.column, found.reason


def test_a_row_with_a_base_and_a_fixed_price_sends_both(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "prices",
        "both.csv",
        "sku_ref,base_price,trade_policy,fixed_price\nSKU-00001,10.00,1,8.00\n",
    )
    report = one_pass(runtime).reports[0]
    assert report.summary.created == 1
    price = sandbox.prices[1]
    assert price["basePrice"] == Decimal("10.00")
    assert [(f["tradePolicyId"], f["value"]) for f in price["fixedPrices"]] == [
        ("1", Decimal("8.00"))
    ]


def test_the_list_price_of_a_fixed_row_with_a_base_price_is_the_fixed_prices_own(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "p1.csv", "sku_ref,base_price,list_price\nSKU-00001,10,20\n")
    one_pass(runtime)
    drop(
        workdir,
        "prices",
        "p2.csv",
        "sku_ref,base_price,list_price,trade_policy,fixed_price\nSKU-00001,10,12,1,8\n",
    )
    assert one_pass(runtime).reports[0].summary.created == 1  # a new key: SKU + policy
    price = sandbox.prices[1]
    assert (price["basePrice"], price["listPrice"]) == (Decimal(10), Decimal(20))
    assert [(f["value"], f["listPrice"]) for f in price["fixedPrices"]] == [
        (Decimal(8), Decimal(12))
    ]


def test_a_fixed_row_whose_base_price_differs_from_the_base_row_is_a_warning(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "prices",
        "two.csv",
        (
            "sku_ref,base_price,trade_policy,fixed_price\n"
            "SKU-00001,10.00,,\n"
            "SKU-00001,12.00,1,8.00\n"
        ),
    )
    report = one_pass(runtime).reports[0]
    assert sandbox.prices[1]["basePrice"] == Decimal("10.00")
    action, kind, column, reason = row_of(report, 3)
    assert (action, kind, column) == ("warning", "sku-price-conflict", "base_price")
    assert '"base_price" 12 was not sent: row 2 gives this SKU the base_price 10' in reason
    assert (report.summary.created, report.summary.warnings) == (1, 1)


def test_a_cost_price_of_0_is_sent_as_0_new_and_changed(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "prices",
        "p1.csv",
        "sku_ref,base_price,cost_price\nSKU-00001,10.00,0\nSKU-00002,20.00,5\n",
    )
    assert one_pass(runtime).reports[0].summary.created == 2
    assert sandbox.prices[1]["costPrice"] == Decimal(0)
    assert sandbox.prices[2]["costPrice"] == Decimal(5)

    drop(
        workdir,
        "prices",
        "p2.csv",
        "sku_ref,base_price,cost_price\nSKU-00001,10.00,0\nSKU-00002,20.00,0\n",
    )
    report = one_pass(runtime).reports[0]
    assert sandbox.prices[2]["costPrice"] == Decimal(0)
    assert row_of(report, 3) == ("updated", "", "cost_price", "cost_price: 5 -> 0")


def test_an_emptied_list_price_clears_vtex_list_price(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "sale.csv", "sku_ref,base_price,list_price\nSKU-00001,10,15\n")
    one_pass(runtime)
    assert sandbox.prices[1]["listPrice"] == Decimal(15)

    sandbox.requests.clear()
    drop(workdir, "prices", "sale-over.csv", "sku_ref,base_price,list_price\nSKU-00001,10,\n")
    report = one_pass(runtime).reports[0]
    assert row_of(report, 2) == ("updated", "", "list_price", "list_price: 15 -> (empty)")
    assert sandbox.prices[1]["listPrice"] is None
    assert "listPrice" not in price_puts(sandbox)[0]  # VTEX's spec allows no null


def test_a_list_price_vtex_keeps_after_the_put_is_a_warning_not_a_claim(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    # The other reading of VTEX's "creates or replaces": a PUT that keeps an omitted listPrice.
    sandbox.store.features_off.add(PUT_CLEARS_LIST_PRICE)
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "sale.csv", "sku_ref,base_price,list_price\nSKU-00001,10,15\n")
    one_pass(runtime)
    drop(workdir, "prices", "sale-over.csv", "sku_ref,base_price,list_price\nSKU-00001,10,\n")
    report = one_pass(runtime).reports[0]
    assert sandbox.prices[1]["listPrice"] == Decimal(15)
    action, kind, column, reason = row_of(report, 2)
    assert (action, kind, column) == ("warning", "list-price-kept", "list_price")
    assert "VTEX still holds the list price 15" in reason


def test_a_file_without_the_list_price_column_keeps_vtex_list_price_and_claims_no_change(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "p1.csv", "sku_ref,base_price,list_price\nSKU-00001,10,15\n")
    one_pass(runtime)
    drop(workdir, "prices", "p2.csv", "sku_ref,base_price\nSKU-00001,11\n")
    report = one_pass(runtime).reports[0]
    assert sandbox.prices[1]["listPrice"] == Decimal(15)
    assert row_of(report, 2) == ("updated", "", "base_price", "base_price: 10 -> 11")


def test_an_emptied_cost_price_that_vtex_keeps_is_a_warning(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "p1.csv", "sku_ref,base_price,cost_price\nSKU-00001,10,5\n")
    one_pass(runtime)
    drop(workdir, "prices", "p2.csv", "sku_ref,base_price,cost_price\nSKU-00001,12,\n")
    report = one_pass(runtime).reports[0]
    assert sandbox.prices[1]["costPrice"] == Decimal(5)  # VTEX cannot hold "no cost price"
    action, kind, column, reason = row_of(report, 2)
    assert (action, kind, column) == ("warning", "cost-kept", "cost_price")
    assert '"cost_price" was emptied (it was 5), but VTEX always holds a cost price' in reason
    assert "it has 5" in reason
    assert report.summary.warnings == 1


def test_a_markup_vtex_derives_differently_from_the_cost_price_is_a_warning(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "prices",
        "markup.csv",
        "sku_ref,base_price,cost_price,markup\nSKU-00001,15,10,50\nSKU-00002,15,10,30\n",
    )
    report = one_pass(runtime).reports[0]
    assert row_of(report, 2)[0] == "created"  # 10 * 1.5 = 15: the markup VTEX derives is 50
    action, kind, column, reason = row_of(report, 3)
    assert (action, kind, column) == ("warning", "markup-derived", "markup")
    assert "derives the markup (50) from base_price 15 and cost_price 10" in reason
    assert (sandbox.prices[2]["markup"], sandbox.prices[2]["costPrice"]) == (50, Decimal(10))


def test_cost_or_markup_on_a_fixed_row_without_any_base_price_is_a_warning(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "prices",
        "fixed.csv",
        "sku_ref,base_price,cost_price,trade_policy,fixed_price\nSKU-00001,,4,1,8\n",
    )
    report = one_pass(runtime).reports[0]
    assert sandbox.prices[1]["fixedPrices"][0]["value"] == Decimal(8)
    assert row_of(report, 2)[:3] == ("warning", "base-price-missing", "cost_price")


def test_a_period_or_minimum_quantity_on_a_base_price_row_is_invalid(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "prices",
        "periods.csv",
        (
            "sku_ref,base_price,min_quantity,valid_from,valid_to\n"
            "SKU-00001,10,,2026-12-24,2026-12-26\n"
            "SKU-00002,10,5,,\n"
            "SKU-00003,10,,,\n"
        ),
    )
    report = one_pass(runtime).reports[0]
    assert row_of(report, 2)[:3] == ("invalid", "fixed-price-only", "valid_from")
    assert row_of(report, 3)[:3] == ("invalid", "fixed-price-only", "min_quantity")
    assert 'Fill in "trade_policy" and "fixed_price"' in row_of(report, 2)[3]
    assert set(sandbox.prices) == {3}


def test_an_unmapped_header_that_looks_like_a_price_column_is_a_file_warning(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    content = "Código;Preço Venda;Preço Custo;Descrição\r\nSKU-00001;10,00;4,00;Camiseta\r\n"
    drop(workdir, "prices", "precos.csv", content.encode("cp1252"))
    summary = one_pass(runtime).reports[0].summary
    assert summary.unknown_columns == ["Preço Custo", "Descrição"]
    assert summary.file_warnings == [
        'column "Preço Custo" was not read: it looks like cost_price; add it to '
        "[flows.prices.columns] in importer.toml if it is."
    ]
    written = sorted((workdir / "outbox" / "reports").glob("precos.csv.*.report.xlsx"))
    book = load_workbook(written[0], read_only=True)
    shown = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row}
    book.close()  # a read-only workbook holds its file open until closed
    assert shown["warnings about the file"] == summary.file_warnings[0]


def test_report_keys_keep_the_files_spelling_of_the_warehouse(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2, warehouses=("WH-SP",))
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "inventory",
        "stock.csv",
        "sku_ref,warehouse_id,quantity\nSKU-00001,WH-SP,5\nSKU-00002,WH-SP,x\nSKU-00001,wh-sp,6\n",
    )
    report = one_pass(runtime).reports[0]
    assert [(r.row, r.key, str(r.action)) for r in report.rows] == [
        (2, "SKU-00001|WH-SP", "created"),
        (3, "SKU-00002|WH-SP", "invalid"),
        (4, "SKU-00001|wh-sp", "invalid"),  # one stock row in VTEX: a duplicate, as written
    ]
    assert report.rows[2].reason.startswith("SKU-00001|wh-sp appears again (first on row 2)")
    written = sorted((workdir / "outbox" / "reports").glob("stock.csv.*.report.csv"))
    assert [r["key"] for r in read_report_csv(written[0])] == [
        "SKU-00001|WH-SP",
        "SKU-00002|WH-SP",
        "SKU-00001|wh-sp",
    ]


def test_a_warning_row_landed_and_is_not_sent_again(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    content = "sku_ref,base_price,cost_price,markup\nSKU-00001,15,10,30\n"
    drop(workdir, "prices", "m1.csv", content)
    first = one_pass(runtime).reports[0]
    assert first.rows[0].action is Action.WARNING
    sandbox.requests.clear()
    # The same row in a file with other bytes: unchanged, as VTEX accepted it.
    drop(workdir, "prices", "m2.csv", content.replace("\n", "\r\n"))
    second = one_pass(runtime).reports[0].summary
    assert (second.status, second.unchanged, second.warnings) == ("done", 1, 0)
    assert price_puts(sandbox) == []
