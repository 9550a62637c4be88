"""Pricing API (api.vtex.com/{account}/pricing): money in decimal currency units, never cents."""

from __future__ import annotations

from typing import Any

from importer.vtex.http import Api, VtexHttp, json_body


class PricingClient:
    def __init__(self, http: VtexHttp) -> None:
        self.http = http

    async def get_price(self, sku_id: int) -> dict[str, Any] | None:
        """The SKU's base and fixed prices, or None when it has no price yet."""
        response = await self.http.request(
            Api.PRICING, "GET", f"/pricing/prices/{sku_id}", allow_not_found=True
        )
        if response.status_code == 404:
            return None
        body = json_body(response)
        return body if isinstance(body, dict) else None

    async def put_price(self, sku_id: int, body: dict[str, Any]) -> None:
        """Create or replace: the body's fixedPrices REPLACE all the SKU's fixed prices."""
        await self.http.request(Api.PRICING, "PUT", f"/pricing/prices/{sku_id}", body=body)

    async def patch_fixed(self, sku_id: int, entries: list[dict[str, Any]]) -> None:
        """Upsert fixed prices by trade policy + min quantity + date range; removes nothing."""
        await self.http.request(
            Api.PRICING, "PATCH", f"/pricing/prices/{sku_id}/fixed", body=entries
        )
