"""Catalog: the trade-policy link is made once, EANs stay unique, image lists are split as real
exports write them, and a value VTEX cannot take as written (a weight in whole grams) is said on
its row (issue 10, items 14 and 15)."""

from __future__ import annotations

from pathlib import Path

from importer.models import Action, ReportRow
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, one_pass, sandbox_client
from tests.test_catalog_safety import drop_csv, product_id, row

SALESPOLICY_LINK = "POST /api/catalog/pvt/product/{productId}/salespolicy/{tradepolicyId}"
SALESPOLICY_LIST = "GET /api/catalog/pvt/product/{productId}/salespolicy"


def links(sandbox: Sandbox) -> int:
    return len(sandbox.requests_to("POST", SALESPOLICY_LINK.split(" ", 1)[1]))


def reads(sandbox: Sandbox) -> int:
    return len(sandbox.requests_to("GET", SALESPOLICY_LIST.split(" ", 1)[1]))


def rows_of(report_rows: list[ReportRow], key: str) -> list[ReportRow]:
    return [r for r in report_rows if r.key == key]


# --------------------------------------------------------------------------------------------
# Item 14: the trade-policy link.


def test_a_product_update_sends_no_trade_policy_link(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    products = [
        row(product_ref=f"P{i}", sku_ref=f"S{i}", ean=f"78900000000{i:02d}") for i in range(5)
    ]
    drop_csv(workdir, "c1.csv", products)
    one_pass(runtime)
    assert links(sandbox) == 5  # one per created product
    for version in (2, 3):
        renamed = [dict(p, product_name=f"Camiseta v{version}") for p in products]
        before_links, before_reads = links(sandbox), reads(sandbox)
        drop_csv(workdir, f"c{version}.csv", renamed)
        report = one_pass(runtime).reports[0]
        assert [r.action for r in report.rows if r.key.startswith("product ")] == [
            Action.UPDATED
        ] * 5
        # Five changed products: no link and no read of the links (the store remembers them).
        assert (links(sandbox) - before_links, reads(sandbox) - before_reads) == (0, 0)
    for p in products:
        assert sandbox.product_trade_policies(product_id(sandbox, p["product_ref"])) == [1]


def test_a_product_the_store_does_not_know_as_linked_is_read_once_and_linked_only_if_needed(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """Products linked by an earlier version (or by hand) are read once: linked ones are
    remembered without a write, and one VTEX lacks the link for is linked."""
    runtime = make_runtime(sandbox)
    products = [
        row(product_ref=f"P{i}", sku_ref=f"S{i}", ean=f"78900000000{i:02d}") for i in range(2)
    ]
    drop_csv(workdir, "c1.csv", products)
    one_pass(runtime)
    # As an importer before this change left it: no link remembered.
    runtime.deps.store._db.execute("DELETE FROM catalog_ids WHERE kind = 'trade-policy-1'")
    unlinked = product_id(sandbox, "P1")
    with sandbox_client(sandbox) as client:
        client.delete(f"/api/catalog/pvt/product/{unlinked}/salespolicy/1")
    before_links, before_reads = links(sandbox), reads(sandbox)
    drop_csv(workdir, "c2.csv", [dict(p, product_name="Camiseta nova") for p in products])
    one_pass(runtime)
    assert (links(sandbox) - before_links, reads(sandbox) - before_reads) == (1, 2)
    assert sandbox.product_trade_policies(unlinked) == [1]
    drop_csv(workdir, "c3.csv", [dict(p, product_name="Camiseta 3") for p in products])
    one_pass(runtime)
    assert (links(sandbox) - before_links, reads(sandbox) - before_reads) == (1, 2)
