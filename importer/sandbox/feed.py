"""The orders feed, Feed v3 (API-NOTES §6.1): its config, its queue, and reading/committing.

    POST   /api/orders/feed/config   store the config (200, no body); a new POST replaces it
    GET    /api/orders/feed/config   {filter, queue, quantity, approximateAgeOfOldestMessage...}
    DELETE /api/orders/feed/config   remove it, and its queue (200)
    GET    /api/orders/feed?maxlot=N at most min(N, 10) visible events (oldest first)
    POST   /api/orders/feed          {"handles": [...]}: commit (delete) those events (200)

What VTEX documents, reproduced:
- `FromWorkflow` filters on the status list, which is not validated (a misspelt status simply
  never matches); no status list means every status. Mixing the fields of the two filter types
  (`status` with `FromOrders`, `expression`/`disableSingleFire` with `FromWorkflow`) is 409;
- an event is queued when an order's status changes to a state that the config's filter takes.
  Nothing is queued without a config: changes made before the config existed are lost (tests
  that want them anyway pass `queue=True` to `Sandbox.add_order` / `seed_orders`);
- a read makes the events it returns invisible for `visibilityTimeoutInSeconds`; uncommitted
  ones come back after that, with a new handle (an SQS receipt handle: each delivery has its
  own). Events older than `MessageRetentionPeriodInSeconds` are dropped, committed or not, and a
  feed that queues no event for that long loses its config (reads then answer 404);
- GET /api/orders/feed without a config is 404. `maxlot` above 10 returns at most 10.
- events can be duplicated and come out of order: `Sandbox(feed_duplicates=0.3,
  feed_shuffle=True)` (or set those attributes), see `faults.FeedDraw`.

Choices where VTEX is silent:
- a commit takes a message's LATEST handle (as SQS does): the handle of an earlier delivery of
  a message that came back is ignored, like an unknown handle, and the message stays queued;
- commit (POST /api/orders/feed) without a config is 404, as a read is; a DELETE of a missing
  config is 404; DELETE also drops the queued events;
- the config GET shows `messageRetentionPeriodInSeconds` in lower case, as the spec's example
  and the guide do (the POST body takes the capitalised name, API-NOTES §10.6); `quantity` counts
  every uncommitted event, in flight or not;
- `maxlot` that is not a whole number >= 1: 400. `visibilityTimeoutInSeconds` must be within
  0..43200 (SQS's range) and `MessageRetentionPeriodInSeconds` within 345600..1209600 (the
  documented range): else 400;
- `FromOrders` (JSONata expressions) is not emulated: such a config is refused with 400, so
  that a test never waits for events the sandbox would not produce;
- handles, eventIds and receipts come from one serial that is saved with the store, so no
  eventId is given twice, even across a restart or `seed_demo`.

Times: `lastChange`/`currentChange` are UTC with seven fractional digits and `Z`, as in the
spec's example; the queue's timing (visibility, retention) runs on the sandbox's injectable
clock (`Sandbox(clock=...)`), so tests expire a visibility timeout without sleeping.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from importer.sandbox.calls import ApiError, Call, Reply, body_object
from importer.sandbox.faults import FeedDraw
from importer.sandbox.state import Record, Store

__all__ = [
    "DOMAIN",
    "MAX_LOT",
    "Moment",
    "commit",
    "delete_config",
    "emit",
    "get_config",
    "oms_error",
    "pending",
    "post_config",
    "read",
    "restart",
    "token",
    "vtex_time",
]

DOMAIN = "Fulfillment"
MAX_LOT = 10
MAX_VISIBILITY_S = 43200
MIN_RETENTION_S = 345600  # 4 days
MAX_RETENTION_S = 1209600  # 14 days
_EVENT_FIELDS = (
    "eventId", "handle", "domain", "state", "lastState", "orderId", "lastChange", "currentChange",
)  # fmt: skip


@dataclass(frozen=True)
class Moment:
    """When something happens: the wall clock (UTC, for VTEX's dates), the sandbox's clock
    (for the queue's timing) and the feed's fault draws."""

    now: datetime
    clock: float
    draw: FeedDraw | None = None

    @classmethod
    def of(cls, call: Call) -> Moment:
        return cls(call.now, call.clock, call.draw)


def oms_error(status: int, message: str, code: str = "1") -> ApiError:
    """OMS's error shape: {"error": {"code", "message", "exception": null}}. Code "1" is the
    generic one of VTEX's examples; OMS003 is the documented start-handling conflict."""
    body = {"error": {"code": code, "message": message, "exception": None}}
    return ApiError(status, message, body=body)


def vtex_time(moment: datetime) -> str:
    """2019-08-12T20:54:23.7153830Z: UTC, seven fractional digits, as the feed shows times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def token(store: Store, *parts: str) -> str:
    """32 upper-case hex digits, unique in this store's life (a saved serial): eventIds,
    receipts and the like."""
    serial = store.next_number("token")
    text = "|".join((str(serial), *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:32].upper()


def _handle(store: Store, event_id: str) -> str:
    # Opaque like VTEX's (base64 with '+', '/' and '='): clients must send it back verbatim.
    digest = hashlib.sha256(f"{token(store, 'handle')}|{event_id}".encode()).digest()
    return "AQEB" + base64.b64encode(digest + digest[:10]).decode()


# --------------------------------------------------------------------------- queue


def restart(store: Store, clock: float) -> None:
    """Re-time a loaded queue on this process's clock: every message visible, aged from now."""
    for message in store.feed_queue:
        message["visibleAt"] = clock
        message["enqueuedAt"] = clock
    store.feed_active_at = clock


def _retention(store: Store) -> int:
    config = store.feed_config
    return config["queue"]["messageRetentionPeriodInSeconds"] if config else MIN_RETENTION_S


def expire(store: Store, clock: float) -> None:
    """Drop what VTEX would have dropped by now: old events, and an idle feed's config."""
    retention = _retention(store)
    if store.feed_config is not None and clock - store.feed_active_at > retention:
        store.feed_config = None
        store.feed_queue.clear()
        return
    store.feed_queue[:] = [m for m in store.feed_queue if clock - m["enqueuedAt"] <= retention]


def _wants(config: Record | None, state: str) -> bool:
    if config is None:
        return False
    statuses = config["filter"].get("status")
    return statuses is None or state in statuses


def emit(
    store: Store,
    order_id: str,
    state: str,
    last_state: str,
    last_change: str,
    moment: Moment,
    *,
    queue: bool | None = None,
) -> None:
    """An order's status changed to `state`: queue the event when the config's filter takes it
    (`queue=None`, as VTEX), always (`True`, even without a config) or never (`False`)."""
    expire(store, moment.clock)
    wanted = _wants(store.feed_config, state) if queue is None else queue
    if not wanted:
        return
    message = {
        "eventId": token(store, "event", order_id, state),
        "handle": None,  # given at each delivery
        "domain": DOMAIN,
        "state": state,
        "lastState": last_state,
        "orderId": order_id,
        "lastChange": last_change,
        "currentChange": vtex_time(moment.now),
        "deliveries": 0,
        "visibleAt": moment.clock,
        "enqueuedAt": moment.clock,
    }
    store.feed_queue.append(message)
    if moment.draw is not None and moment.draw.duplicate():
        store.feed_queue.append(dict(message))  # the same event, a second message
    store.feed_active_at = moment.clock


def pending(store: Store, clock: float) -> list[Record]:
    """Queued, uncommitted events (copies), oldest first: the feed item fields, plus
    `deliveries` (how often it was read) and `visible` (whether a read would return it now).
    `handle` is None until the first delivery."""
    expire(store, clock)
    return [
        {
            **{k: m[k] for k in _EVENT_FIELDS},
            "deliveries": m["deliveries"],
            "visible": m["visibleAt"] <= clock,
        }
        for m in store.feed_queue
    ]


# --------------------------------------------------------------------------- routes


def _config(store: Store, call: Call) -> Record:
    expire(store, call.clock)
    if store.feed_config is None:
        raise oms_error(404, "Feed configuration not found for this appKey")
    return store.feed_config


def post_config(store: Store, call: Call) -> Reply:
    body = body_object(call)
    raw_filter = body.get("filter", {"type": "FromWorkflow"})
    raw_queue = body.get("queue", {})
    if not isinstance(raw_filter, dict) or not isinstance(raw_queue, dict):
        raise oms_error(400, "filter and queue must be objects")
    kind = raw_filter.get("type")
    if kind == "FromWorkflow":
        if "expression" in raw_filter or "disableSingleFire" in raw_filter:
            raise oms_error(409, "FromWorkflow filters take status, not expression")
    elif kind == "FromOrders":
        if "status" in raw_filter:
            raise oms_error(409, "FromOrders filters take expression, not status")
        raise oms_error(400, "the sandbox emulates FromWorkflow filters only (not FromOrders)")
    else:
        raise oms_error(400, f"filter.type must be FromWorkflow or FromOrders, got {kind!r}")
    statuses = raw_filter.get("status")
    if statuses is not None and (
        not isinstance(statuses, list) or not all(isinstance(s, str) for s in statuses)
    ):
        raise oms_error(400, "filter.status must be a list of strings")
    visibility = _whole(raw_queue, ("visibilityTimeoutInSeconds",), 240, 0, MAX_VISIBILITY_S)
    retention = _whole(
        raw_queue,
        ("MessageRetentionPeriodInSeconds", "messageRetentionPeriodInSeconds"),
        MIN_RETENTION_S,
        MIN_RETENTION_S,
        MAX_RETENTION_S,
    )
    new_filter: Record = {"type": "FromWorkflow"}
    if statuses is not None:
        new_filter["status"] = list(statuses)
    store.feed_config = {
        "filter": new_filter,
        "queue": {
            "visibilityTimeoutInSeconds": visibility,
            "messageRetentionPeriodInSeconds": retention,
        },
    }
    store.feed_active_at = call.clock
    return Reply()


def _whole(body: Record, names: tuple[str, ...], default: int, low: int, high: int) -> int:
    name = next((n for n in names if n in body), names[0])
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise oms_error(400, f"queue.{name} must be a whole number within {low}..{high}")
    return value


def get_config(store: Store, call: Call) -> Reply:
    config = _config(store, call)
    oldest = min((m["enqueuedAt"] for m in store.feed_queue), default=call.clock)
    return Reply(
        body={
            **config,
            "quantity": len(store.feed_queue),
            "approximateAgeOfOldestMessageInSeconds": max(0.0, call.clock - oldest),
        }
    )


def delete_config(store: Store, call: Call) -> Reply:
    _config(store, call)
    store.feed_config = None
    store.feed_queue.clear()
    return Reply()


def read(store: Store, call: Call) -> Reply:
    config = _config(store, call)
    raw = call.query.get("maxlot", "")
    if not raw.isdigit() or int(raw) < 1:
        raise oms_error(400, f"maxlot must be a whole number from 1 to {MAX_LOT}, got {raw!r}")
    lot = min(int(raw), MAX_LOT)
    visible = [m for m in store.feed_queue if m["visibleAt"] <= call.clock]
    if call.draw is not None:
        visible = call.draw.shuffled(visible)
    hidden_until = call.clock + config["queue"]["visibilityTimeoutInSeconds"]
    items = []
    for message in visible[:lot]:
        message["handle"] = _handle(store, message["eventId"])
        message["deliveries"] += 1
        message["visibleAt"] = hidden_until
        items.append({k: message[k] for k in _EVENT_FIELDS})
    return Reply(body=items)


def commit(store: Store, call: Call) -> Reply:
    _config(store, call)
    handles: Any = body_object(call).get("handles")
    if not isinstance(handles, list) or not all(isinstance(h, str) for h in handles):
        raise oms_error(400, "handles must be a list of strings")
    wanted = set(handles)
    store.feed_queue[:] = [m for m in store.feed_queue if m["handle"] not in wanted]
    return Reply()
