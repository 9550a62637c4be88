"""A generated ERP catalog export: products x SKUs, three category levels, brands, specs."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HEADERS = [
    "product_ref",
    "product_name",
    "category",
    "brand",
    "description",
    "product_spec:Material",
    "sku_ref",
    "sku_name",
    "ean",
    "height_cm",
    "width_cm",
    "length_cm",
    "weight_kg",
    "image_urls",
    "sku_active",
    "sku_spec:Tamanho",
]
SIZES = ("P", "M", "G", "GG")


def catalog_rows(
    products: int = 500,
    skus_per_product: int = 4,
    brands: int = 20,
    renamed: set[int] = frozenset(),
    changed_skus: set[int] = frozenset(),  # type: ignore[assignment]
    image_host: str = "https://img.example.com",
) -> list[list[str]]:
    rows: list[list[str]] = []
    sku_number = 0
    for p in range(1, products + 1):
        dept, cat, sub = (p % 3) + 1, (p % 4) + 1, (p % 5) + 1
        name = f"Produto {p}" + (" (novo nome)" if p in renamed else "")
        for s in range(skus_per_product):
            sku_number += 1
            sku_name = f"{name} {SIZES[s % 4]}" + (" v2" if sku_number in changed_skus else "")
            rows.append(
                [
                    f"P{p:04d}",
                    name,
                    f"Depto {dept} > Categoria {dept}.{cat} > Sub {dept}.{cat}.{sub}",
                    f"Marca {(p % brands) + 1}",
                    f"Descrição do produto {p}",
                    "Algodão" if p % 2 else "Poliéster",
                    f"S{sku_number:05d}",
                    sku_name,
                    f"789{sku_number:010d}",
                    "10",
                    "20",
                    "30",
                    "0.5",
                    f"{image_host}/s{sku_number}.jpg",
                    "true",
                    SIZES[s % 4],
                ]
            )
    return rows


def write_catalog_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Catálogo")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_catalog_csv(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path
