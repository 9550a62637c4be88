"""The VTEX emulator: one handler, used in-process (httpx.MockTransport) or on a loopback port.

    sandbox = Sandbox(faults=Faults(rate_429=0.1, seed=7))
    client = httpx.Client(transport=sandbox.transport(), base_url="https://sandbox.vtexcommercestable.com.br")
    server = serve(sandbox, port=8700)

Modules, one job each: `core` (the Sandbox: auth, permissions, faults, contract, log),
`router` (the route table), the route handlers `catalog` (categories and the tree, brands,
products, trade policies, SKUs), `eans`, `files` (SKU images), `specs` (specifications),
`kits` (SKU kits), `context` (the SKU with its context), `pricing`, `logistics`, `orders`
(OMS: orders, status flow, invoices, tracking, cancel, a customer's cancellation request and
its deny, list) and `feed` (orders Feed v3); `activation` (the SKU activation rules),
`order_data` (order documents and the demo orders), `state` (the store and its JSON file),
`faults`, `jsonio` (Decimal-exact JSON), `demo` (the demo store), `server`; `metering`
(VTEX's documented rate limits per account, on the sandbox's clock: `Sandbox(metered=True)`,
off unless asked).

Orders, for tests (API-NOTES §6, FLOWS §7-8):

    sandbox = Sandbox(clock=fake_clock)            # or sandbox.advance(300) on the real one
    client.post("/api/orders/feed/config", json={...})   # events are queued from now on
    sandbox.seed_orders(25)                        # ready-for-handling, one feed event each
    sandbox.seed_orders(5, queue=True)             # queued even without a config
    sandbox.feed_duplicates, sandbox.feed_shuffle = 0.3, True   # VTEX's repeats and disorder
    sandbox.order_status(order_id), sandbox.invoices(order_id), sandbox.feed_pending()
    sandbox.request_cancellation(order_id, "reason")   # a customer asks: cancellation-requested

A big store, for tests that need it to exist (not for proving how it is set up):
    sandbox.seed_call("POST", "/api/catalog/pvt/stockkeepingunit", {...})   # the answer's body
runs the route's handler without HTTP, faults or the request log: 10,000 SKUs in a fraction
of the time the same POSTs take through httpx (tests/conftest.py::seed_store uses it).

Permissions: `Sandbox(forbidden=frozenset({"POST /api/catalog/pvt/brand"}))`, or setting
`sandbox.forbidden`, makes those operations answer 403, as a key without the role would.
"""

from importer.sandbox.core import CONTRACT_ERROR, LoggedRequest, Sandbox, SeedRefused
from importer.sandbox.demo import DEMO_SKU_COUNT, DEMO_WAREHOUSES, demo_refid
from importer.sandbox.faults import Faults
from importer.sandbox.server import SandboxServer, serve
from importer.sandbox.state import Store

__all__ = [
    "CONTRACT_ERROR",
    "DEMO_SKU_COUNT",
    "DEMO_WAREHOUSES",
    "Faults",
    "LoggedRequest",
    "Sandbox",
    "SandboxServer",
    "SeedRefused",
    "Store",
    "demo_refid",
    "serve",
]
