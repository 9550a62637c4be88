"""A report a person corrected and dropped back (issue 13 item 5): its workbook carries each
reported row's own cells beside the result; dropped into the inbox it is recognised, and only
its invalid and failed rows, as corrected, are processed."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from importer.models import Action
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store


@pytest.mark.slow  # two passes (~0.5 s)
def test_a_corrected_report_dropped_back_sends_only_its_corrected_rows(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    # The ERP's own header (an alias: "Preço Venda"), a bad price, an unknown SKU, a good row.
    drop(
        workdir, "prices", "precos.csv",
        "Código;Preço Venda\nSKU-00001;10,00\nSKU-00002;abc\nSKU-09999;5,00\n",
    )  # fmt: skip
    report = one_pass(runtime).reports[0]
    assert {r.key: r.action for r in report.rows} == {
        "SKU-00001": Action.CREATED,
        "SKU-00002": Action.INVALID,
        "SKU-09999": Action.FAILED,
    }
    path = workdir / "outbox" / "reports" / f"{report.stem}.report.xlsx"
    book = openpyxl.load_workbook(path)
    assert "importer-report" in book.sheetnames
    assert book["importer-report"].sheet_state == "hidden"
    rows = book["Rows"]
    header = [c.value for c in rows[1]]
    assert header[-2:] == ["Código", "Preço Venda"]  # the file's own columns, beside the result
    by_key = {r[1].value: r for r in rows.iter_rows(min_row=2)}
    assert [c.value for c in by_key["SKU-00002"][-2:]] == ["SKU-00002", "abc"]
    # The person corrects the bad price and the unknown SKU's code in the workbook...
    by_key["SKU-00002"][-1].value = "20,00"
    by_key["SKU-09999"][-2].value = "SKU-00003"
    corrected = workdir / "inbox" / "prices" / "precos-corrigido.xlsx"
    book.save(corrected)
    sandbox.requests.clear()

    back = one_pass(runtime).reports[0]
    # ...and only those two rows go: the row that landed is not sent again.
    assert {r.key: r.action for r in back.rows} == {
        "SKU-00002": Action.CREATED,
        "SKU-00003": Action.CREATED,
    }
    assert back.summary.rows_read == 2
    assert sandbox.prices[2]["basePrice"] == 20 and sandbox.prices[3]["basePrice"] == 5
    puts = [r.path for r in sandbox.requests if r.method == "PUT"]
    assert sorted(puts) == ["/pricing/prices/2", "/pricing/prices/3"]


def test_an_ordinary_workbook_is_not_taken_for_a_report(tmp_path: Path) -> None:
    from importer.report_back import is_report_back

    book = openpyxl.Workbook()
    book.active.title = "importer"  # a name close to the marker is not the marker
    book.active.append(["sku_ref", "base_price"])
    book.save(tmp_path / "p.xlsx")
    assert not is_report_back(tmp_path / "p.xlsx")
    shutil.copy(tmp_path / "p.xlsx", tmp_path / "p.csv")
    assert not is_report_back(tmp_path / "p.csv")
