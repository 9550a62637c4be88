"""The tracking room on its own: its row and delivery rules, how event rows become one record
per invoice (and which invoices a bad row holds), and `push_tracking` against orders of the
in-process sandbox (no files, no pass). See tests/test_tracking.py end to end."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pandas as pd

from importer.deps import Clients
from importer.diff import content_hash
from importer.flows.keyed import rows_of
from importer.flows.tracking import (
    FLOW,
    TRACKING,
    delivered_minute,
    delivery_rules,
    group_events,
    held_rows,
    push_tracking,
)
from importer.messages import row_error
from importer.models import Action
from importer.outcomes import PushResult
from importer.rows import OutRow
from importer.sandbox import Sandbox
from importer.validate import Validated
from tests.flows.rooms import by_row, canonical, check, demo_sandbox, writes


def event(row: int, order: str = "1-01", number: str = "NF1", **cells: str) -> dict[str, Any]:
    """An event row as validate leaves it (dates already RFC 3339 UTC)."""
    values: dict[str, Any] = {
        "row": row,
        "order_id": order,
        "invoice_number": number,
        "event_date": f"2026-12-0{row}T10:00:00Z",
        "city": "São Paulo",
        "state": "SP",
        "description": f"evento {row}",
        "delivered": "false",
        "delivered_date": "",
    }
    values.update(cells)
    values["key"] = "|".join(str(values[c]) for c in TRACKING.key_columns)
    return values


def records(*rows: dict[str, Any]) -> pd.DataFrame:
    frame = canonical(TRACKING, rows)
    frame["row"] = frame["row"].astype(int)
    return frame


# -- the rules --------------------------------------------------------------------------------


def test_an_event_needs_its_invoice_a_date_and_a_description() -> None:
    rows = [
        {"order_id": "1-01", "invoice_number": "NF1", "event_date": "d", "description": "x"},
        {"order_id": "", "invoice_number": "NF1", "event_date": "d", "description": "x"},
        {"order_id": "1-01", "invoice_number": "NF 1", "event_date": "d", "description": "x"},
        {"order_id": "1-01", "invoice_number": "NF1", "event_date": "", "description": "x"},
        {"order_id": "1-01", "invoice_number": "NF1", "event_date": "d", "description": ""},
        {"order_id": "1-01", "invoice_number": "NF1", "city": "Santos"},  # an event, undated
        {"order_id": "1-01", "invoice_number": "NF1", "delivered": "true"},  # delivery alone
    ]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {
        3: ("missing-cell", "order_id"),
        4: ("invalid-combination", "invoice_number"),  # VTEX cannot track 'NF 1'
        5: ("missing-cell", "event_date"),
        6: ("missing-cell", "description"),
        7: ("missing-cell", "event_date"),
    }


def test_an_invoice_is_delivered_once() -> None:
    frame = records(
        event(2, delivered_date="2026-12-03T10:00:00Z"),
        event(3, delivered="true", delivered_date="2026-12-04T10:00:00Z"),  # another date
        event(4, number="NF2", delivered_date="2026-12-03T10:00:00Z"),  # never delivered
        event(5, number="NF3", delivered="true", delivered_date="2026-12-03T10:00:00Z"),
        event(6, number="NF3"),
    )
    kept, errors = delivery_rules(frame)
    assert by_row(errors) == {
        3: ("invalid-combination", "delivered_date"),
        4: ("invalid-combination", "delivered_date"),
    }
    assert "2026-12-03T10:00:00Z on row 2" in errors[0].message
    assert "no row of invoice NF2 says delivered = true" in errors[1].message
    assert errors[0].key == frame["key"][1]  # so that the error holds its invoice
    assert kept["row"].tolist() == [2, 5, 6]


# -- grouping ---------------------------------------------------------------------------------


def test_the_rows_of_an_invoice_become_one_record_in_time_order() -> None:
    rows = [
        event(4, description="entregue", delivered="true", delivered_date="2026-12-05T10:00:00Z"),
        event(2, order="2-01", number="NF9"),
        event(3, event_date="2026-12-01T08:00:00Z"),  # earliest, though later in the file
        event(5, event_date="2026-12-01T08:00:00Z", city="Campinas"),  # same time: file order
    ]
    groups = group_events(records(*rows))
    assert groups[["row", "key", "event_rows", "delivered"]].values.tolist() == [
        [2, "2-01|NF9", "2", "false"],
        [3, "1-01|NF1", "3,4,5", "true"],
    ]
    events = json.loads(groups["events"][1])
    assert [(e["city"], e["description"], e["date"]) for e in events] == [
        ("São Paulo", "evento 3", "2026-12-01T08:00:00Z"),
        ("Campinas", "evento 5", "2026-12-01T08:00:00Z"),
        ("São Paulo", "entregue", "2026-12-04T10:00:00Z"),
    ]
    assert groups["delivered_date"][1] == "2026-12-05T10:00:00Z"
    # The order of the file's rows is not a change: the same events hash the same.
    again = group_events(records(*reversed(rows)))
    assert (
        content_hash(again, TRACKING.hashed).tolist()
        == content_hash(groups, TRACKING.hashed).tolist()
    )
    changed = group_events(records(*rows[:3], {**rows[3], "state": "RJ"}))
    assert content_hash(changed, TRACKING.hashed)[1] != content_hash(groups, TRACKING.hashed)[1]


def test_a_bad_row_holds_every_valid_row_of_its_invoice() -> None:
    valid = records(event(2), event(3, number="NF2"), event(4, order="2-01", number="NF2"))
    errors = [
        row_error("missing-cell", row=5, column="city", value="", key="1-01|NF1|d||SP|b"),
        # No order id: it may be an event of any NF2, and holds them all.
        row_error("missing-cell", row=6, column="order_id", value="", key="|NF2|x|y|z|w"),
    ]
    held = held_rows(valid, errors)
    assert [(h.line, h.bad_rows) for h in held] == [(2, (5,)), (3, (6,)), (4, (6,))]
    assert held_rows(valid, []) == []
    # A repeated row is the same event once: its invoice's list is whole, nothing is held.
    key = valid["key"][0]
    repeated = row_error("duplicate-key", row=7, column="", value=key, key=key, first_row=2)
    assert held_rows(valid, [repeated]) == []


def test_a_row_without_an_event_says_only_that_the_invoice_was_delivered() -> None:
    delivered = event(3, delivered="true", delivered_date="2026-12-05T10:00:00Z")
    delivered.update(event_date="", city="", state="", description="")
    [group] = group_events(records(event(2), delivered)).to_dict("records")
    assert [e["description"] for e in json.loads(group["events"])] == ["evento 2"]
    assert (group["delivered"], group["event_rows"]) == ("true", "2,3")


def test_an_invoice_with_fewer_events_than_vtex_got_says_how_many_also_on_retry() -> None:
    frame = records(event(2), event(3, number="NF2"), event(4, number="NF2"))
    frame["hash"] = 1
    shorter, longer = rows_of(group_events(frame))
    before = rows_of(group_events(records(event(2), event(3), event(4))))[0]
    # What the snapshot keeps for NF1: its three events as VTEX got them.
    previous = {shorter.key: before.payload()}
    prepared = FLOW.prepare([shorter, longer], previous, Validated(frame))
    assert [r.get("dropped") for r in prepared] == ["2", "0"]
    # A pending invoice is kept as its payload: its retry still says what was dropped.
    assert OutRow.from_payload(prepared[0].payload()).get("dropped") == "2"
    assert OutRow.from_payload(prepared[0].payload()).get("event_rows") == "2"


def test_vtex_gets_the_delivery_time_to_the_minute() -> None:
    assert delivered_minute("2026-12-01T15:30:45Z") == "2026-12-01 15:30"


# -- the send, against sandbox orders ---------------------------------------------------------


def invoiced_order(sandbox: Sandbox, numbers: dict[str, str], seed: int = 0) -> str:
    """An order with an invoice per number (-> its tracking number, '' for none)."""
    [order_id] = sandbox.seed_orders(1, seed=seed)
    sandbox.set_order_status(order_id, "handling")
    for number, tracking in numbers.items():
        sandbox.seed_call(
            "POST",
            f"/api/oms/pvt/orders/{order_id}/invoice",
            {
                "type": "Output",
                "issuanceDate": "2026-12-01T10:00:00Z",
                "invoiceNumber": number,
                "invoiceValue": "1",
                "courier": "X",
                "trackingNumber": tracking,
                "trackingUrl": "",
                "items": [],
            },
        )
    sandbox.requests.clear()
    return order_id


def invoice_record(order_id: str, number: str, *rows: dict[str, Any], **extra: str) -> OutRow:
    frame = records(*[{**r, "order_id": order_id, "invoice_number": number} for r in rows])
    frame["hash"] = 1
    [row] = rows_of(group_events(frame))
    return replace(row, values={**row.values, **extra})


def send(sandbox: Sandbox, rows: list[OutRow], new: bool = True) -> PushResult:
    from tests.flows.rooms import against

    async def work(clients: Clients) -> PushResult:
        return await push_tracking(rows, clients.orders, 4, lambda row: new)

    return against(sandbox, work)


def test_one_get_per_order_and_one_put_per_invoice_with_vtexs_body() -> None:
    sandbox = demo_sandbox()
    order_id = invoiced_order(sandbox, {"NF1": "BR1", "NF2": "BR2"})
    delivered = event(3, delivered="true", delivered_date="2026-12-03T18:20:00Z")
    rows = [
        invoice_record(order_id, "NF1", event(2), delivered),
        invoice_record(order_id, "NF2", event(2)),
    ]
    result = send(sandbox, rows)
    assert [o.action for o in result.outcomes] == [Action.CREATED, Action.CREATED]
    assert [r.method for r in sandbox.requests] == ["GET", "PUT", "PUT"]
    [first, _] = writes(sandbox)
    place = {"city": "São Paulo", "state": "SP"}
    assert first.body == {
        "isDelivered": True,
        "deliveredDate": "2026-12-03 18:20",
        "events": [
            {**place, "description": "evento 2", "date": "2026-12-02T10:00:00Z"},
            {**place, "description": "evento 3", "date": "2026-12-03T10:00:00Z"},
        ],
    }
    assert result.outcomes[0].reason == "VTEX has this invoice's 2 events (delivered: yes)"


def test_what_does_not_land_as_written_is_said_on_the_invoice() -> None:
    sandbox = demo_sandbox()
    order_id = invoiced_order(sandbox, {"NF1": "BR1", "NF2": "", "NF3": "BR3"})
    seconds = event(2, delivered="true", delivered_date="2026-12-03T18:20:31Z")
    rows = [
        invoice_record(order_id, "NF1", seconds),
        invoice_record(order_id, "NF2", event(2)),  # no tracking number yet
        invoice_record(order_id, "NF3", event(2), dropped="2"),  # 2 fewer events than before
        invoice_record(order_id, "NF4", event(2)),  # not invoiced yet
        invoice_record("999-01", "NF1", event(2)),
    ]
    result = send(sandbox, rows, new=False)
    assert [(o.action, o.type) for o in result.outcomes] == [
        (Action.WARNING, "tracking-delivered-minute"),
        (Action.PENDING, "tracking-waiting-number"),
        (Action.WARNING, "tracking-events-dropped"),
        (Action.PENDING, "tracking-waiting-invoice"),
        (Action.FAILED, "unknown-order"),
    ]
    assert "was sent as 2026-12-03 18:20 (UTC)" in result.outcomes[0].reason
    assert "2 fewer than it had" in result.outcomes[2].reason
    assert len(writes(sandbox)) == 2  # NF1 and NF3; nothing VTEX would refuse was sent
