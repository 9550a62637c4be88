"""VTEX's Bulk Pricing API: one asynchronous job for many base prices (API-NOTES §4.2).

    POST /api/price-importer/pvt/import/base-prices {contentType, contentLengthBytes}
        -> {batchId, upload: {url, headers, expiresAt}}
    PUT upload.url (Content-Type: text/csv + upload.headers; never VTEX's credentials)
    GET /api/price-importer/pvt/batches/{batchId}            until COMPLETED[_WITH_ERRORS] | FAILED
    GET /api/price-importer/pvt/batches/{batchId}/errors     -> {url} of a CSV: the input's
        columns plus "Error Code" and "Error Message"

Only base prices go through it, and only rows that carry both a cost price and a list price:
- the CSV requires Cost Price (and has no markup column), so a row without a cost price, or
  with a markup (which VTEX would derive, and the importer checks per SKU), cannot be
  expressed; nor can a cost price of 0 (per SKU, it is sent as 0);
- VTEX does not document what an empty List Price does in an import. Per SKU, an empty
  list_price cell clears VTEX's list price and a file without the column keeps it; an import
  might do either;
- fixed prices stay per SKU (PATCH .../fixed, an upsert): whether a fixed-prices import
  replaces a SKU's other fixed prices or merges with them is undocumented (API-NOTES §11), and
  replacing would wipe fixed prices set in the admin that the file does not mention.
The base-prices CSV has no fixed-price columns, so an import leaves fixed prices alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from importer.errors import VtexError
from importer.rows import OutRow
from importer.vtex.batch_jobs import (
    ErrorLine,
    JobStatus,
    StartedJob,
    Upload,
    csv_bytes,
    download,
    named_columns,
    read_error_csv,
    started_job,
    unavailable,
    upload,
)
from importer.vtex.http import Api, VtexHttp, json_body

IMPORT_PATH = "/api/price-importer/pvt/import/base-prices"
BATCH_PATH = "/api/price-importer/pvt/batches/{}"
COLUMNS = ("SKU ID", "Cost Price", "Base Price", "List Price", "Child Account")
TERMINAL = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"})
# The error file's columns, as the report names them.
REPORT_COLUMNS = {
    "Cost Price": "cost_price",
    "Base Price": "base_price",
    "List Price": "list_price",
}


def _amount(text: object) -> Decimal | None:
    """A row's money text as a Decimal; None when blank, or when it is not a finite number
    (a value the CSV cannot write: the row goes per SKU, which reports it on its row)."""
    if text is None or str(text).strip() == "":
        return None
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


@dataclass(frozen=True)
class PriceLine:
    """One SKU's base price as the base-prices CSV needs it, and what tells whether the CSV
    can carry it (`can_carry`). Built from a row by `from_row`, the one place the client
    reads a row's keys."""

    sku_id: int  # the SKU's VTEX id (the file's sku_id, or the id its RefId resolved to)
    base_price: Decimal | None
    list_price: Decimal | None
    cost_price: Decimal | None
    # VTEX derives a base price from cost and markup; the CSV has no markup column, so only
    # whether the row has one matters (such a row goes per SKU, where the markup is checked).
    has_markup: bool = False
    trade_policy: str = ""  # a fixed price's trade policy; "" for the base price
    sku_column: str = "sku_id"  # the report column the file named the SKU in

    @classmethod
    def from_row(cls, row: OutRow) -> PriceLine:
        """The line of a row that `importer.push` resolved (its `sku_id`), as sent now or as
        recorded in the store with its job (raises `Unresolved` for a row push did not
        resolve)."""
        return cls(
            sku_id=row.resolved_sku(),
            base_price=_amount(row.get("base_price")),
            list_price=_amount(row.get("list_price")),
            cost_price=_amount(row.get("cost_price")),
            has_markup=bool(row.get("markup")),
            trade_policy=str(row.get("trade_policy") or ""),
            sku_column="sku_ref" if row.get("sku_ref") else "sku_id",
        )


def _positive(value: Decimal | None) -> bool:
    return value is not None and value > 0


def can_carry(line: PriceLine) -> bool:
    """A base price the base-prices CSV can express without losing anything."""
    return (
        not line.trade_policy
        and not line.has_markup  # no markup column: per SKU, where a markup is checked
        and _positive(line.base_price)
        and _positive(line.cost_price)
        and _positive(line.list_price)
    )


def _money(value: Decimal | None, column: str, line: PriceLine) -> str:
    if value is None:
        raise ValueError(f"SKU {line.sku_id}: no {column} to write (see can_carry)")
    return str(value)


class BulkPricingClient:
    feature = "bulk-pricing"
    title = "Bulk Pricing"
    terminal = TERMINAL
    needs_confirm = False

    def __init__(self, http: VtexHttp) -> None:
        self.http = http

    async def start(self, size: int) -> StartedJob:
        try:
            response = await self.http.request(
                Api.CATALOG,  # the account's own host, as the spec declares
                "POST",
                IMPORT_PATH,
                body={"contentType": "text/csv", "contentLengthBytes": size},
            )
        except VtexError as error:
            raise unavailable(error, f"POST {IMPORT_PATH}") from None
        return started_job(json_body(response))

    async def upload(self, target: Upload, content: bytes) -> None:
        await upload(self.http, target, content)

    async def confirm(self, batch_id: str) -> None:
        """Bulk Pricing processes an upload without a confirmation."""

    async def status(self, batch_id: str) -> JobStatus | None:
        response = await self.http.request(
            Api.CATALOG, "GET", BATCH_PATH.format(batch_id), allow_not_found=True
        )
        body = json_body(response)
        if response.status_code == 404 or not isinstance(body, dict):
            return None
        return JobStatus(str(body.get("status", "")), int(body.get("errorCount") or 0), body)

    async def error_lines(self, batch_id: str) -> list[ErrorLine]:
        response = await self.http.request(
            Api.CATALOG, "GET", BATCH_PATH.format(batch_id) + "/errors"
        )
        body = json_body(response)
        url = body.get("url") if isinstance(body, dict) else None
        if not url:
            return []
        return [
            ErrorLine(
                None,
                {"SKU ID": row.get("SKU ID", "")},
                row.get("Error Code", ""),
                row.get("Error Message", ""),
            )
            for row in read_error_csv(await download(self.http, str(url)))
        ]

    def line(self, row: OutRow) -> PriceLine:
        return PriceLine.from_row(row)

    def csv(self, lines: Sequence[PriceLine]) -> bytes:
        return csv_bytes(
            COLUMNS,
            [
                [
                    str(line.sku_id),
                    _money(line.cost_price, "cost price", line),
                    _money(line.base_price, "base price", line),
                    _money(line.list_price, "list price", line),
                    "",  # Child Account: this account
                ]
                for line in lines
            ],
        )

    def locator(self, lines: Sequence[PriceLine]) -> Callable[[ErrorLine], int | None]:
        # A base-prices job carries one line per SKU, so the SKU ID names the line.
        by_sku = {str(line.sku_id): i for i, line in enumerate(lines)}
        return lambda error: by_sku.get(error.ids.get("SKU ID", "").strip())

    def column(self, error: ErrorLine, line: PriceLine) -> str:
        named = named_columns(error.message, REPORT_COLUMNS)
        if named:
            return named
        if "SKU" in error.code.upper() or "sku" in error.message.lower():
            return line.sku_column
        return ""

    def retriable(self, code: str) -> bool:
        # VTEX documents no Bulk Pricing error codes: whatever the file says, the row is
        # retried (per SKU, where VTEX answers for it alone: see importer.batches).
        return True
