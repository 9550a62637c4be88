"""SKU activation (API-NOTES §3.8): when an SKU may be active, and when it becomes active.

An SKU can be active only if all of these hold (`problems` lists the ones that do not):
1. it has a RefId or at least one EAN;
2. it has at least one image (file);
3. every active SKU specification field of its product's category (groups of the category and
   of its ancestors, which the category inherits) has a value for it;
4. its product is active, and the product's brand and category are active;
5. a kit (IsKit, module `kits`) has at least one active component.

How it becomes active:
- a PUT with IsActive:true is accepted (200) whatever the rules say, but the SKU becomes active
  only if they hold; otherwise it stays inactive and GET shows IsActive:false. VTEX says
  nothing about why: `Sandbox.activation_problems(sku_id)` does, for tests;
- ActivateIfPossible:true (as created, or as the last PUT sent it) makes the SKU activate by
  itself as soon as the rules hold after a change to the SKU's own parts: an image added or
  replaced, an EAN added, a SKU specification set, a kit component added (or a PUT of the
  SKU itself). VTEX documents
  the image as the trigger; activating the product, brand or category later does NOT activate
  SKUs that were waiting (undocumented: the pessimistic choice). Activate the parents first;
- a PUT that sends IsActive:false (or omits it: read as false) switches that off: the SKU then
  stays inactive until a PUT sends IsActive:true again. A GET -> PUT round trip of a SKU that
  is still waiting for its image therefore stops the automatic activation: send the IsActive
  you want, not the one you read.

Nothing deactivates an active SKU except a PUT: removing its images or EANs, or deactivating
its product, leaves it active (VTEX known issues: product deactivation does not cascade, and
removing EANs does not deactivate an SKU without RefId).
"""

from __future__ import annotations

from importer.sandbox.state import Record, Store

__all__ = ["maybe_activate", "problems", "sku_fields_of_category"]


def sku_fields_of_category(store: Store, category_id: int | None) -> list[Record]:
    """Active SKU specification fields that apply to a category: its own groups' and those it
    inherits from its ancestors."""
    chain: set[int] = set()
    node = store.categories.get(category_id) if category_id is not None else None
    while node is not None and node["Id"] not in chain:
        chain.add(node["Id"])
        father = node.get("FatherCategoryId")
        node = store.categories.get(father) if father is not None else None
    groups = {g["Id"] for g in store.spec_groups.values() if g.get("CategoryId") in chain}
    return [
        f
        for f in store.spec_fields.values()
        if f["IsStockKeepingUnit"] and f["IsActive"] and f["FieldGroupId"] in groups
    ]


def problems(store: Store, sku_id: int) -> list[str]:
    """Why the SKU cannot be active now; empty when it can."""
    sku = store.skus[sku_id]
    found: list[str] = []
    if not sku.get("RefId") and not store.sku_eans.get(sku_id):
        found.append("the SKU has neither a RefId nor an EAN")
    if not store.sku_files.get(sku_id):
        found.append("the SKU has no image")
    product = store.products.get(sku["ProductId"])
    if product is None:
        found.append(f"product {sku['ProductId']} does not exist")
        return found
    filled = {a["FieldId"] for a in store.sku_specs.get(sku_id, [])}
    for spec_field in sku_fields_of_category(store, product.get("CategoryId")):
        if spec_field["Id"] not in filled:
            found.append(f"SKU specification {spec_field['Name']!r} is not filled")
    if sku.get("IsKit") and not any(
        store.skus.get(r["StockKeepingUnitId"], {}).get("IsActive")
        for r in store.sku_kits.get(sku_id, [])
    ):
        found.append("the kit has no active component")
    if not product.get("IsActive"):
        found.append(f"product {product['Id']} is inactive")
    brand = store.brands.get(product["BrandId"])
    if brand is None or not brand.get("Active"):
        found.append(f"brand {product['BrandId']} is inactive")
    category = store.categories.get(product["CategoryId"])
    if category is None or not category.get("IsActive"):
        found.append(f"category {product['CategoryId']} is inactive")
    return found


def maybe_activate(store: Store, sku_id: int) -> None:
    """After a change to the SKU's parts: activate it if it asked to be activated when
    possible, no PUT switched that off since, and the rules now hold."""
    sku = store.skus.get(sku_id)
    if sku is None or sku["IsActive"] or not sku.get("ActivateIfPossible"):
        return
    if sku_id in store.sku_activation_off:
        return
    if not problems(store, sku_id):
        sku["IsActive"] = True
