"""The Sandbox: a stateful VTEX emulator behind one handler `httpx.Request -> httpx.Response`.

    client = httpx.Client(transport=Sandbox().transport(), base_url="https://acme.vtexcommercestable.com.br")
    serve(Sandbox(), port=8700).serve_forever()          # the same handler on a loopback port

Order of work for each request, and why (after 0.: a batch job's pre-signed upload or
error-file URL is answered by `storage`, which checks its signature and expiry, never VTEX auth):
1. auth: both X-VTEX-API-AppKey and X-VTEX-API-AppToken must match, else 401. First, so that
   nothing (not even an injected fault) masks a credentials problem;
1b. metering, when asked (`metered=True`, see `metering`): past VTEX's documented budget the
   answer is a real 429 and nothing is applied; Pricing answers carry the meter's reading;
2. a fault is drawn (see `faults`): 429 and 5xx answer now and apply nothing, and so does a
   connection dropped before the request was applied (logged with status 0);
3. routing: unknown path 404, known path with another method 405;
4. permissions: an operation listed in `forbidden` answers 403, as VTEX does when the key's
   role lacks the License Manager resource (so tests can model "a store that forbids creating
   brands");
5. an unparseable JSON body: 400;
6. the contract: a request VTEX's OpenAPI spec rejects gets 400 with the violations;
7. the route's handler, under the state lock; then the response is serialised, still under
   the lock (handlers return live records);
8. latency is slept outside the lock; a timeout fault raises httpx.ReadTimeout after the
   request was applied, a dropped connection the httpx error a real one gives.

Time: VTEX's dates come from the wall clock (UTC); the orders feed's timing (visibility
timeouts, retention) runs on `Sandbox.clock()`: the injected `clock` (time.monotonic by
default) plus what `advance(seconds)` added, so a test expires a visibility timeout without
sleeping. The feed's duplicates and disorder are `feed_duplicates` / `feed_shuffle`.

The request log keeps every request with its outcome. It never holds the app token (nor any
cookie or Authorization header): only whether the credentials were valid.
"""

from __future__ import annotations

import copy
import hmac
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal

import httpx

from importer.sandbox import (
    activation,
    feed,
    files,
    jsonio,
    order_data,
    orders,
    replacement,
    reservations,
    storage,
)
from importer.sandbox.calls import EMPTY, ApiError, Call, Reply
from importer.sandbox.demo import seed_demo
from importer.sandbox.faults import Fault, FaultDraw, Faults, FeedDraw
from importer.sandbox.metering import DOCUMENTED, Limits, Metering, Verdict
from importer.sandbox.order_data import build_order
from importer.sandbox.pricing import RATE_LIMIT_HEADERS
from importer.sandbox.router import ROUTES, Match, Router
from importer.sandbox.state import Record, Store
from importer.vtex.contract import Contract, find_spec_dir

__all__ = ["LoggedRequest", "Sandbox"]

log = logging.getLogger(__name__)

_SECRET_HEADERS = frozenset(
    {"x-vtex-api-apptoken", "vtexidclientautcookie", "authorization", "cookie"}
)
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONTRACT_ERROR = "request does not match VTEX's OpenAPI spec"
_OPERATIONS = frozenset(route.id for route in ROUTES)


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the sandbox saw it and answered it."""

    method: str
    path: str  # VTEX's path ("/pricing/prices/1"): a leading '/{account}' segment is dropped
    raw_path: str  # the path as received ("/acme/pricing/prices/1")
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names; the app token and cookies are never kept
    body: Any  # parsed JSON (non-integers as Decimal), None without a (valid JSON) body
    status: int  # what was answered; for a timeout or drop-after, what would have been; 0
    # for a drop-before (nothing was applied nor answered)
    operation: str | None  # "PUT /pricing/prices/{itemId}", None for an unknown route
    fault: str | None  # "429", "500", "502", "503", "timeout", "drop-before", "drop-after"
    time: float  # time.time() at arrival
    auth_ok: bool
    violations: tuple[str, ...] = ()  # the contract's complaints, when it refused the request


class Sandbox:
    """A stateful VTEX emulator; callable as an `httpx.MockTransport` handler. Thread-safe.

    With a `state_file`, the store is loaded from it when it exists, saved by `save()` (callers
    save on exit), and saved after a write at most every `autosave_s` seconds, so that a served
    sandbox that is killed loses little. A save of a 10,000-SKU store takes ~0.15 s, hence the
    throttle (None: never autosave; 0: after every write).

    `strict`: also the invoice rules VTEX does not document (an Output invoice only in
    handling; 400 above what is left to invoice or to return; see `invoicing`). Without it
    the sandbox keeps to VTEX's documented rules only.
    """

    autosave_s: float | None = 2.0

    def __init__(
        self,
        *,
        account: str = "sandbox",
        app_key: str = "sandbox-key",
        app_token: str = "sandbox-token",  # noqa: S107 (the sandbox's public demo credentials)
        spec_dir: Path | Literal["auto"] | None = "auto",
        faults: Faults | None = None,
        sleep: Callable[[float], None] = time.sleep,
        state_file: Path | None = None,
        forbidden: frozenset[str] | set[str] = frozenset(),
        clock: Callable[[], float] = time.monotonic,
        feed_duplicates: float = 0.0,
        feed_shuffle: bool = False,
        feed_seed: int = 0,
        strict: bool = False,
        metered: bool | Limits = False,
    ) -> None:
        self.account = account
        self._app_key = app_key.encode()
        self._app_token = app_token.encode()
        if spec_dir == "auto":
            found = find_spec_dir()
            self.contract = Contract.load(found) if found is not None else None
            if found is None:
                log.warning("VTEX OpenAPI specs not found: the sandbox skips contract checks")
        else:
            self.contract = Contract.load(spec_dir) if spec_dir is not None else None
        self._draw = FaultDraw(faults) if faults is not None else None
        self._sleep = sleep
        self._clock = clock
        self._clock_offset = 0.0
        self._feed_draw = FeedDraw(feed_duplicates, feed_shuffle, feed_seed)
        # VTEX's documented rate limits on the sandbox's clock (`metering`); off unless asked.
        limits = metered if isinstance(metered, Limits) else DOCUMENTED
        self.metering = Metering(self.clock, limits) if metered else None
        self._seed_checked: set[str] = set()  # operations seed_call checked against the spec
        self.state_file = state_file
        self.store = Store.load(state_file) if state_file and state_file.exists() else Store()
        self.store.strict = strict  # the invoice rules VTEX does not document (`invoicing`)
        feed.restart(self.store, self.clock())
        self.requests: list[LoggedRequest] = []
        self._router = Router()
        self._lock = threading.RLock()
        self._saved_at = time.monotonic()
        self.forbidden = forbidden

    # -- configuration

    @property
    def faults(self) -> Faults | None:
        return self._draw.faults if self._draw is not None else None

    @faults.setter
    def faults(self, faults: Faults | None) -> None:
        """Change the faults; the seeded sequence starts over."""
        with self._lock:
            self._draw = FaultDraw(faults) if faults is not None else None

    def clock(self) -> float:
        """The sandbox's clock (seconds): the injected one, plus what `advance` added."""
        return self._clock() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock forward, e.g. past a feed visibility timeout."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._clock_offset += seconds

    @property
    def feed_duplicates(self) -> float:
        """The fraction (0..1) of feed events queued twice (VTEX: events can repeat)."""
        return self._feed_draw.duplicates

    @feed_duplicates.setter
    def feed_duplicates(self, rate: float) -> None:
        with self._lock:
            self._feed_draw.duplicates = rate

    @property
    def feed_shuffle(self) -> bool:
        """Feed reads return the visible events in random order (VTEX: not ordered)."""
        return self._feed_draw.shuffle

    @feed_shuffle.setter
    def feed_shuffle(self, on: bool) -> None:
        with self._lock:
            self._feed_draw.shuffle = on

    @property
    def forbidden(self) -> frozenset[str]:
        """Operation ids ("POST /api/catalog/pvt/brand") that answer 403."""
        return self._forbidden

    @forbidden.setter
    def forbidden(self, operations: frozenset[str] | set[str]) -> None:
        unknown = sorted(set(operations) - _OPERATIONS)
        if unknown:
            raise ValueError(
                f"not operations of the sandbox: {unknown}; use 'METHOD /template' as in "
                "importer.sandbox.router.ROUTES, e.g. 'POST /api/catalog/pvt/brand'"
            )
        with self._lock:
            self._forbidden = frozenset(operations)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def async_transport(self) -> httpx.MockTransport:
        # MockTransport calls a plain handler from handle_async_request too. Note that latency
        # is slept with the injected (by default blocking) `sleep`.
        return httpx.MockTransport(self)

    # -- state, for tests to inspect

    @property
    def categories(self) -> dict[int, Record]:
        return self.store.categories

    @property
    def brands(self) -> dict[int, Record]:
        return self.store.brands

    @property
    def products(self) -> dict[int, Record]:
        return self.store.products

    @property
    def skus(self) -> dict[int, Record]:
        return self.store.skus

    @property
    def sku_refids(self) -> dict[str, int]:
        return self.store.sku_refids

    @property
    def product_refids(self) -> dict[str, int]:
        return self.store.product_refids

    # What hangs off one product or SKU: lists (copies), empty for an owner without any.

    def sku_files(self, sku_id: int) -> list[Record]:
        """The SKU's images in VTEX's order, each with the URL that was sent as SourceUrl."""
        with self._lock:
            return files.sku_files(self.store, sku_id)

    def sku_eans(self, sku_id: int) -> list[str]:
        with self._lock:
            return list(self.store.sku_eans.get(sku_id, []))

    def product_trade_policies(self, product_id: int) -> list[int]:
        with self._lock:
            return sorted(self.store.product_trade_policies.get(product_id, []))

    def product_specs(self, product_id: int) -> list[Record]:
        """The product's specification associations {Id, ProductId, FieldId, FieldValueId,
        Text}."""
        with self._lock:
            return list(self.store.product_specs.get(product_id, []))

    def sku_specs(self, sku_id: int) -> list[Record]:
        with self._lock:
            return list(self.store.sku_specs.get(sku_id, []))

    def sku_kit(self, sku_id: int) -> list[Record]:
        """The kit's component rows {Id, StockKeepingUnitParent, StockKeepingUnitId, Quantity,
        UnitPrice}, in the order they were added."""
        with self._lock:
            return list(self.store.sku_kits.get(sku_id, []))

    # The specification model and the store's trade policies: live tables.

    @property
    def trade_policies(self) -> set[int]:
        """The store's trade policies (1 always); add to it to allow more."""
        return self.store.trade_policies

    @property
    def spec_groups(self) -> dict[int, Record]:
        return self.store.spec_groups

    @property
    def spec_fields(self) -> dict[int, Record]:
        return self.store.spec_fields

    @property
    def spec_values(self) -> dict[int, Record]:
        return self.store.spec_values

    def activation_problems(self, sku_id: int) -> list[str]:
        """Why the SKU cannot be active (API-NOTES §3.8); empty when it can. VTEX never says."""
        with self._lock:
            return activation.problems(self.store, sku_id)

    @property
    def prices(self) -> dict[int, Record]:
        return self.store.prices

    @property
    def warehouses(self) -> dict[str, Record]:
        return self.store.warehouses

    @property
    def inventory(self) -> dict[tuple[int, str], Record]:
        return self.store.inventory

    def available(self, sku_id: int, warehouse_id: str) -> int:
        """What the store can still sell of a SKU in a warehouse: its stock less what orders
        hold (VTEX's totalQuantity - reservedQuantity)."""
        with self._lock:
            key = (sku_id, self.store.warehouse_id(warehouse_id) or warehouse_id)
            total = int((self.store.inventory.get(key) or {}).get("quantity", 0))
            return total - reservations.reserved(self.store, key)

    def seed_demo(self) -> None:
        """Replace the store with the demo store (SKUs 1..20 = DEMO-001..DEMO-020, active, with
        an image each; warehouses '1_1' and 'WH-SP'; no orders, no feed config), and save it
        when there is a state file."""
        with self._lock:
            seed_demo(self.store, self.account)
            self.save()

    def seed_call(self, method: str, path: str, body: Any = None) -> Any:
        """Apply one VTEX API call to the store without HTTP and return the answer's body: the
        bulk way to set a big store up (tests seeding 10,000 SKUs). The importer never calls it.

        The route's own handler runs, so the store ends exactly as the same request over HTTP
        leaves it (tests/sandbox/test_sandbox_seed.py compares the two). What it skips is what
        costs the time: httpx, the request log (`requests`), faults, the credentials and all
        but the first contract check per operation (the bodies of a seed share one shape, and
        the first is checked against VTEX's OpenAPI spec). An answer >= 400 raises
        `SeedRefused`, naming the status and VTEX's error body.
        """
        content = jsonio.dumps(body).encode() if body is not None else b""
        parsed = jsonio.loads(content) if content else None  # numbers as the handler sees them
        method = method.upper()
        with self._lock:
            match = self._router.match(method, path)
            route = match.route
            first = route is None or route.id not in self._seed_checked
            reply, _ = self._dispatch(
                match, method, {}, _SEED_HEADERS, parsed, bool(content), None, check=first
            )
            if route is not None:
                self._seed_checked.add(route.id)
            if method in _WRITES and reply.status < 400:
                self._autosave()
        if reply.status >= 400:
            raise SeedRefused(f"{method} {path}: {reply.status} {reply.body!r}")
        return reply.body if reply.body is not EMPTY else None

    # -- orders (OMS) and the orders feed

    @property
    def orders(self) -> dict[str, Record]:
        """Order documents by orderId, exactly as GET .../orders/{orderId} answers (live)."""
        return self.store.orders

    def order_status(self, order_id: str) -> str:
        """The order's status; KeyError for an unknown order."""
        with self._lock:
            return str(self.store.orders[order_id]["status"])

    def invoices(self, order_id: str) -> list[Record]:
        """The order's packageAttachment.packages (copies): one per invoice, in posting order.
        KeyError for an unknown order."""
        with self._lock:
            return copy.deepcopy(self.store.orders[order_id]["packageAttachment"]["packages"])

    def feed_config(self) -> Record | None:
        """The orders feed's config as GET /api/orders/feed/config shows it, or None."""
        with self._lock:
            feed.expire(self.store, self.clock())
            return copy.deepcopy(self.store.feed_config)

    def feed_pending(self) -> list[Record]:
        """Queued, uncommitted feed events (copies), oldest first: the feed item fields plus
        `deliveries` and `visible` (whether a read now would return it)."""
        with self._lock:
            return feed.pending(self.store, self.clock())

    def add_order(
        self,
        items: Sequence[Mapping[str, Any]] | None = None,
        *,
        status: str = "ready-for-handling",
        shipping: int | None = None,
        tax: int | None = None,
        client: Mapping[str, Any] | None = None,
        address: Mapping[str, Any] | None = None,
        seed: int = 0,
        queue: bool | None = None,
        **sale: Any,
    ) -> Record:
        """Create an order, as a paid order that reached `status`, and return (a copy of) it.

        `items`: [{"id": SKU id, "quantity": 1, "price": cents, "listPrice", "sellingPrice",
        "name", "refId", "ean"}]; what is left out comes from the store's SKU (and its price),
        and None draws 1-4 demo items from the store's SKUs. `shipping`/`tax` in cents (None:
        drawn). `client`/`address` override fields of clientProfileData / the shipping
        address. Content is deterministic per (seed, sequence); see `order_data`.

        The feed gets the event `status` (lastState window-to-cancel) when its config's filter
        takes it (`queue=None`, as VTEX: nothing without a config), always (`True`: queued
        even without a config, for tests) or never (`False`). `sale`: currency,
        decimal_digits, pickup, marketplace, sales_channel (see `order_data.build_order`)."""
        with self._lock:
            sequence = self.store.next_number("order", start=500001)
            now = datetime.now(UTC)
            order = build_order(
                self.store,
                sequence=sequence,
                seed=seed,
                now=now,
                account=self.account,
                status="window-to-cancel",
                items=items,
                shipping=shipping,
                tax=tax,
                client=client,
                address=address,
                **sale,
            )
            self.store.orders[order["orderId"]] = order
            reservations.reserve(self.store, order, now)  # a paid order holds its items
            moment = feed.Moment(now, self.clock(), self._feed_draw)
            orders.change_status(self.store, order, status, moment, queue=queue)
            self._autosave()
            return copy.deepcopy(order)

    def replace_order(
        self,
        order_id: str,
        items: Sequence[Mapping[str, Any]] | None = None,
        *,
        seed: int = 0,
        queue: bool | None = None,
        **changes: Any,
    ) -> Record:
        """The customer replaces order `order_id` (VTEX's Order replacement): a new order,
        ready for handling, with `items` (None: the same items) and the same buyer (`changes`
        as for `add_order`, e.g. address=...), pointing at the old one; the old one becomes
        `replaced`. Feed events as `add_order`. ValueError where VTEX forbids it (see
        `replacement`). Returns (a copy of) the new order."""
        with self._lock:
            old = self.store.orders[order_id]
            replacement.check_replaceable(old)
            changes.setdefault("client", copy.deepcopy(old["clientProfileData"]))
            changes.setdefault("address", copy.deepcopy(old["shippingData"]["address"]))
            lines = replacement.lines_of(old) if items is None else items
            new = self.add_order(lines, seed=seed, queue=queue, **changes)
            stored = self.store.orders[new["orderId"]]
            now = datetime.now(UTC)
            replacement.link(self.store, old, stored, order_data.oms_time(now))
            moment = feed.Moment(now, self.clock(), self._feed_draw)
            orders.change_status(self.store, old, "replaced", moment, queue=queue)
            self._autosave()
            return copy.deepcopy(stored)

    def seed_orders(self, n: int, *, seed: int = 0, queue: bool | None = None) -> list[str]:
        """Create `n` demo orders in ready-for-handling (see `add_order`); their ids, in order.
        Feed events follow the config as VTEX does, unless `queue` says otherwise."""
        return [self.add_order(seed=seed, queue=queue)["orderId"] for _ in range(n)]

    def set_order_status(self, order_id: str, status: str, *, queue: bool | None = None) -> None:
        """Move an order to any status, as VTEX's workflow or a customer would (e.g.
        "cancellation-requested"), with its feed event(s). No checks: a test's tool."""
        with self._lock:
            order = self.store.orders[order_id]
            moment = feed.Moment(datetime.now(UTC), self.clock(), self._feed_draw)
            orders.change_status(self.store, order, status, moment, queue=queue)

    def request_cancellation(
        self, order_id: str, reason: str, *, requested_by_user: bool = True
    ) -> str:
        """A customer asks to cancel an order (the storefront's side, not an API of the ERP's):
        the request's id. Outside the cancellation window the order becomes
        cancellation-requested until the seller cancels or denies; inside it, VTEX cancels at
        once. ValueError for an order no request can be made for (canceled, invoiced, already
        requested), ApiError 404 for an unknown one."""
        with self._lock:
            moment = feed.Moment(datetime.now(UTC), self.clock(), self._feed_draw)
            request_id = orders.request_cancellation(
                self.store, order_id, reason, moment, requested_by_user=requested_by_user
            )
            self._autosave()
            return request_id

    def save(self) -> None:
        """Write the store to state_file (atomically); nothing to do without a state_file."""
        with self._lock:
            if self.state_file is not None:
                self.store.save(self.state_file)
                self._saved_at = time.monotonic()

    def load(self) -> None:
        """Replace the store with the contents of state_file, when there is one."""
        with self._lock:
            if self.state_file is not None:
                rule = self.store.release_by_count_time  # a setting of this sandbox, not saved
                strict = self.store.strict  # likewise
                self.store = Store.load(self.state_file)
                self.store.release_by_count_time = rule
                self.store.strict = strict
                feed.restart(self.store, self.clock())

    def requests_to(self, method: str, path_template_or_prefix: str) -> list[LoggedRequest]:
        """Logged requests with this method whose operation is `METHOD template`, or whose
        path (without, or else with, the account segment) starts with the given prefix."""
        verb = method.upper()
        operation = f"{verb} {path_template_or_prefix}"
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == verb
                and (
                    r.operation == operation
                    or r.path.startswith(path_template_or_prefix)
                    or r.raw_path.startswith(path_template_or_prefix)
                )
            ]

    # -- the handler

    def _draw_fault(self, call: str) -> Fault | None:
        if self._draw is None or call in self._draw.faults.spared:
            return None
        return self._draw.next()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        arrived = time.time()
        content = request.read()
        method = request.method.upper()
        path = request.url.path
        query = dict(request.url.params)  # the first value of a repeated name
        headers = {name.lower(): value for name, value in request.headers.items()}
        if storage.owns(request.url):  # a batch job's pre-signed URL: its signature, not VTEX auth
            return self._storage(request, method, query, headers, content, arrived)
        auth_ok = self._authorized(headers)
        body: Any = None
        body_error: str | None = None
        if content:
            try:
                body = jsonio.loads(content)
            except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
                body_error = f"request body is not valid JSON: {error}"
        fault: Fault | None = None
        violations: tuple[str, ...] = ()
        with self._lock:
            match = self._router.match(method, path)
            verdict = self._meter(match) if auth_ok else None
            if not auth_ok:
                reply = _error(401, "missing or invalid X-VTEX-API-AppKey / X-VTEX-API-AppToken")
            elif verdict is not None and not verdict.allowed:
                # Past VTEX's documented budget: refused before anything is applied.
                reply = Reply(429, {"error": "Too Many Requests"}, headers=verdict.headers)
            else:
                fault = self._draw_fault(f"{method} {path}")
                if fault is not None and fault.status is not None:
                    reply = _fault_reply(fault, self.faults)
                elif fault is not None and not fault.applies:
                    reply = Reply(0, EMPTY)  # dropped before it was applied: no answer at all
                else:
                    reply, violations = self._dispatch(
                        match, method, query, headers, body, bool(content), body_error,
                        origin=f"{request.url.scheme}://{request.url.netloc.decode()}",
                    )  # fmt: skip
            metered = verdict.headers if verdict is not None else {}
            response = self._response(request, reply, match.path, metered)
            self.requests.append(
                LoggedRequest(
                    method=method,
                    path=match.path,
                    raw_path=path,
                    query=query,
                    headers={k: v for k, v in headers.items() if k not in _SECRET_HEADERS},
                    body=body,
                    status=reply.status,
                    operation=match.route.id if match.route is not None else None,
                    fault=fault.label if fault is not None else None,
                    time=arrived,
                    auth_ok=auth_ok,
                    violations=violations,
                )
            )
            applied = fault is None or fault.applies
            if method in _WRITES and reply.status < 400 and applied:
                self._autosave()
        faults = self.faults
        if faults is not None and faults.latency_ms > 0:
            self._sleep(faults.latency_ms / 1000)
        lost = fault.lost_answer(request) if fault is not None else None
        if lost is not None:
            raise lost
        return response

    def _storage(
        self,
        request: httpx.Request,
        method: str,
        query: dict[str, str],
        headers: dict[str, str],
        content: bytes,
        arrived: float,
    ) -> httpx.Response:
        """The emulated cloud storage behind batch jobs' upload and error-file URLs. It draws
        from the same faults as VTEX's hosts: S3 too answers 503 under load, times out and
        drops connections."""
        violations: tuple[str, ...] = ()
        with self._lock:
            fault = self._draw.next() if self._draw is not None else None
            if fault is not None and fault.status is not None:
                reply = _fault_reply(fault, self.faults)
            elif fault is not None and not fault.applies:
                reply = Reply(0, EMPTY)  # dropped before it was applied: no answer at all
            else:
                reply, violations = storage.answer(
                    self.store, method, request.url.path, query, headers, content, self.clock()
                )
            self.requests.append(
                LoggedRequest(
                    method=method,
                    path=request.url.path,
                    raw_path=request.url.path,
                    query={k: v for k, v in query.items() if k != storage.SIGNATURE},
                    headers={k: v for k, v in headers.items() if k not in _SECRET_HEADERS},
                    body=None,
                    status=reply.status,
                    operation=f"{method} {storage.OPERATION}",
                    fault=fault.label if fault is not None else None,
                    time=arrived,
                    auth_ok=False,  # storage takes no VTEX credentials
                    violations=violations,
                )
            )
        response = self._response(request, reply, request.url.path)
        if self.faults is not None and self.faults.latency_ms > 0:
            self._sleep(self.faults.latency_ms / 1000)
        lost = fault.lost_answer(request) if fault is not None else None
        if lost is not None:
            raise lost
        return response

    def _autosave(self) -> None:
        if self.state_file is None or self.autosave_s is None:
            return
        if time.monotonic() - self._saved_at >= self.autosave_s:
            self.save()

    def _authorized(self, headers: dict[str, str]) -> bool:
        key = headers.get("x-vtex-api-appkey", "").encode()
        token = headers.get("x-vtex-api-apptoken", "").encode()
        # Both comparisons always run, in constant time: no hint about which one failed.
        key_ok = hmac.compare_digest(key, self._app_key)
        token_ok = hmac.compare_digest(token, self._app_token)
        return key_ok and token_ok

    def _dispatch(
        self,
        match: Match,
        method: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        has_body: bool,
        body_error: str | None,
        origin: str = "",
        *,
        check: bool = True,
    ) -> tuple[Reply, tuple[str, ...]]:
        route = match.route
        if route is None:
            if match.allowed:
                allowed = ", ".join(match.allowed)
                return _error(405, f"{method} not allowed here; allowed: {allowed}"), ()
            return _error(404, f"the sandbox has no route for {method} {match.path}"), ()
        if route.id in self._forbidden:
            return _error(403, f"Forbidden: this key's role lacks the resource for {route.id}"), ()
        if body_error is not None:
            return _error(400, body_error), ()
        if self.contract is not None and check:
            found = self.contract.check(method, match.path, query, headers, body, has_body=has_body)
            if found:
                violations = tuple(found)
                reply = Reply(400, {"error": CONTRACT_ERROR, "violations": list(violations)})
                return reply, violations
        call = Call(
            method=method,
            path=match.path,
            params=match.params,
            query=query,
            body=body,
            has_body=has_body,
            now=datetime.now(UTC),
            account=self.account,
            clock=self.clock(),
            draw=self._feed_draw,
            origin=origin,
        )
        try:
            return route.handler(self.store, call), ()
        except ApiError as error:
            if error.raw is not None:
                return Reply(error.status, error.raw, content_type="text/plain"), ()
            if error.body is not None:
                return Reply(error.status, error.body), ()
            return _error(error.status, error.message), ()

    def _meter(self, match: Match) -> Verdict | None:
        if self.metering is None or match.route is None:
            return None
        return self.metering.admit(match.route.id)

    def _response(
        self,
        request: httpx.Request,
        reply: Reply,
        vtex_path: str,
        metered: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers = dict(reply.headers)
        if vtex_path.startswith("/pricing/"):
            # The meter's reading when metered; the handler's own (a fault's) win over both.
            headers = {**RATE_LIMIT_HEADERS, **(metered or {}), **headers}
        if reply.body is EMPTY:
            content = b""
        elif isinstance(reply.body, bytes):  # raw text, or VTEX's bare empty-bodied errors
            content = reply.body
            if content:
                headers["Content-Type"] = reply.content_type
        else:
            content = jsonio.dumps(reply.body).encode()
            headers["Content-Type"] = reply.content_type
        return httpx.Response(reply.status, headers=headers, content=content, request=request)


class SeedRefused(Exception):
    """`Sandbox.seed_call`'s call was answered with an error (its status and body)."""


# What a client sends with a JSON call (VTEX's specs declare Content-Type and Accept).
_SEED_HEADERS = {"content-type": "application/json", "accept": "application/json"}


def _error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})


def _fault_reply(fault: Fault, faults: Faults | None) -> Reply:
    assert fault.status is not None and faults is not None
    if fault.status == 429:
        return Reply(
            429,
            {"error": "Too Many Requests (sandbox fault injection)"},
            headers={"Retry-After": faults.retry_after_header, "Ratelimit-Remaining": "0"},
        )
    phrase = HTTPStatus(fault.status).phrase
    return Reply(fault.status, {"error": f"{phrase} (sandbox fault injection)"})
