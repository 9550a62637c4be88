"""VTEX order documents -> the rows of an outbox/orders file, one per item (FORMATS.md).

VTEX sends money as integers in the currency's minor units ("cents"); it is converted exactly
(Decimal, never float) with the order's CurrencyDecimalDigits (orders/money.py).
Files are written atomically: a temporary name in the same folder, fsync, then rename, so the
ERP never reads half a file and the importer never tells VTEX about an order whose file is not
safely on disk. They hold customers' names, documents and addresses: they get
`[output] orders_mode` (0640, the ERP's group) before they appear, and every cell goes through
`importer.cells`, because those values come from shoppers.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

from openpyxl import Workbook

from importer.cells import neutralise, unneutralise, xlsx_cell
from importer.files.durable import flush_to_disk, fsync_dir
from importer.files.modes import CUSTOMER_DATA_MODE, open_fd
from importer.orders.fields import (
    LINE_COLUMNS,
    SALE_COLUMNS,
    delivery_fields,
    item_seller,
    line_totals,
    price_tags,
    sale_fields,
    selling_prices,
)
from importer.orders.money import currency_code, currency_digits, units

ORDER_COLUMNS = [
    "order_id",
    "sequence",
    "creation_date",
    "status",
    "client_name",
    "client_email",
    "client_document",
    "client_phone",
    "ship_street",
    "ship_number",
    "ship_complement",
    "ship_neighborhood",
    "ship_city",
    "ship_state",
    "ship_postal_code",
    "ship_country",
    "sku_id",
    "sku_ref",
    "item_name",
    "quantity",
    "unit_price",
    "item_total",
    "shipping_total",
    "discounts_total",
    "order_total",
    "payment_method",
    "seller",
    # Issue 12 (README, "Orders out"): added after FORMATS.md's columns, never between them.
    "currency",
    "tax_total",
    *LINE_COLUMNS,
    *SALE_COLUMNS,
]


def money(cents: object, digits: int = 2) -> Decimal:
    """VTEX's integer minor units -> currency units, exactly ('12990' -> Decimal('129.90'))."""
    return units(cents, digits)


def order_rows(order: Mapping[str, Any], sku_refs: Mapping[str, str]) -> list[dict[str, object]]:
    """One row per item. `sku_refs` maps SKU id -> the ERP's RefId where the importer knows
    it; otherwise the item's own refId is used. Amounts have the currency's decimal digits
    (0 for CLP: 19990, not 19990.00); a line's total is its priceDefinition.total, so that
    the lines plus shipping and tax are the order's total (orders/fields.py)."""
    digits = currency_digits(order)  # a figure no currency has raises: never a guessed scale
    totals = {t.get("id"): t.get("value", 0) for t in order.get("totals") or []}
    client = order.get("clientProfileData") or {}
    address = (order.get("shippingData") or {}).get("address") or {}
    payments = [
        p.get("paymentSystemName", "")
        for t in (order.get("paymentData") or {}).get("transactions") or []
        for p in t.get("payments") or []
    ]
    sellers = [s.get("name") or s.get("id") or "" for s in order.get("sellers") or []]
    common: dict[str, object] = {
        "order_id": order.get("orderId", ""),
        "sequence": order.get("sequence", ""),
        "creation_date": order.get("creationDate", ""),
        "status": order.get("status", ""),
        "client_name": " ".join(p for p in (client.get("firstName"), client.get("lastName")) if p),
        "client_email": client.get("email", ""),
        "client_document": client.get("document", ""),
        "client_phone": client.get("phone", ""),
        "ship_street": address.get("street", ""),
        "ship_number": address.get("number", ""),
        "ship_complement": address.get("complement") or "",
        "ship_neighborhood": address.get("neighborhood", ""),
        "ship_city": address.get("city", ""),
        "ship_state": address.get("state", ""),
        "ship_postal_code": address.get("postalCode", ""),
        "ship_country": address.get("country", ""),
        "shipping_total": money(totals.get("Shipping"), digits),
        "discounts_total": money(totals.get("Discounts"), digits),
        "order_total": money(order.get("value"), digits),
        "payment_method": " + ".join(p for p in payments if p),
        "seller": ", ".join(str(s) for s in sellers if s),
        "currency": currency_code(order),
        "tax_total": money(totals.get("Tax"), digits),
        **sale_fields(order),
    }
    rows = []
    lines, adjustments = line_totals(order)
    for index, item in enumerate(order.get("items") or []):
        sku_id = str(item.get("id", ""))
        quantity = int(item.get("quantity") or 0)
        unit = item.get("sellingPrice", item.get("price", 0))
        rows.append(
            {
                **common,
                "sku_id": sku_id,
                "sku_ref": sku_refs.get(sku_id) or item.get("refId") or "",
                "item_name": item.get("name", ""),
                "quantity": quantity,
                "unit_price": money(unit, digits),
                "item_total": money(lines[index], digits),
                "item_seller": item_seller(order, item),
                "item_tax": money(item.get("tax"), digits),
                "price_tags": price_tags(item, digits),
                "selling_prices": selling_prices(item, digits),
                "rounding_adjustment": money(adjustments[index], digits),
                **delivery_fields(order, index),
            }
        )
    return rows


def next_orders_path(folder: Path, stamp: datetime, kind: Literal["csv", "xlsx"]) -> Path:
    """`orders-<UTC timestamp>.csv` (or .xlsx), never the name of a file already there. The
    name is chosen before writing, so that the ledger can record it first (pull.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = f"orders-{stamp.strftime('%Y%m%dT%H%M%S%fZ')}"
    path = folder / f"{base}.{kind}"
    n = 2
    while path.exists():
        path = folder / f"{base}-{n}.{kind}"
        n += 1
    return path


def temp_path(path: Path) -> Path:
    return path.parent / f".{path.name}.tmp"


def write_orders_temp(
    path: Path, rows: list[dict[str, object]], mode: int | None = CUSTOMER_DATA_MODE
) -> Path:
    """The whole file under a temporary name, fsynced: complete on disk, invisible to the ERP
    (names starting with '.' are hidden and ignored)."""
    temp = temp_path(path)
    if path.suffix == ".csv":
        with _open_text(temp, mode) as handle:
            writer = csv.DictWriter(handle, fieldnames=ORDER_COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: neutralise(v) for k, v in row.items()})
            flush_to_disk(handle)
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Pedidos")
        sheet.append(ORDER_COLUMNS)
        for row in rows:
            sheet.append([xlsx_cell(sheet, row.get(c, "")) for c in ORDER_COLUMNS])
        with os.fdopen(open_fd(temp, mode), "wb") as binary:
            book.save(binary)
            flush_to_disk(binary)
    return temp


def _open_text(path: Path, mode: int | None) -> IO[str]:
    """`path` emptied and opened for a UTF-8 CSV with a BOM (Excel's cue), with `mode`."""
    return os.fdopen(open_fd(path, mode), "w", encoding="utf-8-sig", newline="")


def publish(temp: Path, path: Path) -> None:
    """The rename that makes the file appear whole, and the folder fsync that makes it last."""
    os.replace(temp, path)
    fsync_dir(path.parent)


CANCELLATION_COLUMNS = ["order_id", "state", "last_change", "exported_in"]


def write_cancellations_temp(
    folder: Path,
    stamp: datetime,
    notices: list[dict[str, object]],
    mode: int | None = CUSTOMER_DATA_MODE,
) -> Path:
    """`cancellations-<UTC timestamp>.csv`: orders the ERP has that were canceled, or whose
    customer asked to cancel (the ERP decides). Written whole under its hidden name, like the
    orders files; returns the name it gets once the caller `publish`es it."""
    folder.mkdir(parents=True, exist_ok=True)
    base = f"cancellations-{stamp.strftime('%Y%m%dT%H%M%S%fZ')}"
    path = folder / f"{base}.csv"
    n = 2
    while path.exists():
        path = folder / f"{base}-{n}.csv"
        n += 1
    temp = temp_path(path)
    with _open_text(temp, mode) as handle:
        writer = csv.DictWriter(handle, fieldnames=CANCELLATION_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        # Order ids and states come from VTEX's feed: neutralised like every other cell.
        writer.writerows({k: neutralise(v) for k, v in notice.items()} for notice in notices)
        flush_to_disk(handle)
    return path


def read_cancellations(path: Path) -> list[dict[str, str]]:
    """The notices of a cancellations file (or of its hidden temporary), as they were before
    `write_cancellations_temp` neutralised them: recovery matches them with the ledger."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: unneutralise(v) for k, v in row.items()} for row in csv.DictReader(handle)]
