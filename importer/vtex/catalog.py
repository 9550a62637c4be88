"""Catalog API: the lookups that turn an ERP code (RefId) into a VTEX SKU id."""

from __future__ import annotations

from collections.abc import Sequence

from importer.vtex.http import Api, VtexHttp, json_body

# VTEX answers 500 when a RefId repeats in one request (API-NOTES §9), so requests are
# de-duplicated; the chunk keeps bodies small.
REFID_CHUNK = 250


class CatalogClient:
    def __init__(self, http: VtexHttp) -> None:
        self.http = http

    async def sku_ids_by_refs(self, refs: Sequence[str]) -> dict[str, int | None]:
        """RefId -> SKU id, None where VTEX has no SKU with that RefId."""
        unique = list(dict.fromkeys(refs))
        found: dict[str, int | None] = {}
        for start in range(0, len(unique), REFID_CHUNK):
            chunk = unique[start : start + REFID_CHUNK]
            response = await self.http.request(
                Api.CATALOG,
                "POST",
                "/api/catalog_system/pub/sku/stockkeepingunitidsbyrefids",
                body=chunk,
            )
            body = json_body(response) or {}
            for ref in chunk:
                value = body.get(ref) if isinstance(body, dict) else None
                found[ref] = int(value) if value not in (None, "", 0, "0") else None
        return found
