"""Logistics API: warehouses and inventory per SKU x warehouse (absolute quantities)."""

from __future__ import annotations

from typing import Any

from importer.vtex.http import Api, VtexHttp, json_body


class LogisticsClient:
    def __init__(self, http: VtexHttp) -> None:
        self.http = http

    async def warehouses(self) -> list[dict[str, Any]]:
        response = await self.http.request(
            Api.LOGISTICS, "GET", "/api/logistics/pvt/configuration/warehouses"
        )
        body = json_body(response)
        return body if isinstance(body, list) else []

    async def put_inventory(
        self, sku_id: int, warehouse_id: str, *, quantity: int, unlimited: bool, lead_time: str
    ) -> None:
        # All three fields, always: VTEX zeroes whatever a PUT leaves out (API-NOTES §5.1).
        await self.http.request(
            Api.LOGISTICS,
            "PUT",
            f"/api/logistics/pvt/inventory/skus/{sku_id}/warehouses/{warehouse_id}",
            body={"quantity": quantity, "unlimitedQuantity": unlimited, "leadTime": lead_time},
        )

    async def patch_quantity(
        self, sku_id: int, warehouse_id: str, *, quantity: int, unlimited: bool
    ) -> None:
        """Quantity only: leaves a lead time set in VTEX alone."""
        await self.http.request(
            Api.LOGISTICS,
            "PATCH",
            f"/api/logistics/pvt/inventory/skus/{sku_id}/warehouses/{warehouse_id}/quantity",
            body={"quantity": quantity, "unlimitedQuantity": unlimited},
        )
