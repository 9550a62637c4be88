"""The importer's exceptions, grouped by what the caller does next.

    ImporterError                      base of everything the importer raises on purpose
    ├── ConfigError                    bad importer.toml / environment: fix and restart
    ├── FileRejected                   a whole input file cannot be processed: report it,
    │   │                              move it to archive/failed, carry on with the next file
    │   ├── UnreadableFile             bytes that are no CSV/workbook we can read
    │   └── HeaderError                a required column is missing or ambiguous
    └── VtexError                      a VTEX call did not succeed
        ├── RetriableVtexError         429 / 423 / 5xx / timeout / connection: back off, retry;
        │                              once retries are spent the row stays pending
        ├── RowRejectedError           other 4xx: the row's data is wrong; report it, go on
        └── FatalVtexError             401 / 403: credentials or role; stop the flow

Row-level problems in a file are not exceptions: they are `RowError` values
(see `importer.models`).
"""

from __future__ import annotations


class ImporterError(Exception):
    """Base class for the importer's own errors."""


class ConfigError(ImporterError):
    """The configuration is invalid; the message says which key and how to fix it."""


class FileRejected(ImporterError):
    """A whole file cannot be processed. `type` is a short slug for the report."""

    type = "file-rejected"

    def __init__(self, message: str, *, type: str | None = None) -> None:
        super().__init__(message)
        if type is not None:
            self.type = type


class UnreadableFile(FileRejected):
    type = "unreadable-file"


class HeaderError(FileRejected):
    type = "header-error"


class VtexError(ImporterError):
    """A VTEX call failed. Never carries credentials: only method, path and status."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class RetriableVtexError(VtexError):
    """429/423/5xx/timeout/connection error: retry with backoff (honouring Retry-After)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after


class RowRejectedError(VtexError):
    """A 4xx other than 401/403/423/429: the data of this row is wrong; do not retry."""


class FatalVtexError(VtexError):
    """401/403: credentials or License Manager role missing; stop the flow."""
