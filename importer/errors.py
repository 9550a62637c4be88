"""The importer's exceptions, grouped by what the caller does next.

    ImporterError                      base of everything the importer raises on purpose
    ├── ConfigError                    bad importer.toml / environment: fix and restart
    ├── FileRejected                   a whole input file cannot be processed: report it,
    │   │                              move it to archive/failed, carry on with the next file
    │   ├── UnreadableFile             bytes that are no CSV/workbook we can read
    │   └── HeaderError                a required column is missing or ambiguous
    ├── StorageError                   the importer's own storage (state/, the disk) failed: never
    │   │                              the file's fault; the file stays claimed, the pass stops,
    │   │                              exit code 5. `transient`: `watch` tries again next pass
    │   ├── StoreLocked    (transient) another process held the store past [state] lock_wait_s
    │   ├── StoreFull      (transient) the disk is full (or under [state] min_free_mb)
    │   ├── StoreDamaged               the database file is not a database, or is corrupt
    │   └── StoreGone                  the state folder or database was deleted or replaced
    └── VtexError                      a VTEX call did not succeed
        ├── RetriableVtexError         429 / 423 / 5xx / timeout / connection: back off, retry;
        │                              once retries are spent the row stays pending
        ├── RowRejectedError           other 4xx: the row's data is wrong; report it, go on
        └── FatalVtexError             401 / 403: credentials or role; stop the flow

Row-level problems in a file are not exceptions: they are `RowError` values
(see `importer.models`).
"""

from __future__ import annotations

import errno


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


class StorageError(ImporterError):
    """The importer's own storage failed. The message is one line: the cause and the fix."""

    # `watch` tries again on its next pass (the trouble may pass by itself: a backup ends,
    # space is freed); otherwise it stops, because a person must act first.
    transient = False


class StoreLocked(StorageError):
    transient = True


class StoreFull(StorageError):
    transient = True


class StoreDamaged(StorageError):
    pass


class StoreGone(StorageError):
    pass


# A write that failed for lack of space (ENOSPC) or quota (EDQUOT), wherever it was.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def disk_full(exc: BaseException, folder: object) -> StoreFull | None:
    """The importer's own disk trouble in an OSError, as a StoreFull naming `folder`, or None
    when the error is something else."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return StoreFull(
            f"the disk holding {folder} is full ({exc.strerror}): free space there; "
            "nothing was lost, the files are left for the next pass"
        )
    return None


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
