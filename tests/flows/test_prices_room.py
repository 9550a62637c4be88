"""The prices room on its own: its row rules, the PUT/PATCH bodies it builds, and its send
against the in-process sandbox (no files, no pass). See tests/test_prices_*.py end to end."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from importer.flows.keyed import rows_of
from importer.flows.prices import (
    FLOW,
    base_source,
    batchable_rows,
    derived_cost,
    derived_markup,
    fixed_entry,
    price_body,
    with_previous_periods,
)
from importer.messages import render
from importer.models import Action
from importer.outcomes import PushResult
from importer.push import Send, run_tasks
from importer.rows import FILE_COLUMNS, OutRow
from importer.state import Store
from importer.state.db import utc_now
from tests.flows.rooms import NOW, against, by_row, canonical, check, demo_sandbox, writes

FROM, TO = "2026-12-01T00:00:00Z", "2026-12-31T23:59:59Z"


def price_row(**cells: Any) -> OutRow:
    """A changed row as the prices room sends it (validated, resolved to a SKU id)."""
    row: dict[str, Any] = {
        "row": 2,
        "key": "DEMO-001",
        "sku_ref": "DEMO-001",
        "sku_id": "",
        "sku_id_resolved": 1,
        "base_price": "",
        "list_price": "",
        "cost_price": "",
        "markup": "",
        "trade_policy": "",
        "fixed_price": "",
        "min_quantity": "",
        "valid_from": "",
        "valid_to": "",
        "hash": 1,
        FILE_COLUMNS: "base_price,cost_price,fixed_price,list_price,markup,min_quantity,"
        "sku_ref,trade_policy,valid_from,valid_to",
    }
    row.update(cells)
    return OutRow.from_payload(row)


# -- the rules --------------------------------------------------------------------------------


def test_a_fixed_price_without_a_trade_policy_is_refused_and_says_which_column() -> None:
    _, errors = check(FLOW, [{"sku_ref": "A", "base_price": "10.00", "fixed_price": "9.00"}])
    assert by_row(errors) == {2: ("invalid-combination", "trade_policy")}
    assert errors[0].message == render("fixed-price-without-policy")
    assert "trade_policy" in errors[0].message and "empty" in errors[0].message


def test_a_period_with_one_end_is_refused() -> None:
    rows = [
        {"sku_ref": "A", "trade_policy": "1", "fixed_price": "9.00", "valid_from": FROM},
        {"sku_ref": "B", "trade_policy": "1", "fixed_price": "9.00", "valid_to": TO},
    ]
    _, errors = check(FLOW, rows)
    assert [(e.row, e.type) for e in errors] == [
        (2, "invalid-combination"),
        (3, "invalid-combination"),
    ]
    assert all(e.message == render("price-period-incomplete") for e in errors)
    assert "needs both" in errors[0].message
    # The row without its end is reported on the empty valid_to (the other case: below).
    assert (errors[0].column, errors[0].value) == ("valid_to", "")


def test_a_period_without_its_start_names_the_empty_valid_from() -> None:
    row = {"sku_ref": "B", "trade_policy": "1", "fixed_price": "9.00", "valid_to": TO}
    _, errors = check(FLOW, [row], raw={"valid_to": {0: "31/12/2026"}})
    assert (errors[0].column, errors[0].value) == ("valid_from", "")


def test_a_reversed_period_says_it_is_reversed() -> None:
    rows = [
        {
            "sku_ref": "A",
            "trade_policy": "1",
            "fixed_price": "9.00",
            "valid_from": TO,
            "valid_to": FROM,
        },
        {
            "sku_ref": "B",
            "trade_policy": "1",
            "fixed_price": "9.00",
            "valid_from": FROM,
            "valid_to": FROM,
        },
    ]
    _, errors = check(FLOW, rows, raw={"valid_to": {0: "01/12/2026"}})
    assert by_row(errors) == {
        2: ("invalid-combination", "valid_to"),
        3: ("invalid-combination", "valid_to"),
    }
    assert errors[0].value == "01/12/2026"  # the cell as the file wrote it
    assert errors[0].message == '"valid_to" must be after "valid_from". Correct the dates.'


@pytest.mark.parametrize("column", ["min_quantity", "valid_from", "valid_to"])
def test_a_period_or_minimum_on_a_base_price_row_is_refused(column: str) -> None:
    value = {"min_quantity": "3", "valid_from": FROM, "valid_to": TO}[column]
    _, errors = check(FLOW, [{"sku_ref": "A", "base_price": "10.00", column: value}])
    assert by_row(errors)[2] == ("fixed-price-only", column)
    assert "VTEX's base price has neither" in errors[0].message


def test_rows_without_their_price_or_sku_are_missing_cells() -> None:
    rows = [
        {"sku_ref": "A"},  # a base-price row without a base price
        {"sku_ref": "B", "trade_policy": "1"},  # a fixed-price row without a fixed price
        {"base_price": "10.00"},  # no SKU at all
        {"sku_ref": "C", "base_price": "10.00"},  # fine
        {
            "sku_ref": "D",
            "trade_policy": "2",
            "fixed_price": "8.00",
            "min_quantity": "3",
            "valid_from": FROM,
            "valid_to": TO,
        },  # fine: a fixed price with its period
    ]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {
        2: ("missing-cell", "base_price"),
        3: ("missing-cell", "fixed_price"),
        4: ("missing-cell", "sku_ref"),
    }


# -- what a changed row carries, and the bodies -----------------------------------------------


def test_a_changed_period_carries_the_period_vtex_holds() -> None:
    frame = canonical(
        FLOW.spec,
        [
            {"key": "A|1|1", "trade_policy": "1", "valid_from": FROM, "valid_to": TO},
            {"key": "B|1|1", "trade_policy": "1", "valid_from": FROM, "valid_to": TO},
        ],
    )
    previous = {"A|1|1": {"valid_from": "2026-11-01T00:00:00Z", "valid_to": "2026-11-30T23:59:59Z"}}
    rows = rows_of(frame)
    out = with_previous_periods(rows, previous)
    assert [r.get("prev_valid_from") for r in out] == ["2026-11-01T00:00:00Z", FROM]
    assert [r.get("prev_valid_to") for r in out] == ["2026-11-30T23:59:59Z", TO]
    assert "prev_valid_from" not in rows[0].values  # the caller's rows are left as they were


def test_a_markup_beside_a_cost_is_derived_by_vtex_and_the_row_says_so() -> None:
    base = price_row(base_price="150.00", cost_price="100.00", markup="40")
    sent = price_body(base, [], None)
    assert sent.body == {
        "basePrice": Decimal("150.00"),
        "costPrice": Decimal("100.00"),
        "fixedPrices": [],
    }
    assert "markup" not in sent.body  # VTEX takes two of the three
    [(kind, column, value, reason)] = sent.notes
    assert (kind, column, value) == ("markup-derived", "markup", "40")
    assert "derives the markup (50)" in reason
    # The same markup as VTEX derives is no news.
    assert (
        price_body(price_row(base_price="150.00", cost_price="100.00", markup="50"), [], None).notes
        == []
    )


def test_a_markup_alone_is_sent_and_the_derived_cost_is_kept() -> None:
    sent = price_body(price_row(base_price="150.00", markup="50"), [], None)
    assert sent.body["markup"] == 50 and "costPrice" not in sent.body
    assert sent.kept == {"cost_price": "100.00"}


def test_a_base_price_alone_keeps_the_cost_vtex_holds_and_its_fixed_prices() -> None:
    current = {
        "basePrice": 12,
        "costPrice": 7,
        "listPrice": 15,
        "fixedPrices": [
            {
                "tradePolicyId": "2",
                "value": 9.5,
                "minQuantity": 1,
                "dateRange": {"from": FROM, "to": TO},
            }
        ],
    }
    # A file without the list_price column keeps VTEX's list price.
    base = price_row(base_price="13.00", **{FILE_COLUMNS: "base_price,sku_ref"})
    sent = price_body(base, [], current)
    assert sent.body == {
        "basePrice": Decimal("13.00"),
        "costPrice": Decimal(7),
        "listPrice": Decimal(15),
        "fixedPrices": [
            {
                "tradePolicyId": "2",
                "value": Decimal("9.5"),
                "minQuantity": 1,
                "dateRange": {"from": FROM, "to": TO},
            }
        ],
    }
    # A file with the column and an empty cell clears it (the PUT goes without listPrice).
    assert "listPrice" not in price_body(price_row(base_price="13.00"), [], current).body


def test_a_fixed_price_whose_period_moved_replaces_the_old_entry() -> None:
    old = {"from": "2026-11-01T00:00:00Z", "to": "2026-11-30T23:59:59Z"}
    current = {
        "basePrice": 12,
        "costPrice": 7,
        "fixedPrices": [{"tradePolicyId": "1", "value": 9, "minQuantity": 1, "dateRange": old}],
    }
    fixed = price_row(trade_policy="1", fixed_price="8.50", valid_from=FROM, valid_to=TO)
    body = price_body(
        price_row(base_price="12.00"), [fixed], current, drop=[("1", 1, old["from"], old["to"])]
    ).body
    assert body["fixedPrices"] == [
        {
            "tradePolicyId": "1",
            "value": Decimal("8.50"),
            "minQuantity": 1,
            "dateRange": {"from": FROM, "to": TO},
        }
    ]


def test_derived_markup_and_cost_are_vtex_s_whole_percent_and_cent() -> None:
    assert derived_markup(Decimal("150"), Decimal("100")) == 50
    assert derived_markup(Decimal("10"), Decimal("3")) == 233  # 233.33...
    assert derived_markup(Decimal("10.05"), Decimal("10")) == 1  # 0.5 rounds half up
    assert derived_markup(Decimal("10"), Decimal("0")) == 0
    assert derived_cost(Decimal("150"), 50) == Decimal("100.00")
    assert derived_cost(Decimal("10"), 3) == Decimal("9.71")
    assert derived_cost(Decimal("10"), -100) == Decimal(0)


def test_a_fixed_entry_is_what_the_row_says() -> None:
    assert fixed_entry(price_row(trade_policy="1", fixed_price="9.90")) == {
        "tradePolicyId": "1",
        "value": Decimal("9.90"),
        "minQuantity": 1,
    }
    full = price_row(
        trade_policy="b2b",
        fixed_price="0.01",
        min_quantity="12",
        list_price="11.00",
        valid_from=FROM,
        valid_to=TO,
    )
    assert fixed_entry(full) == {
        "tradePolicyId": "b2b",
        "value": Decimal("0.01"),
        "minQuantity": 12,
        "listPrice": Decimal("11.00"),
        "dateRange": {"from": FROM, "to": TO},
    }


def test_the_base_price_comes_from_the_base_row_else_a_fixed_row_that_has_one() -> None:
    fixed = price_row(trade_policy="1", fixed_price="9.00")
    fixed_with_base = price_row(trade_policy="2", fixed_price="8.00", base_price="10.00")
    base = price_row(base_price="11.00")
    assert base_source([fixed, fixed_with_base, base]) is base
    assert base_source([fixed, fixed_with_base]) is fixed_with_base
    assert base_source([fixed]) is None


def test_a_bulk_job_takes_one_plain_base_price_per_sku() -> None:
    plain = {"base_price": "10.00", "cost_price": "6.00", "list_price": "12.00"}
    a = price_row(**plain)
    a_fixed = price_row(trade_policy="1", fixed_price="9.00")  # PATCH beside the job: fine
    a_again = price_row(row=9, **plain)  # one row per SKU in the job
    b = price_row(sku_id_resolved=2, key="DEMO-002", **plain)
    b_moved = price_row(
        sku_id_resolved=2,
        key="DEMO-002|1|1",
        trade_policy="1",
        fixed_price="9.00",
        valid_from=FROM,
        valid_to=TO,
        prev_valid_from="",
        prev_valid_to="",
    )
    c = price_row(sku_id_resolved=3, key="DEMO-003", **plain)
    c_both = price_row(
        sku_id_resolved=3,
        key="DEMO-003|1|1",
        trade_policy="1",
        fixed_price="9.00",
        base_price="10.00",
    )
    # The CSV cannot say "no list price" nor a markup: such rows go per SKU.
    d = price_row(sku_id_resolved=4, key="DEMO-004", base_price="10.00", cost_price="6.00")
    e = price_row(sku_id_resolved=5, key="DEMO-005", markup="20", **plain)
    rows = [a, a_fixed, a_again, b, b_moved, c, c_both, d, e]
    assert batchable_rows(rows) == [a]


# -- the send, against the sandbox -----------------------------------------------------------


def send_rows(sandbox: Any, rows: list[OutRow]) -> PushResult:
    result = PushResult()

    async def work(clients: Any) -> None:
        tasks = FLOW.tasks(rows, clients, result, Send(lambda r: True, now=utc_now))
        await run_tasks(tasks, 4, result)

    against(sandbox, work)
    return result


def test_a_base_price_is_put_as_written_and_keeps_a_fixed_price_set_in_the_admin() -> None:
    sandbox = demo_sandbox()
    admin = {"tradePolicyId": "2", "value": 5, "minQuantity": 1}

    async def set_in_admin(clients: Any) -> None:
        await clients.pricing.put_price(
            1, {"basePrice": 20, "costPrice": 10, "fixedPrices": [admin]}
        )

    against(sandbox, set_in_admin)
    sandbox.requests.clear()
    rows = [price_row(base_price="19.90", list_price="25.00", cost_price="0")]
    result = send_rows(sandbox, rows)
    [put] = writes(sandbox)
    assert put.operation == "PUT /pricing/prices/{itemId}" and put.path == "/pricing/prices/1"
    assert put.body == {
        "basePrice": Decimal("19.90"),
        "costPrice": 0,  # 0 is a value: sent as written
        "listPrice": 25,
        "fixedPrices": [admin],
    }
    assert [(o.action, o.record.key) for o in result.outcomes] == [(Action.CREATED, "DEMO-001")]
    assert sandbox.prices[1]["basePrice"] == Decimal("19.90")


def test_fixed_prices_alone_are_patched_without_touching_the_base_price() -> None:
    sandbox = demo_sandbox()
    rows = [
        price_row(sku_id_resolved=2, key="DEMO-002|1|1", trade_policy="1", fixed_price="9.90"),
        price_row(
            sku_id_resolved=2,
            key="DEMO-002|1|10",
            trade_policy="1",
            fixed_price="8.50",
            min_quantity="10",
            valid_from=FROM,
            valid_to=TO,
        ),
    ]
    result = send_rows(sandbox, rows)
    [patch] = writes(sandbox)
    assert patch.path == "/pricing/prices/2/fixed" and patch.method == "PATCH"
    assert patch.body == [
        {"tradePolicyId": "1", "value": Decimal("9.90"), "minQuantity": 1},
        {
            "tradePolicyId": "1",
            "value": Decimal("8.50"),
            "minQuantity": 10,
            "dateRange": {"from": FROM, "to": TO},
        },
    ]
    assert {o.action for o in result.outcomes} == {Action.CREATED}


def test_a_second_row_s_other_base_price_is_a_warning_on_that_row() -> None:
    sandbox = demo_sandbox()
    base = price_row(row=2, base_price="10.00")
    other = price_row(
        row=3, key="DEMO-001|1|1", trade_policy="1", fixed_price="9.00", base_price="11.00"
    )
    result = send_rows(sandbox, [base, other])
    [put] = writes(sandbox)
    assert put.body["basePrice"] == 10  # the base row's, as the report says
    outcome = {o.record.line: o for o in result.outcomes}
    assert outcome[2].action is Action.CREATED
    assert outcome[3].action is Action.WARNING
    assert (outcome[3].type, outcome[3].column, outcome[3].value) == (
        "sku-price-conflict",
        "base_price",
        "11.00",
    )
    assert "row 2 gives this SKU the base_price 10.00" in outcome[3].reason


def test_the_room_s_send_resolves_refids_and_fails_an_unknown_one(tmp_path: Path) -> None:
    sandbox = demo_sandbox()
    store = Store(tmp_path / "importer.sqlite3")
    rows = [
        price_row(sku_id_resolved=None, base_price="7.00"),
        price_row(row=3, key="NOPE", sku_ref="NOPE", sku_id_resolved=None, base_price="7.00"),
    ]
    send = Send(is_new=lambda r: True, now=lambda: NOW)
    try:
        result = against(sandbox, lambda c: FLOW.send(rows, [], c, store, send))
    finally:
        store.close()
    outcome = {o.record.line: o for o in result.outcomes}
    assert outcome[2].action is Action.CREATED
    assert (outcome[3].action, outcome[3].type, outcome[3].column) == (
        Action.FAILED,
        "unknown-sku",
        "sku_ref",
    )
    # One RefId lookup for both rows, then the one price; nothing for the unknown RefId.
    assert [r.path for r in writes(sandbox) if r.path.startswith("/pricing")] == [
        "/pricing/prices/1"
    ]
    assert sandbox.prices[1]["basePrice"] == 7
