"""The flows `importer reconcile` can read back, and the module of each one's reader.

A module gives `READER` (a reader of the flow's own snapshot) or `parts(deps)` (the catalog:
its products, then its SKUs, each with the ids and settings of the store it reads)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importer.deps import Deps
    from importer.reconcile.run import Part, Reader

READERS: dict[str, str] = {
    "prices": "importer.reconcile.prices",
    "inventory": "importer.reconcile.inventory",
    "catalog": "importer.reconcile.catalog",
}


def reader(flow: str) -> Reader:
    """The reader of `flow`'s own snapshot; KeyError for a flow that cannot be reconciled,
    AttributeError for one read in parts (`parts`)."""
    found: Reader = importlib.import_module(READERS[flow]).READER
    return found


def parts(flow: str, deps: Deps) -> Reader | tuple[Part, ...]:
    """What `importer.reconcile.run.reconcile` reads for `flow`: its reader, or its parts."""
    module = importlib.import_module(READERS[flow])
    if hasattr(module, "parts"):
        made: tuple[Part, ...] = module.parts(deps)
        return made
    found: Reader = module.READER
    return found
