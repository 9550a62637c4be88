"""The rows' reasons in the reader's language (`[report] language`), end to end: a pt-BR
workdir's report says why each row did not land in Portuguese, in its workbook and its CSV;
a workdir that sets nothing stays English."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from importer.notify import run as notify_run
from importer.notify.notice import Notice
from importer.preview.run import preview_file
from importer.report import read_report_csv
from importer.sandbox import Faults, Sandbox
from tests.conftest import CHECK_UP, RuntimeFactory, drop, one_pass, seed_store

PRICES = "sku_ref,base_price\nSKU-00001,10.00\nSKU-00002,12.3.4x\nNOPE-1,20.00\n"


def _reasons(workdir: Path) -> tuple[dict[int, str], dict[int, str]]:
    """Row -> reason, from the workbook's rows sheet and from the CSV."""
    reports = workdir / "outbox" / "reports"
    (xlsx,) = reports.glob("precos.csv.*.report.xlsx")
    (csv_path,) = reports.glob("precos.csv.*.report.csv")
    sheet = openpyxl.load_workbook(xlsx).worksheets[1]
    header = [c.value for c in sheet[1]]
    row_at, reason_at = 0, header.index("motivo" if "motivo" in header else "reason")
    in_book = {
        int(r[row_at]): str(r[reason_at] or "")
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    in_csv = {int(r["row"]): r["reason"] for r in read_report_csv(csv_path)}
    return in_book, in_csv


@pytest.mark.slow  # 0.45 s: a pass with its report pair, read back
def test_a_pt_br_report_gives_its_reasons_in_portuguese(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    config = workdir / "importer.toml"
    config.write_text(config.read_text("utf-8") + '\n[report]\nlanguage = "pt-BR"\n', "utf-8")
    seed_store(sandbox, 2)
    drop(workdir, "prices", "precos.csv", PRICES)
    report = one_pass(make_runtime(sandbox)).reports[0]
    assert [(r.row, r.type) for r in report.rows if r.type] == [
        (3, "type-error"),
        (4, "unknown-sku"),
    ]
    in_book, in_csv = _reasons(workdir)
    assert in_book == in_csv
    assert in_csv[3] == (
        '"base_price" tem "12.3.4x", que não é um número. Corrija e envie o arquivo de novo.'
    )
    assert in_csv[4] == (
        'nenhum SKU na VTEX tem o RefId "NOPE-1". Cadastre-o primeiro no catálogo; a linha é '
        "enviada quando o arquivo for enviado de novo."
    )


@pytest.mark.slow  # 0.2-0.4 s: a pass with its report pair, read back
def test_a_report_that_sets_no_language_gives_its_reasons_in_english(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    drop(workdir, "prices", "precos.csv", PRICES)
    one_pass(make_runtime(sandbox))
    in_book, in_csv = _reasons(workdir)
    assert in_book == in_csv
    assert in_csv[3].startswith('"base_price" has "12.3.4x", which is not a number.')
    assert in_csv[4].startswith('no SKU in VTEX has the RefId "NOPE-1".')


def test_a_pt_br_preview_gives_its_reasons_in_portuguese(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    # A preview renders its reasons outside any file's processing (its own `speaking`).
    config = workdir / "importer.toml"
    config.write_text(config.read_text("utf-8") + '\n[report]\nlanguage = "pt-BR"\n', "utf-8")
    seed_store(sandbox, 2)
    path = drop(workdir, "prices", "precos.csv", PRICES)
    preview = preview_file(path, "prices", make_runtime(sandbox).deps.loaded)
    reasons = {line.row: line.reason for line in preview.plan.lines}
    assert reasons[3].startswith('"base_price" tem "12.3.4x", que não é um número.')


@pytest.mark.slow  # 0.7 s: two passes with VTEX down (virtual time)
def test_a_pt_br_pass_report_gives_its_reasons_in_portuguese(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    # The rows a pass retries on its own (no input file) are said in its own `speaking`.
    config = workdir / "importer.toml"
    config.write_text(config.read_text("utf-8") + '\n[report]\nlanguage = "pt-BR"\n', "utf-8")
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP)  # VTEX is down, and stays down
    drop(workdir, "prices", "p.csv", "sku_ref,base_price\nSKU-00001,1.00\n")
    assert one_pass(runtime).reports[0].rows[0].reason.startswith("A VTEX não confirmou")
    retry = one_pass(runtime).reports[0]
    assert retry.summary.file == "pending-prices"
    assert [(r.action.value, r.type) for r in retry.rows] == [("pending", "vtex-unavailable")]
    assert retry.rows[0].reason.startswith("A VTEX não confirmou a alteração")


@pytest.mark.slow  # 0.4 s: a pass with its report pair and its notice
def test_a_pt_br_notice_speaks_portuguese(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A notice is written after its file's processing (its own `speaking`); nothing is sent:
    # `deliver` is where it would leave, and the notice is caught there.
    config = workdir / "importer.toml"
    config.write_text(config.read_text("utf-8") + '\n[report]\nlanguage = "pt-BR"\n', "utf-8")
    told: list[Notice] = []
    monkeypatch.setattr(notify_run, "deliver", lambda notice, settings: told.append(notice))
    seed_store(sandbox, 2)
    drop(workdir, "prices", "precos.csv", PRICES)
    one_pass(make_runtime(sandbox, {"IMPORTER__NOTIFY__WEBHOOK_URL": "http://127.0.0.1:9/x"}))
    (notice,) = told
    assert notice.subject == "[importer teststore] precos.csv (prices) precisa de uma pessoa"
    assert "1 linha(s) estão inválidas, 1 falharam e 0 estão retidas" in notice.text
