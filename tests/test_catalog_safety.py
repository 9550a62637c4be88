"""Catalog safety: each test pins a way the catalog flow once lost, reverted or duplicated
data, or misreported it (found in review)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import httpx
import pytest

from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import Faults, Sandbox
from tests.conftest import CHECK_UP, RuntimeFactory, one_pass, sandbox_client

IMG = "https://img.example.com"
BASE: dict[str, str] = {
    "product_ref": "P1",
    "product_name": "Camiseta",
    "category": "Roupas > Camisetas",
    "brand": "Marca",
    "sku_ref": "S1",
    "sku_name": "Camiseta P",
    "ean": "7890000000001",
    "height_cm": "10",
    "width_cm": "20",
    "length_cm": "30",
    "weight_kg": "0.5",
    "image_urls": f"{IMG}/s1.jpg",
    "sku_active": "true",
}


def row(**changes: str) -> dict[str, str]:
    return {**BASE, **changes}


def drop_csv(
    workdir: Path, name: str, rows: list[dict[str, str]], headers: list[str] | None = None
) -> Path:
    headers = headers or list(rows[0])
    path = workdir / "inbox" / "catalog" / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for r in rows:
            writer.writerow([r.get(h, "") for h in headers])
    return path


def admin(sandbox: Sandbox) -> httpx.Client:
    return sandbox_client(sandbox)


def own_sandbox(cls: type[Sandbox] = Sandbox, **kw: Any) -> Sandbox:
    return cls(account="teststore", app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN, **kw)


def sku_id(sandbox: Sandbox, ref: str) -> int:
    return sandbox.sku_refids[ref]


def product_id(sandbox: Sandbox, ref: str) -> int:
    return sandbox.product_refids[ref]


def violations(sandbox: Sandbox) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r.method, r.path, r.violations) for r in sandbox.requests if r.violations]


# --------------------------------------------------------------------------------------------
# 1. The activation PUT sends the SKU as it was BEFORE the row's own update (stale `current`):
#    a row that changes the SKU's name (or dimensions, or product) and its activity at once
#    ends with VTEX holding the old values, while the snapshot records the new ones.


@pytest.mark.slow
def test_a_row_changing_name_and_activity_keeps_the_new_name(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c1.csv", [row(sku_active="false")])
    assert one_pass(runtime).reports[0].summary.created == 1
    drop_csv(workdir, "c2.csv", [row(sku_active="true", sku_name="Camiseta P azul")])
    summary = one_pass(runtime).reports[0].summary
    assert summary.updated == 1
    sku = sandbox.skus[sku_id(sandbox, "S1")]
    assert sku["IsActive"] is True
    assert sku["Name"] == "Camiseta P azul"


@pytest.mark.slow
def test_a_sku_moved_to_another_product_and_deactivated_stays_moved(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    drop_csv(
        workdir,
        "c1.csv",
        [
            row(),
            row(
                product_ref="P2",
                product_name="Regata",
                sku_ref="S2",
                ean="7890000000002",
                image_urls=f"{IMG}/s2.jpg",
            ),
        ],
    )
    one_pass(runtime)
    drop_csv(workdir, "c2.csv", [row(product_ref="P2", product_name="Regata", sku_active="false")])
    one_pass(runtime)
    sku = sandbox.skus[sku_id(sandbox, "S1")]
    assert sku["IsActive"] is False
    assert sku["ProductId"] == product_id(sandbox, "P2")


# --------------------------------------------------------------------------------------------
# 2. Skipped SKU rows (and failed/pending product lines) are not counted as unsettled, so the
#    file is ledgered with failed = 0 and dropping the same file again (how staff retry) is
#    answered "duplicate": the rows never land.


@pytest.mark.slow
def test_skipped_rows_land_when_the_same_file_is_dropped_again_after_the_fix(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    sandbox = own_sandbox(forbidden=frozenset({"POST /api/catalog/pvt/brand"}))
    runtime = make_runtime(sandbox)
    rows = [
        row(),
        row(
            product_ref="P2",
            brand="Marca Nova",
            sku_ref="S2",
            ean="7890000000002",
            image_urls=f"{IMG}/s2.jpg",
        ),
    ]
    sandbox.forbidden = frozenset()
    with admin(sandbox) as client:
        client.post("/api/catalog/pvt/brand", json={"Id": 1, "Name": "Marca", "Active": True})
    sandbox.forbidden = frozenset({"POST /api/catalog/pvt/brand"})
    drop_csv(workdir, "c.csv", rows)
    first = one_pass(runtime).reports[0]
    assert any(r.key == "S2" and r.action == "skipped" for r in first.rows)
    # The report tells staff to create the brand in VTEX; they do, and drop the file again.
    sandbox.forbidden = frozenset()
    with admin(sandbox) as client:
        client.post("/api/catalog/pvt/brand", json={"Id": 2, "Name": "Marca Nova", "Active": True})
    drop_csv(workdir, "c.csv", rows)
    again = one_pass(runtime).reports[0].summary
    assert again.status != "duplicate"
    assert "S2" in sandbox.sku_refids


# --------------------------------------------------------------------------------------------
# 3. A product change that meets an outage is reported "pending" but never stored as pending
#    (only SKU rows are), and the summary says pending 0: after VTEX recovers nothing retries
#    it, and the same file dropped again is a "duplicate". The rename is lost.


@pytest.mark.slow
def test_a_product_rename_during_an_outage_lands_after_recovery(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c1.csv", [row()])
    one_pass(runtime)
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP, seed=1)
    drop_csv(workdir, "c2.csv", [row(product_name="Camiseta Nova")])
    report = one_pass(runtime).reports[0]
    assert any(r.key == "product P1" and r.action == "pending" for r in report.rows)
    sandbox.faults = None
    one_pass(runtime)  # VTEX is back: pending rows are retried
    drop_csv(workdir, "c2.csv", [row(product_name="Camiseta Nova")])  # and staff re-drop it
    one_pass(runtime)
    assert sandbox.products[product_id(sandbox, "P1")]["Name"] == "Camiseta Nova"


# --------------------------------------------------------------------------------------------
# 4. A pending SKU row carries its product's columns as they were then; retried after a newer
#    file changed the product, it is diffed against the newer product snapshot and PUTs the
#    OLD product values back.


@pytest.mark.slow
def test_a_stale_pending_row_does_not_undo_a_newer_product_rename(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    s2 = row(sku_ref="S2", sku_name="Camiseta M", ean="7890000000002", image_urls=f"{IMG}/s2.jpg")
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP, seed=1)
    drop_csv(workdir, "c1.csv", [row(), s2])
    one_pass(runtime)
    assert runtime.deps.store.pending_keys("catalog") == {"S1", "S2"}
    sandbox.faults = None
    # The ERP's next (partial) export renames the product and lists only S1.
    drop_csv(workdir, "c2.csv", [row(product_name="Camiseta Nova")])
    one_pass(runtime)  # file first, then the pending S2
    assert "S2" in sandbox.sku_refids
    assert sandbox.products[product_id(sandbox, "P1")]["Name"] == "Camiseta Nova"


# --------------------------------------------------------------------------------------------
# 5. Image list: "first is main" (FORMATS). A new first image is posted with IsMain false as
#    soon as the SKU has any image, so the old image stays main; an image the importer sent
#    earlier and the file no longer lists is never removed.


def test_a_new_first_image_becomes_the_main_image(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c1.csv", [row(image_urls=f"{IMG}/old.jpg")])
    one_pass(runtime)
    drop_csv(workdir, "c2.csv", [row(image_urls=f"{IMG}/new.jpg|{IMG}/old.jpg")])
    one_pass(runtime)
    files = sandbox.sku_files(sku_id(sandbox, "S1"))
    main = [f["SourceUrl"] for f in files if f["IsMain"]]
    assert main == [f"{IMG}/new.jpg"]


@pytest.mark.slow
def test_an_image_dropped_from_the_list_is_removed(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c1.csv", [row(image_urls=f"{IMG}/old.jpg")])
    one_pass(runtime)
    drop_csv(workdir, "c2.csv", [row(image_urls=f"{IMG}/new.jpg")])
    one_pass(runtime)
    files = sandbox.sku_files(sku_id(sandbox, "S1"))
    assert [f["SourceUrl"] for f in files] == [f"{IMG}/new.jpg"]


# --------------------------------------------------------------------------------------------
# 6. sku_name "defaults to product_name" (FORMATS), but a renamed product never renames SKUs
#    whose name came from that default: product_name is not a SKU column.


@pytest.mark.slow
def test_a_sku_named_by_default_follows_its_product_rename(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    headers = [h for h in BASE if h != "sku_name"]
    drop_csv(workdir, "c1.csv", [row()], headers)
    one_pass(runtime)
    assert sandbox.skus[sku_id(sandbox, "S1")]["Name"] == "Camiseta"
    drop_csv(workdir, "c2.csv", [row(product_name="Camiseta Nova")], headers)
    one_pass(runtime)
    assert sandbox.skus[sku_id(sandbox, "S1")]["Name"] == "Camiseta Nova"


# --------------------------------------------------------------------------------------------
# 7. measurement_unit is free text sent as is; VTEX's spec has an enum ('un', 'kg', ...). An
#    ERP's "UN" makes a request the OpenAPI spec rejects.


def test_measurement_unit_in_capitals_gives_a_valid_request(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    sandbox = own_sandbox()
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c.csv", [row(measurement_unit="UN")])
    report = one_pass(runtime).reports[0]
    assert violations(sandbox) == []
    assert report.summary.created == 1


# --------------------------------------------------------------------------------------------
# 8. "A SKU that cannot be activated says why": a missing SKU specification (and an inactive
#    brand or category, which the SKU context shows) gets only the generic text.


@pytest.mark.slow
def test_a_sku_blocked_by_a_missing_sku_spec_names_the_spec(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    headers = [*BASE, "sku_spec:Cor"]
    drop_csv(workdir, "c1.csv", [row(**{"sku_spec:Cor": "Azul"})], headers)
    assert one_pass(runtime).reports[0].summary.created == 1
    s2 = row(sku_ref="S2", ean="7890000000002", image_urls=f"{IMG}/s2.jpg", **{"sku_spec:Cor": ""})
    drop_csv(workdir, "c2.csv", [row(**{"sku_spec:Cor": "Azul"}), s2], headers)
    report = one_pass(runtime).reports[0]
    line = next(r for r in report.rows if r.key == "S2")
    assert line.type == "not-activated"
    assert "Cor" in line.reason


# --------------------------------------------------------------------------------------------
# 9. Report: a spec column added empty (or removed) in the export changes every SKU's hash (the
#    hash covers whatever spec columns the file has), so every SKU is counted "updated" although
#    nothing was sent; and updated SKU lines never say what changed (the catalog branch skips
#    `_explain_updates`).


@pytest.mark.slow
def test_an_added_empty_spec_column_does_not_count_every_sku_as_updated(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    rows = [row(), row(sku_ref="S2", ean="7890000000002", image_urls=f"{IMG}/s2.jpg")]
    drop_csv(workdir, "c1.csv", rows)
    one_pass(runtime)
    sandbox.requests.clear()
    drop_csv(workdir, "c2.csv", rows, [*BASE, "sku_spec:Cor"])
    summary = one_pass(runtime).reports[0].summary
    assert [r for r in sandbox.requests if r.method != "GET"] == []  # nothing was sent...
    assert (summary.updated, summary.unchanged) == (0, 2)


@pytest.mark.slow
def test_an_updated_sku_line_says_what_changed(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c1.csv", [row()])
    one_pass(runtime)
    drop_csv(workdir, "c2.csv", [row(sku_name="Camiseta P v2")])
    report = one_pass(runtime).reports[0]
    line = next(r for r in report.rows if r.key == "S1")
    assert line.action == "updated"
    assert line.column == "sku_name"
    assert "Camiseta P -> Camiseta P v2" in line.reason


# --------------------------------------------------------------------------------------------
# 10. Deletes are replayed after a timeout; VTEX applied the first one, so the replay is a 404,
#     taken as a refusal: the row fails between "old EAN deleted" and "new EAN added", and the
#     SKU is left with no EAN (same for a product spec: deleted, never set again).


class TimeoutOnceOn(Sandbox):
    """Applies the first request matching (method, path fragment), then loses the answer."""

    trap: tuple[str, str] = ("", "")
    sprung = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = super().__call__(request)
        method, fragment = self.trap
        if not self.sprung and request.method == method and fragment in request.url.path:
            self.sprung = True
            raise httpx.ReadTimeout("lost answer (applied)", request=request)
        return response


@pytest.mark.slow
def test_a_changed_ean_whose_delete_timed_out_still_ends_with_the_new_ean(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    sandbox = own_sandbox(TimeoutOnceOn)
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c1.csv", [row(ean="7890000000001")])
    one_pass(runtime)
    sandbox.trap = ("DELETE", "/ean/7890000000001")
    drop_csv(workdir, "c2.csv", [row(ean="7890000000099")])
    report = one_pass(runtime).reports[0]
    assert sandbox.sprung
    assert sandbox.sku_eans(sku_id(sandbox, "S1")) == ["7890000000099"]
    assert report.summary.failed == 0


@pytest.mark.slow
def test_a_changed_product_spec_whose_delete_timed_out_is_not_left_empty(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    sandbox = own_sandbox(TimeoutOnceOn)
    runtime = make_runtime(sandbox)
    headers = [*BASE, "product_spec:Material"]
    drop_csv(workdir, "c1.csv", [row(**{"product_spec:Material": "Algodão"})], headers)
    one_pass(runtime)
    sandbox.trap = ("DELETE", "/specification/")
    drop_csv(workdir, "c2.csv", [row(**{"product_spec:Material": "Linho"})], headers)
    one_pass(runtime)
    assert sandbox.sprung
    texts = [a["Text"] for a in sandbox.product_specs(product_id(sandbox, "P1"))]
    assert texts == ["Linho"]


# --------------------------------------------------------------------------------------------
# 11. The trade-policy link is sent only right after the create. If it fails (pending), the
#     product id is already remembered, so the retry takes the update path and never links it:
#     the product is never shown on the store.


class SalesPolicyDown(Sandbox):
    outage = 0  # how many salespolicy POSTs answer 503

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and "/salespolicy/" in request.url.path and self.outage > 0:
            self.outage -= 1
            return httpx.Response(503, json={"error": "Service Unavailable"}, request=request)
        return super().__call__(request)


def test_a_product_whose_trade_policy_link_failed_is_linked_on_retry(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    sandbox = own_sandbox(SalesPolicyDown)
    sandbox.outage = 50
    runtime = make_runtime(sandbox)
    drop_csv(workdir, "c.csv", [row()])
    assert one_pass(runtime).reports[0].summary.pending == 1
    sandbox.outage = 0
    one_pass(runtime)  # pending rows retried
    assert runtime.deps.store.pending_count("catalog") == 0
    assert sandbox.product_trade_policies(product_id(sandbox, "P1")) == [1]


# --------------------------------------------------------------------------------------------
# 12. The category map is filled from the storefront tree, which lists ACTIVE categories only:
#     a category that exists but is inactive is created a second time.


# --------------------------------------------------------------------------------------------
# 13. A category cell made only of separators (">") passes validation and reaches
#     `CategoryResolver._ensure`, whose `assert parent is not None` fails: the whole file is an
#     internal error instead of one invalid row.


def test_a_category_of_only_separators_fails_its_row_not_the_file(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    rows = [
        row(),
        row(
            product_ref="P2",
            category=">",
            sku_ref="S2",
            ean="7890000000002",
            image_urls=f"{IMG}/s2.jpg",
        ),
    ]
    drop_csv(workdir, "c.csv", rows)
    summary = one_pass(runtime).reports[0].summary
    assert summary.status == "done", summary.error
    assert "S1" in sandbox.sku_refids
