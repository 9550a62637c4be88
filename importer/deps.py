"""What a pass hands its stages: settings, the store, a way to open VTEX, and the time.

Typed end to end (no `Any` at a seam): a stage that needs less takes less (the VTEX clients,
one table of the store), and its signature says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from importer.config import LoadedSettings
from importer.state import Store
from importer.state.db import utc_now
from importer.vtex.catalog import CatalogClient
from importer.vtex.http import VtexHttp
from importer.vtex.logistics import LogisticsClient
from importer.vtex.orders import OrdersClient
from importer.vtex.pricing import PricingClient

HttpFactory = Callable[[], VtexHttp]


@dataclass
class Deps:
    """What a pass needs. `now` is the one clock of the pass's own bookkeeping (received and
    finished times, count-time checks); tests pass a fixed one."""

    loaded: LoadedSettings
    store: Store
    http: HttpFactory
    now: Callable[[], datetime] = field(default=utc_now)

    @property
    def account(self) -> str:
        return self.loaded.settings.vtex.account


@dataclass
class Clients:
    """The VTEX clients of one open connection."""

    http: VtexHttp
    catalog: CatalogClient
    pricing: PricingClient
    logistics: LogisticsClient
    orders: OrdersClient

    @classmethod
    def over(cls, http: VtexHttp) -> Clients:
        return cls(
            http,
            CatalogClient(http),
            PricingClient(http),
            LogisticsClient(http),
            OrdersClient(http),
        )
