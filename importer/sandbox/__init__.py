"""The VTEX emulator: one handler, used in-process (httpx.MockTransport) or on a loopback port.

    sandbox = Sandbox(faults=Faults(rate_429=0.1, seed=7))
    client = httpx.Client(transport=sandbox.transport(), base_url="https://sandbox.vtexcommercestable.com.br")
    server = serve(sandbox, port=8700)

Modules, one job each: `core` (the Sandbox: auth, permissions, faults, contract, log),
`router` (the route table), the route handlers `catalog` (categories and the tree, brands,
products, trade policies, SKUs), `eans`, `files` (SKU images), `specs` (specifications),
`context` (the SKU with its context), `pricing` and `logistics`; `activation` (the SKU
activation rules), `state` (the store and its JSON file), `faults`, `jsonio` (Decimal-exact
JSON), `demo` (the demo store), `server`.

Permissions: `Sandbox(forbidden=frozenset({"POST /api/catalog/pvt/brand"}))`, or setting
`sandbox.forbidden`, makes those operations answer 403, as a key without the role would.
"""

from importer.sandbox.core import CONTRACT_ERROR, LoggedRequest, Sandbox
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
    "Store",
    "demo_refid",
    "serve",
]
