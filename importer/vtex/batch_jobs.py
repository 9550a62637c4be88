"""What VTEX's two CSV batch APIs share: a started job, its pre-signed upload, status polling
with a bounded backoff, and reading the error file (API-NOTES §4.2, §5.2).

The feature-specific parts (paths, CSV columns, error codes) are in `bulk_pricing` and
`batch_inventory`; running a job for a change set (persisting it, mapping its outcome to rows)
is `importer.batches`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from importer.errors import FatalVtexError, RowRejectedError, VtexError
from importer.rows import OutRow
from importer.vtex.http import VtexHttp
from importer.vtex.timing import Clock

Record = dict[str, Any]
# A job's typed line: `bulk_pricing.PriceLine`, `batch_inventory.StockLine`.
Line = TypeVar("Line")


class FeatureUnavailable(VtexError):
    """The account cannot use this batch API (403 or 404 on job creation): the feature is not
    enabled (batch inventory is early access) or the key's role lacks it. Use per-SKU calls."""


@dataclass(frozen=True)
class Upload:
    """Where and how to upload a job's CSV: a pre-signed URL on a third-party host."""

    url: str
    headers: dict[str, str]
    expires_at: str  # ISO 8601, as VTEX gives it

    def expired(self, now: datetime) -> bool:
        try:
            when = datetime.fromisoformat(self.expires_at.replace("Z", "+00:00"))
        except ValueError:
            return True  # cannot tell: do not upload to a URL that may be dead
        return now >= (when if when.tzinfo else when.replace(tzinfo=UTC))

    def request_headers(self) -> dict[str, str]:
        """Content-Type text/csv plus every header the start response listed, and nothing
        else: never VTEX's credentials (this goes to S3)."""
        headers = {"Content-Type": "text/csv"}
        for name, value in self.headers.items():
            if name.lower() in ("x-vtex-api-appkey", "x-vtex-api-apptoken", "cookie"):
                continue  # a response asking for credentials is not obeyed
            headers[name] = str(value)
        return headers


@dataclass(frozen=True)
class StartedJob:
    batch_id: str
    upload: Upload


@dataclass(frozen=True)
class JobStatus:
    status: str
    error_count: int = 0
    raw: Record = field(default_factory=dict)


@dataclass(frozen=True)
class ErrorLine:
    """One line of a job's error file: which input line it names, VTEX's code and message."""

    line: int | None  # the line in the uploaded CSV (header = 1), when the file says
    ids: dict[str, str]  # identifying columns as the error file gives them (SKU ID, ...)
    code: str
    message: str


def started_job(body: Any) -> StartedJob:
    if not isinstance(body, dict) or not body.get("batchId"):
        raise RowRejectedError("the batch job was created without a batchId")
    upload = body.get("upload") or {}
    if not isinstance(upload, dict) or not upload.get("url"):
        raise RowRejectedError(f"batch {body['batchId']}: no upload URL in the response")
    headers = upload.get("headers") or {}
    return StartedJob(
        str(body["batchId"]),
        Upload(
            str(upload["url"]),
            {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {},
            str(upload.get("expiresAt") or ""),
        ),
    )


def unavailable(error: VtexError, what: str) -> VtexError:
    """A 403 or 404 on job creation means the feature is off for the account; anything else
    stays what it was (a 5xx is retried, a 401 is fatal)."""
    if isinstance(error, FatalVtexError | RowRejectedError) and error.status in (403, 404):
        return FeatureUnavailable(f"{what}: HTTP {error.status}", status=error.status)
    return error


def csv_bytes(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    """UTF-8, ',' delimited, '"' quoted, header row first (what both APIs require)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",", quotechar='"', lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def read_error_csv(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8-sig", errors="replace")
    return [
        {str(k).strip(): (v or "").strip() for k, v in row.items() if k is not None}
        for row in csv.DictReader(io.StringIO(text))
    ]


async def upload(http: VtexHttp, job_upload: Upload, content: bytes) -> None:
    await http.storage_request(
        "PUT", job_upload.url, content=content, headers=job_upload.request_headers()
    )


async def download(http: VtexHttp, url: str) -> bytes:
    response = await http.storage_request("GET", url, headers={"Accept": "text/csv"})
    return response.content


@dataclass(frozen=True)
class PollPolicy:
    """VTEX: start polling at about 5 s and back off (Bulk Pricing guide); poll large inventory
    batches less often. Bounded: past `max_wait_s` the job is left running and checked again on
    the next pass."""

    first_s: float = 5.0
    factor: float = 2.0
    max_interval_s: float = 60.0
    max_wait_s: float = 1800.0


async def poll(
    fetch: Callable[[], Awaitable[JobStatus | None]],
    terminal: frozenset[str],
    clock: Clock,
    policy: PollPolicy,
) -> JobStatus | None:
    """Poll until a terminal status (returned), an unknown job (None), or `max_wait_s` of
    waiting (the last, non-terminal, status)."""
    waited = 0.0
    interval = policy.first_s
    while True:
        status = await fetch()
        if status is None or status.status in terminal or waited >= policy.max_wait_s:
            return status
        pause = min(interval, policy.max_wait_s - waited)
        await clock.sleep(pause)
        waited += pause
        interval = min(interval * policy.factor, policy.max_interval_s)


def named_columns(message: str, columns: Mapping[str, str]) -> str:
    """The report column for the first of `columns` (CSV name -> report column) that VTEX's
    message names, or ''."""
    lowered = message.lower()
    for csv_name, report_column in columns.items():
        if csv_name.lower() in lowered:
            return report_column
    return ""


class BatchApi(Protocol[Line]):
    """One of VTEX's batch APIs, as `importer.batches` drives it. `importer.batches` keeps a
    job's rows (the store records them as they are); the API sees only its typed lines, each
    made from one row by `line`, and answers for lines by their index (line i is row i)."""

    feature: str  # "bulk-pricing" | "batch-inventory": the name kept in the store
    title: str  # how the report and the log name it
    terminal: frozenset[str]
    needs_confirm: bool  # batch inventory: the upload must be confirmed

    async def start(self, size: int) -> StartedJob:
        """Create the job; FeatureUnavailable on 403/404."""
        ...

    async def upload(self, target: Upload, content: bytes) -> None: ...

    async def confirm(self, batch_id: str) -> None: ...

    async def status(self, batch_id: str) -> JobStatus | None:
        """The job's status, None for a job VTEX does not know (expired metadata)."""
        ...

    async def error_lines(self, batch_id: str) -> list[ErrorLine]: ...

    def line(self, row: OutRow) -> Line:
        """A row's typed line: the one place the row's keys are read (the line's `from_row`)."""
        ...

    def csv(self, lines: Sequence[Line]) -> bytes:
        """The job's file: a header, then one CSV line per line, in order (lines[i] is CSV
        line i + 2)."""
        ...

    def locator(self, lines: Sequence[Line]) -> Callable[[ErrorLine], int | None]:
        """A function giving the index in `lines` of the line an error line names, or None."""
        ...

    def column(self, error: ErrorLine, line: Line) -> str:
        """The report column VTEX's error is about ('' when it does not say)."""
        ...

    def retriable(self, code: str) -> bool:
        """Whether a row with this error code may land when sent again unchanged."""
        ...
