"""The demo store that the quick start and the files in samples/ refer to. Keep the names:
SKUs 1..20 with RefIds DEMO-001..DEMO-020, warehouses '1_1' and 'WH-SP'.

Every demo SKU is active and passes the activation rules (API-NOTES §3.8): RefId, one image
(https://images.example.com/demo/DEMO-001.jpg ...), active product, brand and category. The
product is linked to trade policy 1."""

from __future__ import annotations

from decimal import Decimal

from importer.sandbox import files
from importer.sandbox.catalog import (
    BRAND_FIELDS,
    CATEGORY_FIELDS,
    PRODUCT_FIELDS,
    SKU_FIELDS,
    read_fields,
)
from importer.sandbox.state import Store

DEMO_SKU_COUNT = 20
DEMO_WAREHOUSES = ("1_1", "WH-SP")
_CREATED = "2024-01-01T00:00:00"


def demo_refid(number: int) -> str:
    return f"DEMO-{number:03d}"


def demo_image_url(number: int) -> str:
    return f"https://images.example.com/demo/{demo_refid(number)}.jpg"


def seed_demo(store: Store, account: str = "sandbox") -> None:
    """Replace the store's contents with the demo store (image URLs name `account`)."""
    store.clear()
    store.categories[1] = {
        "Id": 1,
        **read_fields(
            {
                "Name": "Demo",
                "Title": "Demo",
                "Description": "Demo category",
                "IsActive": True,
                "ShowInStoreFront": True,
                "ActiveStoreFrontLink": True,
                "ShowBrandFilter": True,
                "GlobalCategoryId": 0,
                "StockKeepingUnitSelectionMode": "SPECIFICATION",
            },
            CATEGORY_FIELDS,
        ),
        "LinkId": "demo",
    }
    store.brands[1] = {
        "Id": 1,
        **read_fields(
            {"Name": "Demo Brand", "SiteTitle": "Demo Brand", "Active": True}, BRAND_FIELDS
        ),
    }
    store.brands[1]["LinkId"] = "demo-brand"
    store.products[1] = {
        "Id": 1,
        **read_fields(
            {
                "Name": "Demo product",
                "DepartmentId": 1,
                "CategoryId": 1,
                "BrandId": 1,
                "LinkId": "demo-product",
                "RefId": "DEMO",
                "IsVisible": True,
                "IsActive": True,
                "Title": "Demo product",
                "Description": "Demo product",
                # Never null: the spec's GET and PUT product schemas refuse null for both.
                "ReleaseDate": _CREATED,
                "Score": 0,
            },
            PRODUCT_FIELDS,
        ),
    }
    for number in range(1, DEMO_SKU_COUNT + 1):
        store.skus[number] = {
            "Id": number,
            **read_fields(
                {
                    "ProductId": 1,
                    "IsActive": True,
                    "ActivateIfPossible": True,
                    "Name": f"Demo SKU {number:03d}",
                    "RefId": demo_refid(number),
                    "PackagedHeight": 10,
                    "PackagedLength": 10,
                    "PackagedWidth": 10,
                    "PackagedWeightKg": 500,
                    "CreationDate": _CREATED,
                    "CubicWeight": Decimal("0.1667"),
                },
                SKU_FIELDS,
            ),
        }
        image = files.image_fields(demo_refid(number), demo_image_url(number), is_main=True)
        files.add_file(store, account, number, image)
    store.product_trade_policies[1] = [1]
    names = {"1_1": "Main warehouse", "WH-SP": "São Paulo warehouse"}
    for warehouse_id in DEMO_WAREHOUSES:
        store.warehouses[warehouse_id] = {
            "id": warehouse_id,
            "name": names[warehouse_id],
            "warehouseDocks": [{"dockId": f"dock-{warehouse_id}", "time": "1.00:00:00", "cost": 0}],
            "pickupPointIds": [],
            "priority": 0,
            "isActive": True,
        }
    store.reindex()
