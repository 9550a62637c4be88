"""Catalog routes: categories, brands, products, SKUs and the RefId lookups.

Response shapes and field names follow the spec's response examples (PascalCase). Every
Catalog PUT is a full replacement: an omitted, empty or null field is cleared and an omitted
boolean becomes false (API-NOTES §3), so handlers rebuild the record from the body alone.

Choices for cases VTEX does not document (API-NOTES §11):
- duplicate Id or RefId on create, or a PUT that takes another record's RefId: 409;
- a reference to a missing category, brand or product: 400;
- the express product create (CategoryPath / BrandName) creates the missing categories and
  brand INACTIVE, so an importer must check and activate them as FLOWS §1 step 2 says;
- known issues reproduced: a string ending in a space gives a bare 400 with an empty body;
  brand PUT does not change LinkId; GET stockkeepingunit?RefId= returns Videos empty.
- SKU activation follows API-NOTES §3.8 (module `activation`): a PUT with IsActive:true answers
  200 but leaves the SKU inactive while a rule fails; GET shows the real IsActive.
- GET product / SKU / category / brand return every field their PUT takes, so that GET -> merge
  -> PUT round-trips. The spec's GET product schema has ReleaseDate and Score non-null, so a
  product whose create or PUT leaves them out gets the request's time and 0 (not null). The
  spec itself disagrees on the category's Score: GET (schema and example) may say null, the
  PUT requires an integer; the sandbox keeps null, so a category created with Score null needs
  a number in its PUT. A product or SKU without RefId shows RefId null, which the PUT schemas
  refuse: leave it out of the PUT (it is already empty).
- the category tree (GET .../category/tree/{categoryLevels}) lists ACTIVE categories only:
  an inactive category, and everything under it, is left out (it is the storefront's tree; the
  admin routes show the rest). Key a category map on Ids from create/GET, not on the tree.
  categoryLevels must be a whole number >= 1 (else 400); nodes at the last level have
  `children: []` and a true `hasChildren` when they have active children. GET category/{id}
  shows inactive categories too, and answers 404 for an Id no category has (VTEX documents
  only its 200); a POST may give the category's Id (the spec's optional custom Id).
- trade policies: POST .../salespolicy/{id} links idempotently (a second POST changes nothing),
  DELETE unlinks (200 also when not linked); an unknown product or trade policy is 404. The
  store's trade policies are `Store.trade_policies` (only 1, the main one, unless a test adds
  more).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from importer.sandbox import activation
from importer.sandbox.calls import (
    ApiError,
    Call,
    Reply,
    as_bool,
    as_int,
    as_number,
    as_str,
    body_object,
    slug,
)
from importer.sandbox.state import Record, Store

# (field, kind, value when omitted). Kinds: str, int, num, bool, strs (list of strings).
Fields = tuple[tuple[str, str, Any], ...]

CATEGORY_FIELDS: Fields = (
    ("Name", "str", None),
    ("FatherCategoryId", "int", None),
    ("Title", "str", ""),
    ("Description", "str", ""),
    ("Keywords", "str", ""),
    ("IsActive", "bool", False),
    ("LomadeeCampaignCode", "str", None),
    ("AdWordsRemarketingCode", "str", None),
    ("ShowInStoreFront", "bool", False),
    ("ShowBrandFilter", "bool", False),
    ("ActiveStoreFrontLink", "bool", False),
    ("GlobalCategoryId", "int", 0),  # a plain int in VTEX's model (Score is the nullable one)
    ("StockKeepingUnitSelectionMode", "str", "SPECIFICATION"),
    ("Score", "int", None),
)
BRAND_FIELDS: Fields = (
    ("Name", "str", None),
    ("Text", "str", ""),
    ("Keywords", "str", ""),
    ("SiteTitle", "str", ""),
    ("Active", "bool", False),
    ("MenuHome", "bool", False),
    ("AdWordsRemarketingCode", "str", None),
    ("LomadeeCampaignCode", "str", None),
    ("Score", "int", None),
    ("LinkId", "str", None),
)
PRODUCT_FIELDS: Fields = (
    ("Name", "str", None),
    ("DepartmentId", "int", None),
    ("CategoryId", "int", None),
    ("BrandId", "int", None),
    ("LinkId", "str", None),
    ("RefId", "str", None),
    ("IsVisible", "bool", False),
    ("Description", "str", ""),
    ("DescriptionShort", "str", ""),
    ("ReleaseDate", "str", None),
    ("KeyWords", "str", ""),
    ("Title", "str", ""),
    ("IsActive", "bool", False),
    ("TaxCode", "str", ""),
    ("MetaTagDescription", "str", ""),
    ("SupplierId", "int", None),
    ("ShowWithoutStock", "bool", False),
    ("AdWordsRemarketingCode", "str", None),
    ("LomadeeCampaignCode", "str", None),
    ("Score", "int", 0),  # non-null in the spec's GET schema; ReleaseDate: see _release_date
)
SKU_FIELDS: Fields = (
    ("ProductId", "int", None),
    ("IsActive", "bool", False),  # omitted on PUT -> false: the SKU is deactivated
    ("ActivateIfPossible", "bool", False),
    ("Name", "str", None),
    ("RefId", "str", None),
    ("PackagedHeight", "num", None),
    ("PackagedLength", "num", None),
    ("PackagedWidth", "num", None),
    ("PackagedWeightKg", "num", None),
    ("Height", "num", 0),
    ("Length", "num", 0),
    ("Width", "num", 0),
    ("WeightKg", "num", 0),
    ("CubicWeight", "num", 0),
    ("IsKit", "bool", False),
    ("CreationDate", "str", None),
    ("RewardValue", "num", 0),
    ("EstimatedDateArrival", "str", None),
    ("ManufacturerCode", "str", ""),
    ("CommercialConditionId", "int", 1),
    ("MeasurementUnit", "str", "un"),
    ("UnitMultiplier", "num", 1),
    ("ModalType", "str", None),
    ("KitItensSellApart", "bool", False),
    ("Videos", "strs", []),
)


def read_fields(body: Record, fields: Fields) -> Record:
    """A full record from a body: type-checked, omitted or null fields at their cleared value."""
    record: Record = {}
    for name, kind, default in fields:
        value = body.get(name)
        if kind == "str":
            value = as_str(value, name)
        elif kind == "int":
            value = as_int(value, name)
        elif kind == "num":
            value = as_number(value, name)
        elif kind == "bool":
            value = as_bool(value, name)
        elif value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise ApiError(400, f"{name} must be a list of strings")
        record[name] = copy.deepcopy(default) if value is None else value
    return record


def _no_trailing_spaces(value: Any) -> None:
    # Known issue: a Catalog string ending in a space is answered with a bare 400, no body.
    if isinstance(value, str) and value != value.rstrip(" "):
        raise ApiError(400, "string with a trailing space", raw=b"")
    if isinstance(value, dict):
        for item in value.values():
            _no_trailing_spaces(item)
    elif isinstance(value, list):
        for item in value:
            _no_trailing_spaces(item)


def catalog_body(call: Call) -> Record:
    body = body_object(call)
    _no_trailing_spaces(body)
    return body


def _required(record: Record, *names: str) -> None:
    missing = [n for n in names if record.get(n) in (None, "")]
    if missing:
        raise ApiError(400, f"required field(s) missing: {', '.join(missing)}")


def _new_id(store: Store, table: dict[int, Record], body: Record, kind: str) -> int:
    given = as_int(body.get("Id"), "Id")
    if given is None:
        return store.next_id(kind, table)
    if given <= 0:
        raise ApiError(400, f"Id must be a positive integer, got {given}")
    if given in table:
        raise ApiError(409, f"{kind} {given} already exists")
    return given


def _refid(record: Record) -> str | None:
    ref = record.get("RefId")
    return ref if ref else None


def _claim_refid(index: dict[str, int], ref: str | None, owner: int, kind: str) -> None:
    if ref is not None and index.get(ref, owner) != owner:
        raise ApiError(409, f"RefId {ref!r} is already used by {kind} {index[ref]}")


def _move_refid(index: dict[str, int], old: str | None, new: str | None, owner: int) -> None:
    if old is not None and index.get(old) == owner:
        del index[old]
    if new is not None:
        index[new] = owner


# --------------------------------------------------------------------------- categories


def _category_view(store: Store, category: Record) -> Record:
    chain: list[Record] = []
    node: Record | None = category
    while node is not None and len(chain) < 64:
        chain.append(node)
        father = node.get("FatherCategoryId")
        node = store.categories.get(father) if father is not None else None
    chain.reverse()
    has_children = any(
        c.get("FatherCategoryId") == category["Id"] for c in store.categories.values()
    )
    return {
        **category,
        "HasChildren": has_children,
        "TreePath": [c["Name"] for c in chain],
        "TreePathIds": [c["Id"] for c in chain],
        "TreePathLinkIds": [c["LinkId"] for c in chain],
    }


def _check_father(store: Store, record: Record, own_id: int) -> None:
    father = record["FatherCategoryId"]
    seen = {own_id}
    while father is not None:
        if father in seen:
            raise ApiError(400, "FatherCategoryId would make the category its own ancestor")
        if father not in store.categories:
            raise ApiError(400, f"FatherCategoryId {father} does not exist")
        seen.add(father)
        father = store.categories[father].get("FatherCategoryId")


def create_category(store: Store, call: Call) -> Reply:
    body = catalog_body(call)
    record = read_fields(body, CATEGORY_FIELDS)
    _required(record, "Name")
    category_id = _new_id(store, store.categories, body, "category")
    _check_father(store, record, category_id)
    store.categories[category_id] = {"Id": category_id, **record, "LinkId": slug(record["Name"])}
    return Reply(body=_category_view(store, store.categories[category_id]))


def get_category(store: Store, call: Call) -> Reply:
    category = store.categories.get(call.int_param("categoryId"))
    if category is None:
        raise ApiError(404, "category not found")
    return Reply(body=_category_view(store, category))


def update_category(store: Store, call: Call) -> Reply:
    category_id = call.int_param("categoryId")
    if category_id not in store.categories:
        raise ApiError(404, "category not found")
    record = read_fields(catalog_body(call), CATEGORY_FIELDS)
    _required(record, "Name")
    _check_father(store, record, category_id)
    store.categories[category_id] = {"Id": category_id, **record, "LinkId": slug(record["Name"])}
    return Reply(body=_category_view(store, store.categories[category_id]))


def category_tree(store: Store, call: Call) -> Reply:
    raw = call.params["categoryLevels"]
    if not re.fullmatch(r"[0-9]{1,4}", raw) or int(raw) < 1:
        raise ApiError(400, f"categoryLevels must be a whole number >= 1, got {raw!r}")
    children: dict[int | None, list[Record]] = {}
    for category in sorted(store.categories.values(), key=lambda c: c["Id"]):
        if category["IsActive"]:
            children.setdefault(category["FatherCategoryId"], []).append(category)
    host = f"https://{call.account}.vtexcommercestable.com.br"

    def node(category: Record, level: int, url: str) -> Record:
        url = f"{url}/{category['LinkId']}"
        below = children.get(category["Id"], [])
        return {
            "id": category["Id"],
            "name": category["Name"],
            "hasChildren": bool(below),
            "url": url,
            "children": [node(c, level + 1, url) for c in below] if level < int(raw) else [],
            "Title": category["Title"],
            "MetaTagDescription": category["Description"],
        }

    return Reply(body=[node(c, 1, host) for c in children.get(None, [])])


def _category_path(store: Store, path: str) -> int:
    """Find or create (inactive) each level of "Dept/Cat/Sub"; return the last level's id."""
    names = [part.strip() for part in path.split("/") if part.strip()]
    if not names:
        raise ApiError(400, "CategoryPath is empty")
    father: int | None = None
    for name in names:
        found = next(
            (
                c["Id"]
                for c in store.categories.values()
                if c.get("FatherCategoryId") == father and c["Name"].casefold() == name.casefold()
            ),
            None,
        )
        if found is None:
            found = store.next_id("category", store.categories)
            record = read_fields(
                {"Name": name, "FatherCategoryId": father, "Title": name}, CATEGORY_FIELDS
            )
            store.categories[found] = {"Id": found, **record, "LinkId": slug(name)}
        father = found
    assert father is not None
    return father


# --------------------------------------------------------------------------- brands


def create_brand(store: Store, call: Call) -> Reply:
    body = catalog_body(call)
    record = read_fields(body, BRAND_FIELDS)
    _required(record, "Name")
    brand_id = _new_id(store, store.brands, body, "brand")
    record["LinkId"] = record["LinkId"] or slug(record["Name"])
    store.brands[brand_id] = {"Id": brand_id, **record}
    return Reply(body=store.brands[brand_id])


def get_brand(store: Store, call: Call) -> Reply:
    brand = store.brands.get(call.int_param("brandId"))
    if brand is None:
        raise ApiError(404, "brand not found")
    return Reply(body=brand)


def update_brand(store: Store, call: Call) -> Reply:
    brand_id = call.int_param("brandId")
    old = store.brands.get(brand_id)
    if old is None:
        raise ApiError(404, "brand not found")
    record = read_fields(catalog_body(call), BRAND_FIELDS)
    _required(record, "Name")
    record["LinkId"] = old["LinkId"]  # known issue: PUT brand does not update LinkId
    store.brands[brand_id] = {"Id": brand_id, **record}
    return Reply(body=store.brands[brand_id])


def list_brands(store: Store, call: Call) -> Reply:
    return Reply(
        body=[
            {
                "id": b["Id"],
                "name": b["Name"],
                "isActive": b["Active"],
                "title": b["SiteTitle"],
                "metaTagDescription": b["Text"],
                "imageUrl": None,
            }
            for b in store.brands.values()
        ]
    )


def _brand_by_name(store: Store, name: str) -> int:
    for brand in store.brands.values():
        if brand["Name"].casefold() == name.strip().casefold():
            return int(brand["Id"])
    brand_id = store.next_id("brand", store.brands)
    store.brands[brand_id] = {"Id": brand_id, **read_fields({"Name": name.strip()}, BRAND_FIELDS)}
    store.brands[brand_id]["LinkId"] = slug(name)
    return brand_id


# --------------------------------------------------------------------------- products


def _department(store: Store, category_id: int) -> int:
    node = store.categories[category_id]
    for _ in range(64):
        father = node.get("FatherCategoryId")
        if father is None or father not in store.categories:
            break
        node = store.categories[father]
    return int(node["Id"])


def _product_links(store: Store, record: Record) -> None:
    """Check the product's category and brand, and fill what VTEX derives from them."""
    if record["CategoryId"] not in store.categories:
        raise ApiError(400, f"CategoryId {record['CategoryId']} does not exist")
    if record["BrandId"] not in store.brands:
        raise ApiError(400, f"BrandId {record['BrandId']} does not exist")
    record["DepartmentId"] = _department(store, record["CategoryId"])
    record["LinkId"] = record["LinkId"] or slug(record["Name"])


def _release_date(record: Record, call: Call) -> None:
    # The spec's GET product schema has ReleaseDate non-null: omitted is the request's time.
    record["ReleaseDate"] = record["ReleaseDate"] or call.now.strftime("%Y-%m-%dT%H:%M:%S")


def create_product(store: Store, call: Call) -> Reply:
    body = catalog_body(call)
    record = read_fields(body, PRODUCT_FIELDS)
    _release_date(record, call)
    _required(record, "Name")
    product_id = _new_id(store, store.products, body, "product")
    _claim_refid(store.product_refids, _refid(record), product_id, "product")
    # Refuse before the express path below creates anything: no half-applied request.
    for field, table in (("CategoryId", store.categories), ("BrandId", store.brands)):
        if record[field] is not None and record[field] not in table:
            raise ApiError(400, f"{field} {record[field]} does not exist")
    category_path = as_str(body.get("CategoryPath"), "CategoryPath")
    brand_name = as_str(body.get("BrandName"), "BrandName")
    if record["CategoryId"] is None and not category_path:
        raise ApiError(400, "CategoryId or CategoryPath is required")
    if record["BrandId"] is None and not brand_name:
        raise ApiError(400, "BrandId or BrandName is required")
    if record["CategoryId"] is None and category_path:
        record["CategoryId"] = _category_path(store, category_path)
    if record["BrandId"] is None and brand_name:
        record["BrandId"] = _brand_by_name(store, brand_name)
    _product_links(store, record)
    store.products[product_id] = {"Id": product_id, **record}
    _move_refid(store.product_refids, None, _refid(record), product_id)
    return Reply(body=store.products[product_id])


def get_product(store: Store, call: Call) -> Reply:
    product = store.products.get(call.int_param("productId"))
    if product is None:
        raise ApiError(404, "product not found")
    return Reply(body=product)


def update_product(store: Store, call: Call) -> Reply:
    product_id = call.int_param("productId")
    old = store.products.get(product_id)
    if old is None:
        raise ApiError(404, "product not found")
    record = read_fields(catalog_body(call), PRODUCT_FIELDS)
    _release_date(record, call)
    _required(record, "Name", "CategoryId", "BrandId")
    _claim_refid(store.product_refids, _refid(record), product_id, "product")
    _product_links(store, record)
    store.products[product_id] = {"Id": product_id, **record}
    _move_refid(store.product_refids, _refid(old), _refid(record), product_id)
    return Reply(body=store.products[product_id])


def _product_id(store: Store, call: Call) -> int:
    product_id = call.int_param("productId")
    if product_id not in store.products:
        raise ApiError(404, "product not found")
    return product_id


def add_trade_policy(store: Store, call: Call) -> Reply:
    product_id = _product_id(store, call)
    policy = call.int_param("tradepolicyId")
    if policy not in store.trade_policies:
        raise ApiError(404, f"trade policy {policy} not found")
    linked = store.product_trade_policies.setdefault(product_id, [])
    if policy not in linked:
        linked.append(policy)
    return Reply()


def remove_trade_policy(store: Store, call: Call) -> Reply:
    product_id = _product_id(store, call)
    policy = call.int_param("tradepolicyId")
    if policy not in store.trade_policies:
        raise ApiError(404, f"trade policy {policy} not found")
    linked = store.product_trade_policies.get(product_id, [])
    if policy in linked:
        linked.remove(policy)
    return Reply()


def list_trade_policies(store: Store, call: Call) -> Reply:
    product_id = _product_id(store, call)
    linked = sorted(store.product_trade_policies.get(product_id, []))
    return Reply(body=[{"ProductId": product_id, "StoreId": policy} for policy in linked])


def product_by_refid(store: Store, call: Call) -> Reply:
    product_id = store.product_refids.get(call.params["refId"])
    # Known behaviour: not found is 200 with a null body, not 404.
    return Reply(body=store.products[product_id] if product_id is not None else None)


# --------------------------------------------------------------------------- SKUs


def _sku_record(store: Store, body: Record) -> Record:
    record = read_fields(body, SKU_FIELDS)
    _required(record, "ProductId", "Name")
    if record["ProductId"] not in store.products:
        raise ApiError(400, f"ProductId {record['ProductId']} does not exist")
    return record


def create_sku(store: Store, call: Call) -> Reply:
    body = catalog_body(call)
    if body.get("IsActive") is True:
        raise ApiError(400, "an SKU cannot be created active: send IsActive false")
    record = _sku_record(store, body)
    sku_id = _new_id(store, store.skus, body, "SKU")
    _claim_refid(store.sku_refids, _refid(record), sku_id, "SKU")
    record["CreationDate"] = record["CreationDate"] or call.now.strftime("%Y-%m-%dT%H:%M:%S")
    store.skus[sku_id] = {"Id": sku_id, **record}
    store.sku_activation_off.discard(sku_id)
    _move_refid(store.sku_refids, None, _refid(record), sku_id)
    return Reply(body=store.skus[sku_id])


def get_sku(store: Store, call: Call) -> Reply:
    sku = store.skus.get(call.int_param("skuId"))
    if sku is None:
        raise ApiError(404, "SKU not found")
    return Reply(body=sku)


def update_sku(store: Store, call: Call) -> Reply:
    sku_id = call.int_param("skuId")
    old = store.skus.get(sku_id)
    if old is None:
        raise ApiError(404, "SKU not found")
    record = _sku_record(store, catalog_body(call))
    _claim_refid(store.sku_refids, _refid(record), sku_id, "SKU")
    record["CreationDate"] = record["CreationDate"] or old["CreationDate"]
    wanted = record["IsActive"]
    store.skus[sku_id] = {"Id": sku_id, **record, "IsActive": False}
    _move_refid(store.sku_refids, _refid(old), _refid(record), sku_id)
    # Accepted either way; active only when the rules hold (activation, API-NOTES §3.8).
    if wanted:
        store.sku_activation_off.discard(sku_id)
        store.skus[sku_id]["IsActive"] = not activation.problems(store, sku_id)
    else:
        store.sku_activation_off.add(sku_id)
    return Reply(body=store.skus[sku_id])


def sku_by_refid_query(store: Store, call: Call) -> Reply:
    ref = call.query.get("RefId")
    sku_id = store.sku_refids.get(ref) if ref else None
    if sku_id is None:
        raise ApiError(404, "SKU not found")
    # Known issue: this route returns Videos empty.
    return Reply(body={**store.skus[sku_id], "Videos": []})


def sku_id_by_refid(store: Store, call: Call) -> Reply:
    sku_id = store.sku_refids.get(call.params["refId"])
    if sku_id is None:
        raise ApiError(404, "SKU not found")
    return Reply(body=str(sku_id))  # VTEX answers a JSON string: "1"


def sku_ids_by_refids(store: Store, call: Call) -> Reply:
    refs = call.body
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise ApiError(400, "the body must be a JSON array of RefIds")
    if len(set(refs)) != len(refs):
        # As VTEX: duplicate RefIds in the request give a 500. De-duplicate before calling.
        raise ApiError(500, "duplicate RefIds in the request")
    found = {ref: store.sku_refids.get(ref) for ref in refs}
    return Reply(body={ref: (str(i) if i is not None else None) for ref, i in found.items()})
