"""Where the store lived before it was split by table (issue 11): `importer.state` now.

Only re-exports, so that `from importer.store import Store` keeps working until every import
names `importer.state`; then this module goes.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from importer.state import (
    MIB,
    SCHEMA,
    Applied,
    Batches,
    BatchJob,
    BatchRow,
    Database,
    Ids,
    Ledger,
    LedgerEntry,
    Orders,
    PendingRow,
    Snapshot,
    Store,
    Table,
    UnarchivedFile,
    Values,
    from_signed,
    to_signed,
)
from importer.state import db as _db
from importer.state.db import _free_bytes as _free_bytes  # see _FORWARDED

__all__ = [
    "MIB",
    "SCHEMA",
    "Applied",
    "BatchJob",
    "BatchRow",
    "Batches",
    "Database",
    "Ids",
    "Ledger",
    "LedgerEntry",
    "Orders",
    "PendingRow",
    "Snapshot",
    "Store",
    "Table",
    "UnarchivedFile",
    "Values",
    "from_signed",
    "to_signed",
]

# Tests stand in for a full disk with `monkeypatch.setattr(importer.store, "_free_bytes", ...)`.
# The store looks the function up in `importer.state.db`, so a value set here is set there too
# (and put back there by the undo, which sets the old value the same way).
_FORWARDED = {"_free_bytes": _db}


class _Forwarding(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        home = _FORWARDED.get(name)
        if home is not None:
            setattr(home, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Forwarding
