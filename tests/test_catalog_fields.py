"""Catalog: a product's trade policies (`trade_policies`), typed specification fields
(`spec_types`) and kits (`kit_components`), end to end against the sandbox, in-process: each
sent as the file says, only when its cell changed, and never twice after a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from importer.diff import content_hash
from importer.flows.catalog.spec import CATALOG, PRODUCT_COLUMNS, SKU_COLUMNS
from importer.models import Action, ReportRow
from importer.sandbox import Sandbox
from importer.sandbox.state import Store
from importer.vtex.catalog import CatalogClient
from tests.conftest import RuntimeFactory, one_pass, sandbox_client, seed_store
from tests.test_catalog_safety import IMG, drop_csv, product_id, row, sku_id

LINK = "/api/catalog/pvt/product/{productId}/salespolicy/{tradepolicyId}"
LINKS = "/api/catalog/pvt/product/{productId}/salespolicy"
KIT = "/api/catalog/pvt/stockkeepingunitkit"
FIELD = "/api/catalog/pvt/specification"


def count(sandbox: Sandbox, method: str, template: str) -> int:
    return len(sandbox.requests_to(method, template))


def fields_created(sandbox: Sandbox) -> int:
    return sum(r.method == "POST" and r.path == FIELD for r in sandbox.requests)


def policy_calls(sandbox: Sandbox) -> tuple[int, int, int]:
    """(reads, links, unlinks) of trade policies so far."""
    return (
        count(sandbox, "GET", LINKS),
        count(sandbox, "POST", LINK),
        count(sandbox, "DELETE", LINK),
    )


def since(now: tuple[int, ...], before: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a - b for a, b in zip(now, before, strict=True))


def line(rows: list[ReportRow], key: str) -> ReportRow:
    return next(r for r in rows if r.key == key)


def kit_of(sandbox: Sandbox, ref: str) -> list[tuple[str, int, float]]:
    refs = {i: r for r, i in sandbox.sku_refids.items()}
    return sorted(
        (refs[int(c["StockKeepingUnitId"])], int(c["Quantity"]), float(c["UnitPrice"]))
        for c in sandbox.sku_kit(sku_id(sandbox, ref))
    )


def kit_calls(sandbox: Sandbox) -> tuple[int, int, int]:
    """(reads, adds, clears) of kit components so far."""
    return (count(sandbox, "GET", KIT), count(sandbox, "POST", KIT), count(sandbox, "DELETE", KIT))


# --------------------------------------------------------------------------------------------
# trade_policies


@pytest.mark.slow
def test_a_product_is_linked_to_exactly_the_file_s_trade_policies(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    sandbox.trade_policies.update({2, 3})
    runtime = make_runtime(sandbox)
    first = [
        row(trade_policies="1|2"),
        row(sku_ref="S2", ean="7890000000002", trade_policies="1|2"),
    ]
    drop_csv(workdir, "c1.csv", first)
    one_pass(runtime)
    pid = product_id(sandbox, "P1")
    assert sandbox.product_trade_policies(pid) == [1, 2]
    assert policy_calls(sandbox) == (0, 2, 0)  # a new product: two links, nothing to read

    # The product renamed, its set the same: no trade policy request at all.
    before = policy_calls(sandbox)
    drop_csv(workdir, "c2.csv", [dict(r, product_name="Camiseta nova") for r in first])
    one_pass(runtime)
    assert since(policy_calls(sandbox), before) == (0, 0, 0)

    # 1|2 -> 2|3: VTEX's links read once, 3 linked, 1 (dropped by the file) unlinked, and no
    # product PUT (the set is not a field of the product record).
    before, puts = policy_calls(sandbox), count(sandbox, "PUT", "/api/catalog/pvt/product/")
    drop_csv(
        workdir,
        "c3.csv",
        [dict(r, product_name="Camiseta nova", trade_policies="2|3") for r in first],
    )
    report = one_pass(runtime).reports[0]
    assert since(policy_calls(sandbox), before) == (1, 1, 1)
    assert count(sandbox, "PUT", "/api/catalog/pvt/product/") == puts
    assert sandbox.product_trade_policies(pid) == [2, 3]
    assert line(report.rows, "product P1").action == Action.UPDATED

    # An emptied cell leaves the links alone, and says so on the product line.
    before = policy_calls(sandbox)
    drop_csv(
        workdir, "c4.csv", [dict(r, product_name="Camiseta nova", trade_policies="") for r in first]
    )
    report = one_pass(runtime).reports[0]
    assert since(policy_calls(sandbox), before) == (0, 0, 0)
    assert sandbox.product_trade_policies(pid) == [2, 3]
    product_line = line(report.rows, "product P1")
    assert (product_line.action, product_line.type) == (Action.WARNING, "value-kept")


@pytest.mark.slow
def test_a_trade_policy_vtex_lacks_fails_the_product_line_and_a_bad_cell_is_a_row_error(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    drop_csv(
        workdir,
        "c1.csv",
        [
            row(trade_policies="1|9"),
            row(product_ref="P2", sku_ref="S2", ean="7890000000002", trade_policies="1;2"),
        ],
    )
    report = one_pass(runtime).reports[0]
    product_line = line(report.rows, "product P1")
    assert (product_line.action, product_line.type) == (Action.FAILED, "trade-policy-refused")
    assert "trade policy 9" in product_line.reason and product_line.status == 404
    assert sandbox.product_trade_policies(product_id(sandbox, "P1")) == [1]  # the valid one
    assert line(report.rows, "S1").action == Action.CREATED  # the SKU still lands
    bad = next(r for r in report.rows if r.row == 3)
    assert (bad.type, bad.column, bad.value) == ("trade-policies-invalid", "trade_policies", "1;2")
    assert "P2" not in sandbox.product_refids
    # Not taken for a duplicate: once trade policy 9 exists, the same file links it.
    sandbox.trade_policies.add(9)
    drop_csv(workdir, "c1.csv", [row(trade_policies="1|9")])
    one_pass(runtime)
    assert sandbox.product_trade_policies(product_id(sandbox, "P1")) == [1, 9]


# --------------------------------------------------------------------------------------------
# kit_components


def kit_rows(components: str) -> list[dict[str, str]]:
    """The kit first, its components after it: the file's order does not matter."""
    return [
        row(product_ref="PK", sku_ref="K1", ean="7890000000009", image_urls=f"{IMG}/k.jpg",
            kit_components=components),
        row(sku_ref="S1"),
        row(sku_ref="S2", ean="7890000000002", image_urls=f"{IMG}/s2.jpg"),
        row(sku_ref="S3", ean="7890000000003", image_urls=f"{IMG}/s3.jpg"),
    ]  # fmt: skip


@pytest.mark.slow
def test_a_kit_gets_exactly_its_components_and_only_changes_are_sent(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c1.csv", kit_rows("S1:2:10.50|S2:1:5"))
    report = one_pass(runtime).reports[0]
    assert line(report.rows, "K1").action == Action.CREATED
    kit = sandbox.skus[sku_id(sandbox, "K1")]
    assert kit["IsKit"] is True and kit["IsActive"] is True
    assert kit_of(sandbox, "K1") == [("S1", 2, 10.5), ("S2", 1, 5.0)]
    assert kit_calls(sandbox) == (1, 2, 0)  # read once, one add per component

    steps = [
        ("S1:2:10.50|S2:1:5", (0, 0, 0), [("S1", 2, 10.5), ("S2", 1, 5.0)]),  # duplicate file
        # One more component: only it is added.
        ("S1:2:10.50|S2:1:5|S3:1:1", (1, 1, 0), [("S1", 2, 10.5), ("S2", 1, 5.0), ("S3", 1, 1.0)]),
        # A quantity changed and S2 dropped: cleared, then the list added again.
        ("S1:3:10.50|S3:1:1", (1, 2, 1), [("S1", 3, 10.5), ("S3", 1, 1.0)]),
    ]
    for i, (cell, calls, components) in enumerate(steps, start=2):
        before = kit_calls(sandbox)
        drop_csv(workdir, f"c{i}.csv", kit_rows(cell))
        one_pass(runtime)
        assert since(kit_calls(sandbox), before) == calls, cell
        assert kit_of(sandbox, "K1") == components, cell

    # An emptied cell leaves the kit alone and says so (another kit keeps the column filled:
    # a column empty in every row says nothing, as a specification column).
    before = kit_calls(sandbox)
    other = row(product_ref="PK", sku_ref="K2", ean="7890000000008", kit_components="S1:1:1")
    drop_csv(workdir, "c9.csv", [*kit_rows(""), other])
    report = one_pass(runtime).reports[0]
    assert since(kit_calls(sandbox), before) == (1, 1, 0)  # K2's, none of K1's
    assert (line(report.rows, "K1").action, line(report.rows, "K1").type) == (
        Action.WARNING,
        "value-kept",
    )
    assert kit_of(sandbox, "K1") == [("S1", 3, 10.5), ("S3", 1, 1.0)]


@pytest.mark.slow
def test_a_plain_sku_becomes_a_kit_and_bad_or_unknown_components_are_said(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    plain = [row(sku_ref="K1"), row(sku_ref="S1", ean="7890000000002", image_urls=f"{IMG}/2.jpg")]
    drop_csv(workdir, "c1.csv", plain)
    one_pass(runtime)
    assert sandbox.skus[sku_id(sandbox, "K1")]["IsKit"] is False
    drop_csv(
        workdir,
        "c2.csv",
        [
            dict(plain[0], kit_components="S1:2:3"),
            dict(plain[1]),
            row(sku_ref="K2", ean="7890000000003", kit_components="NOPE:1:1"),
            row(sku_ref="K3", ean="7890000000004", kit_components="S1:2"),
            row(sku_ref="K4", ean="7890000000005", kit_components="K4:1:1"),
            row(sku_ref="S9", ean="7890000000006", sku_active="false"),
            row(sku_ref="K5", ean="7890000000007", kit_components="S9:1:1"),
        ],
    )
    report = one_pass(runtime).reports[0]
    assert line(report.rows, "K1").action == Action.UPDATED
    assert sandbox.skus[sku_id(sandbox, "K1")]["IsKit"] is True
    assert kit_of(sandbox, "K1") == [("S1", 2, 3.0)]
    unknown = line(report.rows, "K2")
    assert (unknown.action, unknown.type, unknown.value) == (
        Action.FAILED,
        "kit-component-unknown",
        "NOPE",
    )
    assert sandbox.sku_kit(sku_id(sandbox, "K2")) == []
    by_row = {r.row: r for r in report.rows}
    assert (by_row[5].type, by_row[5].column) == ("kit-components-invalid", "kit_components")
    assert (by_row[6].type, by_row[6].value) == ("invalid-combination", "K4")
    assert "K3" not in sandbox.sku_refids and "K4" not in sandbox.sku_refids
    # VTEX activates a kit only with an active component (API-NOTES §3.8): said on its row.
    idle = line(report.rows, "K5")
    assert (idle.action, idle.type) == (Action.FAILED, "not-activated")
    assert "none of its components is active" in idle.reason
    assert sandbox.skus[sku_id(sandbox, "K5")]["IsActive"] is False


# --------------------------------------------------------------------------------------------
# spec_types


SPEC_HEADERS = [*row(), "product_spec:Material", "sku_spec:Cor", "spec_types"]


def spec_row(**changes: str) -> dict[str, str]:
    return row(
        **{
            "product_spec:Material": "Algodão penteado",
            "sku_spec:Cor": "Azul",
            "spec_types": "Cor:Radio|Material:Text",
            **changes,
        }
    )


def field_named(sandbox: Sandbox, name: str) -> list[dict[str, Any]]:
    return [f for f in sandbox.spec_fields.values() if f["Name"] == name]


@pytest.mark.slow
def test_spec_types_create_typed_positioned_fields_before_their_values(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    rows = [
        spec_row(),
        spec_row(sku_ref="S2", ean="7890000000002", **{"sku_spec:Cor": "Verde"}),
        spec_row(product_ref="P2", sku_ref="S3", ean="7890000000003"),  # same category
    ]
    drop_csv(workdir, "c1.csv", rows, SPEC_HEADERS)
    report = one_pass(runtime).reports[0]
    assert report.summary.created == 3 and report.summary.failed == 0
    [cor], [material] = field_named(sandbox, "Cor"), field_named(sandbox, "Material")
    assert (cor["FieldTypeId"], cor["IsStockKeepingUnit"], cor["Position"]) == (6, True, 1)
    assert (material["FieldTypeId"], material["IsStockKeepingUnit"], material["Position"]) == (
        1,
        False,
        2,
    )
    # Two products of one category: each field created once, the category read once.
    assert fields_created(sandbox) == 2
    assert (
        count(sandbox, "GET", "/api/catalog_system/pub/specification/field/listByCategoryId/") == 1
    )
    texts = [s["Text"] for s in sandbox.product_specs(product_id(sandbox, "P1"))]
    assert texts == ["Algodão penteado"]  # a text field: the whole cell, not split
    assert [s["Text"] for s in sandbox.sku_specs(sku_id(sandbox, "S2"))] == ["Verde"]

    # A changed text replaces the old one.
    rows[0]["product_spec:Material"] = rows[1]["product_spec:Material"] = "Linho | seda"
    drop_csv(workdir, "c2.csv", rows, SPEC_HEADERS)
    one_pass(runtime)
    assert [s["Text"] for s in sandbox.product_specs(product_id(sandbox, "P1"))] == ["Linho | seda"]
    assert fields_created(sandbox) == 2

    # P2 moves to another category, spec_types the same: the fields are that category's too.
    rows[2]["category"] = "Roupas > Calças"
    drop_csv(workdir, "c3.csv", rows, SPEC_HEADERS)
    one_pass(runtime)
    moved = sandbox.products[product_id(sandbox, "P2")]["CategoryId"]
    assert sorted((f["Name"], f["FieldTypeId"]) for f in sandbox.spec_fields.values()
                  if f["CategoryId"] == moved) == [("Cor", 6), ("Material", 1)]  # fmt: skip


@pytest.mark.slow
def test_a_field_vtex_has_with_another_type_is_a_warning_and_bad_types_are_row_errors(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    # An earlier file (without spec_types) made Cor as VTEX's by-name call does: Combo.
    drop_csv(workdir, "c1.csv", [spec_row(spec_types="")], SPEC_HEADERS[:-1])
    one_pass(runtime)
    [cor] = field_named(sandbox, "Cor")
    assert cor["FieldTypeId"] == 5
    drop_csv(
        workdir,
        "c2.csv",
        [
            spec_row(
                spec_types="Cor:Radio|Material:Text",
                **{"sku_spec:Cor": "Preto", "product_spec:Material": "Linho"},
            ),
            spec_row(product_ref="P2", sku_ref="S2", ean="7890000000002", spec_types="Cor:Lista"),
            spec_row(product_ref="P3", sku_ref="S3", ean="7890000000003", spec_types="Cor:Text"),
            spec_row(product_ref="P4", sku_ref="S4", ean="7890000000004", spec_types="Peso:Number"),
        ],
        SPEC_HEADERS,
    )
    report = one_pass(runtime).reports[0]
    warned = line(report.rows, "product P1")
    assert (warned.action, warned.type) == (Action.WARNING, "spec-type-differs")
    # Both said on the product line: Cor is a Combo, Material a Checkbox (by-name's choices).
    assert "Cor already exists in VTEX as Combo, not Radio" in warned.reason
    assert "Material already exists in VTEX as Checkbox, not Text" in warned.reason
    [material] = field_named(sandbox, "Material")
    assert field_named(sandbox, "Cor") == [cor] and cor["FieldTypeId"] == 5  # not recreated
    assert material["FieldTypeId"] == 7
    # The values went to the fields VTEX has, each as that type takes it.
    assert [s["Text"] for s in sandbox.sku_specs(sku_id(sandbox, "S1"))] == ["Preto"]
    assert [s["Text"] for s in sandbox.product_specs(product_id(sandbox, "P1"))] == ["Linho"]
    by_row = {r.row: r for r in report.rows}
    assert by_row[3].type == "spec-types-invalid" and "Indexed Multi-Line Text" in by_row[3].reason
    assert "Combo or Radio" in by_row[4].reason
    assert "product_spec:Peso" in by_row[5].reason


# --------------------------------------------------------------------------------------------
# A death right after VTEX took a link or a kit component, before the snapshot moved.


class Died(BaseException):
    """The process died here: nothing after this point of the pass ran."""


def die_after(monkeypatch: pytest.MonkeyPatch, method: str, call: int) -> None:
    original = getattr(CatalogClient, method)
    calls = 0

    async def applied_then_died(self: CatalogClient, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = await original(self, *args, **kwargs)
        calls += 1
        if calls == call:
            raise Died(method)
        return result

    monkeypatch.setattr(CatalogClient, method, applied_then_died)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "call"),
    # Dead after the first of two writes: it must not be sent again, the second must be.
    [("link_trade_policy", 1), ("add_kit_component", 1)],
)
def test_a_death_after_vtex_took_a_link_or_component_loses_and_doubles_nothing(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    call: int,
) -> None:
    sandbox.trade_policies.add(2)
    rows = [dict(r, trade_policies="1|2") for r in kit_rows("S1:2:10|S2:1:5")[:3]]
    drop_csv(workdir, "c1.csv", rows)
    first = make_runtime(sandbox)
    with monkeypatch.context() as patch:
        die_after(patch, method, call)
        with pytest.raises(Died):
            one_pass(first)
    first.deps.store.close()
    report = one_pass(make_runtime(sandbox)).reports[0]
    assert report.summary.failed == 0 and report.summary.pending == 0
    for ref in ("P1", "PK"):
        assert sandbox.product_trade_policies(product_id(sandbox, ref)) == [1, 2]
    assert kit_of(sandbox, "K1") == [("S1", 2, 10.0), ("S2", 1, 5.0)]  # each once
    assert sorted(p.name for p in (workdir / "archive" / "done").iterdir()) == ["c1.csv"]


def test_the_sandbox_kit_routes_follow_vtex_s_spec(sandbox: Sandbox) -> None:
    """Kit rows need a kit parent and a real component, and the deletes by parent and by row."""
    seed_store(sandbox, 2)  # a product with SKUs 1 and 2
    a, b = sorted(sandbox.skus)
    kit = sandbox.seed_call(
        "POST",
        "/api/catalog/pvt/stockkeepingunit",
        {"ProductId": sandbox.skus[a]["ProductId"], "Name": "Kit", "IsKit": True},
    )["Id"]
    with sandbox_client(sandbox) as admin:

        def add(parent: int, component: int) -> int:
            body = {"StockKeepingUnitParent": parent, "StockKeepingUnitId": component,
                    "Quantity": 1, "UnitPrice": 2.5}  # fmt: skip
            return admin.post(KIT, json=body).status_code

        assert [add(kit, a), add(kit, b), add(a, b), add(kit, 999), add(kit, kit)] == [
            200, 200, 400, 400, 400
        ]  # fmt: skip
        listed = admin.get(KIT, params={"parentSkuId": kit}).json()
        assert [r["StockKeepingUnitId"] for r in listed] == [a, b]
        # Kept in the state file (a sandbox on a port survives a restart with its kits).
        assert Store.from_json(sandbox.store.to_json()).sku_kits == sandbox.store.sku_kits
        admin.delete(f"{KIT}/{listed[0]['Id']}").raise_for_status()
        assert [r["StockKeepingUnitId"] for r in sandbox.sku_kit(kit)] == [b]
        admin.delete(KIT, params={"parentSkuId": kit}).raise_for_status()
        assert sandbox.sku_kit(kit) == []


@pytest.mark.slow
def test_a_file_without_the_new_columns_hashes_as_before_them(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """A store upgraded to these columns holds hashes made without them: a file that lacks
    them (empty in every row) must hash the same, or every product and SKU would look changed
    (each product a line of its own in the report) the first time after the upgrade."""
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c1.csv", [row()])
    one_pass(runtime)
    new = {"trade_policies", "spec_types", "kit_components"}
    for table, owned in (("catalog-products", PRODUCT_COLUMNS), ("catalog", SKU_COLUMNS)):
        before = [c.name for c in CATALOG.columns if c.name in owned and c.name not in new]
        key = "P1" if table == "catalog-products" else "S1"
        payload = runtime.deps.store.snapshot_payloads(table, [key])[key]
        expected = content_hash(pd.DataFrame([payload]), before).iloc[0]
        hashes = runtime.deps.store.snapshot_hashes(table).set_index("key")["hash"]
        assert hashes[key] == expected, table
