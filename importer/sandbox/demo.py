"""The demo store that the quick start and the files in samples/ refer to. Keep the names:
SKUs 1..20 with RefIds DEMO-001..DEMO-020, warehouses '1_1' and 'WH-SP'."""

from __future__ import annotations

from decimal import Decimal

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


def seed_demo(store: Store) -> None:
    """Replace the store's contents with the demo store."""
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
