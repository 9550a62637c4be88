"""Catalog API: categories, brands, products, SKUs and what hangs off them, plus the lookups
that turn ERP codes (RefIds) into VTEX ids.

Catalog PUTs replace the whole record (API-NOTES §3), so every update here is a GET, a merge
and a PUT of the full body. Creates are not idempotent: a create that timed out is looked up
by RefId before it is sent again (`create_once`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote

from importer.errors import RetriableVtexError
from importer.vtex.http import Api, VtexHttp, json_body

# VTEX answers 500 when a RefId repeats in one request (API-NOTES §9), so requests are
# de-duplicated; the chunk keeps bodies small.
REFID_CHUNK = 250

Json = dict[str, Any]


def _seg(value: str) -> str:
    """A path segment as VTEX expects it: RefIds may hold '/', spaces and accents."""
    return quote(value, safe="")


class CatalogClient:
    def __init__(self, http: VtexHttp) -> None:
        self.http = http

    async def _get(self, path: str) -> Any:
        return json_body(await self.http.request(Api.CATALOG, "GET", path))

    async def _get_or_none(self, path: str) -> Any:
        response = await self.http.request(Api.CATALOG, "GET", path, allow_not_found=True)
        return None if response.status_code == 404 else json_body(response)

    async def _send(
        self, method: str, path: str, body: object = None, *, replay: bool = True
    ) -> Any:
        response = await self.http.request(Api.CATALOG, method, path, body=body, replay=replay)
        return json_body(response)

    # -- lookups -----------------------------------------------------------------------------

    async def sku_ids_by_refs(self, refs: Sequence[str]) -> dict[str, int | None]:
        """RefId -> SKU id, None where VTEX has no SKU with that RefId."""
        unique = list(dict.fromkeys(refs))
        found: dict[str, int | None] = {}
        for start in range(0, len(unique), REFID_CHUNK):
            chunk = unique[start : start + REFID_CHUNK]
            body = await self._send(
                "POST", "/api/catalog_system/pub/sku/stockkeepingunitidsbyrefids", chunk
            )
            body = body or {}
            for ref in chunk:
                value = body.get(ref) if isinstance(body, dict) else None
                found[ref] = int(value) if value not in (None, "", 0, "0") else None
        return found

    async def product_by_ref(self, ref: str) -> Json | None:
        """VTEX answers 200 with a null body when no product has the RefId (a known issue)."""
        body = await self._get_or_none(
            f"/api/catalog_system/pvt/products/productgetbyrefid/{_seg(ref)}"
        )
        return body if isinstance(body, dict) and body.get("Id") else None

    async def category_tree(self, levels: int) -> list[Json]:
        body = await self._get(f"/api/catalog_system/pub/category/tree/{levels}")
        return body if isinstance(body, list) else []

    async def brands(self) -> list[Json]:
        body = await self._get("/api/catalog_system/pvt/brand/list")
        return body if isinstance(body, list) else []

    # -- categories and brands ---------------------------------------------------------------

    async def category(self, category_id: int) -> Json | None:
        """The category with this id, inactive ones too (the tree lists active ones only);
        None when VTEX has none."""
        body = await self._get_or_none(f"/api/catalog/pvt/category/{category_id}")
        return body if isinstance(body, dict) and body.get("Id") else None

    async def create_category(
        self, name: str, parent_id: int | None, *, active: bool = True, category_id: int = 0
    ) -> int:
        """`category_id` (0: VTEX picks one) is the spec's optional custom Id: a category
        created inactive cannot be found in the tree again, only by the Id it was given."""
        body: Json = {"Id": category_id} if category_id else {}
        body |= {
            "Name": name,
            "Keywords": name,
            "Title": name,
            "Description": name,
            "AdWordsRemarketingCode": None,
            "LomadeeCampaignCode": None,
            "FatherCategoryId": parent_id,
            "GlobalCategoryId": 0,
            "ShowInStoreFront": True,
            "IsActive": active,
            "ActiveStoreFrontLink": True,
            "ShowBrandFilter": True,
            "Score": None,
            "StockKeepingUnitSelectionMode": "SPECIFICATION",
        }
        created = await self._send("POST", "/api/catalog/pvt/category", body, replay=False)
        return int(created["Id"])

    async def create_brand(self, brand_id: int, name: str, *, active: bool = True) -> int:
        body = {
            "Id": brand_id,
            "Name": name,
            "Active": active,
            "MenuHome": False,
            "Text": name,
            "Keywords": name,
            "SiteTitle": name,
        }
        created = await self._send("POST", "/api/catalog/pvt/brand", body, replay=False)
        return int(created.get("Id", brand_id)) if isinstance(created, dict) else brand_id

    # -- products ----------------------------------------------------------------------------

    async def create_product(self, body: Json) -> int:
        created = await self._send("POST", "/api/catalog/pvt/product", body, replay=False)
        return int(created["Id"])

    async def get_product(self, product_id: int) -> Json:
        body = await self._get(f"/api/catalog/pvt/product/{product_id}")
        return body if isinstance(body, dict) else {}

    async def put_product(self, product_id: int, body: Json) -> None:
        await self._send("PUT", f"/api/catalog/pvt/product/{product_id}", body)

    async def link_trade_policy(self, product_id: int, trade_policy: int = 1) -> None:
        await self._send(
            "POST", f"/api/catalog/pvt/product/{product_id}/salespolicy/{trade_policy}"
        )

    async def unlink_trade_policy(self, product_id: int, trade_policy: int) -> None:
        await self._delete(f"/api/catalog/pvt/product/{product_id}/salespolicy/{trade_policy}")

    async def trade_policies(self, product_id: int) -> set[int]:
        """The trade policies (sales channels) the product is linked to."""
        body = await self._get(f"/api/catalog/pvt/product/{product_id}/salespolicy")
        return {
            int(link["StoreId"])
            for link in body or []
            if isinstance(link, dict) and link.get("StoreId") is not None
        }

    async def product_specs(self, product_id: int) -> dict[str, tuple[int | None, list[str]]]:
        """Field name -> (field id, values), as VTEX holds them for the product."""
        body = await self._get(f"/api/catalog_system/pvt/products/{product_id}/specification")
        specs: dict[str, tuple[int | None, list[str]]] = {}
        for item in body or []:
            if isinstance(item, dict) and item.get("Name"):
                field_id = int(item["Id"]) if item.get("Id") else None
                specs[str(item["Name"])] = (field_id, [str(v) for v in item.get("Value") or []])
        return specs

    async def delete_product_spec(self, product_id: int, field_id: int) -> None:
        """Removes the field's values from the product (VTEX wants the FieldId here for
        Combo, Radio and Checkbox fields, API-NOTES §3.7)."""
        await self._delete(f"/api/catalog/pvt/product/{product_id}/specification/{field_id}")

    async def sku_spec_associations(self, sku_id: int) -> list[Json]:
        body = await self._get(f"/api/catalog/pvt/stockkeepingunit/{sku_id}/specification")
        return [a for a in body or [] if isinstance(a, dict)]

    async def delete_sku_spec(self, sku_id: int, association_id: int) -> None:
        await self._delete(
            f"/api/catalog/pvt/stockkeepingunit/{sku_id}/specification/{association_id}"
        )

    async def set_product_spec(
        self, product_id: int, group: str, field: str, values: list[str]
    ) -> None:
        body = {
            "FieldName": field,
            "GroupName": group,
            "RootLevelSpecification": False,
            "FieldValues": values,
        }
        await self._send("PUT", f"/api/catalog/pvt/product/{product_id}/specificationvalue", body)

    async def add_product_spec_text(self, product_id: int, field_id: int, text: str) -> None:
        """The value of a field without values (Text, Number, ...): VTEX's by-name call takes
        only fields with values, so these are associated by FieldId with their Text."""
        body = {"FieldId": field_id, "Text": text}
        await self._send(
            "POST", f"/api/catalog/pvt/product/{product_id}/specification", body, replay=False
        )

    async def product_spec_associations(self, product_id: int) -> list[Json]:
        body = await self._get(f"/api/catalog/pvt/product/{product_id}/specification")
        return [a for a in body or [] if isinstance(a, dict)]

    # -- specification fields ---------------------------------------------------------------

    async def category_fields(self, category_id: int) -> list[Json]:
        """The specification fields a category has: {Name, CategoryId, FieldId, IsActive,
        IsStockKeepingUnit} (no type: `field` reads one)."""
        body = await self._get(
            f"/api/catalog_system/pub/specification/field/listByCategoryId/{category_id}"
        )
        return [f for f in body or [] if isinstance(f, dict)]

    async def field(self, field_id: int) -> Json:
        body = await self._get(f"/api/catalog/pvt/specification/{field_id}")
        return body if isinstance(body, dict) else {}

    async def category_groups(self, category_id: int) -> list[Json]:
        body = await self._get(
            f"/api/catalog_system/pvt/specification/groupbycategory/{category_id}"
        )
        return [g for g in body or [] if isinstance(g, dict)]

    async def create_group(self, category_id: int, name: str) -> int:
        body = {"CategoryId": category_id, "Name": name}
        created = await self._send(
            "POST", "/api/catalog/pvt/specificationgroup", body, replay=False
        )
        return int(created["Id"])

    async def create_field(self, body: Json) -> int:
        created = await self._send("POST", "/api/catalog/pvt/specification", body, replay=False)
        return int(created["Id"])

    # -- SKU kits ----------------------------------------------------------------------------

    async def kit_components(self, kit_sku_id: int) -> list[Json]:
        """The kit's component rows. The spec shows one object; a kit of several components is
        a list, and either is read."""
        body = await self._get_params(
            "/api/catalog/pvt/stockkeepingunitkit", {"parentSkuId": str(kit_sku_id)}
        )
        rows = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
        return [r for r in rows if isinstance(r, dict) and r.get("StockKeepingUnitId")]

    async def add_kit_component(
        self, kit_sku_id: int, component_sku_id: int, quantity: int, unit_price: float
    ) -> None:
        body = {
            "StockKeepingUnitParent": kit_sku_id,
            "StockKeepingUnitId": component_sku_id,
            "Quantity": quantity,
            "UnitPrice": unit_price,
        }
        await self._send("POST", "/api/catalog/pvt/stockkeepingunitkit", body, replay=False)

    async def clear_kit(self, kit_sku_id: int) -> None:
        """Removes every component of the kit (VTEX's delete by parentSkuId)."""
        await self.http.request(
            Api.CATALOG,
            "DELETE",
            "/api/catalog/pvt/stockkeepingunitkit",
            params={"parentSkuId": str(kit_sku_id)},
            allow_not_found=True,
        )

    async def _get_params(self, path: str, params: dict[str, str]) -> Any:
        return json_body(await self.http.request(Api.CATALOG, "GET", path, params=params))

    # -- SKUs --------------------------------------------------------------------------------

    async def create_sku(self, body: Json) -> int:
        created = await self._send("POST", "/api/catalog/pvt/stockkeepingunit", body, replay=False)
        return int(created["Id"])

    async def get_sku(self, sku_id: int) -> Json:
        body = await self._get(f"/api/catalog/pvt/stockkeepingunit/{sku_id}")
        return body if isinstance(body, dict) else {}

    async def put_sku(self, sku_id: int, body: Json) -> None:
        await self._send("PUT", f"/api/catalog/pvt/stockkeepingunit/{sku_id}", body)

    async def sku_context(self, sku_id: int) -> Json:
        """The SKU with its images, specifications and activity in one read."""
        body = await self._get(f"/api/catalog_system/pvt/sku/stockkeepingunitbyid/{sku_id}")
        return body if isinstance(body, dict) else {}

    async def eans(self, sku_id: int) -> list[str]:
        body = await self._get(f"/api/catalog/pvt/stockkeepingunit/{sku_id}/ean")
        return [str(e) for e in body or []]

    async def add_ean(self, sku_id: int, ean: str) -> None:
        await self._send(
            "POST", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/ean/{_seg(ean)}", replay=False
        )

    async def delete_ean(self, sku_id: int, ean: str) -> None:
        await self._delete(f"/api/catalog/pvt/stockkeepingunit/{sku_id}/ean/{_seg(ean)}")

    async def _delete(self, path: str) -> None:
        """A DELETE is done once the thing is gone: a 404 (its earlier, timed-out attempt
        already applied) counts as success."""
        await self.http.request(Api.CATALOG, "DELETE", path, allow_not_found=True)

    async def files(self, sku_id: int) -> list[Json]:
        body = await self._get(f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file")
        return [f for f in body or [] if isinstance(f, dict)]

    async def add_file(
        self, sku_id: int, *, url: str, name: str, is_main: bool, position: int
    ) -> None:
        body = {"Url": url, "Name": name, "IsMain": is_main, "Label": name, "Position": position}
        await self._send(
            "POST", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file", body, replay=False
        )

    async def update_file(
        self, file_id: int, sku_id: int, *, url: str, name: str, is_main: bool, position: int
    ) -> None:
        body = {"Url": url, "Name": name, "IsMain": is_main, "Label": name, "Position": position}
        await self._send("PUT", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file/{file_id}", body)

    async def delete_file(self, sku_id: int, file_id: int) -> None:
        await self._delete(f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file/{file_id}")

    async def set_sku_spec(self, sku_id: int, group: str, field: str, value: str) -> None:
        body = {
            "FieldName": field,
            "GroupName": group,
            "RootLevelSpecification": False,
            "FieldValues": [value],
        }
        await self._send(
            "PUT", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/specificationvalue", body
        )


async def create_once(
    create: Callable[[], Awaitable[int]],
    find: Callable[[], Awaitable[int | None]],
    attempts: int,
    pause: Callable[[int], Awaitable[None]],
) -> int:
    """Create something that a retry could duplicate: after a timeout or 5xx, look it up
    (by RefId, by name) before sending the create again (API-NOTES §8.4). `pause(attempt)`
    waits before the next attempt (`VtexHttp.pause_after`: the configured backoff)."""
    for attempt in range(1, attempts + 1):
        try:
            return await create()
        except RetriableVtexError:
            existing = await find()
            if existing is not None:
                return existing
            if attempt == attempts:
                raise
            await pause(attempt)
    raise AssertionError("unreachable")
