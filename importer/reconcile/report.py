"""The drift report: `outbox/reports/reconcile-<flow>.<UTC timestamp>.xlsx` and `.csv`.

One row per key and column that VTEX holds otherwise than the importer sent it: key, SKU id,
column, what was sent, what VTEX holds now, the kind (changed, kept, missing, unreadable) and what
happens next. Written as the file reports are: under a hidden temporary name, flushed, then
renamed into place (nobody sees half a report), every cell neutralised (no formulas).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from importer.cells import neutralise, xlsx_cell
from importer.files.durable import flush_to_disk, fsync_dir
from importer.files.modes import create_new
from importer.messages import render
from importer.state.reconcile import DriftRow

DRIFT_COLUMNS = ["key", "sku_id", "column", "sent", "vtex_now", "kind", "note"]


def drift_report_paths(reports_dir: Path, flow: str, started: str) -> list[Path]:
    stem = f"reconcile-{flow}.{started}"
    return [reports_dir / f"{stem}.xlsx", reports_dir / f"{stem}.csv"]


def write_drift_report(
    drift: Sequence[DriftRow], reports_dir: Path, flow: str, started: str, mode: int | None
) -> list[Path]:
    reports_dir.mkdir(parents=True, exist_ok=True)
    xlsx_path, csv_path = drift_report_paths(reports_dir, flow, started)
    rows = [[d.key, d.sku_id, d.column, d.sent, d.vtex_now, d.kind, drift_note(d)] for d in drift]
    temps: list[Path] = []
    try:
        xlsx_tmp = _temp_beside(xlsx_path, mode)
        temps.append(xlsx_tmp)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("drift")
        sheet.append(DRIFT_COLUMNS)
        for row in rows:
            sheet.append([xlsx_cell(sheet, value) for value in row])
        with xlsx_tmp.open("wb") as fh:
            book.save(fh)
            flush_to_disk(fh)
        csv_tmp = _temp_beside(csv_path, mode)
        temps.append(csv_tmp)
        with csv_tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(DRIFT_COLUMNS)
            writer.writerows([neutralise(v) for v in row] for row in rows)
            flush_to_disk(fh)
        os.replace(xlsx_tmp, xlsx_path)
        os.replace(csv_tmp, csv_path)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    fsync_dir(reports_dir)
    return [xlsx_path, csv_path]


def _temp_beside(final: Path, mode: int | None) -> Path:
    fd, path = create_new(final.parent, prefix=f".{final.name}.", suffix=".tmp", mode=mode)
    os.close(fd)
    return path


def drift_note(row: DriftRow) -> str:
    """What the report's `note` column says of a drift row (templates of `importer.messages`)."""
    if row.kind == "missing":
        return render("reconcile-missing", column=row.column, sent=row.sent)
    if row.kind == "unreadable":
        return render("reconcile-unreadable", status=row.vtex_now)
    if row.kind == "kept":
        return render("reconcile-kept", column=row.column, sent=row.sent, now=row.vtex_now)
    return render("reconcile-changed", column=row.column, sent=row.sent, now=row.vtex_now)
