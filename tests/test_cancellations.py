"""inbox/cancellations end to end, in-process: the ERP cancels orders and denies customers'
cancellation requests; each (order, action) reaches VTEX once, and every row is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.report import read_report_csv
from importer.sandbox import Faults, Sandbox
from tests.conftest import CHECK_UP, RuntimeFactory, drop, one_pass, seed_store

CANCEL = "/cancel"
DENY = "/deny-cancellation-request"


def order_calls(sandbox: Sandbox) -> list[tuple[str, str]]:
    """(method, last path segment) of each request about an order, in order."""
    return [
        (r.method, r.path.rsplit("/", 1)[-1] if r.method == "POST" else "get")
        for r in sandbox.requests
        if "/orders/" in r.path
    ]


def four_orders(sandbox: Sandbox) -> tuple[str, str, str, str]:
    """ready (to cancel), invoiced (VTEX refuses), requested twice (to deny, to accept)."""
    seed_store(sandbox, 5)
    ready, invoiced, deny, accept = sandbox.seed_orders(4, queue=False)
    sandbox.set_order_status(invoiced, "invoiced", queue=False)
    sandbox.set_order_status(deny, "handling", queue=False)
    sandbox.request_cancellation(deny, "changed my mind")
    sandbox.request_cancellation(accept, "found it cheaper")
    sandbox.requests.clear()
    return ready, invoiced, deny, accept


@pytest.mark.slow  # two passes with reports: ~0.5 s
def test_cancels_and_denies_land_once_and_every_row_is_reported(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    ready, invoiced, deny, accept = four_orders(sandbox)
    drop(
        workdir,
        "cancellations",
        "cancelamentos.csv",
        "order_id;action;reason\n"
        f"{ready};cancel;sem estoque\n"
        f"{invoiced};cancel;fraude\n"
        f"{deny};DENY;já enviado\n"
        f"{accept};cancel;\n"  # no reason: FORMATS.md asks one of every cancel
        f"{deny};deny;outro\n"  # a second deny row of one order: a duplicate key
        f"{ready};cancelar;x\n"
        "999999-01;cancel;x\n",
    )
    runtime = make_runtime(sandbox)
    report = one_pass(runtime).reports[0]
    assert report.flatten(["row", "action", "type", "column"]) == [
        [2, "created", "", ""],
        [3, "failed", "cancel-refused", "order_id"],
        [4, "created", "", ""],
        [5, "invalid", "missing-cell", "reason"],
        [6, "invalid", "duplicate-key", "action"],
        [7, "invalid", "invalid-combination", "action"],
        [8, "failed", "unknown-order", "order_id"],
    ]
    assert "Invoiced orders cannot be canceled" in report.rows[1].reason
    assert report.rows[1].status == 400
    assert sandbox.order_status(ready) == "canceled"
    assert sandbox.order_status(accept) == "cancellation-requested"
    assert sandbox.orders[ready]["cancelReason"] == "sem estoque"
    assert sandbox.order_status(invoiced) == "invoiced"
    assert sandbox.order_status(deny) == "handling"  # back where it was before the request
    assert sandbox.orders[deny]["cancellationRequests"][0]["deniedBySellerReason"] == "já enviado"
    # Per row: the order read, then the call; nothing for the invalid rows.
    assert sorted(order_calls(sandbox)) == sorted(
        [("GET", "get")] * 4 + [("POST", "cancel")] * 2 + [("POST", "deny-cancellation-request")]
    )
    archived = sorted(p.name for p in (workdir / "archive" / "done").iterdir())
    assert archived == ["cancelamentos.csv"]
    reports = sorted((workdir / "outbox" / "reports").iterdir())
    assert [p.suffix for p in reports] == [".csv", ".xlsx"]
    written = read_report_csv(reports[0])
    assert [r["action"] for r in written] == [
        "created", "failed", "created", "invalid", "invalid", "invalid", "failed",
    ]  # fmt: skip

    # The landed rows again, one with another reason: nothing of them reaches VTEX, and the
    # changed reason is said on its row; the row that lacked its reason lands now.
    sandbox.requests.clear()
    drop(
        workdir,
        "cancellations",
        "cancelamentos-2.csv",
        f"order_id,action,reason\n{ready},cancel,fraude\n{deny},deny,já enviado\n"
        f"{accept},cancel,aceito\n",
    )
    again = one_pass(runtime).reports[0]
    assert order_calls(sandbox) == [("GET", "get"), ("POST", "cancel")]  # the third only
    assert again.flatten(["row", "action", "type", "column", "value"]) == [
        [2, "unchanged", "cancellation-done-before", "reason", "fraude"],
        [4, "created", "", "", ""],
    ]
    assert 'already sent, with the reason "sem estoque"' in again.rows[0].reason
    # The customer's request of the third order is accepted now: its row was invalid before.
    assert (again.summary.unchanged, again.summary.created) == (2, 1)
    assert sandbox.order_status(accept) == "canceled"
    assert sandbox.orders[ready]["cancelReason"] == "sem estoque"


@pytest.mark.slow  # three passes: ~0.45 s
def test_a_call_whose_answer_was_lost_is_not_sent_again(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """The cancel and the deny time out after VTEX applied them: both rows are pending, and
    the next pass reads each order first and sends neither again (a second deny would be
    refused, and whether a second cancel is harmless is not documented)."""
    ready, _, deny, _ = four_orders(sandbox)
    reads = {f"GET /api/oms/pvt/orders/{o}" for o in (ready, deny)}
    sandbox.faults = Faults(rate_timeout=1.0, spared=CHECK_UP | reads)
    drop(
        workdir,
        "cancellations",
        "c.csv",
        f"order_id,action,reason\n{ready},cancel,sem estoque\n{deny},deny,já enviado\n",
    )
    runtime = make_runtime(sandbox)
    first = one_pass(runtime).reports[0]
    assert first.flatten(["row", "action", "type"]) == [
        [2, "pending", "vtex-unavailable"],
        [3, "pending", "vtex-unavailable"],
    ]
    posts = [r for r in sandbox.requests if r.method == "POST"]
    assert len(posts) == 2  # each sent once: not replayed in the pass
    assert (sandbox.order_status(ready), sandbox.order_status(deny)) == ("canceled", "handling")
    sandbox.faults = None
    sandbox.requests.clear()
    [retry] = one_pass(runtime).reports
    assert retry.summary.file == "pending-cancellations"
    assert retry.flatten(["row", "action", "reason"]) == [
        [2, "created", "already canceled in VTEX: nothing sent"],
        [3, "created", "already denied in VTEX: nothing sent"],
    ]
    assert [r for r in sandbox.requests if r.method == "POST"] == []
    sandbox.requests.clear()
    assert one_pass(runtime).reports == []  # nothing pending any more
    assert order_calls(sandbox) == []
