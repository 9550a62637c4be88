"""Fixed prices: a base-price change never wipes fixed prices the file did not mention."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, sandbox_client, seed_store


def admin_sets_fixed_price(sandbox: Sandbox, sku_id: int) -> None:
    """Someone sets a promotion in VTEX's admin, outside the ERP."""
    with sandbox_client(sandbox, "https://api.vtex.com/teststore") as client:
        client.patch(
            f"/pricing/prices/{sku_id}/fixed",
            json=[{"tradePolicyId": "2", "value": 7.5, "minQuantity": 1}],
        ).raise_for_status()


def test_base_price_update_keeps_admin_fixed_prices(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "p1.csv", "sku_ref,base_price\nSKU-00001,10.00\nSKU-00002,20.00\n")
    one_pass(runtime)
    admin_sets_fixed_price(sandbox, 1)

    drop(workdir, "prices", "p2.csv", "sku_ref,base_price\nSKU-00001,11.00\nSKU-00002,20.00\n")
    assert one_pass(runtime).reports[0].summary.updated == 1
    price = sandbox.prices[1]
    assert price["basePrice"] == Decimal("11.00")
    assert [(f["tradePolicyId"], f["value"]) for f in price["fixedPrices"]] == [
        ("2", Decimal("7.5"))
    ]


def test_fixed_price_rows_upsert_without_touching_other_policies(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "p1.csv", "sku_ref,base_price\nSKU-00001,10.00\n")
    one_pass(runtime)
    admin_sets_fixed_price(sandbox, 1)
    sandbox.requests.clear()

    drop(
        workdir,
        "prices",
        "fixed.csv",
        (
            "sku_ref,base_price,trade_policy,fixed_price,min_quantity,valid_from,valid_to\n"
            "SKU-00001,,1,9.90,,,\n"
            "SKU-00001,,1,8.50,10,2026-12-01,31/12/2026\n"
        ),
    )
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.invalid) == (2, 0)
    writes = [(r.method, r.path) for r in sandbox.requests if r.method != "GET"]
    assert writes == [("PATCH", "/pricing/prices/1/fixed")]  # one request for the SKU
    fixed = {(f["tradePolicyId"], f["minQuantity"]): f for f in sandbox.prices[1]["fixedPrices"]}
    assert set(fixed) == {("2", 1), ("1", 1), ("1", 10)}
    assert fixed[("1", 10)]["value"] == Decimal("8.50")
    assert fixed[("1", 10)]["dateRange"] == {
        "from": "2026-12-01T00:00:00Z",
        "to": "2026-12-31T23:59:59Z",
    }
    assert sandbox.prices[1]["basePrice"] == Decimal("10.00")


def test_prices_by_vtex_sku_id_and_from_a_workbook(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    from openpyxl import Workbook

    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SKU ID", "Base Price", "List Price"])
    sheet.append(["0002", 19.9, 25])  # a SKU id typed with a leading zero is still SKU 2
    sheet.append([3, 5.5, None])
    book.save(workdir / "inbox" / "prices" / "precos.csv")  # a workbook under a .csv name
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.invalid, summary.failed) == (2, 0, 0)
    assert sandbox.prices[2]["basePrice"] == Decimal("19.9")
    assert sandbox.prices[2]["listPrice"] == Decimal("25")
    assert sandbox.prices[3]["basePrice"] == Decimal("5.5")


def test_fixed_price_dates_are_read_in_the_erps_time_zone(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__PRICES__TIMEZONE": "America/Sao_Paulo"})
    drop(
        workdir,
        "prices",
        "fixed.csv",
        (
            "sku_ref,base_price,trade_policy,fixed_price,valid_from,valid_to\n"
            "SKU-00001,10.00,,,,\n"
            "SKU-00001,,1,8.50,01/12/2026,31/12/2026\n"
        ),
    )
    assert one_pass(runtime).reports[0].summary.invalid == 0
    (entry,) = sandbox.prices[1]["fixedPrices"]
    # Midnight in São Paulo is 03:00 UTC; the last day ends at 23:59:59 there.
    assert entry["dateRange"] == {"from": "2026-12-01T03:00:00Z", "to": "2027-01-01T02:59:59Z"}
