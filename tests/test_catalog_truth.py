"""Catalog: the trade-policy link is made once, EANs stay unique, image lists are split as real
exports write them, and a value VTEX cannot take as written (a weight in whole grams) is said on
its row (issue 10, items 14 and 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.flows.catalog.records import file_name_for
from importer.models import Action, ReportRow
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, one_pass, sandbox_client
from tests.test_catalog_safety import IMG, drop_csv, product_id, row, sku_id

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


@pytest.mark.slow
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


@pytest.mark.slow
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


# --------------------------------------------------------------------------------------------
# Item 15: one EAN, one SKU.


def test_an_ean_on_two_skus_of_one_file_is_a_row_error_naming_the_first_row(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    rows = [
        row(),
        row(sku_ref="S2", sku_name="Camiseta M", image_urls=f"{IMG}/s2.jpg"),  # S1's EAN
        row(sku_ref="S3", sku_name="Camiseta G", ean="7890000000003", image_urls=f"{IMG}/s3.jpg"),
    ]
    drop_csv(workdir, "c.csv", rows)
    report = one_pass(runtime).reports[0]
    [error] = rows_of(report.rows, "S2")
    assert (error.row, error.action, error.type, error.column, error.value) == (
        3,
        Action.INVALID,
        "duplicate-ean",
        "ean",
        "7890000000001",
    )
    assert "row 2" in error.reason and "S1" in error.reason
    assert (report.summary.created, report.summary.invalid) == (2, 1)
    assert "S2" not in sandbox.sku_refids
    assert sandbox.sku_eans(sku_id(sandbox, "S1")) == ["7890000000001"]


@pytest.mark.slow
def test_an_ean_vtex_has_on_another_sku_fails_its_row_with_vtex_s_answer(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c1.csv", [row()])
    one_pass(runtime)
    # Another file (another ERP, or last month's export) gives S1's EAN to a new SKU.
    drop_csv(
        workdir,
        "c2.csv",
        [row(sku_ref="S2", sku_name="Camiseta M", image_urls=f"{IMG}/s2.jpg")],
    )
    report = one_pass(runtime).reports[0]
    [failed] = rows_of(report.rows, "S2")
    assert (failed.action, failed.type, failed.column, failed.status) == (
        Action.FAILED,
        "ean-refused",
        "ean",
        409,
    )
    assert "7890000000001" in failed.reason and f"SKU {sku_id(sandbox, 'S1')}" in failed.reason
    # The rest of the SKU landed (its image, so it is active); the EAN stayed with S1.
    s2 = sku_id(sandbox, "S2")
    assert sandbox.sku_eans(s2) == [] and len(sandbox.sku_files(s2)) == 1
    assert sandbox.skus[s2]["IsActive"] is True
    assert sandbox.sku_eans(sku_id(sandbox, "S1")) == ["7890000000001"]
    # Corrected in the ERP, the same row lands on the next drop.
    drop_csv(
        workdir,
        "c3.csv",
        [row(sku_ref="S2", sku_name="Camiseta M", ean="7890000000002", image_urls=f"{IMG}/s2.jpg")],
    )
    assert one_pass(runtime).reports[0].summary.failed == 0
    assert sandbox.sku_eans(s2) == ["7890000000002"]


# --------------------------------------------------------------------------------------------
# Item 15: image lists as WooCommerce, Shopify and ERPs write them.


def main_first(sandbox: Sandbox, ref: str) -> list[tuple[str, bool]]:
    files = sorted(sandbox.sku_files(sku_id(sandbox, ref)), key=lambda f: f["Position"])
    return [(str(f["Name"]).rsplit("-", 1)[0], bool(f["IsMain"])) for f in files]


def test_image_lists_separated_as_real_exports_do_become_one_image_per_url(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    cells = {
        "S1": f"{IMG}/front.jpg, {IMG}/back.jpg",  # WooCommerce
        "S2": f"{IMG}/front.jpg,{IMG}/back.jpg",
        "S3": f"{IMG}/front.jpg;{IMG}/back.jpg",
        "S4": f"{IMG}/front.jpg\n{IMG}/back.jpg",  # one URL per line, in a quoted cell
        "S5": f"{IMG}/w_800,h_600/front.jpg,{IMG}/back.jpg",  # a comma inside a URL (CDN)
    }
    rows = [
        row(sku_ref=ref, sku_name=f"Camiseta {ref}", ean=f"789000000001{n}", image_urls=cell)
        for n, (ref, cell) in enumerate(cells.items())
    ]
    drop_csv(workdir, "c.csv", rows)
    report = one_pass(runtime).reports[0]
    assert (report.summary.created, report.summary.invalid) == (5, 0), report.rows
    for ref in cells:
        assert main_first(sandbox, ref) == [("front", True), ("back", False)], ref
    comma = sorted(sandbox.sku_files(sku_id(sandbox, "S5")), key=lambda f: f["Position"])
    assert comma[0]["Name"] == file_name_for(f"{IMG}/w_800,h_600/front.jpg", "")


def test_an_image_cell_that_is_not_a_list_of_urls_is_a_row_error(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    rows = [
        row(image_urls=f"{IMG}/front.jpg, back.jpg"),  # a URL and a bare file name
        row(sku_ref="S2", ean="7890000000002", image_urls=f"{IMG}/my photo.jpg"),
        row(sku_ref="S3", ean="7890000000003", image_urls=f"{IMG}/ok.jpg"),
    ]
    drop_csv(workdir, "c.csv", rows)
    report = one_pass(runtime).reports[0]
    invalid = [(r.key, r.type, r.column) for r in report.rows if r.action == Action.INVALID]
    assert invalid == [
        ("S1", "image-urls-unsplittable", "image_urls"),
        ("S2", "image-urls-unsplittable", "image_urls"),
    ]
    assert "S1" not in sandbox.sku_refids and "S3" in sandbox.sku_refids


# --------------------------------------------------------------------------------------------
# Item 15: a value VTEX cannot store as written is said on its row.


@pytest.mark.slow
def test_a_weight_rounded_to_whole_grams_lands_as_a_warning_naming_what_was_sent(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    rows = [
        row(weight_kg="0.1234"),  # 123.4 g
        row(sku_ref="S2", ean="7890000000002", image_urls=f"{IMG}/s2.jpg", weight_kg="0.25"),
        row(sku_ref="S3", ean="7890000000003", image_urls=f"{IMG}/s3.jpg", weight_kg="0.0004"),
    ]
    drop_csv(workdir, "c1.csv", rows)
    report = one_pass(runtime).reports[0]
    [s1] = rows_of(report.rows, "S1")
    assert (s1.action, s1.type, s1.column, s1.value) == (
        Action.WARNING,
        "weight-rounded",
        "weight_kg",
        "0.1234",
    )
    assert "sent as 123 g" in s1.reason
    [s3] = rows_of(report.rows, "S3")
    assert (s3.action, s3.value) == (Action.WARNING, "0.0004") and "sent as 1 g" in s3.reason
    assert [r.action for r in rows_of(report.rows, "S2")] == [Action.CREATED]
    assert (report.summary.warnings, report.summary.created, report.summary.failed) == (2, 1, 0)
    assert sandbox.skus[sku_id(sandbox, "S1")]["PackagedWeightKg"] == 123
    # It landed: the snapshot moved, so the same rows in a new file send nothing.
    drop_csv(workdir, "c2.csv", [*rows, row(sku_ref="S4", ean="7890000000004")])
    again = one_pass(runtime).reports[0]
    assert (again.summary.unchanged, again.summary.warnings) == (3, 0)
    # An update that changes the weight to a fraction of a gram is a warning too.
    drop_csv(
        workdir,
        "c3.csv",
        [row(sku_ref="S2", ean="7890000000002", image_urls=f"{IMG}/s2.jpg", weight_kg="0.2505")],
    )
    [s2] = rows_of(one_pass(runtime).reports[0].rows, "S2")
    assert (s2.action, s2.value) == (Action.WARNING, "0.2505") and "sent as 251 g" in s2.reason
    assert sandbox.skus[sku_id(sandbox, "S2")]["PackagedWeightKg"] == 251


def test_a_weight_in_a_store_weighing_in_kilos_is_a_warning_when_not_whole_kilos(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__CATALOG__WEIGHT_UNIT": "kg"})
    drop_csv(
        workdir,
        "c.csv",
        [row(weight_kg="0.5"), row(sku_ref="S2", ean="7890000000002", weight_kg="3")],
    )
    report = one_pass(runtime).reports[0]
    [s1] = rows_of(report.rows, "S1")
    assert (s1.action, s1.column) == (Action.WARNING, "weight_kg") and "sent as 1 kg" in s1.reason
    assert [r.action for r in rows_of(report.rows, "S2")] == [Action.CREATED]


def test_a_text_longer_than_vtex_takes_is_a_row_error_not_cut_short(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    long_name = "Camiseta " + "x" * 150  # 159 characters; VTEX's product Name takes 150
    rows = [
        row(product_name=long_name),
        row(product_ref="P2", sku_ref="S2", ean="7890000000002", sku_name="M" * 201),
        row(product_ref="P3", sku_ref="S" * 51, ean="7890000000003"),
        row(product_ref="P4", sku_ref="S4", ean="7890000000004", sku_name="N" * 200),
    ]
    drop_csv(workdir, "c.csv", rows)
    report = one_pass(runtime).reports[0]
    invalid = [(r.row, r.type, r.column) for r in report.rows if r.action == Action.INVALID]
    assert invalid == [
        (2, "text-too-long", "product_name"),
        (3, "text-too-long", "sku_name"),
        (4, "text-too-long", "sku_ref"),
    ]
    assert "159 characters" in report.rows[0].reason and "150" in report.rows[0].reason
    assert report.summary.created == 1 and "S4" in sandbox.sku_refids


@pytest.mark.slow
def test_an_emptied_cell_vtex_keeps_is_a_warning_not_a_claimed_change(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    headers = [*row(), "description", "manufacturer_code"]
    first = row(description="Algodão penteado", manufacturer_code="MC-1")
    drop_csv(workdir, "c1.csv", [first], headers)
    one_pass(runtime)
    emptied = dict(first, description="", ean="", sku_name="Camiseta P2")
    drop_csv(workdir, "c2.csv", [emptied], headers)
    report = one_pass(runtime).reports[0]
    [product] = rows_of(report.rows, "product P1")
    assert (product.action, product.type, product.column) == (
        Action.WARNING,
        "value-kept",
        "description",
    )
    assert "Algodão penteado" in product.reason and "->" not in product.reason
    [sku] = rows_of(report.rows, "S1")
    assert (sku.action, sku.type, sku.column) == (Action.WARNING, "value-kept", "ean")
    assert report.summary.warnings == 2
    # What the report says is what VTEX holds: the old values, and the new name.
    s1 = sku_id(sandbox, "S1")
    assert sandbox.sku_eans(s1) == ["7890000000001"]
    assert sandbox.skus[s1]["Name"] == "Camiseta P2"
    assert sandbox.products[product_id(sandbox, "P1")]["Description"] == "Algodão penteado"
    # A file without the columns says nothing about them: no warning.
    drop_csv(workdir, "c3.csv", [row(sku_name="Camiseta P3")])
    later = one_pass(runtime).reports[0]
    assert later.summary.warnings == 0, later.rows
