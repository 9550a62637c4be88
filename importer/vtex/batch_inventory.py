"""VTEX's batch inventory jobs: one CSV for many SKU x warehouse rows (API-NOTES §5.2).

    POST /availability/v1/inventory/batch (no body)     -> 201 {batchId, upload: {url, ...}}
    PUT upload.url (Content-Type: text/csv + upload.headers; never VTEX's credentials)
    POST .../batch/{batchId}/confirm                    -> 202 (QUEUED)
    GET .../batch/{batchId}/status                      until COMPLETED[_WITH_ERRORS] | FAILED
                                                        | EXPIRED
    GET .../batch/{batchId}/errors                      -> {downloadUrl} (204: no errors), a CSV
        line_number,item_id,container_id,error_code,error_message

On logistics.{environment}.com.br/{account}: the account is a path segment. Early access: an
account without the feature answers 403 on create (FeatureUnavailable).

Only rows that carry a lead time go through a batch: the CSV's lead_time "defaults to 0 when
omitted", while per SKU the importer sends a quantity-only PATCH that leaves the lead time set
in VTEX alone. The CSV has no column for when the stock was counted (dateUtcOnBalanceSystem):
stock goes in a batch only when the store accepts that (`batch_without_count_time`), and a
row whose file wrote a `balance_at` never does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from importer.errors import RowRejectedError, VtexError
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

BATCH_PATH = "/availability/v1/inventory/batch"
COLUMNS = ("item_id", "account_name", "container_id", "quantity", "unlimited", "lead_time")
TERMINAL = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "EXPIRED"})
# Errors in the data itself: VTEX never retries them and neither does the importer (the row is
# reported as failed, as a per-SKU 400 would be). UPDATE_FAILED, the conflicts and UNKNOWN may
# pass when sent again.
DETERMINISTIC = frozenset(
    {"INVALID_QUANTITY", "MISSING_REQUIRED_FIELD", "INVALID_DATE_FORMAT", "INVALID_FORMAT"}
)
_CODE_COLUMNS = {"INVALID_QUANTITY": "quantity", "INVALID_DATE_FORMAT": "lead_time"}
_TIMESPAN = re.compile(r"(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})")


@dataclass(frozen=True)
class StockLine:
    """One SKU x warehouse as the batch CSV needs it, and what tells whether the CSV can carry
    it (`can_carry`). Built from a row by `from_row`, the one place the client reads a row's
    keys."""

    sku_id: int  # item_id: the SKU's VTEX id (the file's sku_id, or its RefId's)
    warehouse_id: str  # container_id: the warehouse's id as VTEX spells it
    quantity: int
    unlimited: bool
    lead_time: str = ""  # "d.hh:mm:ss" as the file wrote it; "" when it has none
    balance_at: str = ""  # the count time the file wrote; "" when it wrote none
    sku_column: str = "sku_id"  # the report column the file named the SKU in

    @classmethod
    def from_row(cls, row: OutRow) -> StockLine:
        """The line of a row that `importer.push` resolved (its `sku_id`) and whose warehouse
        VTEX knows (its `warehouse`), as sent now or as recorded in the store with its job
        (raises `Unresolved` for a row push did not resolve)."""
        return cls(
            sku_id=row.resolved_sku(),
            warehouse_id=row.vtex_warehouse(),
            quantity=int(row.get("quantity") or 0),
            unlimited=row.get("unlimited") == "true",
            lead_time=row.get("lead_time"),
            balance_at=row.get("balance_at"),
            sku_column="sku_ref" if row.get("sku_ref") else "sku_id",
        )


def can_carry(line: StockLine) -> bool:
    """A line the batch CSV can express without zeroing a lead time the file does not own, nor
    dropping a count time the file wrote (`balance_at`: the CSV has no column for it, so such
    a line goes per SKU, where dateUtcOnBalanceSystem carries it)."""
    if line.balance_at:
        return False
    return bool(line.lead_time) and _TIMESPAN.fullmatch(line.lead_time) is not None


def iso_duration(lead_time: str) -> str:
    """VTEX's "d.hh:mm:ss" as the batch CSV's ISO 8601 duration, in hours as VTEX's examples
    write it: "1.00:00:00" -> "PT24H", "00:30:00" -> "PT30M", zero -> "PT0S"."""
    match = _TIMESPAN.fullmatch(lead_time)
    if match is None:
        raise ValueError(f"lead time {lead_time!r} is not d.hh:mm:ss")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    hours += days * 24
    parts = [f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n]
    return "PT" + ("".join(parts) or "0S")


class BatchInventoryClient:
    feature = "batch-inventory"
    title = "batch inventory"
    terminal = TERMINAL
    needs_confirm = True

    def __init__(self, http: VtexHttp) -> None:
        self.http = http
        self.account = http.settings.account

    async def start(self, size: int) -> StartedJob:
        try:
            response = await self.http.request(Api.LOGISTICS_BATCH, "POST", BATCH_PATH)
        except VtexError as error:
            raise unavailable(error, f"POST {BATCH_PATH}") from None
        return started_job(json_body(response))

    async def upload(self, target: Upload, content: bytes) -> None:
        await upload(self.http, target, content)

    async def confirm(self, batch_id: str) -> None:
        try:
            await self.http.request(Api.LOGISTICS_BATCH, "POST", f"{BATCH_PATH}/{batch_id}/confirm")
        except RowRejectedError as error:
            if error.status != 400:
                raise
            # 400: "already processing or invalid state". The status says which.
            status = await self.status(batch_id)
            if status is None or status.status == "AWAITING_UPLOAD":
                raise
            # Already confirmed (by a run that crashed before recording it).

    async def status(self, batch_id: str) -> JobStatus | None:
        response = await self.http.request(
            Api.LOGISTICS_BATCH, "GET", f"{BATCH_PATH}/{batch_id}/status", allow_not_found=True
        )
        body = json_body(response)
        if response.status_code == 404 or not isinstance(body, dict):
            return None
        return JobStatus(str(body.get("status", "")), int(body.get("errorCount") or 0), body)

    async def error_lines(self, batch_id: str) -> list[ErrorLine]:
        response = await self.http.request(
            Api.LOGISTICS_BATCH, "GET", f"{BATCH_PATH}/{batch_id}/errors"
        )
        body = json_body(response) if response.status_code != 204 else None
        url = body.get("downloadUrl") if isinstance(body, dict) else None
        if not url:
            return []
        lines: list[ErrorLine] = []
        for row in read_error_csv(await download(self.http, str(url))):
            number = row.get("line_number", "")
            lines.append(
                ErrorLine(
                    int(number) if number.isdigit() else None,
                    {
                        "item_id": row.get("item_id", ""),
                        "container_id": row.get("container_id", ""),
                    },
                    row.get("error_code", ""),
                    row.get("error_message", ""),
                )
            )
        return lines

    def line(self, row: OutRow) -> StockLine:
        return StockLine.from_row(row)

    def csv(self, lines: Sequence[StockLine]) -> bytes:
        return csv_bytes(
            COLUMNS,
            [
                [
                    str(line.sku_id),
                    self.account,
                    line.warehouse_id,
                    str(line.quantity),
                    "true" if line.unlimited else "false",
                    iso_duration(line.lead_time),
                ]
                for line in lines
            ],
        )

    def locator(self, lines: Sequence[StockLine]) -> Callable[[ErrorLine], int | None]:
        # The SKU x warehouse names the line (one each); the line number is the fallback.
        by_ids = {
            (str(line.sku_id), line.warehouse_id.casefold()): i for i, line in enumerate(lines)
        }

        def locate(error: ErrorLine) -> int | None:
            key = (error.ids.get("item_id", ""), error.ids.get("container_id", "").casefold())
            if key in by_ids:
                return by_ids[key]
            if error.line is not None and 0 <= error.line - 2 < len(lines):
                return error.line - 2  # line 1 is the header
            return None

        return locate

    def column(self, error: ErrorLine, line: StockLine) -> str:
        sku_column = line.sku_column
        named = named_columns(
            error.message,
            {
                "container_id": "warehouse_id",
                "warehouse": "warehouse_id",
                "item_id": sku_column,
                "quantity": "quantity",
                "lead_time": "lead_time",
                "unlimited": "unlimited",
            },
        )
        return named or _CODE_COLUMNS.get(error.code, sku_column if error.code == "UNKNOWN" else "")

    def retriable(self, code: str) -> bool:
        return code not in DETERMINISTIC
