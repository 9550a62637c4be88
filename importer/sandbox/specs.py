"""Specifications, API-NOTES §3.7: the group -> field -> value model, the by-name PUTs that the
importer uses, the reads, and the deletes.

Model (inspectable as Sandbox.spec_groups, .spec_fields, .spec_values, and per owner as
Sandbox.product_specs(product_id), .sku_specs(sku_id)), shaped as VTEX's responses:
- group  {Id, CategoryId, Name, Position}; CategoryId None is a root-level group;
- field  {Id, FieldTypeId, CategoryId, FieldGroupId, Name, IsStockKeepingUnit, IsActive, ...};
  types 5 (Combo), 6 (Radio) and 7 (Checkbox) hold values; a group of a category also applies
  to its descendants (inheritance);
- value  {FieldValueId, FieldId, Name, Text, IsActive, Position};
- association with a product {Id, ProductId, FieldId, FieldValueId, Text} or an SKU
  {Id, SkuId, FieldId, FieldValueId, Text}, Text being the value's name.

PUT .../product/{productId}/specificationvalue and .../stockkeepingunit/{skuId}/specificationvalue
({FieldName, GroupName, RootLevelSpecification, FieldValues}) find or create the group, the
field and each value, then associate the values. VTEX documents only "creates ... if they had
not been created before"; the sandbox's (pessimistic) reading of the rest:
- the call ADDS: a value already associated with that product/SKU and field is not associated
  twice, but values already associated that are not in FieldValues are KEPT. To replace a
  field's values, DELETE the field's associations first (for a product:
  DELETE .../product/{productId}/specification/{FieldId});
- this holds for SKUs too: a second PUT of "Size" with ["L"] leaves the SKU with both M and L;
- the group is found (or made) by exact, case-sensitive name in the product's own category
  (groups inherited from ancestor categories are not reused: API-NOTES §3.7 says to use the
  product's own category); RootLevelSpecification:true means the root level instead (a group
  with CategoryId None, which every category inherits). Field and value names match exactly
  too: "Color" and "color" are two fields;
- a field created by the product route is a Checkbox (7) product field; by the SKU route a
  Combo (5) SKU field (IsStockKeepingUnit). A name that already belongs to a field of the
  other kind in that group, or to a field without values (text, number), is a 400;
- SKU route: FieldValues must hold exactly one value (else 400). Both routes: an empty
  FieldValues, or a FieldName over 100 characters, is a 400; repeats in FieldValues count once;
- the answer lists the product's (SKU's) associations for that field, kept ones included.

Creating an SKU field in a category makes every SKU of the category (and of its descendants)
unable to activate until it has a value for that field (API-NOTES §3.8 rule 3; see
`activation`). Active SKUs are not deactivated (a known issue says VTEX does not always do it).

Reads: GET .../catalog_system/pvt/products/{productId}/specification -> [{Value, Id (FieldId),
Name}]; GET .../catalog/pvt/product/{productId}/specification and
.../stockkeepingunit/{skuId}/specification -> the associations. Deletes:
- DELETE .../product/{productId}/specification/{specificationId}: for a field with values (5, 6,
  7), VTEX wants the FieldId there, and it removes all that field's associations with the
  product; an association Id of such a field is a 404, as VTEX documents. For a field without
  values the association Id works. Anything else is a 404;
- DELETE .../stockkeepingunit/{skuId}/specification/{specificationId} takes the association Id
  (404 otherwise); DELETE .../product/{productId}/specification and
  .../stockkeepingunit/{skuId}/specification remove all of them (200 even when there are none).
Unknown products and SKUs are 404 everywhere.
"""

from __future__ import annotations

from typing import Any

from importer.sandbox import activation
from importer.sandbox.calls import ApiError, Call, Reply, as_bool, as_str
from importer.sandbox.catalog import catalog_body
from importer.sandbox.state import Record, Store

__all__ = [
    "CHECKBOX",
    "COMBO",
    "FIELD_TYPES",
    "RADIO",
    "VALUE_TYPES",
    "associate_product_spec",
    "create_field",
    "create_group",
    "delete_product_spec",
    "delete_product_specs",
    "delete_sku_spec",
    "delete_sku_specs",
    "fields_by_category",
    "get_field",
    "groups_by_category",
    "list_product_spec_associations",
    "list_product_specs",
    "list_sku_specs",
    "put_product_spec_by_name",
    "put_sku_spec_by_name",
    "spec_summaries",
]

COMBO, RADIO, CHECKBOX = 5, 6, 7
VALUE_TYPES = frozenset({COMBO, RADIO, CHECKBOX})
MAX_FIELD_NAME = 100


# --------------------------------------------------------------------------- the model


def _group(store: Store, category_id: int | None, name: str) -> Record:
    for group in store.spec_groups.values():
        if group["CategoryId"] == category_id and group["Name"] == name:
            return group
    group_id = store.next_id("specification group", store.spec_groups)
    siblings = sum(1 for g in store.spec_groups.values() if g["CategoryId"] == category_id)
    store.spec_groups[group_id] = {
        "Id": group_id,
        "CategoryId": category_id,
        "Name": name,
        "Position": siblings + 1,
    }
    return store.spec_groups[group_id]


def _field(store: Store, group: Record, name: str, *, for_sku: bool) -> Record:
    for field in store.spec_fields.values():
        if field["FieldGroupId"] != group["Id"] or field["Name"] != name:
            continue
        if field["IsStockKeepingUnit"] != for_sku:
            kind = "an SKU" if field["IsStockKeepingUnit"] else "a product"
            raise ApiError(
                400, f"specification {name!r} of group {group['Name']!r} is {kind} field"
            )
        if field["FieldTypeId"] not in VALUE_TYPES:
            raise ApiError(
                400,
                f"specification {name!r} has no values (FieldTypeId {field['FieldTypeId']}); "
                "it cannot be set by name",
            )
        return field
    field_id = store.next_id("specification field", store.spec_fields)
    siblings = sum(1 for f in store.spec_fields.values() if f["FieldGroupId"] == group["Id"])
    store.spec_fields[field_id] = {
        "Id": field_id,
        "FieldTypeId": COMBO if for_sku else CHECKBOX,
        "CategoryId": group["CategoryId"],
        "FieldGroupId": group["Id"],
        "Name": name,
        "Description": None,
        "Position": siblings + 1,
        "IsFilter": False,
        "IsRequired": False,
        "IsOnProductDetails": False,
        "IsStockKeepingUnit": for_sku,
        "IsWizard": False,
        "IsActive": True,
        "IsTopMenuLinkActive": False,
        "IsSideMenuLinkActive": False,
        "DefaultValue": None,
    }
    return store.spec_fields[field_id]


def _value(store: Store, field: Record, name: str) -> Record:
    ids = store.field_value_ids.setdefault(field["Id"], [])
    for value_id in ids:
        if store.spec_values[value_id]["Name"] == name:
            return store.spec_values[value_id]
    value_id = store.next_id("specification value", store.spec_values)
    store.spec_values[value_id] = {
        "FieldValueId": value_id,
        "FieldId": field["Id"],
        "Name": name,
        "Text": None,
        "IsActive": True,
        "Position": len(ids) + 1,
    }
    ids.append(value_id)
    return store.spec_values[value_id]


def _by_name_body(call: Call, *, for_sku: bool) -> tuple[str, str, bool, list[str]]:
    body = catalog_body(call)
    field_name = as_str(body.get("FieldName"), "FieldName")
    group_name = as_str(body.get("GroupName"), "GroupName")
    root_level = as_bool(body.get("RootLevelSpecification"), "RootLevelSpecification")
    values: Any = body.get("FieldValues")
    if not field_name or not group_name:
        raise ApiError(400, "FieldName and GroupName are required")
    if len(field_name) > MAX_FIELD_NAME:
        raise ApiError(400, f"FieldName is limited to {MAX_FIELD_NAME} characters")
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise ApiError(400, "FieldValues must be a list of non-empty strings")
    unique = list(dict.fromkeys(values))
    if not unique:
        raise ApiError(400, "FieldValues is empty")
    if for_sku and len(unique) != 1:
        raise ApiError(400, "SKU specifications must contain only one value")
    return field_name, group_name, root_level, unique


def _associate(
    store: Store, owned: list[Record], owner: tuple[str, int], field: Record, names: list[str]
) -> list[Record]:
    kind = "sku_spec" if owner[0] == "SkuId" else "product_spec"
    for name in names:
        value = _value(store, field, name)
        if any(a["FieldValueId"] == value["FieldValueId"] for a in owned):
            continue
        owned.append(
            {
                "Id": store.next_number(kind),
                owner[0]: owner[1],
                "FieldId": field["Id"],
                "FieldValueId": value["FieldValueId"],
                "Text": value["Name"],
            }
        )
    return [a for a in owned if a["FieldId"] == field["Id"]]


def spec_summaries(store: Store, associations: list[Record]) -> list[Record]:
    """Associations grouped per field, as stockkeepingunitbyid shows them."""
    summaries: dict[int, Record] = {}
    for association in associations:
        field = store.spec_fields.get(association["FieldId"])
        if field is None:
            continue
        summary = summaries.get(field["Id"])
        if summary is None:
            group = store.spec_groups.get(field["FieldGroupId"])
            summary = summaries[field["Id"]] = {
                "FieldId": field["Id"],
                "FieldName": field["Name"],
                "FieldValueIds": [],
                "FieldValues": [],
                "IsFilter": field["IsFilter"],
                "FieldGroupId": field["FieldGroupId"],
                "FieldGroupName": group["Name"] if group is not None else None,
            }
        if association["FieldValueId"] is not None:
            summary["FieldValueIds"].append(association["FieldValueId"])
        summary["FieldValues"].append(association["Text"])
    return list(summaries.values())


# --------------------------------------------------------------------------- products


def _product(store: Store, call: Call) -> Record:
    product = store.products.get(call.int_param("productId"))
    if product is None:
        raise ApiError(404, "product not found")
    return product


def put_product_spec_by_name(store: Store, call: Call) -> Reply:
    product = _product(store, call)
    field_name, group_name, root_level, names = _by_name_body(call, for_sku=False)
    group = _group(store, None if root_level else product["CategoryId"], group_name)
    field = _field(store, group, field_name, for_sku=False)
    owned = store.product_specs.setdefault(product["Id"], [])
    return Reply(body=_associate(store, owned, ("ProductId", product["Id"]), field, names))


def list_product_specs(store: Store, call: Call) -> Reply:
    """GET /api/catalog_system/pvt/products/{productId}/specification: values per field."""
    product = _product(store, call)
    summaries = spec_summaries(store, store.product_specs.get(product["Id"], []))
    return Reply(
        body=[
            {"Value": s["FieldValues"], "Id": s["FieldId"], "Name": s["FieldName"]}
            for s in summaries
        ]
    )


def list_product_spec_associations(store: Store, call: Call) -> Reply:
    product = _product(store, call)
    return Reply(body=list(store.product_specs.get(product["Id"], [])))


def delete_product_spec(store: Store, call: Call) -> Reply:
    product = _product(store, call)
    given = call.int_param("specificationId")
    owned = store.product_specs.get(product["Id"], [])
    field = store.spec_fields.get(given)
    if field is not None and field["FieldTypeId"] in VALUE_TYPES:
        kept = [a for a in owned if a["FieldId"] != given]
        if len(kept) != len(owned):
            store.product_specs[product["Id"]] = kept
            return Reply()
    for association in owned:
        if association["Id"] != given:
            continue
        by_field = store.spec_fields.get(association["FieldId"])
        if by_field is not None and by_field["FieldTypeId"] in VALUE_TYPES:
            break  # VTEX: for Combo/Radio/Checkbox the FieldId is wanted here -> 404
        owned.remove(association)
        return Reply()
    raise ApiError(404, f"product {product['Id']} has no specification {given}")


def delete_product_specs(store: Store, call: Call) -> Reply:
    store.product_specs.pop(_product(store, call)["Id"], None)
    return Reply()


# --------------------------------------------------------------------------- SKUs


def _sku(store: Store, call: Call) -> Record:
    sku = store.skus.get(call.int_param("skuId"))
    if sku is None:
        raise ApiError(404, "SKU not found")
    return sku


def put_sku_spec_by_name(store: Store, call: Call) -> Reply:
    sku = _sku(store, call)
    field_name, group_name, root_level, names = _by_name_body(call, for_sku=True)
    product = store.products[sku["ProductId"]]
    group = _group(store, None if root_level else product["CategoryId"], group_name)
    field = _field(store, group, field_name, for_sku=True)
    owned = store.sku_specs.setdefault(sku["Id"], [])
    answer = _associate(store, owned, ("SkuId", sku["Id"]), field, names)
    activation.maybe_activate(store, sku["Id"])
    return Reply(body=answer)


def list_sku_specs(store: Store, call: Call) -> Reply:
    return Reply(body=list(store.sku_specs.get(_sku(store, call)["Id"], [])))


def delete_sku_spec(store: Store, call: Call) -> Reply:
    sku = _sku(store, call)
    given = call.int_param("specificationId")
    owned = store.sku_specs.get(sku["Id"], [])
    for association in owned:
        if association["Id"] == given:
            owned.remove(association)
            return Reply()
    raise ApiError(404, f"SKU {sku['Id']} has no specification association {given}")


def delete_sku_specs(store: Store, call: Call) -> Reply:
    store.sku_specs.pop(_sku(store, call)["Id"], None)
    return Reply()


# --------------------------------------------------------------------------- fields by id

# The FieldTypeIds VTEX documents (POST /api/catalog/pvt/specification): 1 Text, 2 Multi-Line
# Text, 4 Number, 5 Combo, 6 Radio, 7 Checkbox, 8 Indexed Text, 9 Indexed Multi-Line Text.
FIELD_TYPES = frozenset({1, 2, 4, 5, 6, 7, 8, 9})


def _ancestors(store: Store, category_id: int | None) -> list[int | None]:
    """The category, its parents up to the department, and the root level (None)."""
    chain: list[int | None] = []
    while category_id is not None and category_id in store.categories and category_id not in chain:
        chain.append(category_id)
        category_id = store.categories[category_id].get("FatherCategoryId")
    return [*chain, None]


def create_group(store: Store, call: Call) -> Reply:
    """POST /api/catalog/pvt/specificationgroup {CategoryId, Name}: the group, made once per
    category and name (a second POST answers the existing group)."""
    body = catalog_body(call)
    category_id = body.get("CategoryId")
    name = as_str(body.get("Name"), "Name")
    if not name:
        raise ApiError(400, "Name is required")
    if category_id is not None and category_id not in store.categories:
        raise ApiError(400, f"category {category_id} not found")
    return Reply(body=_group(store, category_id, name))


def groups_by_category(store: Store, call: Call) -> Reply:
    category_id = call.int_param("categoryId")
    return Reply(body=[g for g in store.spec_groups.values() if g["CategoryId"] == category_id])


def create_field(store: Store, call: Call) -> Reply:
    """POST /api/catalog/pvt/specification: a field of the given type in the given group. An
    SKU field must be Combo or Radio (VTEX: 400 "Sku Field can be only of the Radio or Combo
    type"); a name already in the group is a 409 (undocumented: not created twice)."""
    body = catalog_body(call)
    type_id = body.get("FieldTypeId")
    group = store.spec_groups.get(body.get("FieldGroupId"))  # type: ignore[arg-type]
    name = as_str(body.get("Name"), "Name")
    for_sku = as_bool(body.get("IsStockKeepingUnit"), "IsStockKeepingUnit")
    if type_id not in FIELD_TYPES:
        raise ApiError(400, f"FieldTypeId {type_id!r} is not one of {sorted(FIELD_TYPES)}")
    if group is None:
        raise ApiError(400, "Field Group not found")
    if not name or len(name) > MAX_FIELD_NAME:
        raise ApiError(400, f"Name is required and limited to {MAX_FIELD_NAME} characters")
    if for_sku and type_id not in (COMBO, RADIO):
        raise ApiError(400, "Sku Field can be only of the Radio or Combo type")
    if body.get("CategoryId") not in (None, group["CategoryId"]):
        raise ApiError(400, "Field Group not found in the category")
    if any(
        f["FieldGroupId"] == group["Id"] and f["Name"] == name for f in store.spec_fields.values()
    ):
        raise ApiError(409, f"specification {name!r} already exists in group {group['Name']!r}")
    field_id = store.next_id("specification field", store.spec_fields)
    position = body.get("Position")
    store.spec_fields[field_id] = {
        "Id": field_id,
        "FieldTypeId": type_id,
        "CategoryId": group["CategoryId"],
        "FieldGroupId": group["Id"],
        "Name": name,
        "Description": body.get("Description"),
        "Position": position if isinstance(position, int) else len(store.spec_fields),
        "IsFilter": as_bool(body.get("IsFilter"), "IsFilter"),
        "IsRequired": as_bool(body.get("IsRequired"), "IsRequired"),
        "IsOnProductDetails": as_bool(body.get("IsOnProductDetails"), "IsOnProductDetails"),
        "IsStockKeepingUnit": for_sku,
        "IsWizard": False,
        "IsActive": as_bool(body.get("IsActive"), "IsActive", default=True),
        "IsTopMenuLinkActive": as_bool(body.get("IsTopMenuLinkActive"), "IsTopMenuLinkActive"),
        "IsSideMenuLinkActive": as_bool(body.get("IsSideMenuLinkActive"), "IsSideMenuLinkActive"),
        "DefaultValue": body.get("DefaultValue"),
    }
    return Reply(body=store.spec_fields[field_id])


def get_field(store: Store, call: Call) -> Reply:
    field = store.spec_fields.get(call.int_param("specificationId"))
    if field is None:
        raise ApiError(404, "specification not found")
    return Reply(body=field)


def fields_by_category(store: Store, call: Call) -> Reply:
    """The fields a category has, its own and those of its parents' and root-level groups."""
    category_id = call.int_param("categoryId")
    chain = _ancestors(store, category_id)
    return Reply(
        body=[
            {
                "Name": f["Name"],
                "CategoryId": f["CategoryId"],
                "FieldId": f["Id"],
                "IsActive": f["IsActive"],
                "IsStockKeepingUnit": f["IsStockKeepingUnit"],
            }
            for f in store.spec_fields.values()
            if f["CategoryId"] in chain
        ]
    )


def associate_product_spec(store: Store, call: Call) -> Reply:
    """POST /api/catalog/pvt/product/{productId}/specification {FieldId, FieldValueId, Text}:
    for Combo, Radio and Checkbox the FieldValueId is mandatory (a value of that field); for
    the other types Text is the value. Adds an association (not idempotent)."""
    product = _product(store, call)
    body = catalog_body(call)
    field = store.spec_fields.get(body.get("FieldId"))  # type: ignore[arg-type]
    if field is None or field["IsStockKeepingUnit"]:
        raise ApiError(400, "FieldId is not a product specification")
    value_id = body.get("FieldValueId")
    if field["FieldTypeId"] in VALUE_TYPES:
        value = store.spec_values.get(value_id)  # type: ignore[arg-type]
        if value is None or value["FieldId"] != field["Id"]:
            raise ApiError(400, "FieldValueId is mandatory for this specification type")
        text = value["Name"]
    else:
        text = as_str(body.get("Text"), "Text")
        value_id = None
    association = {
        "Id": store.next_number("product_spec"),
        "ProductId": product["Id"],
        "FieldId": field["Id"],
        "FieldValueId": value_id,
        "Text": text,
    }
    store.product_specs.setdefault(product["Id"], []).append(association)
    return Reply(body=association)
