"""The flows `importer reconcile` can read back, and the module of each one's reader.

The catalog is a later slice (issue 12 item 5: per-column owners decide its drift): the
command answers it with "not yet" (exit 2)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importer.reconcile.run import Reader

READERS: dict[str, str] = {
    "prices": "importer.reconcile.prices",
    "inventory": "importer.reconcile.inventory",
}
NOT_YET: tuple[str, ...] = ("catalog",)


def reader(flow: str) -> Reader:
    """The reader of `flow`; KeyError for a flow that cannot be reconciled."""
    found: Reader = importlib.import_module(READERS[flow]).READER
    return found
