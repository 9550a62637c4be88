"""When several APIs share a pass: orders and invoices before stock, stock before prices,
prices before the catalog, except where a flow needs another's work (the catalog goes
before the stock and prices of the SKUs it creates)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from importer.files.watch import CompletenessGate
from importer.orders.export import money
from importer.orders.run import pull_orders
from importer.run.runner import OrdersDue, run_pass
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

CATALOG = (
    "product_ref,product_name,category,brand,sku_ref,height_cm,width_cm,length_cm,weight_kg,"
    "image_urls\n"
    "P-NEW,Produto Novo,Roupas,Marca Nova,SKU-NEW,10,20,30,0.5,https://img.example.com/n.jpg\n"
)


@pytest.mark.slow  # ~1 s: four flows' files through one pass
def test_a_pass_takes_invoices_then_the_catalog_then_stock_then_prices(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    sandbox.seed_orders(1, queue=True)
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)  # in handling now: it can be invoiced
    order_id, order = next(iter(sandbox.orders.items()))
    sandbox.requests.clear()
    # Dropped in the old order of the pass, so that the file system's order proves nothing.
    drop(workdir, "catalog", "catalogo.csv", CATALOG)
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-NEW,19.90\nSKU-00001,5.00\n")
    drop(workdir, "inventory", "estoque.csv", "sku_ref,warehouse_id,quantity\nSKU-NEW,1_1,7\n")
    drop(
        workdir,
        "invoices",
        "notas.csv",
        "order_id,invoice_number,invoice_value,issuance_date\n"
        f"{order_id},NF1,{money(order['value'])},2026-11-27T10:00:00Z\n",
    )
    reports = one_pass(runtime).reports
    assert [r.summary.flow for r in reports] == ["invoices", "catalog", "inventory", "prices"]
    for report in reports:
        s = report.summary
        assert (s.status, s.failed, s.pending, s.invalid) == ("done", 0, 0, 0), [
            (r.type, r.reason) for r in report.rows
        ]
    # The dependency held: the SKU the catalog file created took its stock and price.
    new_sku = sandbox.sku_refids["SKU-NEW"]
    assert sandbox.prices[new_sku]["basePrice"] == Decimal("19.90")
    assert sandbox.inventory[(new_sku, "1_1")]["quantity"] == 7
    # And so did the priority, call by call: each API's first request after the one before's.
    first = {}
    for index, request in enumerate(sandbox.requests):
        api = (
            "oms"
            if request.path.endswith("/invoice")
            else "catalog"
            if request.method == "POST" and request.path.startswith("/api/catalog/")
            else "logistics"
            if request.method in ("PUT", "PATCH")
            and request.path.startswith("/api/logistics/pvt/inventory")
            else "pricing"
            if request.method == "PUT" and request.path.startswith("/pricing/")
            else None
        )
        if api is not None:
            first.setdefault(api, index)
    assert sorted(first, key=first.__getitem__) == ["oms", "catalog", "logistics", "pricing"]


@pytest.mark.slow  # ~0.4 s: two files and two orders pulls through one pass
def test_watch_pulls_the_orders_when_due_before_each_file_of_a_pass(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """`watch` hands its orders pull to the pass: due again after its interval, it goes
    before the pass's next file instead of waiting for the whole pass to end."""
    seed_store(sandbox, 2)
    sandbox.seed_orders(1, queue=True)
    runtime = make_runtime(sandbox, {"IMPORTER__ORDERS__PULL_INTERVAL_S": "0.001"})
    drop(workdir, "inventory", "estoque.csv", "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,3\n")
    drop(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-00002,5.00\n")
    due = OrdersDue(runtime)
    run_pass(runtime, CompletenessGate(settle_seconds=0), lambda: None, before_file=due.pull_if_due)
    kinds = [
        "feed"
        if r.path.startswith("/api/orders/feed")
        else "stock"
        if r.path.startswith("/api/logistics/pvt/inventory/")
        else "price"
        if r.method == "PUT" and r.path.startswith("/pricing/")
        else None
        for r in sandbox.requests
    ]
    seen = [k for k in kinds if k is not None]
    order = [k for i, k in enumerate(seen) if i == 0 or seen[i - 1] != k]  # runs of a kind
    assert order == ["feed", "stock", "feed", "price"]
    assert {sandbox.order_status(o) for o in sandbox.orders} == {"handling"}
