"""Orders out to the ERP, exactly once: file on disk, then start-handling, then commit.

The order of side effects is the whole point (API-NOTES §6, FLOWS §7):
1. the order is recorded as *exporting* into a named file (the ledger, in the store);
2. the file is written atomically; the order becomes *exported*;
3. VTEX is told `start-handling`; the order becomes *handled*;
4. the feed events are committed.
A crash between any two steps is finished on the next pull: an *exporting* order whose file
exists is *exported* (its file is complete, the write was atomic), otherwise it is exported
again; an *exported* order is handled; an event that was not committed comes back, and the
ledger makes its order a no-op. Duplicate and out-of-order events do the same.

The feed only has events for status changes made while its configuration existed. So when the
configuration is (re)created, the orders already ready for handling are caught up with List
Orders, and that catch-up is recorded as owed *before* the configuration is created and
cleared only once it finished: a pull that dies in between (or whose List Orders fails) does
the catch-up on the next pull, although the configuration is then there. And because VTEX
deletes a configuration after a retention period without events, and events expire, a sweep
(`sweep_interval_s`, or `--sweep`) lists the ready orders now and then and exports any the
feed never delivered; the ledger makes the orders it already has a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from loguru import logger

from importer.errors import RowRejectedError, VtexError
from importer.files.modes import CUSTOMER_DATA_MODE
from importer.orders.export import (
    next_orders_path,
    order_rows,
    publish,
    read_cancellations,
    temp_path,
    write_cancellations_temp,
    write_orders_temp,
)
from importer.state import Store
from importer.vtex.orders import FEED_CONFIG, OrdersClient

READY = "ready-for-handling"
# States the ERP hears of for an order it has: its customer asked to cancel, it was canceled,
# or it was replaced by another order (exported on its own, with `replaces_order_id`).
CANCEL_STATES = {"cancellation-requested", "request-cancel", "canceled", "cancel", "replaced"}
HANDLED_OR_LATER = {"start-handling", "handling", "invoice", "invoiced"}
MAX_READS = 1000  # one pull drains the feed, but never loops forever
# The store's named values (kv) of the catch-up and the sweep.
CATCH_UP = "orders:catch-up"  # "owed" from before a config is created until List Orders ran
LAST_SWEEP = "orders:last-sweep"  # when List Orders last ran to the end (ISO 8601, UTC)


@dataclass
class PullResult:
    exported: list[str] = field(default_factory=list)
    handled: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    events: int = 0
    committed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (order id, why)
    problems: list[str] = field(default_factory=list)
    cancellations: list[str] = field(default_factory=list)  # order ids with a notice
    swept: bool = False  # List Orders ran to the end in this pull (catch-up or sweep)


def _takes_ready_orders(config: dict[str, Any]) -> bool:
    """Whether the feed's configuration takes every status the importer acts on: a config of
    an earlier version (without `replaced`) is re-created, with the catch-up that goes with it."""
    feed_filter = config.get("filter") or {}
    wanted = set(FEED_CONFIG["filter"]["status"])
    return feed_filter.get("type") == "FromWorkflow" and wanted <= set(
        feed_filter.get("status") or []
    )


class OrderPuller:
    def __init__(
        self,
        client: OrdersClient,
        store: Store,
        folder: Path,
        now: Callable[[], datetime],
        kind: Literal["csv", "xlsx"] = "csv",
        mode: int | None = CUSTOMER_DATA_MODE,  # [output] orders_mode
    ) -> None:
        self.client, self.store, self.folder, self.now, self.kind = (
            client,
            store,
            folder,
            now,
            kind,
        )
        self.mode = mode

    async def pull(
        self,
        source: Literal["feed", "list"] = "feed",
        *,
        sweep_interval_s: float = 0.0,
        sweep: bool = False,
    ) -> PullResult:
        """`sweep`: list the ready orders whatever the time; `sweep_interval_s` (> 0): also
        when the last full listing is at least that old."""
        result = PullResult()
        await self.recover(result)
        if source == "feed":
            await self._from_feed(result)
            if not result.swept and (sweep or self._sweep_due(sweep_interval_s)):
                await self._sweep(result)
        else:
            await self._from_list(result)
        return result

    def _sweep_due(self, interval_s: float) -> bool:
        if interval_s <= 0:
            return False
        last = self.store.get_value(LAST_SWEEP)
        if not last:
            return True
        return (self.now() - datetime.fromisoformat(last)).total_seconds() >= interval_s

    async def _sweep(self, result: PullResult) -> None:
        """Orders ready for handling that the feed never delivered (its configuration was
        deleted while idle, its events expired): exported as List Orders finds them."""
        before = len(result.exported)
        await self._from_list(result)
        self.store.set_value(LAST_SWEEP, self.now().isoformat())
        result.swept = True
        if len(result.exported) > before:
            logger.warning(
                "orders sweep: {} ready order(s) the feed never delivered were exported",
                len(result.exported) - before,
            )

    async def _create_feed_config(self, result: PullResult) -> None:
        """(Re)create the feed's configuration and catch up with the orders that became ready
        without it (they made no event). The catch-up is owed in the store before the POST and
        cleared after List Orders finished, so an interruption anywhere in between is caught
        up by the next pull."""
        self.store.set_value(CATCH_UP, "owed")
        await self.client.set_feed_config(FEED_CONFIG)
        await self._catch_up(result)

    async def _catch_up(self, result: PullResult) -> None:
        await self._from_list(result)
        self.store.set_values({CATCH_UP: "", LAST_SWEEP: self.now().isoformat()})
        result.swept = True

    async def recover(self, result: PullResult) -> None:
        """Finish what an earlier pull left half done (see the module docstring)."""
        unfinished = self.store.unfinished_orders()
        exported: dict[str, tuple[str, str]] = {}
        for order_id, (state, name) in unfinished.items():
            if state == "exporting":
                # The complete file existed under its hidden name when this was recorded:
                # still hidden -> publish it; gone -> it was published (and the ERP may have
                # taken it already). Either way the order is exported, once.
                temp = temp_path(self.folder / name)
                if temp.exists():
                    publish(temp, self.folder / name)
            exported[order_id] = ("exported" if state == "exporting" else state, name)
        self.store.set_order_states(exported)
        # Hidden files no order points at were interrupted before the ledger knew them.
        known = {name for _, name in unfinished.values()}
        for stray in self.folder.glob(".orders-*.tmp") if self.folder.exists() else []:
            if stray.name[1:-4] not in known:
                stray.unlink(missing_ok=True)
        self._recover_cancellations()
        await self._handle(list(exported), result)

    def _recover_cancellations(self) -> None:
        """A hidden cancellations file is published when the ledger has its notices (their
        events may be committed already), and removed when it does not (they come back)."""
        for temp in self.folder.glob(".cancellations-*.tmp") if self.folder.exists() else []:
            name = temp.name[1:-4]
            owed = any(
                self.store.get_value(_cancel_marker(n["order_id"], n["state"])) == name
                for n in read_cancellations(temp)
            )
            if owed:
                publish(temp, self.folder / name)
            else:
                temp.unlink(missing_ok=True)

    async def export(self, orders: list[dict[str, Any]], result: PullResult) -> None:
        if not orders:
            return
        path = next_orders_path(self.folder, self.now(), self.kind)
        ids = [str(o["orderId"]) for o in orders]
        refs = self.store.sku_refs(
            [
                int(i["id"])
                for o in orders
                for i in o.get("items") or []
                if str(i.get("id", "")).isdigit()
            ]
        )
        rows = [row for order in orders for row in order_rows(order, refs)]
        # The file is complete (under a hidden name) before the ledger says "exporting", and
        # the ledger says so before the file appears: whatever a crash interrupts, recover()
        # knows whether the ERP may already have the file.
        temp = write_orders_temp(path, rows, self.mode)
        self.store.set_order_states({o: ("exporting", path.name) for o in ids})
        publish(temp, path)
        self.store.set_order_states({o: ("exported", path.name) for o in ids})
        result.exported += ids
        result.files.append(path)
        logger.info("exported {} order(s) to {}", len(ids), path.name)

    async def _handle(self, order_ids: list[str], result: PullResult) -> None:
        """start-handling, only ever after the order's file is on disk."""
        states = self.store.order_states(order_ids)
        done: dict[str, tuple[str, str]] = {}
        for order_id in order_ids:
            state, name = states.get(order_id, ("", ""))
            if state != "exported":
                continue
            try:
                if not await self.client.start_handling(order_id):
                    # 409: not ready-for-handling. Already handled (by an earlier attempt
                    # whose answer was lost) is fine; anything else is for a person to see.
                    order = await self.client.get_order(order_id)
                    status = str((order or {}).get("status", "unknown"))
                    if status not in HANDLED_OR_LATER:
                        result.problems.append(
                            f"order {order_id} was exported but VTEX would not start handling "
                            f"it: its status is {status}"
                        )
                        done[order_id] = ("handled", name)  # nothing more to do for it
                        continue
            except RowRejectedError as exc:
                # VTEX refuses for good (404, 400): retrying cannot help, and holding the
                # event back would block the feed. The file is out; a person must look.
                result.problems.append(
                    f"order {order_id} was exported but VTEX refused to start handling it "
                    f"(HTTP {exc.status}): {exc.body[:200]}"
                )
                done[order_id] = ("handled", name)
                continue
            except VtexError as exc:
                result.problems.append(
                    f"order {order_id}: start-handling failed ({exc}); retried on the next pull"
                )
                continue
            done[order_id] = ("handled", name)
            result.handled.append(order_id)
        self.store.set_order_states(done)

    async def _from_feed(self, result: PullResult) -> None:
        config = await self.client.feed_config()
        if config is None or not _takes_ready_orders(config):
            # First use, VTEX deleted an idle config, or someone set another filter: (re)create
            # it (API-NOTES §6.1, FLOWS §7). Orders that became ready meanwhile made no event,
            # so List Orders catches them up.
            await self._create_feed_config(result)
        elif self.store.get_value(CATCH_UP) == "owed":
            # An earlier pull created the config but did not finish its catch-up.
            await self._catch_up(result)
        for _ in range(MAX_READS):
            events = await self.client.read_feed()
            if events is None:
                await self._create_feed_config(result)
                continue
            if not events:
                return
            result.events += len(events)
            ready = list(
                dict.fromkeys(str(e.get("orderId")) for e in events if e.get("state") == READY)
            )
            known = self.store.order_states(ready)
            fresh = [o for o in ready if o not in known]
            orders = []
            for order_id in fresh:
                order = await self.client.get_order(order_id)
                status = str((order or {}).get("status", "")) if order else "missing"
                if order is not None and status == READY:
                    orders.append(order)
                else:
                    # Canceled since, or already handled elsewhere: the event is stale.
                    result.skipped.append((order_id, f"status is {status}"))
            await self.export(orders, result)
            await self._handle(ready, result)
            self._cancellations(events, result)
            # Commit every event (ignored ones too: uncommitted events block later ones),
            # except those whose order is not yet handled: they must come back.
            states = self.store.order_states(ready)
            unsettled = {o for o in ready if o in states and states[o][0] != "handled"}
            handles = [
                str(e["handle"])
                for e in events
                if e.get("handle") and str(e.get("orderId")) not in unsettled
            ]
            await self.client.commit(handles)
            result.committed += len(handles)
            if unsettled:
                return  # VTEX is failing us: the rest waits for the next pull

    def _cancellations(self, events: list[dict[str, Any]], result: PullResult) -> None:
        """Customers' cancellation requests and cancellations of orders the ERP already has
        go to a cancellations file, before their events are committed, so that an order
        canceled after export is not shipped unnoticed. Once per order and state."""
        notices = []
        for event in events:
            order_id, state = str(event.get("orderId")), str(event.get("state"))
            if state not in CANCEL_STATES:
                continue
            exported = self.store.order_states([order_id]).get(order_id)
            marker = _cancel_marker(order_id, state)
            if exported is None or self.store.get_value(marker) is not None:
                continue
            notices.append(
                {
                    "order_id": order_id,
                    "state": state,
                    "last_change": event.get("lastChange") or event.get("currentChange") or "",
                    "exported_in": exported[1],
                    "_marker": marker,
                }
            )
        notices = list({n["_marker"]: n for n in notices}.values())
        if not notices:
            return
        # As for orders: the whole file under its hidden name, then the ledger (every marker
        # in one transaction), then the rename. A crash before the markers leaves a stray the
        # next pull removes (the events come back); after them, the next pull publishes it.
        path = write_cancellations_temp(self.folder, self.now(), notices, self.mode)
        self.store.set_values({str(n["_marker"]): path.name for n in notices})
        publish(temp_path(path), path)
        result.cancellations += [str(n["order_id"]) for n in notices]
        result.files.append(path)
        logger.warning(
            "{} cancellation notice(s) for exported orders in {}", len(notices), path.name
        )

    async def _from_list(self, result: PullResult) -> None:
        """List Orders: only for stores without the feed (it lags ~4 minutes, API-NOTES §6.2)."""
        ids: list[str] = []
        for page in range(1, 31):  # VTEX serves at most 30 pages
            body = await self.client.list_orders(READY, page)
            listed = [str(o.get("orderId")) for o in body.get("list") or []]
            ids += listed
            pages = int((body.get("paging") or {}).get("pages") or 1)
            if not listed or page >= pages:
                break
        known = self.store.order_states(ids)
        orders = []
        for order_id in (o for o in dict.fromkeys(ids) if o not in known):
            order = await self.client.get_order(order_id)
            if order is not None and order.get("status") == READY:
                orders.append(order)
        await self.export(orders, result)
        await self._handle([str(o["orderId"]) for o in orders], result)

    async def export_again(self, order_id: str, result: PullResult) -> bool:
        """A person asked for this order's file again (`importer orders export ID`)."""
        order = await self.client.get_order(order_id)
        if order is None:
            result.problems.append(f"order {order_id} does not exist in VTEX")
            return False
        await self.export([order], result)
        if order.get("status") == READY:
            await self._handle([order_id], result)
        else:
            state = self.store.order_states([order_id])[order_id]
            self.store.set_order_states({order_id: ("handled", state[1])})
        return True


def _cancel_marker(order_id: str, state: str) -> str:
    """The ledger entry (kv) saying which cancellations file told the ERP of this order's
    `state`: once per order and state."""
    return f"cancel-notice:{order_id}:{state}"
