"""Orders (OMS) and Feed v3: money in integer cents, as VTEX sends it (API-NOTES §6-7)."""

from __future__ import annotations

from typing import Any

from importer.errors import RowRejectedError
from importer.vtex.catalog import _seg
from importer.vtex.http import Api, VtexHttp, json_body

Json = dict[str, Any]

# The feed the importer wants (API-NOTES §6.1): orders ready for the ERP, cancellations, and
# replacements (issue 12: the ERP guide lists `replaced` among the statuses to act on).
FEED_CONFIG: Json = {
    "filter": {
        "type": "FromWorkflow",
        "status": [
            "ready-for-handling",
            "cancellation-requested",
            "request-cancel",
            "canceled",
            "replaced",
        ],
    },
    "queue": {"visibilityTimeoutInSeconds": 240, "MessageRetentionPeriodInSeconds": 345600},
}
MAX_LOT = 10  # VTEX returns at most 10 events per read


class OrdersClient:
    def __init__(self, http: VtexHttp) -> None:
        self.http = http

    async def feed_config(self) -> Json | None:
        response = await self.http.request(
            Api.ORDERS, "GET", "/api/orders/feed/config", allow_not_found=True
        )
        if response.status_code == 404:
            return None
        body = json_body(response)
        return body if isinstance(body, dict) else None

    async def set_feed_config(self, config: Json = FEED_CONFIG) -> None:
        await self.http.request(Api.ORDERS, "POST", "/api/orders/feed/config", body=config)

    async def read_feed(self, maxlot: int = MAX_LOT) -> list[Json] | None:
        """Up to `maxlot` events; None when the feed has no configuration (404)."""
        response = await self.http.request(
            Api.ORDERS,
            "GET",
            "/api/orders/feed",
            params={"maxlot": str(min(maxlot, MAX_LOT))},
            allow_not_found=True,
        )
        if response.status_code == 404:
            return None
        body = json_body(response)
        return [e for e in body or [] if isinstance(e, dict)]

    async def commit(self, handles: list[str]) -> None:
        if handles:
            await self.http.request(
                Api.ORDERS, "POST", "/api/orders/feed", body={"handles": handles}
            )

    async def get_order(self, order_id: str) -> Json | None:
        response = await self.http.request(
            Api.ORDERS, "GET", f"/api/oms/pvt/orders/{_seg(order_id)}", allow_not_found=True
        )
        if response.status_code == 404:
            return None
        body = json_body(response)
        return body if isinstance(body, dict) else None

    async def list_orders(self, status: str, page: int, per_page: int = 100) -> Json:
        response = await self.http.request(
            Api.ORDERS,
            "GET",
            "/api/oms/pvt/orders",
            params={
                "f_status": status,
                "page": str(page),
                "per_page": str(per_page),
                "orderBy": "creationDate,asc",
            },
        )
        body = json_body(response)
        return body if isinstance(body, dict) else {}

    async def start_handling(self, order_id: str) -> bool:
        """True when the order is now in handling; False on 409 (it was not ready: the
        caller reads the order to see whether it is already handled)."""
        try:
            await self.http.request(
                Api.ORDERS, "POST", f"/api/oms/pvt/orders/{_seg(order_id)}/start-handling"
            )
        except RowRejectedError as exc:
            if exc.status == 409:
                return False
            raise
        return True

    async def post_invoice(self, order_id: str, body: Json) -> Json:
        response = await self.http.request(
            Api.ORDERS, "POST", f"/api/oms/pvt/orders/{_seg(order_id)}/invoice", body=body
        )
        result = json_body(response)
        return result if isinstance(result, dict) else {}

    async def update_tracking(self, order_id: str, invoice_number: str, body: Json) -> None:
        await self.http.request(
            Api.ORDERS,
            "PATCH",
            f"/api/oms/pvt/orders/{_seg(order_id)}/invoice/{_seg(invoice_number)}",
            body=body,
        )

    async def put_tracking_events(self, order_id: str, invoice_number: str, body: Json) -> None:
        """The invoice's whole tracking state: isDelivered, deliveredDate and every event
        (API-NOTES §12.3; a replace, so a retry after a timeout sends the same again)."""
        await self.http.request(
            Api.ORDERS,
            "PUT",
            f"/api/oms/pvt/orders/{_seg(order_id)}/invoice/{_seg(invoice_number)}/tracking",
            body=body,
        )

    async def cancel(self, order_id: str, reason: str) -> None:
        """Cancel the order, or accept a customer's cancellation request (the same call), with
        its reason (API-NOTES §6.7, §12.1). Not replayed: whether a second cancel is harmless
        is not documented, so after a timeout the caller reads the order."""
        await self.http.request(
            Api.ORDERS,
            "POST",
            f"/api/oms/pvt/orders/{_seg(order_id)}/cancel",
            body={"reason": reason},
            replay=False,
        )

    async def deny_cancellation(self, order_id: str, request_id: str, reason: str) -> None:
        """Deny a customer's cancellation request (API-NOTES §12.2: in VTEX's guide, in no
        OpenAPI spec; importer/vtex/documented/ holds its contract). 200 without a body. Not
        replayed: a second deny is refused (400), so after a timeout the caller reads the
        order."""
        await self.http.request(
            Api.ORDERS,
            "POST",
            f"/api/orders/pvt/document/{_seg(order_id)}/deny-cancellation-request",
            body={"cancellationRequestId": request_id, "denyReason": reason},
            replay=False,
        )
