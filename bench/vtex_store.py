"""A sandbox store set up for the push benchmarks, through VTEX's own API calls (in-process,
no latency), and a working folder for an importer that talks to it.

The per-SKU calls are what the push benchmarks measure, so the batch paths (Bulk Pricing,
batch inventory: `[flows.*] batch_threshold`) are switched off unless a benchmark asks for
them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import Sandbox

ACCOUNT = "benchstore"
WAREHOUSE = "1_1"
SKUS_PER_PRODUCT = 50


def sku_ref(i: int) -> str:
    return f"SKU-{i:06d}"


def new_sandbox() -> Sandbox:
    return Sandbox(account=ACCOUNT, app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)


def seed(sandbox: Sandbox, skus: int) -> None:
    """A category, a brand, `skus` SKUs (refs sku_ref(1..skus)) and one warehouse."""
    with _client(sandbox) as client:
        category = _ok(
            client.post(
                "/api/catalog/pvt/category",
                json={
                    "Name": "Bench",
                    "Keywords": "bench",
                    "Title": "Bench",
                    "Description": "Bench",
                    "AdWordsRemarketingCode": None,
                    "LomadeeCampaignCode": None,
                    "FatherCategoryId": None,
                    "GlobalCategoryId": 0,
                    "ShowInStoreFront": True,
                    "IsActive": True,
                    "ActiveStoreFrontLink": True,
                    "ShowBrandFilter": True,
                    "Score": 0,
                    "StockKeepingUnitSelectionMode": "SPECIFICATION",
                },
            )
        )["Id"]
        _ok(client.post("/api/catalog/pvt/brand", json={"Id": 2000001, "Name": "Marca"}))
        product_id = 0
        for i in range(1, skus + 1):
            if i % SKUS_PER_PRODUCT == 1 or SKUS_PER_PRODUCT == 1:
                product_id = _ok(
                    client.post(
                        "/api/catalog/pvt/product",
                        json={
                            "Name": f"Produto {i}",
                            "CategoryId": category,
                            "BrandId": 2000001,
                            "RefId": f"P-{i:06d}",
                        },
                    )
                )["Id"]
            _ok(
                client.post(
                    "/api/catalog/pvt/stockkeepingunit",
                    json={
                        "ProductId": product_id,
                        "Name": f"SKU {i}",
                        "RefId": sku_ref(i),
                        "PackagedHeight": 10,
                        "PackagedLength": 10,
                        "PackagedWidth": 10,
                        "PackagedWeightKg": 100,
                        "IsActive": False,
                    },
                )
            )
        _ok(
            client.post(
                "/api/logistics/pvt/configuration/warehouses",
                json={
                    "id": WAREHOUSE,
                    "name": "Warehouse",
                    "warehouseDocks": [
                        {
                            "dockId": "1",
                            "name": "Dock 1",
                            "time": "00:00:00",
                            "cost": "0.00",
                            "translateDays": "dias",
                            "costToDisplay": "0,00",
                        }
                    ],
                },
            )
        )
    sandbox.requests.clear()


def workdir(folder: Path, *, batch_threshold: int = 0) -> Path:
    """An importer's working folder: importer.toml (batch paths off by default) and inboxes."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "importer.toml").write_text(
        f'[vtex]\naccount = "{ACCOUNT}"\n\n[watch]\nsettle_s = 0\n\n'
        f"[flows.prices]\nbatch_threshold = {batch_threshold}\n\n"
        f"[flows.inventory]\nbatch_threshold = {batch_threshold}\n"
        # Stock goes in batch jobs only when a store accepts they carry no count time.
        f"batch_without_count_time = {'true' if batch_threshold else 'false'}\n",
        encoding="utf-8",
    )
    for flow in ("catalog", "prices", "inventory", "invoices"):
        (folder / "inbox" / flow).mkdir(parents=True, exist_ok=True)
    return folder


def _client(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(
        transport=sandbox.transport(),
        base_url=f"https://{ACCOUNT}.vtexcommercestable.com.br",
        headers={
            "X-VTEX-API-AppKey": SANDBOX_KEY,
            "X-VTEX-API-AppToken": SANDBOX_TOKEN,
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )


def _ok(response: httpx.Response) -> Any:
    response.raise_for_status()
    return response.json() if response.content else {}
