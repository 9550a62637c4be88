"""Bulk Pricing routes (API-NOTES §4.2): an import job driven by a CSV uploaded to storage.

    POST /api/price-importer/pvt/import/{importType}   -> 200 {batchId, status, upload{...}}
    GET  /api/price-importer/pvt/batches/{batchId}     -> the job; each poll moves it one stage
    GET  /api/price-importer/pvt/batches/{batchId}/errors -> {url} of the error CSV

The job: AWAITING_UPLOAD -> (upload) RECEIVED -> VALIDATING -> PROCESSING -> DOCUMENTING ->
COMPLETED | COMPLETED_WITH_ERRORS | FAILED: each status poll moves it one stage, and one more
per STAGE_S seconds on the sandbox clock since its last move (so a client that polls every few
seconds sees it finish at once, and a test on virtual time needs no waiting). Rows are applied
when PROCESSING ends.

- base-prices (`SKU ID,Cost Price,Base Price[,List Price][,Child Account]`): a valid line sets
  the SKU's cost, base and list price as a PUT with basePrice + costPrice + listPrice would
  (markup derived), and keeps its fixed prices (the CSV has no column for them).
- fixed-prices (`SKU ID,Trade Policy,Price[,List Price][,Min Quantity][,Date From][,Date To]
  [,Child Account]`): each line is upserted as PATCH .../fixed does (VTEX does not say whether
  an import replaces a SKU's other fixed prices; the sandbox merges).
- A file whose header lacks the required columns, in order, or whose size is not the
  contentLengthBytes announced, makes the job FAILED (nothing applied).

Choices where VTEX is silent (its error codes are undocumented): a SKU ID the catalog does
not have -> SKU_NOT_FOUND; an empty required cell -> MISSING_REQUIRED_FIELD; a price that is
not a decimal >= 0 (or a bad Min Quantity or date) -> INVALID_VALUE, naming the column; a
Child Account -> INVALID_CHILD_ACCOUNT (the sandbox has none). An empty List Price clears the
list price, as an omitted listPrice in a PUT does. The error CSV has the input's columns plus
`Error Code` and `Error Message`. An account without the feature (`features_off` holds
"bulk-pricing") gets 403 on start. Upload URLs live 600 s, error-file URLs 600 s.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation

from importer.sandbox import storage
from importer.sandbox.calls import ApiError, Call, Reply, as_int, as_str, body_object
from importer.sandbox.pricing import _base_cost_markup, _upsert
from importer.sandbox.state import Record, Store

__all__ = ["FEATURE", "get_batch", "get_errors", "start_import"]

FEATURE = "bulk-pricing"
MAX_BYTES = 500 * 1024 * 1024
UPLOAD_TTL_S = 600.0
STAGE_S = 0.5
ERRORS_TTL_S = 600.0
_REQUIRED = {
    "base": ("SKU ID", "Cost Price", "Base Price"),
    "fixed": ("SKU ID", "Trade Policy", "Price"),
}
_TERMINAL = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"})
_PUBLIC = (
    "batchId", "type", "status", "stages", "outputs", "bytesProcessed", "bytesTotal",
    "errorCount", "createdAt", "startedAt",
)  # fmt: skip


def _stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _move(job: Record, status: str, now: datetime) -> None:
    job["status"] = status
    job["stages"].append({"status": status, "timestamp": _stamp(now)})
    job["_moved"] = None  # the sandbox clock of the move: set by `_advance`


def start_import(store: Store, call: Call) -> Reply:
    if FEATURE in store.features_off:
        raise ApiError(403, "Bulk Pricing is not enabled for this account")
    kind = {"base-prices": "base", "fixed-prices": "fixed"}.get(call.params["importType"])
    if kind is None:
        raise ApiError(404, "importType must be base-prices or fixed-prices")
    body = body_object(call)
    if as_str(body.get("contentType"), "contentType") != "text/csv":
        raise ApiError(422, "contentType must be text/csv")
    size = as_int(body.get("contentLengthBytes"), "contentLengthBytes")
    if size is None or size < 0:
        raise ApiError(422, "contentLengthBytes must be a number of bytes")
    if size > MAX_BYTES:
        raise ApiError(413, "the file exceeds the 500 MB limit: split it")
    batch_id = str(uuid.uuid4())
    path = f"/imports/{batch_id}.csv"
    url, expires_at = storage.presign(
        store,
        origin=call.origin,
        path=path,
        method="PUT",
        ttl_s=UPLOAD_TTL_S,
        clock=call.clock,
        now=call.now,
    )
    job: Record = {
        "batchId": batch_id,
        "type": kind,
        "status": "AWAITING_UPLOAD",
        "stages": [],
        "outputs": [],
        "bytesProcessed": 0,
        "bytesTotal": size,
        "errorCount": 0,
        "createdAt": _stamp(call.now),
        "_object": path,
        "_errors": [],
        "_header": [],
    }
    _move(job, "AWAITING_UPLOAD", call.now)
    store.batch_jobs[batch_id] = job
    upload = {"method": "PUT", "url": url, "headers": {"Content-Type": "text/csv"}}
    return Reply(
        body={
            "batchId": batch_id,
            "status": "AWAITING_UPLOAD",
            "upload": {**upload, "expiresAt": expires_at},
        }
    )


def _job(store: Store, call: Call) -> Record:
    job = store.batch_jobs.get(call.params["batchId"])
    if job is None or "type" not in job:  # unknown, or a batch inventory job
        raise ApiError(404, "batch not found")
    return job


def get_batch(store: Store, call: Call) -> Reply:
    job = _job(store, call)
    moved = job.get("_moved")
    steps = 1 + (int((call.clock - moved) / STAGE_S) if moved is not None else 0)
    for _ in range(steps):
        before = job["status"]
        _advance(store, job, call.now)
        if job["status"] == before:
            break  # waiting for the upload, or over
        job["_moved"] = call.clock
    return Reply(body={k: job[k] for k in _PUBLIC if k in job})


def get_errors(store: Store, call: Call) -> Reply:
    job = _job(store, call)
    if job["status"] not in _TERMINAL:
        raise ApiError(404, "the error report is not ready: the batch is still processing")
    header = [*job["_header"], "Error Code", "Error Message"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for cells, code, message in job["_errors"]:
        writer.writerow([*cells, code, message])
    url, _ = storage.presign(
        store,
        origin=call.origin,
        path=f"/errors/{job['batchId']}.csv",
        method="GET",
        ttl_s=ERRORS_TTL_S,
        clock=call.clock,
        now=call.now,
        content=out.getvalue().encode("utf-8"),
    )
    return Reply(body={"url": url})


def _advance(store: Store, job: Record, now: datetime) -> None:
    status = job["status"]
    content = storage.content_of(store, job["_object"])
    if status == "AWAITING_UPLOAD" and content is not None:
        _move(job, "RECEIVED", now)
    elif status == "RECEIVED":
        job["startedAt"] = _stamp(now)
        _move(job, "VALIDATING", now)
    elif status == "VALIDATING":
        assert content is not None
        rows = _rows(content)
        required = _REQUIRED[job["type"]]
        header = rows[0] if rows else []
        job["_header"] = header
        if len(content) != job["bytesTotal"] or tuple(header[: len(required)]) != required:
            _move(job, "FAILED", now)
        else:
            _move(job, "PROCESSING", now)
    elif status == "PROCESSING":
        assert content is not None
        rows = _rows(content)
        apply = _apply_base if job["type"] == "base" else _apply_fixed
        for cells in rows[1:]:
            named = dict(zip(rows[0], cells, strict=False))
            problem = apply(store, named)
            if problem is not None:
                job["_errors"].append((cells, *problem))
        job["bytesProcessed"] = job["bytesTotal"]
        job["errorCount"] = len(job["_errors"])
        _move(job, "DOCUMENTING", now)
    elif status == "DOCUMENTING":
        _move(job, "COMPLETED_WITH_ERRORS" if job["_errors"] else "COMPLETED", now)


def _rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8-sig", errors="replace")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)) if row]


def _decimal(named: dict[str, str], column: str, *, required: bool) -> Decimal | None:
    text = named.get(column, "")
    if not text:
        if required:
            raise _RowError("MISSING_REQUIRED_FIELD", f"{column} is required")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _RowError("INVALID_VALUE", f"{column} is not a decimal number: {text}") from None
    if not value.is_finite() or value < 0:
        raise _RowError("INVALID_VALUE", f"{column} must be a decimal >= 0: {text}")
    return value


class _RowError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _sku(store: Store, named: dict[str, str]) -> int:
    text = named.get("SKU ID", "")
    if not text:
        raise _RowError("MISSING_REQUIRED_FIELD", "SKU ID is required")
    if not text.isdigit() or int(text) not in store.skus:
        raise _RowError("SKU_NOT_FOUND", f"SKU ID {text} does not exist in the catalog")
    if named.get("Child Account"):
        raise _RowError(
            "INVALID_CHILD_ACCOUNT", f"Child Account {named['Child Account']} is unknown"
        )
    return int(text)


def _apply_base(store: Store, named: dict[str, str]) -> tuple[str, str] | None:
    try:
        sku_id = _sku(store, named)
        cost = _decimal(named, "Cost Price", required=True)
        base = _decimal(named, "Base Price", required=True)
        list_price = _decimal(named, "List Price", required=False)
    except _RowError as error:
        return error.code, error.message
    base_price, cost_price, markup = _base_cost_markup({"basePrice": base, "costPrice": cost})
    current = store.prices.get(sku_id) or {}
    store.prices[sku_id] = {
        "itemId": str(sku_id),
        "listPrice": list_price,
        "costPrice": cost_price,
        "markup": markup,
        "basePrice": base_price,
        "fixedPrices": current.get("fixedPrices") or [],
    }
    return None


def _apply_fixed(store: Store, named: dict[str, str]) -> tuple[str, str] | None:
    try:
        sku_id = _sku(store, named)
        policy = named.get("Trade Policy", "")
        if not policy:
            raise _RowError("MISSING_REQUIRED_FIELD", "Trade Policy is required")
        entry: Record = {
            "tradePolicyId": policy,
            "value": _decimal(named, "Price", required=True),
            "minQuantity": _min_quantity(named.get("Min Quantity", "")),
        }
        list_price = _decimal(named, "List Price", required=False)
        if list_price is not None:
            entry["listPrice"] = list_price
        start, end = named.get("Date From", ""), named.get("Date To", "")
        if start or end:
            entry["dateRange"] = {"from": _utc(start, "Date From"), "to": _utc(end, "Date To")}
        current = store.prices.get(sku_id) or {
            "itemId": str(sku_id),
            "listPrice": None,
            "costPrice": None,
            "markup": None,
            "basePrice": None,
            "fixedPrices": [],
        }
        current["fixedPrices"] = _upsert(current["fixedPrices"], [entry], "row")
        store.prices[sku_id] = current
    except _RowError as error:
        return error.code, error.message
    except ApiError as error:  # what PATCH .../fixed would refuse (a date range backwards)
        return "INVALID_VALUE", error.message
    return None


def _min_quantity(text: str) -> int:
    if not text:
        return 1
    if not text.isdigit() or int(text) < 1:
        raise _RowError("INVALID_VALUE", f"Min Quantity must be a whole number >= 1: {text}")
    return int(text)


def _utc(text: str, column: str) -> str:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _RowError("INVALID_VALUE", f"{column} is not an ISO 8601 UTC date: {text}") from None
    if parsed.tzinfo is None or parsed.utcoffset():
        raise _RowError("INVALID_VALUE", f"{column} must be in UTC (…Z): {text}")
    return text
