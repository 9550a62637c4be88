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

    async def inventory(self, sku_id: int) -> list[dict[str, Any]] | None:
        """The SKU's stock per warehouse (`balance`), or None when VTEX does not know the SKU."""
        response = await self.http.request(
            Api.LOGISTICS,
            "GET",
            f"/api/logistics/pvt/inventory/skus/{sku_id}",
            allow_not_found=True,
        )
        if response.status_code == 404:
            return None
        body = json_body(response)
        balance = body.get("balance") if isinstance(body, dict) else None
        return [b for b in balance if isinstance(b, dict)] if isinstance(balance, list) else []

    async def put_inventory(
        self,
        sku_id: int,
        warehouse_id: str,
        *,
        quantity: int,
        unlimited: bool,
        lead_time: str,
        counted_at: str = "",
    ) -> None:
        # All three fields, always: VTEX zeroes whatever a PUT leaves out (API-NOTES §5.1).
        body: dict[str, Any] = {
            "quantity": quantity,
            "unlimitedQuantity": unlimited,
            "leadTime": lead_time,
        }
        _stamp(body, counted_at)
        await self.http.request(
            Api.LOGISTICS,
            "PUT",
            f"/api/logistics/pvt/inventory/skus/{sku_id}/warehouses/{warehouse_id}",
            body=body,
        )

    async def patch_quantity(
        self,
        sku_id: int,
        warehouse_id: str,
        *,
        quantity: int,
        unlimited: bool,
        counted_at: str = "",
    ) -> None:
        """Quantity only: leaves a lead time set in VTEX alone. Carries the count time too
        (the PATCH body has dateUtcOnBalanceSystem, as the PUT's does)."""
        body: dict[str, Any] = {"quantity": quantity, "unlimitedQuantity": unlimited}
        _stamp(body, counted_at)
        await self.http.request(
            Api.LOGISTICS,
            "PATCH",
            f"/api/logistics/pvt/inventory/skus/{sku_id}/warehouses/{warehouse_id}/quantity",
            body=body,
        )


def _stamp(body: dict[str, Any], counted_at: str) -> None:
    """`dateUtcOnBalanceSystem`: when the ERP counted this stock (UTC, RFC 3339 with "Z").
    Left out, VTEX takes the moment of the request, and releases the reservations of orders
    acknowledged between the count and the request, which the count does not reflect."""
    if counted_at:
        body["dateUtcOnBalanceSystem"] = counted_at
