"""The one list of flows: each name, the room that holds it, in the order a pass takes them.

Rooms load on first use (`flow(name)`), so that `importer.config`, which validates the
`[flows.<name>]` sections against these names, needs nothing of what the rooms import. A new
flow is a new room and one line here.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: importing the protocol would load config, which needs us
    from importer.flows.base import Flow

ROOMS: dict[str, str] = {
    # The order is a priority, bent only where one flow needs another's work (README, "Rate
    # limits and priorities"): orders and invoices before stock, stock before prices, prices
    # before the catalog, except that the catalog goes before stock and prices, because a
    # pass's prices and stock may be for SKUs its catalog file creates.
    "invoices": "importer.flows.invoices",
    # After invoices: an invoice (and its tracking number) posted this pass takes its events.
    "tracking": "importer.flows.tracking",
    # After invoices: an order a file both invoices and cancels is refused its cancel by VTEX.
    "cancellations": "importer.flows.cancellations",
    "catalog": "importer.flows.catalog.flow",
    "inventory": "importer.flows.inventory",
    "prices": "importer.flows.prices",
}
FLOW_NAMES: tuple[str, ...] = tuple(ROOMS)


@cache
def flow(name: str) -> Flow:
    """The flow called `name`; KeyError for a name that is not a flow."""
    module = importlib.import_module(ROOMS[name])
    room: Flow = module.FLOW
    return room


def flows() -> list[Flow]:
    return [flow(name) for name in FLOW_NAMES]
