"""Batch inventory routes (API-NOTES §5.2), on logistics.{environment}.com.br/{account}.

    POST /availability/v1/inventory/batch                  -> 201 {batchId, status, upload{...}}
    PUT  upload.url (storage): the CSV, named {batchId}.csv
    POST /availability/v1/inventory/batch/{batchId}/confirm -> 202 (QUEUED)
    GET  .../batch/{batchId}/status                         -> the job; each poll moves it on
    GET  .../batch/{batchId}/errors                         -> 200 {batchId, downloadUrl,
                                                               errorCount}, or 204

The job: AWAITING_UPLOAD -> (confirm) QUEUED -> PROCESSING -> COMPLETED |
COMPLETED_WITH_ERRORS | FAILED: each status poll moves it one stage, and one more per STAGE_S
seconds on the sandbox clock since its last move; rows are applied when PROCESSING ends.
EXPIRED: not uploaded within 30 minutes of creation, or not confirmed within 30 minutes of the
upload (on the sandbox clock, `Sandbox.advance`). Confirm: 400 when nothing was uploaded, when
the job is no longer AWAITING_UPLOAD, or when it expired.

CSV: `item_id,account_name,container_id,quantity,unlimited,lead_time`, that header exactly
(else the job is FAILED, nothing applied). A valid line sets the SKU x warehouse as a PUT
would: quantity, unlimitedQuantity, leadTime (ISO 8601 duration -> "d.hh:mm:ss"; empty -> 0,
as VTEX documents), dateUtcOnBalanceSystem = now. Bad lines go to the error CSV
(`line_number,item_id,container_id,error_code,error_message`; line 1 is the header):
wrong number of cells or an `unlimited` other than true/false -> INVALID_FORMAT; an empty
required cell -> MISSING_REQUIRED_FIELD; a quantity that is not a whole number >= 0 ->
INVALID_QUANTITY; a bad lead_time -> INVALID_DATE_FORMAT; an unknown SKU (as VTEX documents),
warehouse or account_name -> UNKNOWN. An account without the feature (`features_off` holds
"batch-inventory") gets 403 on create: it is early access.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime

from importer.sandbox import reservations, storage
from importer.sandbox.calls import ApiError, Call, Reply
from importer.sandbox.logistics import _timespan
from importer.sandbox.state import Record, Store

__all__ = ["FEATURE", "confirm", "create_batch", "errors", "status"]

FEATURE = "batch-inventory"
COLUMNS = ["item_id", "account_name", "container_id", "quantity", "unlimited", "lead_time"]
WINDOW_S = 30 * 60.0  # to upload after creation, and to confirm after the upload
ERRORS_TTL_S = 60 * 60.0
STAGE_S = 0.5
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_PUBLIC = (
    "batchId", "status", "rowCount", "processedCount", "errorCount", "amountCompleted",
    "createdAt", "startedAt", "stages", "summary",
)  # fmt: skip


def _stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def create_batch(store: Store, call: Call) -> Reply:
    if FEATURE in store.features_off:
        raise ApiError(403, "batch inventory is not enabled for this account (early access)")
    batch_id = str(uuid.uuid4())
    path = f"/{batch_id}.csv"
    url, expires_at = storage.presign(
        store,
        origin=call.origin,
        path=path,
        method="PUT",
        ttl_s=WINDOW_S,
        clock=call.clock,
        now=call.now,
    )
    store.batch_jobs[batch_id] = {
        "batchId": batch_id,
        "status": "AWAITING_UPLOAD",
        "rowCount": 0,
        "processedCount": 0,
        "errorCount": 0,
        "amountCompleted": 0,
        "createdAt": _stamp(call.now),
        "startedAt": None,
        "stages": None,
        "summary": None,
        "_object": path,
        "_created": call.clock,
        "_uploaded": None,  # the sandbox clock when the (last) upload arrived
        "_errors": [],
    }
    upload = {"method": "PUT", "url": url, "headers": {"Content-Type": "text/csv"}}
    return Reply(
        201,
        {
            "batchId": batch_id,
            "status": "AWAITING_UPLOAD",
            "upload": {**upload, "expiresAt": expires_at},
        },
    )


def _job(store: Store, call: Call, *, missing: int = 404) -> Record:
    batch_id = call.params["batchId"]
    if not _UUID.fullmatch(batch_id):
        raise ApiError(400, "invalid batch ID format")
    job = store.batch_jobs.get(batch_id)
    if job is None or "rowCount" not in job:  # unknown, or a Bulk Pricing job
        raise ApiError(missing, "batch not found")
    return job


def _expire(store: Store, job: Record, clock: float) -> None:
    if job["status"] != "AWAITING_UPLOAD":
        return
    job["_uploaded"] = storage.uploaded_at(store, job["_object"])
    started = job["_uploaded"] if job["_uploaded"] is not None else job["_created"]
    if clock > started + WINDOW_S:
        job["status"] = "EXPIRED"


def confirm(store: Store, call: Call) -> Reply:
    job = _job(store, call, missing=400)
    _expire(store, job, call.clock)
    if job["status"] != "AWAITING_UPLOAD":
        raise ApiError(400, f"batch is {job['status']}: already processing or invalid state")
    if job["_uploaded"] is None:
        raise ApiError(400, "nothing was uploaded for this batch")
    job["status"] = "QUEUED"
    job["_moved"] = call.clock
    return Reply(202)


def status(store: Store, call: Call) -> Reply:
    job = _job(store, call)
    _expire(store, job, call.clock)
    moved = job.get("_moved")
    steps = 1 + (int((call.clock - moved) / STAGE_S) if moved is not None else 0)
    for _ in range(steps):
        if job["status"] == "QUEUED":
            job["status"] = "PROCESSING"
            job["startedAt"] = _stamp(call.now)
        elif job["status"] == "PROCESSING":
            _process(store, job, call)
        else:
            break
        job["_moved"] = call.clock
    return Reply(body={k: job[k] for k in _PUBLIC})


def errors(store: Store, call: Call) -> Reply:
    job = _job(store, call)
    ready = {"PROCESSING", "COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"}
    if not job["errorCount"] or job["status"] not in ready:
        return Reply(204)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line_number", "item_id", "container_id", "error_code", "error_message"])
    writer.writerows(job["_errors"])
    url, _ = storage.presign(
        store,
        origin=call.origin,
        path=f"/errors/{job['batchId']}-errors.csv",
        method="GET",
        ttl_s=ERRORS_TTL_S,
        clock=call.clock,
        now=call.now,
        content=out.getvalue().encode("utf-8"),
    )
    return Reply(
        body={"batchId": job["batchId"], "downloadUrl": url, "errorCount": job["errorCount"]}
    )


def _process(store: Store, job: Record, call: Call) -> None:
    content = storage.content_of(store, job["_object"]) or b""
    text = content.decode("utf-8-sig", errors="replace")
    lines = list(csv.reader(io.StringIO(text)))
    if not lines or [c.strip() for c in lines[0]] != COLUMNS:
        job["status"] = "FAILED"
        return
    counts = {"insertCount": 0, "updateCount": 0, "noopCount": 0}
    rows = [(n, cells) for n, cells in enumerate(lines[1:], start=2) if cells]
    for number, cells in rows:
        outcome = _apply(store, cells, call)
        if outcome in counts:
            counts[outcome] += 1
        else:
            code, message = outcome.split(":", 1)
            ids = [*cells, "", "", ""]
            job["_errors"].append([number, ids[0], ids[2], code, message.strip()])
    done = len(rows)
    job.update(
        status="COMPLETED_WITH_ERRORS" if job["_errors"] else "COMPLETED",
        rowCount=done,
        processedCount=done,
        errorCount=len(job["_errors"]),
        amountCompleted=100,
        stages={
            "ingestedChunks": 1,
            "classifiedChunks": 1,
            "processedChunks": 1,
            "notifiedChunks": 1,
            "totalChunks": 1,
        },
        summary={
            **counts,
            "conflictCount": 0,
            "skippedDueApiUpdateCount": 0,
            "perItemRoutedCount": 0,
            "dlqEventsCount": 0,
        },
    )


def _apply(store: Store, cells: list[str], call: Call) -> str:
    """Apply one line: "insertCount" | "updateCount" | "noopCount", or "CODE: message"."""
    if len(cells) != len(COLUMNS):
        return f"INVALID_FORMAT: expected {len(COLUMNS)} columns, got {len(cells)}"
    item, account, container, quantity, unlimited, lead_time = (c.strip() for c in cells)
    for name, value in zip(COLUMNS[:4], (item, account, container, quantity), strict=True):
        if not value:
            return f"MISSING_REQUIRED_FIELD: {name} is required"
    if account != call.account:
        return f"UNKNOWN: account_name {account} is not this account"
    if not item.isdigit() or int(item) not in store.skus:
        return f"UNKNOWN: item_id {item} does not exist"
    warehouse = store.warehouse_id(container)
    if warehouse is None:
        return f"UNKNOWN: container_id {container} does not exist"
    if not quantity.isdigit():
        return f"INVALID_QUANTITY: quantity must be a whole number >= 0: {quantity}"
    if unlimited not in ("", "true", "false"):
        return f"INVALID_FORMAT: unlimited must be true or false: {unlimited}"
    match = _DURATION.fullmatch(lead_time) if lead_time else None
    if lead_time and (match is None or lead_time in ("P", "PT") or lead_time.endswith("T")):
        return f"INVALID_DATE_FORMAT: lead_time is not valid: {lead_time}"
    days, hours, minutes, seconds = (
        (int(g) if g else 0 for g in match.groups()) if match else (0,) * 4
    )
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    record = {
        "quantity": int(quantity),
        "unlimitedQuantity": unlimited == "true",
        "leadTime": _timespan(total // 86400, total // 3600 % 24, total // 60 % 60, total % 60),
        "dateUtcOnBalanceSystem": call.now.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    key = (int(item), warehouse)
    # No count time in the CSV: the job's own time, as a per-SKU write without one.
    reservations.release(store, key, call.now)
    before = store.inventory.get(key)
    store.inventory[key] = record
    if before is None:
        return "insertCount"
    same = all(before.get(k) == record[k] for k in ("quantity", "unlimitedQuantity", "leadTime"))
    return "noopCount" if same else "updateCount"
