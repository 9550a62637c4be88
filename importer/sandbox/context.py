"""GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}: the SKU with its context
(product, brand, category path, images, specifications, trade policies), in the shape of the
spec's response example.

Choices: IsActive is the SKU's real state (activation rules included); Images lists the SKU's
files in order, with ImageName = the file's Label and FileId = its ArchiveId, as in the spec's
example, where FileId is the number in ImageUrl (it is NOT the skuFileId that PUT/DELETE
.../file/{skuFileId} take: use GET .../file for those); ImageUrl is the first image's URL (null
without images); AlternateIds.Ean is the first EAN (absent without one), AlternateIdValues
lists every EAN then the RefId; SalesChannels are the product's trade policies; BrandId is a
string, as VTEX sends it. Collections, kits, attachments and services are always empty. The
`sc` query parameter is accepted and ignored. An unknown SKU is 404.
"""

from __future__ import annotations

from importer.sandbox import files, specs
from importer.sandbox.calls import ApiError, Call, Reply
from importer.sandbox.state import Record, Store

__all__ = ["sku_context"]


def _category_chain(store: Store, category_id: int) -> list[Record]:
    chain: list[Record] = []
    node = store.categories.get(category_id)
    while node is not None and len(chain) < 64:
        chain.append(node)
        father = node.get("FatherCategoryId")
        node = store.categories.get(father) if father is not None else None
    chain.reverse()  # department first
    return chain


def sku_context(store: Store, call: Call) -> Reply:
    sku_id = call.int_param("skuId")
    sku = store.skus.get(sku_id)
    if sku is None:
        raise ApiError(404, "SKU not found")
    product = store.products[sku["ProductId"]]
    brand = store.brands.get(product["BrandId"], {})
    chain = _category_chain(store, product["CategoryId"])
    category = chain[-1] if chain else {}
    ids = [c["Id"] for c in chain]
    images = files.sku_files(store, sku_id)
    eans = store.sku_eans.get(sku_id, [])
    refid = sku.get("RefId")
    alternate: Record = {}
    if eans:
        alternate["Ean"] = eans[0]
    if refid:
        alternate["RefId"] = refid
    same_name = sku["Name"] == product["Name"]
    return Reply(
        body={
            "Id": sku_id,
            "ProductId": product["Id"],
            "NameComplete": product["Name"] if same_name else f"{product['Name']} {sku['Name']}",
            "ComplementName": "",
            "ProductName": product["Name"],
            "ProductDescription": product["Description"],
            "SkuName": sku["Name"],
            "ProductRefId": product.get("RefId") or "",
            "TaxCode": product["TaxCode"],
            "IsActive": sku["IsActive"],
            "IsTransported": True,
            "IsInventoried": True,
            "IsGiftCardRecharge": False,
            "ImageUrl": images[0]["Url"] if images else None,
            "DetailUrl": f"/{product['LinkId']}/p",
            "CSCIdentification": None,
            "BrandId": str(product["BrandId"]),
            "BrandName": brand.get("Name"),
            "IsBrandActive": bool(brand.get("Active")),
            "Dimension": {
                "cubicweight": sku["CubicWeight"],
                "height": sku["PackagedHeight"],
                "length": sku["PackagedLength"],
                "weight": sku["PackagedWeightKg"],
                "width": sku["PackagedWidth"],
            },
            "RealDimension": {
                "realCubicWeight": sku["CubicWeight"],
                "realHeight": sku["Height"],
                "realLength": sku["Length"],
                "realWeight": sku["WeightKg"],
                "realWidth": sku["Width"],
            },
            "ManufacturerCode": sku["ManufacturerCode"],
            "IsKit": sku["IsKit"],
            "KitItems": [str(r["StockKeepingUnitId"]) for r in store.sku_kits.get(sku["Id"], [])],
            "Services": [],
            "Categories": [],
            "CategoriesFullPath": [
                "/" + "/".join(str(i) for i in ids[:depth]) + "/"
                for depth in range(len(ids), 0, -1)
            ],
            "Attachments": [],
            "Collections": [],
            "SkuSellers": [
                {
                    "SellerId": "1",
                    "StockKeepingUnitId": sku_id,
                    "SellerStockKeepingUnitId": str(sku_id),
                    "IsActive": sku["IsActive"],
                    "FreightCommissionPercentage": 0,
                    "ProductCommissionPercentage": 0,
                }
            ],
            "SalesChannels": sorted(store.product_trade_policies.get(product["Id"], [])),
            "Images": [
                {"ImageUrl": f["Url"], "ImageName": f["Label"], "FileId": f["ArchiveId"]}
                for f in images
            ],
            "Videos": list(sku["Videos"]),
            "SkuSpecifications": specs.spec_summaries(store, store.sku_specs.get(sku_id, [])),
            "ProductSpecifications": specs.spec_summaries(
                store, store.product_specs.get(product["Id"], [])
            ),
            "ProductClustersIds": "",
            "PositionsInClusters": {},
            "ProductClusterNames": {},
            "ProductClusterHighlights": {},
            "ProductCategoryIds": "/" + "".join(f"{i}/" for i in ids),
            "IsDirectCategoryActive": bool(category.get("IsActive")),
            "ProductGlobalCategoryId": category.get("GlobalCategoryId"),
            "ProductCategories": {str(c["Id"]): c["Name"] for c in reversed(chain)},
            "CommercialConditionId": sku["CommercialConditionId"],
            "RewardValue": sku["RewardValue"],
            "AlternateIds": alternate,
            "AlternateIdValues": [*eans, *([refid] if refid else [])],
            "EstimatedDateArrival": sku["EstimatedDateArrival"],
            "MeasurementUnit": sku["MeasurementUnit"],
            "UnitMultiplier": sku["UnitMultiplier"],
            "InformationSource": "Indexer",
            "ModalType": sku["ModalType"],
            "KeyWords": product["KeyWords"],
            "ReleaseDate": product["ReleaseDate"],
            "ProductIsVisible": product["IsVisible"],
            "ShowIfNotAvailable": product["ShowWithoutStock"],
            "IsProductActive": product["IsActive"],
            "ProductFinalScore": 0,
        }
    )
