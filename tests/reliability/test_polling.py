"""Folders without file-system events (issue 5, part 3): `importer watch --polling`, as on an
SMB share, does end to end what the event-driven watch does.

A real `importer watch --polling` (a subprocess, against the sandbox on a loopback port)
pulls the orders ready for handling, then takes a prices, an inventory and a catalog file,
and an invoices file for the orders it pulled. The sandbox must end up holding exactly what
the files say, every file archived once with its report.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from importer.orders.export import money
from importer.sandbox import Sandbox
from tests.conftest import seed_store
from tests.reliability.drop_kit import (
    archived,
    leftovers,
    make_workdir,
    report_summaries,
    stop_importer,
    wait_until,
)
from tests.reliability.live import LiveSandbox, start_importer

# Slow (an importer subprocess polling every flow): `tasks.py test --fast` leaves this module out.
pytestmark = pytest.mark.slow


ROOT = Path(__file__).resolve().parents[2]
PRICES = {1: Decimal("10.50"), 2: Decimal("20.00"), 3: Decimal("1234.56")}
STOCK = {(1, "1_1"): 7, (2, "1_1"): 0, (3, "1_1"): 250}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_watch_polling_imports_every_flow_and_pulls_orders(tmp_path: Path) -> None:
    work = make_workdir(
        tmp_path / "work", settle_s=0.3, scan_interval_s=0.3, orders=True, pull_interval_s=60
    )
    inbox = work / "inbox"
    sandbox = Sandbox(account="teststore", app_key="sandbox-key", app_token="sandbox-token")
    seed_store(sandbox, 3)
    order_ids = sandbox.seed_orders(2, queue=True)

    with LiveSandbox(sandbox) as live:
        watcher = start_importer(["watch", "--polling"], work, live.url)
        try:
            (inbox / "prices" / "precos.csv").write_text(
                "sku_ref;base_price\n"
                + "".join(f"SKU-{i:05d};{str(v).replace('.', ',')}\n" for i, v in PRICES.items()),
                encoding="utf-8",
            )
            (inbox / "inventory" / "estoque.csv").write_text(
                "sku_ref,warehouse_id,quantity\n"
                + "".join(f"SKU-{s:05d},{w},{q}\n" for (s, w), q in STOCK.items()),
                encoding="utf-8",
            )
            shutil.copy(ROOT / "samples" / "catalog.csv", inbox / "catalog" / "catalogo.csv")
            outbox = work / "outbox" / "orders"
            wait_until(lambda: any(outbox.glob("orders-*.csv")), 30, "the orders pull")
            # Invoices only for orders the importer pulled (VTEX wants them in handling).
            [orders_file] = outbox.glob("orders-*.csv")
            pulled = sorted({row["order_id"] for row in read_csv(orders_file)})
            assert pulled == sorted(order_ids)
            (inbox / "invoices" / "notas.csv").write_text(
                "order_id,invoice_number,invoice_value,issuance_date\n"
                + "".join(
                    f"{o},NF{n:04d},{money(sandbox.orders[o]['value'])},2026-11-27T10:00:00Z\n"
                    for n, o in enumerate(pulled, start=1)
                ),
                encoding="utf-8",
            )
            names = {"precos.csv", "estoque.csv", "catalogo.csv", "notas.csv"}
            wait_until(
                lambda: set(archived(work)) | set(archived(work, "failed")) >= names,
                40,
                "every file archived",
            )
        finally:
            _out, err = stop_importer(watcher)

    assert "(polling; scanning every 0.3s)" in err  # no file-system events were used
    assert archived(work, "failed") == Counter(), err[-3000:]
    assert archived(work) == Counter(dict.fromkeys(names, 1))
    assert leftovers(work) == []
    summaries = report_summaries(work)
    assert {name: [s["status"] for s in found] for name, found in summaries.items()} == {
        name: ["done"] for name in names
    }

    # The sandbox holds what the files say.
    assert {i: sandbox.prices[i]["basePrice"] for i in PRICES} == PRICES
    assert {k: sandbox.inventory[k]["quantity"] for k in STOCK} == STOCK
    catalog = read_csv(ROOT / "samples" / "catalog.csv")
    for row in catalog:
        product = sandbox.products[sandbox.product_refids[row["product_ref"]]]
        sku_id = sandbox.sku_refids[row["sku_ref"]]
        sku = sandbox.skus[sku_id]
        assert product["Name"] == row["product_name"]
        assert sandbox.brands[product["BrandId"]]["Name"] == row["brand"]
        assert sandbox.categories[product["CategoryId"]]["Name"] == row["category"].split(" > ")[-1]
        assert (sku["Name"], sku["ProductId"]) == (row["sku_name"], product["Id"])
        assert sandbox.sku_eans(sku_id) == [row["ean"]]
        assert len(sandbox.sku_files(sku_id)) == len(row["image_urls"].split("|"))
        assert sku["IsActive"] is True
    for n, order_id in enumerate(pulled, start=1):
        assert sandbox.order_status(order_id) == "invoiced"
        [invoice] = sandbox.invoices(order_id)
        assert invoice["invoiceNumber"] == f"NF{n:04d}"
