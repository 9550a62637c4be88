"""`importer reconcile catalog` and `[flows.catalog] owners`: an Admin edit of a product or a
SKU after the importer sent it is read back and reported per column; the next drop of the
same file repairs the columns the ERP owns and keeps (and says so on the row) the ones the
Admin owns."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from importer.config import load_settings
from importer.deps import Clients
from importer.errors import ConfigError
from importer.models import Action
from importer.reconcile.readers import parts
from importer.reconcile.run import Part, Reader, reconcile
from importer.reconcile.schedule import due_flows
from importer.rows import Payload
from importer.run.runtime import Runtime
from importer.sandbox import Sandbox
from importer.state.reconcile import DriftRow, Reconciling
from tests.conftest import TEST_CONFIG, RuntimeFactory, drop, one_pass, sandbox_client

HEADER = (
    "product_ref,product_name,category,brand,description,short_description,keywords,"
    "product_active,sku_ref,sku_name,ean,manufacturer_code,height_cm,width_cm,length_cm,"
    "weight_kg,unit_multiplier,measurement_unit,image_urls,sku_active\n"
)
# Every column the reconcile compares, with values VTEX spells otherwise when it answers
# (10.5 -> 10.5, 0.45 kg -> 450 g, 1 -> 1.0, a text with spaces VTEX would keep as sent).
CATALOG = HEADER + (
    "P1,Camiseta,Roupas > Camisetas,Marca A,Algodão,Curta,camiseta,true,S1,Camiseta P,"
    "7890000000011,MC-1,10.5,20,30,0.45,1,un,https://img.example.com/s1.jpg|"
    "https://img.example.com/s1b.jpg,true\n"
    "P1,Camiseta,Roupas > Camisetas,Marca A,Algodão,Curta,camiseta,true,S2,Camiseta M,"
    "7890000000028,MC-2,10,20,30,0.5,2,un,https://img.example.com/s2.jpg,true\n"
)


def drift_rows(paths: list[Path]) -> list[dict[str, str]]:
    csv_path = next(p for p in paths if p.suffix == ".csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def with_owners(workdir: Path, owners: str) -> None:
    config = workdir / "importer.toml"
    config.write_text(f"{TEST_CONFIG}\n[flows.catalog]\nowners = {owners}\n", encoding="utf-8")


def landed(workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory) -> Runtime:
    runtime = make_runtime(sandbox)
    drop(workdir, "catalog", "catalog-1.csv", CATALOG)
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.failed, summary.warnings) == (2, 0, 0)
    sandbox.requests.clear()
    return runtime


def ids(sandbox: Sandbox) -> tuple[int, int, int]:
    product = next(p for p, v in sandbox.products.items() if v["RefId"] == "P1")
    s1, s2 = (next(s for s, v in sandbox.skus.items() if v["RefId"] == r) for r in ("S1", "S2"))
    return product, s1, s2


@pytest.mark.slow  # a drop and a reconcile (~0.4 s)
def test_an_untouched_store_has_no_drift_and_a_product_edit_alone_is_repaired(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed(workdir, sandbox, make_runtime)
    product, s1, s2 = ids(sandbox)
    hashes = runtime.deps.store.snapshot_hashes("catalog")
    assert due_flows(runtime.deps, 24) == ["catalog"]

    result = reconcile("catalog", parts("catalog", runtime.deps), runtime.deps)

    assert (result.checked, result.drift, drift_rows(result.paths)) == (3, [], [])
    assert runtime.deps.store.snapshot_hashes("catalog").equals(hashes)
    # One read per product, three per SKU (the SKU, its EANs, its images); nothing written.
    reads = Counter((r.method, r.path) for r in sandbox.requests)
    assert reads == Counter(
        {("GET", f"/api/catalog/pvt/product/{product}"): 1}
        | {
            ("GET", f"/api/catalog/pvt/stockkeepingunit/{s}{tail}"): 1
            for s in (s1, s2)
            for tail in ("", "/ean", "/file")
        }
    )
    drop(workdir, "catalog", "catalog-2.csv", CATALOG)
    assert one_pass(runtime).reports[0].summary.status == "duplicate"

    # An edit of the product alone (its own snapshot) makes the same file repair it too.
    sandbox.products[product]["Description"] = "Poliéster"
    assert reconcile("catalog", parts("catalog", runtime.deps), runtime.deps).drifted_keys == 1
    drop(workdir, "catalog", "catalog-3.csv", CATALOG)
    report = one_pass(runtime).reports[0]
    assert (report.summary.status, report.summary.unchanged) == ("done", 2)
    assert sandbox.products[product]["Description"] == "Algodão"
    (line,) = report.rows
    assert (line.key, line.column) == ("product P1", "description")
    assert "Poliéster" in line.reason


@pytest.mark.slow  # two drops and a reconcile (~0.5 s)
def test_the_next_drop_repairs_the_erp_column_and_keeps_the_admin_one_with_a_note(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    with_owners(workdir, '{ ean = "admin" }')
    runtime = landed(workdir, sandbox, make_runtime)
    product, s1, _ = ids(sandbox)
    with sandbox_client(sandbox) as admin:  # someone edits both in the Admin
        body = admin.get(f"/api/catalog/pvt/product/{product}").json()
        body["Name"] = "Camiseta Promo"
        admin.put(f"/api/catalog/pvt/product/{product}", json=body).raise_for_status()
        ean = f"/api/catalog/pvt/stockkeepingunit/{s1}/ean"
        admin.delete(f"{ean}/7890000000011").raise_for_status()
        admin.post(f"{ean}/7890000000099").raise_for_status()
    sandbox.requests.clear()

    result = reconcile("catalog", parts("catalog", runtime.deps), runtime.deps)

    rows = drift_rows(result.paths)
    assert [(r["key"], r["column"], r["sent"], r["vtex_now"], r["kind"]) for r in rows] == [
        ("product P1", "product_name", "Camiseta", "Camiseta Promo", "changed"),
        ("S1", "ean", "7890000000011", "7890000000099", "kept"),
    ]
    assert "Admin owns" in rows[1]["note"]
    assert (result.drifted_keys, result.kept_keys) == (1, 1)
    assert [r.method for r in sandbox.requests if r.method != "GET"] == []

    sandbox.requests.clear()
    drop(workdir, "catalog", "catalog-2.csv", CATALOG)
    report = one_pass(runtime).reports[0]
    assert sandbox.products[product]["Name"] == "Camiseta"  # the ERP's column: repaired
    assert sandbox.sku_eans(s1) == ["7890000000099"]  # the Admin's: kept
    writes = [(r.method, r.path) for r in sandbox.requests if r.method != "GET"]
    assert writes == [("PUT", f"/api/catalog/pvt/product/{product}")]
    (note,) = [r for r in report.rows if r.action == Action.WARNING]
    assert (note.key, note.type, note.column, note.value) == (
        "S1",
        "admin-owned",
        "ean",
        "7890000000011",
    )
    assert '"7890000000099"' in note.reason
    assert (report.summary.unchanged, report.summary.warnings) == (1, 1)

    # Both are what VTEX holds now: the next reconcile finds nothing, the same file is a
    # duplicate.
    again = reconcile("catalog", parts("catalog", runtime.deps), runtime.deps)
    assert again.drift == []
    drop(workdir, "catalog", "catalog-3.csv", CATALOG)
    assert one_pass(runtime).reports[0].summary.status == "duplicate"


@pytest.mark.slow  # two drops and a reconcile (~0.4 s)
def test_an_admin_owned_column_is_sent_on_create_only_and_the_row_says_so(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    with_owners(workdir, '{ description = "admin", sku_name = "admin" }')
    runtime = landed(workdir, sandbox, make_runtime)
    product, s1, _ = ids(sandbox)
    assert sandbox.products[product]["Description"] == "Algodão"  # sent on create
    changed = CATALOG.replace("Algodão", "Algodão orgânico").replace("Camiseta,", "Camisa,")
    changed = changed.replace("Camiseta P", "Camisa P").replace("MC-1", "MC-9")
    drop(workdir, "catalog", "catalog-2.csv", changed)
    report = one_pass(runtime).reports[0]

    product_body = sandbox.products[product]
    # The ERP's name lands in the same PUT that keeps the Admin's description.
    assert (product_body["Name"], product_body["Description"]) == ("Camisa", "Algodão")
    assert (sandbox.skus[s1]["Name"], sandbox.skus[s1]["ManufacturerCode"]) == (
        "Camiseta P",
        "MC-9",
    )
    notes = {(r.key, r.column): r for r in report.rows if r.type == "admin-owned"}
    assert sorted(notes) == [("S1", "sku_name"), ("product P1", "description")]
    assert notes[("product P1", "description")].value == "Algodão orgânico"
    assert '"Algodão"' in notes[("product P1", "description")].reason
    # The snapshot keeps what VTEX holds for the Admin's columns: nothing to reconcile.
    assert reconcile("catalog", parts("catalog", runtime.deps), runtime.deps).drift == []


class Interrupting:
    """A reader that stops the run (as a kill would) on its n-th read."""

    def __init__(self, inner: Reader, stop_at: int) -> None:
        self.inner, self.stop_at, self.reads = inner, stop_at, 0

    async def read(self, target: int, clients: Clients, sent: Sequence[Payload]) -> object | None:
        self.reads += 1
        if self.reads == self.stop_at:
            raise KeyboardInterrupt
        return await self.inner.read(target, clients, sent)

    def compare(self, key: str, target: int, sent: Payload, held: object | None) -> list[DriftRow]:
        return self.inner.compare(key, target, sent, held)


@pytest.mark.slow  # two drops and two reconciles (~0.5 s)
def test_a_killed_catalog_reconcile_resumes_in_the_skus_after_the_last_recorded_one(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed(workdir, sandbox, make_runtime)
    product, _, s2 = ids(sandbox)
    sandbox.products[product]["KeyWords"] = "camisa"
    sandbox.skus[s2]["PackagedHeight"] = 12.0
    products, skus = parts("catalog", runtime.deps)
    assert isinstance(products, Part) and isinstance(skus, Part)
    killed = (products, Part(skus.snapshot, Interrupting(skus.reader, 2), skus.target, skus.label))
    with pytest.raises(KeyboardInterrupt):
        reconcile("catalog", killed, runtime.deps, chunk=1)
    progress = Reconciling(runtime.deps.store.database).progress("catalog")
    assert progress is not None
    assert (progress.part, progress.after, progress.checked) == (1, "S1", 2)

    sandbox.requests.clear()
    result = reconcile("catalog", parts("catalog", runtime.deps), runtime.deps, chunk=1)
    # Neither the product nor S1 is read again.
    assert {r.path.split("/")[4] for r in sandbox.requests} == {"stockkeepingunit"}
    assert {r.path.split("/")[5] for r in sandbox.requests} == {str(s2)}
    assert len(sandbox.requests) == 3
    assert result.checked == 3
    assert [(d.key, d.column, d.sent, d.vtex_now) for d in result.drift] == [
        ("product P1", "keywords", "camiseta", "camisa"),
        ("S2", "height_cm", "10", "12"),
    ]
    # The SKU's drift is repaired by the next drop: its payload says what VTEX held.
    drop(workdir, "catalog", "catalog-2.csv", CATALOG)
    summary = one_pass(runtime).reports[0].summary
    assert (summary.updated, summary.unchanged) == (1, 1)
    assert sandbox.skus[s2]["PackagedHeight"] == 10.0
    assert sandbox.products[product]["KeyWords"] == "camiseta"

    # A SKU VTEX no longer has is "missing", and the next drop says so on its row (VTEX's
    # answer), rather than finding it unchanged.
    del sandbox.skus[s2]
    gone = reconcile("catalog", parts("catalog", runtime.deps), runtime.deps)
    assert [(d.key, d.kind) for d in gone.drift] == [("S2", "missing")]
    drop(workdir, "catalog", "catalog-3.csv", CATALOG)
    report = one_pass(runtime).reports[0]
    assert [(r.key, r.action, r.status) for r in report.rows] == [("S2", Action.FAILED, 404)]


@pytest.mark.parametrize(
    ("owners", "message"),
    [
        ('{ sku_ref = "admin" }', r"flows\.catalog\.owners.*'sku_ref' is not a catalog column"),
        ('{ description = "boss" }', r"flows\.catalog\.owners\.description"),
    ],
)
def test_owners_name_catalog_columns_an_update_writes(
    tmp_path: Path, owners: str, message: str
) -> None:
    (tmp_path / "importer.toml").write_text(
        f"[flows.catalog]\nowners = {owners}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=message):
        load_settings(cwd=tmp_path, environ={})


def test_owners_belong_to_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text(
        '[flows.prices]\nowners = { description = "admin" }\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"\[flows\.prices\] owners"):
        load_settings(cwd=tmp_path, environ={})


def test_owners_may_name_a_specification_column(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text(
        '[flows.catalog]\nowners = { "product_spec:Cor" = "admin", "sku_spec:Tamanho" = '
        '"admin" }\n',
        encoding="utf-8",
    )
    owners = load_settings(cwd=tmp_path, environ={}).settings.flow("catalog").owners
    assert owners == {"product_spec:Cor": "admin", "sku_spec:Tamanho": "admin"}
    (tmp_path / "importer.toml").write_text(
        '[flows.catalog]\nowners = { "product_spec:" = "admin" }\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"'product_spec:' is not a catalog column"):
        load_settings(cwd=tmp_path, environ={})


def test_a_specification_is_the_same_in_any_order_and_drifts_by_its_values() -> None:
    products, skus = parts_of_nothing()
    sent = {"product_ref": "P1", "product_spec:Cor": "Verde|Azul", "product_spec:Nota": "a|b"}
    held = {"product": {}, "specs": {"Cor": ["Azul", "Verde"], "Nota": ["a|b"]}}
    assert products.reader.compare("P1", 7, sent, held) == []
    held["specs"] = {"Cor": ["Azul"], "Nota": ["a|b"]}
    assert products.reader.compare("P1", 7, sent, held) == [
        DriftRow("P1", "", "product_spec:Cor", "Verde|Azul", "Azul", "changed")
    ]
    sku = {"sku_ref": "S1", "sku_spec:Tamanho": "P", "sku_spec:Vazio": ""}
    held_sku = {"sku": {}, "eans": [], "files": [], "specs": {}}
    assert skus.reader.compare("S1", 9, sku, held_sku) == [
        DriftRow("S1", "9", "sku_spec:Tamanho", "P", "", "changed")
    ]


def parts_of_nothing() -> tuple[Part, Part]:
    """The catalog's parts over a store that knows no ids (enough to compare specifications)."""
    from importer.reconcile.catalog import CatalogIds, ProductReader, SkuReader

    ids = CatalogIds({}, {}, {}, "g", frozenset())
    return Part("catalog-products", ProductReader(ids)), Part("catalog", SkuReader(ids))


SPEC_CATALOG = (
    "product_ref,product_name,category,brand,product_spec:Cor,sku_ref,sku_name,ean,"
    "height_cm,width_cm,length_cm,weight_kg,image_urls,sku_spec:Tamanho\n"
    "P1,Camiseta,Roupas > Camisetas,Marca A,Verde|Azul,S1,Camiseta P,7890000000011,"
    "10,20,30,0.45,https://img.example.com/s1.jpg,P\n"
    "P1,Camiseta,Roupas > Camisetas,Marca A,Verde|Azul,S2,Camiseta M,7890000000028,"
    "10,20,30,0.5,https://img.example.com/s2.jpg,M\n"
)


@pytest.mark.slow  # three drops and two reconciles (~0.8 s)
def test_specifications_are_read_back_per_column_and_the_next_drop_repairs_the_erp_ones(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    with_owners(workdir, '{ "sku_spec:Tamanho" = "admin" }')
    runtime = make_runtime(sandbox)
    drop(workdir, "catalog", "catalog-1.csv", SPEC_CATALOG)
    assert one_pass(runtime).reports[0].summary.created == 2
    product, s1, s2 = ids(sandbox)
    sandbox.requests.clear()

    untouched = reconcile("catalog", parts("catalog", runtime.deps), runtime.deps)
    assert untouched.drift == []
    # One more read for a product with specifications, and one more per SKU with them.
    reads = Counter((r.method, r.path) for r in sandbox.requests)
    assert reads == Counter(
        {
            ("GET", f"/api/catalog/pvt/product/{product}"): 1,
            ("GET", f"/api/catalog_system/pvt/products/{product}/specification"): 1,
        }
        | {
            ("GET", path.format(s=s)): 1
            for s in (s1, s2)
            for path in (
                "/api/catalog/pvt/stockkeepingunit/{s}",
                "/api/catalog/pvt/stockkeepingunit/{s}/ean",
                "/api/catalog/pvt/stockkeepingunit/{s}/file",
                "/api/catalog_system/pvt/sku/stockkeepingunitbyid/{s}",
            )
        }
    )

    group = runtime.deps.loaded.settings.flow("catalog").spec_group
    with sandbox_client(sandbox) as admin:  # the Admin changes both specifications
        (cor,) = {a["FieldId"] for a in sandbox.product_specs(product)}
        admin.delete(f"/api/catalog/pvt/product/{product}/specification/{cor}")
        by_name = {"GroupName": group, "RootLevelSpecification": False}
        admin.put(
            f"/api/catalog/pvt/product/{product}/specificationvalue",
            json=by_name | {"FieldName": "Cor", "FieldValues": ["Azul", "Preto"]},
        ).raise_for_status()
        (size,) = sandbox.sku_specs(s1)
        admin.delete(f"/api/catalog/pvt/stockkeepingunit/{s1}/specification/{size['Id']}")
        admin.put(
            f"/api/catalog/pvt/stockkeepingunit/{s1}/specificationvalue",
            json=by_name | {"FieldName": "Tamanho", "FieldValues": ["G"]},
        ).raise_for_status()

    result = reconcile("catalog", parts("catalog", runtime.deps), runtime.deps)
    assert [(d.key, d.column, d.sent, d.vtex_now, d.kind) for d in result.drift] == [
        ("product P1", "product_spec:Cor", "Verde|Azul", "Azul | Preto", "changed"),
        ("S1", "sku_spec:Tamanho", "P", "G", "kept"),
    ]

    sandbox.requests.clear()
    drop(workdir, "catalog", "catalog-2.csv", SPEC_CATALOG)
    report = one_pass(runtime).reports[0]
    held = {a["Text"] for a in sandbox.product_specs(product)}
    assert held == {"Verde", "Azul"}  # the ERP's specification: repaired
    assert [a["Text"] for a in sandbox.sku_specs(s1)] == ["G"]  # the Admin's: kept
    assert not [r for r in sandbox.requests if "stockkeepingunit" in r.path and r.method != "GET"]
    lines = {(r.key, r.column): (r.action, r.type) for r in report.rows}
    assert lines == {
        ("product P1", "product_spec:Cor"): (Action.UPDATED, ""),
        ("S1", "sku_spec:Tamanho"): (Action.WARNING, "admin-owned"),
    }
    assert reconcile("catalog", parts("catalog", runtime.deps), runtime.deps).drift == []

    # An admin-owned product specification is not sent to a product VTEX has, even one the
    # snapshot knows nothing of (no previous value to hold it back with).
    with_owners(workdir, '{ "product_spec:Cor" = "admin" }')
    runtime = make_runtime(sandbox)
    with runtime.deps.store.database.transaction() as db:
        db.execute("DELETE FROM snapshot WHERE flow = 'catalog-products'")
    sandbox.requests.clear()
    drop(workdir, "catalog", "catalog-3.csv", SPEC_CATALOG.replace("Verde|Azul", "Preto"))
    report = one_pass(runtime).reports[0]
    assert not [r for r in sandbox.requests if "specification" in r.path and r.method != "GET"]
    assert {a["Text"] for a in sandbox.product_specs(product)} == {"Verde", "Azul"}
    (note,) = [r for r in report.rows if r.key == "product P1"]
    assert (note.type, note.column, note.value) == ("admin-owned", "product_spec:Cor", "Preto")


@pytest.mark.slow  # three drops (~0.6 s)
def test_an_admin_owned_category_and_brand_are_resolved_for_new_products_only(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    with_owners(workdir, '{ category = "admin", brand = "admin" }')
    runtime = landed(workdir, sandbox, make_runtime)
    product, _, _ = ids(sandbox)
    before = (sandbox.products[product]["CategoryId"], sandbox.products[product]["BrandId"])
    categories, brands = len(sandbox.categories), len(sandbox.brands)
    moved = CATALOG.replace("Roupas > Camisetas", "Moda > Novidades").replace("Marca A", "Marca Z")
    drop(workdir, "catalog", "catalog-2.csv", moved)
    report = one_pass(runtime).reports[0]
    creates = [r.path for r in sandbox.requests if r.method == "POST"]
    assert not [p for p in creates if "category" in p or "brand" in p]
    assert (len(sandbox.categories), len(sandbox.brands)) == (categories, brands)
    product_body = sandbox.products[product]
    assert (product_body["CategoryId"], product_body["BrandId"]) == before
    (note,) = [r for r in report.rows if r.type == "admin-owned"]
    assert (note.key, note.column, note.value) == ("product P1", "category", "Moda > Novidades")
    assert "Marca Z" in note.reason  # the brand's note, on the same line

    # Nor for a product VTEX has that the store does not know (looked up by RefId first).
    with runtime.deps.store.database.transaction() as db:
        db.execute("DELETE FROM catalog_ids WHERE kind = 'product'")
        db.execute("DELETE FROM snapshot WHERE flow = 'catalog-products'")
    sandbox.requests.clear()
    drop(workdir, "catalog", "catalog-2b.csv", moved.replace("Novidades", "Outono"))
    one_pass(runtime)
    assert not [r for r in sandbox.requests if r.method == "POST" and "category" in r.path]
    assert sandbox.products[product]["CategoryId"] == before[0]

    # A new product is created in the file's category and brand, both made for it.
    new = moved.replace("P1,", "P2,").replace(",S1,", ",S3,").replace(",S2,", ",S4,")
    new = new.replace("0000000011", "0000000035").replace("0000000028", "0000000042")
    drop(workdir, "catalog", "catalog-3.csv", new)
    assert one_pass(runtime).reports[0].summary.created == 2
    p2 = next(v for v in sandbox.products.values() if v["RefId"] == "P2")
    assert sandbox.categories[p2["CategoryId"]]["Name"] == "Novidades"
    assert sandbox.brands[p2["BrandId"]]["Name"] == "Marca Z"
