"""The routing table: which handler answers which of VTEX's (method, path template) pairs.

Templates are the specs' own, so a route's id ("PUT /pricing/prices/{itemId}") is also the
contract's operation id. Routing looks at the path only, never the host; a path may carry the
account as a leading segment (api.vtex.com/{account}/pricing/...), which is dropped when the
path matches no route as given. Literal segments beat parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from importer.sandbox import (
    batch_inventory,
    bulk_pricing,
    catalog,
    context,
    eans,
    feed,
    files,
    kits,
    logistics,
    orders,
    pricing,
    specs,
)
from importer.sandbox.calls import Handler

__all__ = ["ROUTES", "Match", "Route", "Router"]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    specificity: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        segments = self.template.strip("/").split("/")
        regex = "/".join(
            f"(?P<{s[1:-1]}>[^/]+)" if s.startswith("{") else re.escape(s) for s in segments
        )
        object.__setattr__(self, "pattern", re.compile("/" + regex))
        # Per segment, 0 for a literal and 1 for a parameter: sorts literals first.
        object.__setattr__(self, "specificity", tuple(int(s.startswith("{")) for s in segments))

    @property
    def id(self) -> str:
        return f"{self.method} {self.template}"


ROUTES: tuple[Route, ...] = (
    # Catalog (API-NOTES §3)
    Route("POST", "/api/catalog/pvt/category", catalog.create_category),
    Route("GET", "/api/catalog/pvt/category/{categoryId}", catalog.get_category),
    Route("PUT", "/api/catalog/pvt/category/{categoryId}", catalog.update_category),
    Route("POST", "/api/catalog/pvt/brand", catalog.create_brand),
    Route("GET", "/api/catalog/pvt/brand/{brandId}", catalog.get_brand),
    Route("PUT", "/api/catalog/pvt/brand/{brandId}", catalog.update_brand),
    Route("GET", "/api/catalog_system/pvt/brand/list", catalog.list_brands),
    Route("POST", "/api/catalog/pvt/product", catalog.create_product),
    Route("GET", "/api/catalog/pvt/product/{productId}", catalog.get_product),
    Route("PUT", "/api/catalog/pvt/product/{productId}", catalog.update_product),
    Route(
        "GET",
        "/api/catalog_system/pvt/products/productgetbyrefid/{refId}",
        catalog.product_by_refid,
    ),
    Route("POST", "/api/catalog/pvt/stockkeepingunit", catalog.create_sku),
    Route("GET", "/api/catalog/pvt/stockkeepingunit", catalog.sku_by_refid_query),
    Route("GET", "/api/catalog/pvt/stockkeepingunit/{skuId}", catalog.get_sku),
    Route("PUT", "/api/catalog/pvt/stockkeepingunit/{skuId}", catalog.update_sku),
    Route(
        "GET",
        "/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/{refId}",
        catalog.sku_id_by_refid,
    ),
    Route(
        "POST",
        "/api/catalog_system/pub/sku/stockkeepingunitidsbyrefids",
        catalog.sku_ids_by_refids,
    ),
    Route("GET", "/api/catalog_system/pub/category/tree/{categoryLevels}", catalog.category_tree),
    Route("GET", "/api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}", context.sku_context),
    # Trade policies (API-NOTES §3.3)
    Route("GET", "/api/catalog/pvt/product/{productId}/salespolicy", catalog.list_trade_policies),
    Route(
        "POST",
        "/api/catalog/pvt/product/{productId}/salespolicy/{tradepolicyId}",
        catalog.add_trade_policy,
    ),
    Route(
        "DELETE",
        "/api/catalog/pvt/product/{productId}/salespolicy/{tradepolicyId}",
        catalog.remove_trade_policy,
    ),
    # SKU EANs (API-NOTES §3.5)
    Route("GET", "/api/catalog/pvt/stockkeepingunit/{skuId}/ean", eans.list_eans),
    Route("DELETE", "/api/catalog/pvt/stockkeepingunit/{skuId}/ean", eans.delete_all_eans),
    Route("POST", "/api/catalog/pvt/stockkeepingunit/{skuId}/ean/{ean}", eans.add_ean),
    Route("DELETE", "/api/catalog/pvt/stockkeepingunit/{skuId}/ean/{ean}", eans.delete_ean),
    # SKU files: images (API-NOTES §3.6)
    Route("GET", "/api/catalog/pvt/stockkeepingunit/{skuId}/file", files.list_files),
    Route("POST", "/api/catalog/pvt/stockkeepingunit/{skuId}/file", files.create_file),
    Route("DELETE", "/api/catalog/pvt/stockkeepingunit/{skuId}/file", files.delete_all_files),
    Route("PUT", "/api/catalog/pvt/stockkeepingunit/{skuId}/file/{skuFileId}", files.update_file),
    Route(
        "DELETE", "/api/catalog/pvt/stockkeepingunit/{skuId}/file/{skuFileId}", files.delete_file
    ),
    # Specifications (API-NOTES §3.7)
    Route(
        "PUT",
        "/api/catalog/pvt/product/{productId}/specificationvalue",
        specs.put_product_spec_by_name,
    ),
    Route(
        "PUT",
        "/api/catalog/pvt/stockkeepingunit/{skuId}/specificationvalue",
        specs.put_sku_spec_by_name,
    ),
    Route(
        "GET",
        "/api/catalog_system/pvt/products/{productId}/specification",
        specs.list_product_specs,
    ),
    Route(
        "GET",
        "/api/catalog/pvt/product/{productId}/specification",
        specs.list_product_spec_associations,
    ),
    Route(
        "DELETE", "/api/catalog/pvt/product/{productId}/specification", specs.delete_product_specs
    ),
    Route(
        "DELETE",
        "/api/catalog/pvt/product/{productId}/specification/{specificationId}",
        specs.delete_product_spec,
    ),
    Route("GET", "/api/catalog/pvt/stockkeepingunit/{skuId}/specification", specs.list_sku_specs),
    Route(
        "DELETE", "/api/catalog/pvt/stockkeepingunit/{skuId}/specification", specs.delete_sku_specs
    ),
    Route(
        "DELETE",
        "/api/catalog/pvt/stockkeepingunit/{skuId}/specification/{specificationId}",
        specs.delete_sku_spec,
    ),
    Route("POST", "/api/catalog/pvt/specificationgroup", specs.create_group),
    Route(
        "GET",
        "/api/catalog_system/pvt/specification/groupbycategory/{categoryId}",
        specs.groups_by_category,
    ),
    Route("POST", "/api/catalog/pvt/specification", specs.create_field),
    Route("GET", "/api/catalog/pvt/specification/{specificationId}", specs.get_field),
    Route(
        "GET",
        "/api/catalog_system/pub/specification/field/listByCategoryId/{categoryId}",
        specs.fields_by_category,
    ),
    Route(
        "POST",
        "/api/catalog/pvt/product/{productId}/specification",
        specs.associate_product_spec,
    ),
    # SKU kits (API-NOTES §12.8)
    Route("POST", "/api/catalog/pvt/stockkeepingunitkit", kits.create_kit_component),
    Route("GET", "/api/catalog/pvt/stockkeepingunitkit", kits.list_kit),
    Route("DELETE", "/api/catalog/pvt/stockkeepingunitkit", kits.delete_kit_components),
    Route("DELETE", "/api/catalog/pvt/stockkeepingunitkit/{kitId}", kits.delete_kit_component),
    # Pricing (API-NOTES §4.1)
    Route("PUT", "/pricing/prices/{itemId}", pricing.put_price),
    Route("GET", "/pricing/prices/{itemId}", pricing.get_price),
    Route("DELETE", "/pricing/prices/{itemId}", pricing.delete_price),
    Route("PATCH", "/pricing/prices/{itemId}/fixed", pricing.patch_fixed),
    Route("GET", "/pricing/prices/{itemId}/fixed", pricing.get_fixed),
    Route("GET", "/pricing/prices/{itemId}/fixed/{priceTableId}", pricing.get_fixed),
    Route("DELETE", "/pricing/prices/{itemId}/fixed/{priceTableId}", pricing.delete_fixed),
    # Logistics (API-NOTES §5.1)
    Route("POST", "/api/logistics/pvt/configuration/warehouses", logistics.save_warehouse),
    Route("GET", "/api/logistics/pvt/configuration/warehouses", logistics.list_warehouses),
    Route(
        "GET",
        "/api/logistics/pvt/configuration/warehouses/{warehouseId}",
        logistics.get_warehouse,
    ),
    Route(
        "PUT",
        "/api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}",
        logistics.put_inventory,
    ),
    Route(
        "PATCH",
        "/api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}/quantity",
        logistics.patch_quantity,
    ),
    Route(
        "PATCH",
        "/api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}/lead-time",
        logistics.patch_lead_time,
    ),
    Route("GET", "/api/logistics/pvt/inventory/skus/{skuId}", logistics.get_inventory),
    # Bulk Pricing and batch inventory jobs (API-NOTES §4.2, §5.2)
    Route("POST", "/api/price-importer/pvt/import/{importType}", bulk_pricing.start_import),
    Route("GET", "/api/price-importer/pvt/batches/{batchId}", bulk_pricing.get_batch),
    Route("GET", "/api/price-importer/pvt/batches/{batchId}/errors", bulk_pricing.get_errors),
    Route("POST", "/availability/v1/inventory/batch", batch_inventory.create_batch),
    Route("POST", "/availability/v1/inventory/batch/{batchId}/confirm", batch_inventory.confirm),
    Route("GET", "/availability/v1/inventory/batch/{batchId}/status", batch_inventory.status),
    Route("GET", "/availability/v1/inventory/batch/{batchId}/errors", batch_inventory.errors),
    # Orders (API-NOTES §6)
    Route("GET", "/api/oms/pvt/orders", orders.list_orders),
    Route("GET", "/api/oms/pvt/orders/{orderId}", orders.get_order),
    Route("POST", "/api/oms/pvt/orders/{orderId}/start-handling", orders.start_handling),
    Route("POST", "/api/oms/pvt/orders/{orderId}/invoice", orders.invoice_order),
    Route("PATCH", "/api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}", orders.update_invoice),
    Route(
        "PUT",
        "/api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking",
        orders.update_tracking_events,
    ),
    Route("POST", "/api/oms/pvt/orders/{orderId}/cancel", orders.cancel_order),
    # The guide's "Deny cancel order" (API-NOTES §12.2): in no OpenAPI spec of VTEX's
    Route(
        "POST",
        "/api/orders/pvt/document/{orderId}/deny-cancellation-request",
        orders.deny_cancellation_request,
    ),
    # Orders feed v3 (API-NOTES §6.1)
    Route("GET", "/api/orders/feed/config", feed.get_config),
    Route("POST", "/api/orders/feed/config", feed.post_config),
    Route("DELETE", "/api/orders/feed/config", feed.delete_config),
    Route("GET", "/api/orders/feed", feed.read),
    Route("POST", "/api/orders/feed", feed.commit),
)


@dataclass(frozen=True)
class Match:
    """The outcome of routing: a route and its parameters, or the methods the path allows."""

    path: str  # VTEX's path, without the account segment if one was dropped
    route: Route | None = None
    params: dict[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()  # when route is None: non-empty means 405, empty 404


class Router:
    def __init__(self, routes: tuple[Route, ...] = ROUTES) -> None:
        # A path can only match templates of as many segments (a parameter never spans a
        # '/'), and only those whose literal start it begins with: one string compare instead
        # of trying all ~95 patterns on every request. Within a group the order is the same as
        # over the whole table (literals before parameters), so routing does not change.
        self._by_segments: dict[int, list[tuple[str, Route]]] = {}
        for route in sorted(routes, key=lambda r: r.specificity):
            prefix = route.template.split("{", 1)[0]
            self._by_segments.setdefault(len(route.specificity), []).append((prefix, route))

    def match(self, method: str, path: str) -> Match:
        candidates = [path]
        rest = path.removeprefix("/")
        if "/" in rest:  # without a leading '/{account}' segment
            candidates.append("/" + rest.split("/", 1)[1])
        allowed: set[str] = set()
        first_hit: str | None = None
        for candidate in candidates:
            segments = candidate.strip("/").count("/") + 1
            for prefix, route in self._by_segments.get(segments, ()):
                if not candidate.startswith(prefix):
                    continue
                found = route.pattern.fullmatch(candidate)
                if found is None:
                    continue
                if route.method == method:
                    return Match(candidate, route, found.groupdict())
                allowed.add(route.method)
                first_hit = first_hit or candidate
        return Match(first_hit or path, None, {}, tuple(sorted(allowed)))
