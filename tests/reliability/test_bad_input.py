"""Bad input: every file of the corpus (tests/reliability/bad_inputs.py) ends with a report a
person can act on, in the archive folder its problem calls for, and the importer goes on.

The outcome of each input is decided by what the person who dropped it needs:

- a problem with the whole file (it cannot be read, or reading it would be unsafe or
  wrong) -> `archive/failed`, and a report whose message names the problem and the fix;
- a problem confined to some rows (a stray NUL, a row in another encoding, a formula where a
  code or price should be) -> `archive/done`, those rows in the report as invalid or failed,
  and the good rows landed in VTEX;
- a header with no rows -> `archive/done`, nothing sent, and a report that says so (a delta
  export with nothing new is not an error, an export that lost its rows should be noticed);
- names with spaces, accents and `..` -> handled like any other name, never outside their
  folders; names starting with `.` are hidden files and never taken (FORMATS.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine

from importer.errors import UnreadableFile
from importer.files.archive import archive_file
from importer.files.watch import CompletenessGate
from importer.models import FileReport, FileSummary
from importer.read import read_table
from importer.report import read_report_csv, report_stem, write_report
from importer.run.runner import run_pass
from importer.run.runtime import Runtime
from importer.sandbox import Sandbox
from tests.conftest import TEST_CONFIG, RuntimeFactory, drop, seed_store
from tests.reliability import bad_inputs as corpus
from tests.reliability.bad_inputs import BadInput
from tests.reliability.live import ROOT, LiveSandbox, start_importer

SAVE_AS_UTF8 = "Export it again as CSV UTF-8, or save it from Excel as .xlsx."
DTD_REFUSED = (
    "the workbook contains an XML DTD/ENTITY declaration in xl/worksheets/sheet1.xml, which "
    "real spreadsheets never have; it is refused for safety. Save it again from Excel or "
    "LibreOffice."
)

# input -> the exact message of its report (the file name leads every message).
WHOLE_FILE_PROBLEMS: list[tuple[Callable[[], BadInput], str]] = [
    (corpus.empty_file, "vazio.csv: the file is empty. Export it again from the ERP."),
    (
        corpus.binary_garbage,
        "lixo.csv: the file contains binary data, not text: it is neither a CSV/text file nor "
        f"a workbook this importer can read. {SAVE_AS_UTF8}",
    ),
    (
        corpus.truncated_xlsx,
        "cortado.xlsx: the file looks like a workbook (zip) but is damaged or incomplete (File "
        "is not a zip file). Export it again from the ERP.",
    ),
    (
        corpus.corrupt_xlsx,
        "corrompido.xlsx: the Excel workbook is damaged or incomplete and cannot be read "
        "(XmlError). Open it in Excel or LibreOffice, save it again, and drop the new file.",
    ),
    (
        corpus.zip_bomb_xlsx,
        "bomba.xlsx: the workbook would unpack to 2,048 MiB, more than the 1,024 MiB limit. "
        "Split it into smaller files.",
    ),
    (
        corpus.lying_zip_bomb_xlsx,
        "bomba-mentirosa.xlsx: the Excel workbook is damaged or incomplete and cannot be read "
        "(XmlError: I/O error: File is larger than its declared uncompressed size). Open it in "
        "Excel or LibreOffice, save it again, and drop the new file.",
    ),
    (corpus.entity_expansion_xlsx, f"risadas.xlsx: {DTD_REFUSED}"),
    (corpus.external_entity_xlsx, f"entidade.xlsx: {DTD_REFUSED}"),
    (corpus.hidden_dtd_xlsx, f"risadas-escondidas.xlsx: {DTD_REFUSED}"),
    (
        corpus.huge_cell,
        "celula-gigante.csv: a value on row 3 is 52,428,800 characters long, more than the "
        "1,000,000 allowed. Check the quotes in the file: an unclosed quote makes many rows "
        "one value.",
    ),
    (
        corpus.ten_thousand_columns,
        "largo.csv: the header has 10,000 columns, more than the 2,000 allowed. Check the "
        "delimiter, or remove the unused columns.",
    ),
    (
        corpus.unbalanced_quotes,
        'aspas.csv: a value that starts with a quote (") on row 3 is never closed, so the rest '
        'of the file would be read as one cell. Write a quote inside a value as two quotes (""), '
        "or export the file again.",
    ),
    (
        corpus.duplicate_headers,
        "cabecalho-duplo.csv: the headers 'base_price' and 'Base Price' both match column "
        '"base_price". Rename or remove one of them, or map one explicitly in importer.toml '
        "[flows.prices.columns].",
    ),
]


def pass_now(runtime: Runtime) -> list[FileReport]:
    """One pass that takes every file at once, a cut-short workbook included (the watch loop
    gives such a file `broken_after_seconds` to finish copying before reporting it)."""
    gate = CompletenessGate(settle_seconds=0, broken_after_seconds=0)
    return run_pass(runtime, gate, settle=lambda: None).reports


def report_files(workdir: Path, name: str) -> tuple[Path, Path]:
    folder = workdir / "outbox" / "reports"
    # The report is named after the input (a long name shortened): its stem before the time.
    start = report_stem(name, datetime.now(UTC)).rsplit(".", 1)[0] + "."
    xlsx = [p for p in folder.iterdir() if p.name.startswith(start) and p.suffix == ".xlsx"]
    assert len(xlsx) == 1, f"one report for {name}: {sorted(p.name for p in folder.iterdir())}"
    return xlsx[0], xlsx[0].with_name(xlsx[0].name.removesuffix(".xlsx") + ".csv")


def summary_sheet(xlsx: Path) -> dict[str, Any]:
    workbook = openpyxl.load_workbook(xlsx)
    return {str(field): value for field, value in workbook["Summary"].iter_rows(values_only=True)}


def rows_sheet(xlsx: Path) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(xlsx)["Rows"]
    header, *body = [[cell for cell in row] for row in sheet.iter_rows()]
    names = [str(cell.value) for cell in header]
    return [dict(zip(names, row, strict=True)) for row in body]


def prices_of(sandbox: Sandbox) -> dict[int, Decimal]:
    return {sku: Decimal(str(price["basePrice"])) for sku, price in sandbox.prices.items()}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("make", "message"),
    WHOLE_FILE_PROBLEMS,
    ids=[make.__name__ for make, _ in WHOLE_FILE_PROBLEMS],
)
def test_a_whole_file_problem_fails_the_file_with_a_message_that_says_what_to_do(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    make: Callable[[], BadInput],
    message: str,
) -> None:
    seed_store(sandbox, 3)
    bad = make()
    bad.write(workdir / "inbox" / bad.flow)

    (report,) = pass_now(make_runtime(sandbox))

    assert report.summary.status == "failed"
    assert report.summary.error == message
    archived = workdir / "archive" / "failed" / bad.name
    assert archived.read_bytes() == bad.data  # kept as evidence, byte for byte
    assert not (workdir / "inbox" / bad.flow / bad.name).exists()
    summary = summary_sheet(report_files(workdir, bad.name)[0])
    assert summary["error"] == message
    assert summary["what to do"] == (
        f"The file was not processed: {message.rstrip('. ')}. Fix the file and drop it again."
    )
    assert sandbox.prices == {}  # nothing of a refused file reaches VTEX


def test_utf16_without_a_byte_order_mark_is_refused_however_short(tmp_path: Path) -> None:
    """A stray NUL is a damaged cell; every other byte NUL is UTF-16, which needs its BOM."""
    path = tmp_path / "utf16.csv"
    path.write_bytes("sku\tqty\r\nA\t1\r\n".encode("utf-16-le"))
    with pytest.raises(UnreadableFile, match="UTF-16 text without a byte-order mark"):
        read_table(path)


HEADERS = {
    "prices": "sku_ref,base_price",
    "inventory": "sku_ref,warehouse_id,quantity",
    "catalog": "product_ref,product_name,category,brand,sku_ref",
    "invoices": "order_id,invoice_number,invoice_value",
    "tracking": "order_id,invoice_number,event_date,description",
}


@pytest.mark.parametrize("flow", HEADERS)
def test_a_header_alone_is_done_with_nothing_sent_and_says_so(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, flow: str
) -> None:
    seed_store(sandbox, 3)
    bad = corpus.header_only()
    drop(workdir, flow, bad.name, HEADERS[flow] + "\r\n\r\n")  # blank lines: still no rows

    (report,) = pass_now(make_runtime(sandbox))

    assert (report.summary.status, report.summary.rows_read) == ("done", 0)
    assert (workdir / "archive" / "done" / bad.name).exists()
    summary = summary_sheet(report_files(workdir, bad.name)[0])
    assert summary["what to do"] == (
        "The file has a header but no rows: nothing was sent. If the ERP should have exported "
        "rows, check its export."
    )
    assert [r.method for r in sandbox.requests if r.method != "GET"] == []


@pytest.mark.slow
def test_a_nul_byte_in_one_row_is_that_rows_error_and_the_others_land(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    bad = corpus.nul_byte_row()
    bad.write(workdir / "inbox" / "prices")

    (report,) = pass_now(make_runtime(sandbox))

    assert (report.summary.status, report.summary.created, report.summary.invalid) == (
        "done",
        2,
        1,
    )
    assert (workdir / "archive" / "done" / bad.name).exists()
    assert prices_of(sandbox) == {1: Decimal("10.50"), 3: Decimal("12.50")}
    (row,) = [r for r in read_report_csv(report_files(workdir, bad.name)[1]) if r["row"] == "3"]
    assert (row["action"], row["column"], row["value"], row["type"]) == (
        "invalid",
        "sku_ref",
        "SKU-00\\x0002",
        "control-character",
    )
    assert row["reason"].startswith(
        '"sku_ref" has "SKU-00\\x0002": it holds an invisible control character'
    )


def test_a_row_in_another_encoding_is_reported_and_never_sent_as_mojibake(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    bad = corpus.mixed_encodings()
    bad.write(workdir / "inbox" / "catalog")

    (report,) = pass_now(make_runtime(sandbox))

    assert (workdir / "archive" / "done" / bad.name).exists()
    assert report.summary.encoding == "utf-8 + cp1252 (mixed)"
    names = sorted(str(p["Name"]) for p in sandbox.products.values())
    assert names == ["Calção Ação 1", "Calção Ação 2", "Calção Ação 3"]  # not "CalÃ§Ã£o"
    rows = read_report_csv(report_files(workdir, bad.name)[1])
    (invalid,) = [r for r in rows if r["action"] == "invalid"]
    assert (invalid["row"], invalid["column"], invalid["type"]) == (
        "5",
        "product_name",
        "undecodable-text",
    )
    assert invalid["value"] == "Cal\ufffd\ufffdo A\ufffd\ufffdo 4"
    assert "not in the same text encoding as the rest of the file" in invalid["reason"]


def test_formula_cells_are_row_errors_and_text_in_both_reports(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    bad = corpus.formula_cells_csv()
    bad.write(workdir / "inbox" / "prices")

    (report,) = pass_now(make_runtime(sandbox))

    assert (workdir / "archive" / "done" / bad.name).exists()
    assert prices_of(sandbox) == {1: Decimal("10.50")}
    assert report.summary.invalid == 1  # "=1+1" is not a price
    xlsx, csv_path = report_files(workdir, bad.name)
    _assert_neutralised(read_report_csv(csv_path), rows_sheet(xlsx), corpus.FORMULA_REFS)
    by_row = {r["row"]: r for r in read_report_csv(csv_path)}
    assert (by_row["7"]["type"], by_row["7"]["value"]) == ("type-error", "'=1+1")


def test_a_workbook_with_formulas_sends_their_cached_values_and_reports_them_as_text(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    bad = corpus.formula_cells_xlsx()
    bad.write(workdir / "inbox" / "prices")

    pass_now(make_runtime(sandbox))

    assert (workdir / "archive" / "done" / bad.name).exists()
    # B2 is `=B3*2` with the 25 Excel cached: VTEX gets 25, never the formula.
    assert prices_of(sandbox) == {1: Decimal("25"), 2: Decimal("12.50")}
    xlsx, csv_path = report_files(workdir, bad.name)
    _assert_neutralised(read_report_csv(csv_path), rows_sheet(xlsx), corpus.FORMULA_REFS[:2])


def _assert_neutralised(
    csv_rows: list[dict[str, str]], xlsx_rows: list[dict[str, Any]], refs: tuple[str, ...]
) -> None:
    """Every formula-looking key is in both reports as text a spreadsheet never evaluates: in
    the CSV with a leading quote, in the workbook as a string cell holding exactly the key."""
    for ref in refs:
        assert any(r["key"] == "'" + ref for r in csv_rows), ref
        (cell,) = [r["key"] for r in xlsx_rows if r["key"].value == ref]
        assert cell.data_type == "s"  # a string cell: no formula, whatever the text
        assert cell.quotePrefix  # and still text when a person edits it
    formulas = [c for r in xlsx_rows for c in r.values() if c.data_type == "f"]
    assert formulas == []


def test_names_with_spaces_accents_and_dots_stay_in_their_folders(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 7)
    names = corpus.sneaky_names()
    for bad in names:
        bad.write(workdir / "inbox" / "prices")

    reports = pass_now(make_runtime(sandbox))

    taken = {r.summary.file for r in reports}
    assert taken == {"preços maio..csv", "a b.csv"}
    assert all(r.summary.status == "done" for r in reports)
    for name in taken:
        assert (workdir / "archive" / "done" / name).exists()
        report_files(workdir, name)
    # Names starting with '.' are hidden files (FORMATS.md): left alone, never lost.
    for name in ("..csv", "...csv"):
        assert (workdir / "inbox" / "prices" / name).exists()
    outside = {p.name for p in workdir.iterdir()}
    assert outside == {"importer.toml", "inbox", "outbox", "archive", "state"}


def test_a_file_with_the_longest_name_is_archived_again_and_the_importer_goes_on(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    for sku in (1, 2, 3):  # the same name three times: the archive must make room for it
        bad = corpus.long_name(sku)
        assert len(bad.name.encode()) == 254
        bad.write(workdir / "inbox" / "prices")
        (report,) = pass_now(runtime)
        assert report.summary.status == "done"

    archived = sorted((workdir / "archive" / "done").iterdir())
    assert len(archived) == 3
    assert all(len(p.name.encode()) <= 255 and p.name.startswith("preços-ççç") for p in archived)
    assert {p.read_bytes() for p in archived} == {corpus.long_name(s).data for s in (1, 2, 3)}
    assert len(list((workdir / "outbox" / "reports").glob("*.report.xlsx"))) == 3
    assert prices_of(sandbox) == {1: Decimal("10.50"), 2: Decimal("10.50"), 3: Decimal("10.50")}


def test_archive_and_report_never_leave_their_folder_whatever_the_name(tmp_path: Path) -> None:
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    archive = tmp_path / "archive" / "done"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    landed = []
    for name in ("..csv", "..csv", "preços maio..csv", "...", ".."):
        source = inbox / ("dotdot" if name == ".." else name)
        source.write_text("x")
        # ".." cannot be a file name; as a display name it must not climb out either.
        landed.append(archive_file(source, archive, now))
    assert [p.parent for p in landed] == [archive] * len(landed)
    assert [p.name for p in landed[:3]] == ["..csv", "..20261127T080000Z.csv", "preços maio..csv"]

    reports = tmp_path / "outbox" / "reports"
    for name in ("../../escape.csv", "..\\..\\escape.csv", "..", "..csv"):
        summary = FileSummary(file=name, flow="prices", sha256="", received_at=now)
        summary.finished_at = now
        for path in write_report(FileReport(summary), reports):
            assert path.parent == reports
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "inbox", "outbox"]


@pytest.mark.parametrize(
    "make",
    [
        corpus.zip_bomb_xlsx,
        corpus.entity_expansion_xlsx,
        corpus.external_entity_xlsx,
        corpus.hidden_dtd_xlsx,
    ],
)
def test_hostile_workbooks_never_reach_the_workbook_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[], BadInput]
) -> None:
    """Refused on the zip's directory and the parts' prologs, whatever the parser would do.
    (The lying bomb does reach it: calamine stops at the size the directory declares.)"""

    parsed: list[object] = []
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", parsed.append)
    with pytest.raises(UnreadableFile):
        read_table(make().write(tmp_path))
    assert parsed == []


@pytest.mark.slow
def test_the_reader_refuses_bombs_before_inflating_and_a_50_mib_cell_in_seconds(
    tmp_path: Path,
) -> None:
    """Memory and time stay bounded: measured in a child process of its own, whose peak
    resident memory the kernel reports when it exits."""
    names = []
    for bad in (corpus.zip_bomb_xlsx(), corpus.lying_zip_bomb_xlsx(), corpus.huge_cell()):
        names.append(bad.write(tmp_path).name)
    script = (
        "import resource, sys, time\n"
        "from pathlib import Path\n"
        "from importer.errors import UnreadableFile\n"
        "from importer.read import read_table\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for name in sys.argv[2:]:\n"
        "    start = time.perf_counter()\n"
        "    try:\n"
        "        read_table(Path(sys.argv[1]) / name)\n"
        "    except UnreadableFile:\n"
        "        print(name, time.perf_counter() - start)\n"
        "print('baseline', before)\n"
    )
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path), *names],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(child.pid, 0)  # the child's own peak, not all children's
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    assert child.stdout is not None
    output = dict(line.split() for line in child.stdout.read().splitlines())
    child.stdout.close()
    assert child.returncode == 0
    assert set(output) == {"bomba.xlsx", "bomba-mentirosa.xlsx", "celula-gigante.csv", "baseline"}
    assert float(output["bomba.xlsx"]) < 0.5  # refused on its zip directory: nothing inflated
    assert float(output["bomba-mentirosa.xlsx"]) < 0.5
    assert float(output["celula-gigante.csv"]) < 5
    growth_mib = (usage.ru_maxrss - int(output["baseline"])) / 1024  # ru_maxrss is in KiB
    # 2 GiB inflated would show; the 50 MiB cell costs a few copies of itself, no more.
    assert growth_mib < 400, f"peak memory grew by {growth_mib:.0f} MiB"
    assert time.monotonic() - started < 20


@pytest.mark.slow
def test_importer_watch_survives_the_whole_corpus_and_then_takes_a_good_file(
    tmp_path: Path,
) -> None:
    workdir = tmp_path
    (workdir / "importer.toml").write_text(TEST_CONFIG, encoding="utf-8")
    for flow in ("catalog", "prices", "inventory", "invoices"):
        (workdir / "inbox" / flow).mkdir(parents=True)
    bad_inputs = corpus.corpus()
    live = LiveSandbox()
    seed_store(live.sandbox, 7)
    with live:
        env = {"IMPORTER__WATCH__SCAN_INTERVAL_S": "0.2", "IMPORTER__ORDERS__ENABLED": "false"}
        proc = start_importer(["watch", "--polling"], workdir, live.url, env)
        try:
            for bad in bad_inputs:
                bad.write(workdir / "inbox" / bad.flow)
            expected = {bad.name: _where_it_ends(bad) for bad in bad_inputs}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and _unsettled(workdir, expected):
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.1)
            assert _unsettled(workdir, expected) == {}
            for name, where in expected.items():
                if where != "inbox":
                    report_files(workdir, name)  # every file taken has its report

            drop(workdir, "prices", "depois.csv", "sku_ref,base_price\nSKU-00005,99.90\n")
            while (
                time.monotonic() < deadline and not (workdir / "archive/done/depois.csv").exists()
            ):
                time.sleep(0.1)
            assert (workdir / "archive" / "done" / "depois.csv").exists()
            assert proc.poll() is None  # still running, after all of it
            assert live.sandbox.prices[5]["basePrice"] == Decimal("99.90")
            # A workbook cut short may still be copying: it waits, untouched, rather than
            # being reported while its last bytes are on their way.
            (truncated,) = [bad for bad in bad_inputs if bad.name == "cortado.xlsx"]
            assert (workdir / "inbox" / "prices" / truncated.name).read_bytes() == truncated.data
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0


def _where_it_ends(bad: BadInput) -> str:
    if bad.name.startswith("."):
        return "inbox"  # hidden: never taken
    if bad.name == "cortado.xlsx":
        return "inbox"  # waits broken_after_seconds (300 s) in case it is still copying
    failed = {make().name for make, _ in WHOLE_FILE_PROBLEMS}
    return "archive/failed" if bad.name in failed else "archive/done"


def _unsettled(workdir: Path, expected: dict[str, str]) -> dict[str, str]:
    """The inputs not (yet) where they should be, with where they should be."""
    missing = {}
    for name, where in expected.items():
        flow = "catalog" if name == "misto.csv" else "prices"
        folder = workdir / "inbox" / flow if where == "inbox" else workdir / where
        if not (folder / name).exists():
            missing[name] = where
    return missing
