"""The catalog room on its own: its spellings, row rules, one SKU per EAN, and the pure parts
of what it sends (`flows/catalog/records.py`). No files, no pass, no sandbox: the two-level
process is covered end to end by tests/test_catalog_*.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from importer.deps import Clients
from importer.flows.catalog.flow import FLOW
from importer.flows.catalog.records import (
    brand_key,
    category_path,
    changed_columns,
    emptied,
    file_name_for,
    grams,
    image_urls,
    is_importer_file_name,
    merged_product,
    merged_sku,
    new_product_body,
    new_sku_body,
    path_key,
    product_columns,
    sku_columns,
    weight_rounded,
)
from importer.flows.catalog.resolve import CategoryResolver, Resolved
from importer.flows.catalog.rules import MEASUREMENT_UNITS, catalog_normalise, unique_eans
from importer.flows.catalog.spec import CATALOG
from importer.models import RowError
from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import Faults, Sandbox
from importer.state import Store
from importer.vtex.contract import find_spec_dir
from tests.flows.rooms import ACCOUNT, against, by_row, canonical, check

PRODUCT = {
    "product_ref": "P-1",
    "product_name": "Camiseta",
    "category": "Roupas > Camisetas",
    "brand": "Marca",
}


def sku(ref: str, **cells: str) -> dict[str, str]:
    return {**PRODUCT, "sku_ref": ref, **cells}


# -- spellings and rules ----------------------------------------------------------------------


def test_units_are_spelt_as_vtex_spells_them() -> None:
    rows = [sku(f"S{i}", measurement_unit=u) for i, u in enumerate(("UND", "M2", "kg.", "Pç", ""))]
    frame = canonical(CATALOG, rows)
    catalog_normalise(frame)
    assert frame["measurement_unit"].tolist() == ["un", "m²", "kg", "un", ""]


def test_a_unit_not_in_vtex_s_list_is_refused_and_the_list_is_given() -> None:
    rows = [sku("S1", measurement_unit="caixa"), sku("S2", measurement_unit="cm3")]
    _, errors = check(FLOW, rows, raw={"measurement_unit": {0: "Caixa"}})
    assert by_row(errors) == {2: ("invalid-combination", "measurement_unit")}
    assert errors[0].value == "Caixa"
    listed = errors[0].message.split(": ", 1)[1].rstrip(".").split(", ")
    assert set(listed) == set(MEASUREMENT_UNITS.values()) and "m³" in listed


def test_the_units_taken_are_exactly_vtex_s_measurement_unit_enum() -> None:
    folder = find_spec_dir()
    if folder is None:
        pytest.skip("VTEX's OpenAPI specs are not here")
    spec = json.loads((folder / "catalog.json").read_text("utf-8"))
    create = spec["paths"]["/api/catalog/pvt/stockkeepingunit"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert set(MEASUREMENT_UNITS.values()) == set(schema["properties"]["MeasurementUnit"]["enum"])


def test_a_category_path_with_an_empty_level_is_refused() -> None:
    paths = ("Roupas > > Camisetas", "Roupas >", ">", "Roupas > Camisetas", "123")
    rows = [sku(f"S{i}", product_ref=f"P{i}", category=p) for i, p in enumerate(paths)]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {r: ("invalid-combination", "category") for r in (2, 3, 4)}
    assert [e.value for e in errors] == list(paths[:3])
    assert '"category" has an empty level' in errors[0].message


def test_required_cells_too_long_texts_and_unsplittable_images_are_refused() -> None:
    rows = [
        sku("S1", brand=""),
        sku("S" * 51),
        sku("S3", image_urls="https://a.com/1.jpg https://a.com/2.jpg"),
        sku("S4", image_urls="https://a.com/1.jpg, https://a.com/2.jpg?w=1,2"),  # fine
    ]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {
        2: ("missing-cell", "brand"),
        3: ("text-too-long", "sku_ref"),
        4: ("image-urls-unsplittable", "image_urls"),
    }
    assert "51 characters, and VTEX takes at most 50 in the SKU's RefId" in errors[1].message


def test_a_product_s_columns_must_agree_on_all_its_sku_rows() -> None:
    rows = [
        sku("S1", description="Algodão"),
        sku("S2", brand="", description="Algodão"),  # missing its brand: only that is said
        sku("S3", description="Poliéster"),
    ]
    _, errors = check(FLOW, rows)
    assert by_row(errors) == {
        3: ("missing-cell", "brand"),
        4: ("invalid-combination", "description"),
    }
    assert errors[1].message == (
        '"description" differs from the first row of product "P-1" ("Algodão"). A product\'s '
        "columns must be the same on all its SKU rows; correct one of them."
    )


def test_a_sku_named_after_its_product_and_an_inactive_product_s_skus() -> None:
    frame = canonical(
        CATALOG,
        [sku("S1"), sku("S2", sku_name="Azul"), sku("S3", product_active="false")],
    )
    catalog_normalise(frame)
    assert frame["sku_name"].tolist() == ["Camiseta", "Azul", "Camiseta"]
    assert frame["sku_active"].tolist() == ["", "", "false"]


def test_two_skus_with_one_ean_keep_the_first_and_name_it() -> None:
    records = pd.DataFrame(
        {
            "row": [2, 3, 4, 5, 6],
            "key": ["S1", "S2", "S3", "S4", "S5"],
            "sku_ref": ["S1", "S2", "S3", "S4", "S5"],
            "ean": ["7891", "7892", "7891", "", ""],
        }
    )
    kept, errors = unique_eans(records)
    assert kept["sku_ref"].tolist() == ["S1", "S2", "S4", "S5"]  # empty EANs never clash
    assert errors == [
        RowError(
            type="duplicate-ean",
            row=4,
            column="ean",
            value="7891",
            message='"ean" 7891 is also on row 2 (SKU S1), and VTEX keeps an EAN on one SKU '
            "only: this row was not sent. Give each SKU its own EAN (or leave the cell empty) "
            "and drop the file again.",
            key="S3",
        )
    ]
    assert unique_eans(records.iloc[[0, 1, 3]])[1] == []


# -- the pure parts of what is sent -----------------------------------------------------------


def test_names_and_paths_are_matched_as_vtex_shows_them() -> None:
    assert category_path(" Roupas >Camisetas > Manga curta ") == [
        "Roupas",
        "Camisetas",
        "Manga curta",
    ]
    assert path_key(["Roupas", "CAMISETAS"]) == "roupas > camisetas"
    assert brand_key("  Marca   Boa ") == brand_key("marca boa") == "marca boa"
    assert product_columns(["sku_ref", "brand", "product_spec:Cor", "sku_spec:Tam"]) == [
        "brand",
        "product_spec:Cor",
    ]
    assert sku_columns(["sku_ref", "ean", "brand", "sku_spec:Tam"]) == ["ean", "sku_spec:Tam"]


def test_image_urls_keep_the_main_image_first_and_each_once() -> None:
    cell = "https://a.com/1.jpg, https://a.com/2.jpg?w=1,2;https://a.com/1.jpg|https://a.com/3.jpg"
    assert image_urls(cell) == [
        "https://a.com/1.jpg",
        "https://a.com/2.jpg?w=1,2",
        "https://a.com/3.jpg",
    ]
    # A cell kept pending from before the rule splits on "|" alone rather than being lost.
    assert image_urls("a b|c") == ["a b", "c"]


def test_an_image_s_name_is_its_file_plus_a_hash_of_its_url() -> None:
    a = file_name_for("https://cdn.example.com/x/camisa.jpg?w=1", "S1")
    b = file_name_for("https://other.example.com/y/camisa.jpg", "S1")
    assert a.startswith("camisa-") and b.startswith("camisa-") and a != b
    assert is_importer_file_name(a) and not is_importer_file_name("camisa")
    assert file_name_for("https://cdn.example.com/", "S1").startswith("S1-")


def test_a_weight_is_a_whole_number_of_the_store_s_unit_and_rounding_is_said() -> None:
    assert grams("0.35", "g") == 350 and weight_rounded("0.35", "g") is None
    assert weight_rounded("0.3504", "g") == 350
    assert grams("0.0001", "g") == 1  # nothing weighs less than 1
    assert weight_rounded("2", "kg") is None and weight_rounded("2.5", "kg") == 3


def test_an_emptied_cell_that_vtex_keeps_is_named() -> None:
    before = {"description": "Algodão", "ean": "7891", "sku_name": "Azul", "sku_spec:Cor": "Az"}
    now = {"description": "", "ean": "7891", "sku_name": "", "sku_spec:Cor": ""}
    columns = ["description", "ean", "sku_name", "sku_spec:Cor"]
    assert emptied(now, before, columns) == ["description", "sku_spec:Cor"]
    assert emptied(now, None, columns) == []
    assert changed_columns(now, before, columns) == {"description", "sku_name", "sku_spec:Cor"}
    assert changed_columns(now, None, columns) == set(columns)


def test_a_new_product_and_sku_carry_the_file_s_values() -> None:
    product = {**PRODUCT, "product_active": "", "description": "Algodão", "keywords": ""}
    assert new_product_body(product, 7, 9) == {
        "Name": "Camiseta",
        "CategoryId": 7,
        "BrandId": 9,
        "RefId": "P-1",
        "Title": "Camiseta",
        "IsVisible": True,
        "IsActive": True,
        "ShowWithoutStock": False,
        "Description": "Algodão",
    }
    row = {
        "sku_ref": "S1",
        "product_name": "Camiseta",
        "sku_name": "",
        "sku_active": "",
        "height_cm": "10",
        "length_cm": "20.5",
        "width_cm": "3",
        "weight_kg": "0.35",
        "measurement_unit": "",
        "unit_multiplier": "",
        "manufacturer_code": "M-1",
    }
    body = new_sku_body(row, 42, "g")
    assert body == {
        "ProductId": 42,
        "Name": "Camiseta",
        "RefId": "S1",
        "IsActive": False,  # VTEX refuses an active SKU on create
        "ActivateIfPossible": True,
        "PackagedHeight": 10.0,
        "PackagedLength": 20.5,
        "PackagedWidth": 3.0,
        "PackagedWeightKg": 350,
        "MeasurementUnit": "un",
        "UnitMultiplier": 1.0,
        "CommercialConditionId": 1,
        "ManufacturerCode": "M-1",
    }


def test_an_update_is_vtex_s_record_with_only_the_file_s_columns_changed() -> None:
    current_product: dict[str, Any] = {
        "Id": 5,
        "Name": "Old",
        "CategoryId": 1,
        "BrandId": 1,
        "RefId": "P-1",
        "Description": "from the admin",
        "KeyWords": "admin",
        "IsActive": True,
        "LomadeeCampaignCode": None,
        "TaxCode": None,
    }
    product = {**PRODUCT, "description": "Algodão", "keywords": "", "product_active": "false"}
    body = merged_product(current_product, product, 7, 9, {"description", "product_active"})
    assert body["Name"] == "Camiseta" and (body["CategoryId"], body["BrandId"]) == (7, 9)
    assert body["Description"] == "Algodão" and body["KeyWords"] == "admin"
    assert body["IsActive"] is False
    assert "LomadeeCampaignCode" in body and "TaxCode" not in body  # nulls VTEX refuses
    current_sku: dict[str, Any] = {
        "Id": 11,
        "ProductId": 5,
        "Name": "Old",
        "IsActive": True,
        "PackagedHeight": 1,
        "PackagedWeightKg": 999,
        "MeasurementUnit": "un",
        "ModalType": None,
        "RewardValue": None,
    }
    row = {"sku_name": "", "height_cm": "12", "weight_kg": "1.2", "measurement_unit": "kg"}
    body = merged_sku(current_sku, row, 6, "g", {"height_cm", "weight_kg"})
    assert body["ProductId"] == 6 and body["IsActive"] is True  # always sent, as VTEX has it
    assert body["Name"] == "Old"  # an empty name leaves VTEX's
    assert (body["PackagedHeight"], body["PackagedWeightKg"]) == (12.0, 1200)
    assert body["MeasurementUnit"] == "un"  # the file's set does not own the unit
    assert "ModalType" in body and "RewardValue" not in body
    # Left out, IsActive deactivates the SKU (API-NOTES §3.4): a null is sent as False.
    unset = merged_sku({**current_sku, "IsActive": None}, row, 6, "g", set())
    assert unset["IsActive"] is False


# -- the category tree (publish_new, default_category, categories the tree hides) -------------


def test_a_file_without_categories_is_not_a_row_error_per_row_but_a_half_empty_column_is() -> None:
    none = [sku("S1", category=""), sku("S2", category="", description="x")]
    _, errors = check(FLOW, none)
    assert by_row(errors) == {3: ("invalid-combination", "description")}  # still compared
    _, errors = check(FLOW, [sku("S1"), sku("S2", product_ref="P2", category="")])
    assert by_row(errors) == {3: ("missing-cell", "category")}


def test_an_update_without_a_category_leaves_the_product_where_vtex_has_it() -> None:
    current = {"Id": 5, "Name": "Old", "CategoryId": 3, "BrandId": 1, "RefId": "P-1"}
    body = merged_product(current, {**PRODUCT, "category": ""}, None, 9, set())
    assert (body["CategoryId"], body["BrandId"]) == (3, 9)


def _category(sandbox: Sandbox, name: str, parent: int | None, active: bool) -> int:
    body = {
        "Name": name,
        "Keywords": name,
        "Title": name,
        "Description": name,
        "AdWordsRemarketingCode": None,
        "LomadeeCampaignCode": None,
        "FatherCategoryId": parent,
        "GlobalCategoryId": 0,
        "ShowInStoreFront": True,
        "IsActive": active,
        "ActiveStoreFrontLink": True,
        "ShowBrandFilter": True,
        "Score": None,
        "StockKeepingUnitSelectionMode": "SPECIFICATION",
    }
    return int(sandbox.seed_call("POST", "/api/catalog/pvt/category", body)["Id"])


def _resolve(
    sandbox: Sandbox, store: Store, texts: set[str], **options: Any
) -> tuple[Resolved, list[str]]:
    start = len(sandbox.requests)

    async def work(clients: Clients) -> Resolved:
        resolver = CategoryResolver(clients.catalog, store, clients.http.clock, 2, **options)
        return await resolver.resolve(texts)

    resolved = against(sandbox, work)
    return resolved, [f"{r.method} {r.path}" for r in sandbox.requests[start:]]


def test_categories_the_tree_hides_are_read_by_id_and_found_under_their_parents(
    tmp_path: Path,
) -> None:
    """Ids 1..5: Moda (active), Inverno under it (inactive), Casacos under Inverno (active,
    hidden with its parent), Casa (inactive, a department), Verão (active). The tree lists
    Moda and Verão; the Ids between and above are read once; nothing is created."""
    sandbox = Sandbox(account=ACCOUNT, app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
    moda = _category(sandbox, "Moda", None, True)
    inverno = _category(sandbox, "Inverno", moda, False)
    casacos = _category(sandbox, "Casacos", inverno, True)
    casa = _category(sandbox, "Casa", None, False)
    _category(sandbox, "Verão", moda, True)
    store = Store(tmp_path / "importer.sqlite3")
    resolved, requests = _resolve(
        sandbox, store, {"Moda > Inverno > Casacos", "casa", "Moda > Inverno"}
    )
    assert resolved.ids == {
        "Moda > Inverno > Casacos": casacos,
        "casa": casa,
        "Moda > Inverno": inverno,
    }
    assert requests == [
        "GET /api/catalog_system/pub/category/tree/10",
        "GET /api/catalog/pvt/category/2",  # the gaps between the tree's Ids 1 and 5
        "GET /api/catalog/pvt/category/3",
        "GET /api/catalog/pvt/category/4",
        "GET /api/catalog/pvt/category/6",  # above them, up to the first free Id
    ]
    assert len(sandbox.categories) == 5
    # Remembered: the next run asks VTEX nothing for them.
    again, requests = _resolve(sandbox, store, {"Moda > Inverno > Casacos", "casa"})
    assert (again.ids["casa"], requests) == (casa, [])
    store.close()


def test_publish_new_false_creates_each_missing_level_inactive_with_the_next_free_id(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(account=ACCOUNT, app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
    moda = _category(sandbox, "Moda", None, True)
    _category(sandbox, "Arquivo", None, False)  # Id 2: hidden, taken
    store = Store(tmp_path / "importer.sqlite3")
    resolved, requests = _resolve(sandbox, store, {"Moda > Praia"}, publish_new=False)
    praia = resolved.ids["Moda > Praia"]
    assert (praia, resolved.created_inactive) == (3, {"Moda > Praia": ["Moda > Praia"]})
    assert sandbox.categories[praia]["FatherCategoryId"] == moda
    assert sandbox.categories[praia]["IsActive"] is False
    assert requests == [
        "GET /api/catalog_system/pub/category/tree/10",
        "GET /api/catalog/pvt/category/2",  # above the tree's Id 1: Arquivo
        "GET /api/catalog/pvt/category/3",  # free
        "GET /api/catalog/pvt/category/3",  # the Id chosen for Praia, read before its create
        "POST /api/catalog/pvt/category",
    ]
    store.close()


def test_a_store_with_sparse_custom_ids_is_not_read_gap_by_gap(tmp_path: Path) -> None:
    """The known limit: Ids 1 and 500 active (a custom Id), Casa inactive at Id 2: the 497
    gaps are more than 200, so they are not read; Casa is not found (give its id in the file)."""
    sandbox = Sandbox(account=ACCOUNT, app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
    _category(sandbox, "Moda", None, True)
    _category(sandbox, "Casa", None, False)
    body = {k: v for k, v in sandbox.categories[1].items() if k not in ("Id", "LinkId")}
    sandbox.seed_call("POST", "/api/catalog/pvt/category", {**body, "Id": 500, "Name": "Praia"})
    store = Store(tmp_path / "importer.sqlite3")
    resolved, requests = _resolve(sandbox, store, {"2", "Casa"})
    assert resolved.ids["2"] == 2  # by its id: found
    assert requests == [
        "GET /api/catalog_system/pub/category/tree/10",
        "GET /api/catalog/pvt/category/501",  # above the known ones only
        "POST /api/catalog/pvt/category",
    ]
    store.close()


def test_an_inactive_create_whose_answer_is_lost_is_found_by_its_id_not_sent_again(
    tmp_path: Path,
) -> None:
    """The POST is applied, its answer times out: the category is read back by the Id it was
    given (the tree would never show it), and the create is not sent a second time."""
    sandbox = Sandbox(account=ACCOUNT, app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
    _category(sandbox, "Moda", None, True)
    reads = {"GET /api/catalog_system/pub/category/tree/10", "GET /api/catalog/pvt/category/2"}
    sandbox.faults = Faults(rate_timeout=1.0, spared=frozenset(reads))
    store = Store(tmp_path / "importer.sqlite3")
    resolved, requests = _resolve(sandbox, store, {"Moda > Praia"}, publish_new=False)
    assert resolved.ids == {"Moda > Praia": 2} and resolved.pending == {}
    assert requests.count("POST /api/catalog/pvt/category") == 1
    assert [(c["Name"], c["IsActive"]) for c in sandbox.categories.values()] == [
        ("Moda", True),
        ("Praia", False),
    ]
    store.close()
