"""`importer preview FILE`: what a run would do, worked out as a run does it, with nothing sent,
nothing written to the store, and the file left where it is."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from importer.cli import app
from importer.preview.run import flow_of, preview_file
from importer.run.runtime import Runtime
from importer.sandbox import Sandbox
from tests.catalog_data import catalog_rows, write_catalog_csv
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

LANDED = "sku_ref,base_price,list_price\nSKU-00001,10.00,12.00\nSKU-00002,20.00,25.00\n"
LANDED += "SKU-00003,30.00,35.00\n"


def preview_rows(paths: list[Path]) -> list[dict[str, str]]:
    csv_path = next(p for p in paths if p.suffix == ".csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def store_state(runtime: Runtime) -> str:
    """Every table of the store, as SQL: equal before and after means nothing was written."""
    return "\n".join(runtime.deps.store.database.connection.iterdump())


def landed_prices(workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory) -> Runtime:
    seed_store(sandbox, 4)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "precos-1.csv", LANDED)
    assert one_pass(runtime).reports[0].summary.created == 3
    sandbox.requests.clear()
    return runtime


@pytest.mark.slow  # a landed file first, then a run after the preview (~0.4 s)
def test_a_preview_says_what_the_run_then_does_and_sends_nothing(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed_prices(workdir, sandbox, make_runtime)
    before = store_state(runtime)
    # A decimal-comma slip (10 -> 17 is +70%), a fall of 30%, one unchanged, one new, one bad.
    path = drop(
        workdir,
        "prices",
        "precos-2.csv",
        "sku_ref,base_price,list_price\nSKU-00002,14.00,25.00\nSKU-00001,17.00,12.00\n"
        "SKU-00003,30.00,35.00\nSKU-00004,40.00,\nSKU-00005,abc,\n",
    )
    written = path.read_bytes()

    preview = preview_file(path, "prices", runtime.deps.loaded)

    assert sandbox.requests == []  # nothing sent, not even a read
    assert store_state(runtime) == before  # the store only read
    assert path.read_bytes() == written  # the file left where it is, as it was
    assert not (workdir / "archive" / "done" / "precos-2.csv").exists()
    assert [p.name.endswith((".preview.xlsx", ".preview.csv")) for p in preview.paths] == [
        True,
        True,
    ]
    rows = preview_rows(preview.paths)
    seen = [(r["key"], r["action"], r["column"], r["old"], r["new"], r["change %"]) for r in rows]
    # The largest move first (up or down), then what would be created, then what is invalid.
    assert seen == [
        ("SKU-00001", "updated", "base_price", "10", "17", "70.0"),
        ("SKU-00002", "updated", "base_price", "20", "14", "-30.0"),
        ("SKU-00004", "created", "", "", "base_price=40", ""),
        ("SKU-00005", "invalid", "base_price", "", "abc", ""),
    ]
    assert rows[3]["row"] == "6" and "not a number" in rows[3]["reason"]
    book = openpyxl.load_workbook(preview.paths[0], read_only=True)
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert (summary["would update"], summary["would create"], summary["invalid"]) == (2, 1, 1)
    assert summary["unchanged"] == 1 and "nothing was sent" in str(summary["sent"])
    changes = list(book["Changes"].iter_rows(min_row=2, values_only=True))
    assert [c[1] for c in changes] == [r["key"] for r in rows]
    book.close()

    # The run does what the preview said: the same keys updated and created.
    report = one_pass(runtime).reports[0]
    done = {(r.key, str(r.action)) for r in report.rows if str(r.action) != "invalid"}
    assert done == {
        ("SKU-00001", "updated"),
        ("SKU-00002", "updated"),
        ("SKU-00004", "created"),
    }


@pytest.mark.slow  # a landed stock file first (~0.3 s)
def test_a_preview_of_a_full_file_lists_what_it_would_zero_or_says_it_would_be_refused(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    with (workdir / "importer.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[flows.inventory]\nmode = "full"\nmax_removals = 0.5\n')
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    stock = "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,1\nSKU-00002,1_1,2\nSKU-00003,1_1,3\n"
    drop(workdir, "inventory", "estoque-1.csv", stock)
    assert one_pass(runtime).reports[0].summary.created == 3
    sandbox.requests.clear()
    loaded = runtime.deps.loaded
    # Two of the three keys listed: the third would be set to 0.
    path = drop(
        workdir, "inventory", "estoque-2.csv",
        "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,1\nSKU-00002,1_1,5\n",
    )  # fmt: skip
    rows = preview_rows(preview_file(path, "inventory", loaded).paths)
    assert [(r["key"], r["action"], r["column"], r["old"], r["new"]) for r in rows] == [
        ("SKU-00002|1_1", "updated", "quantity", "2", "5"),
        ("SKU-00003|1_1", "deactivated", "quantity", "3", "0"),
    ]
    # One key listed: two of three would go, beyond max_removals: the run would refuse it.
    path.write_text("sku_ref,warehouse_id,quantity\nSKU-00001,1_1,1\n", encoding="utf-8")
    preview = preview_file(path, "inventory", loaded)
    assert "max_removals" in preview.plan.refused
    assert preview_rows(preview.paths) == []
    assert sandbox.requests == []


@pytest.mark.slow  # a 12-SKU catalog lands first (~0.5 s)
def test_a_catalog_preview_names_products_and_skus_apart(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(sandbox)
    inbox = workdir / "inbox" / "catalog"
    first = catalog_rows(products=3, skus_per_product=2)
    write_catalog_csv(inbox / "c1.csv", first)
    path = inbox / "c1.csv"
    rows = preview_rows(preview_file(path, "catalog", runtime.deps.loaded).paths)
    assert sorted(r["key"] for r in rows if r["action"] == "created") == sorted(
        [f"product P000{p}" for p in (1, 2, 3)] + [f"S0000{s}" for s in range(1, 7)]
    )
    assert sandbox.requests == []
    one_pass(runtime)
    sandbox.requests.clear()

    write_catalog_csv(inbox / "c2.csv", catalog_rows(products=3, skus_per_product=2, renamed={2}))
    rows = preview_rows(preview_file(inbox / "c2.csv", "catalog", runtime.deps.loaded).paths)
    renamed = [(r["key"], r["action"], r["column"], r["old"], r["new"]) for r in rows]
    assert ("product P0002", "updated", "product_name", "Produto 2", "Produto 2 (novo nome)") in (
        renamed
    )
    # The SKU names carry the product's name: those SKUs are updated too, and nothing else.
    assert {r["key"] for r in rows} == {"product P0002", "S00003", "S00004"}
    assert sandbox.requests == []


def test_the_flow_comes_from_the_folder_and_a_file_elsewhere_must_name_it(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    loaded = make_runtime(sandbox).deps.loaded
    assert flow_of(workdir / "inbox" / "prices" / "p.csv", loaded, None) == "prices"
    elsewhere = tmp_path_factory.mktemp("desktop") / "p.csv"
    elsewhere.write_text("sku_ref,base_price\nSKU-00001,10\n", encoding="utf-8")
    cli = CliRunner()
    config = ["--config", str(workdir / "importer.toml")]
    unnamed = cli.invoke(app, ["preview", str(elsewhere), *config])
    assert unnamed.exit_code == 64 and "--flow" in unnamed.output
    wrong = cli.invoke(app, ["preview", str(elsewhere), "--flow", "precos", *config])
    assert wrong.exit_code == 64 and "not a flow" in wrong.output
    named = cli.invoke(app, ["preview", str(elsewhere), "--flow", "prices", *config])
    assert named.exit_code == 0, named.output
    assert "1 to create" in named.output and "nothing sent" in named.output
    assert elsewhere.exists()


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need POSIX here")
def test_a_link_is_refused_unread_as_a_run_refuses_it(
    workdir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    secret = tmp_path_factory.mktemp("outside") / "secret.csv"
    secret.write_text("sku_ref,base_price\nSKU-00001,10\n", encoding="utf-8")
    link = workdir / "inbox" / "prices" / "link.csv"
    link.symlink_to(secret)
    result = CliRunner().invoke(
        app, ["preview", str(link), "--config", str(workdir / "importer.toml")]
    )
    assert result.exit_code == 1
    assert "would refuse" in result.output and "link" in result.output
    rows = preview_rows(sorted((workdir / "outbox" / "reports").glob("*.preview.csv")))
    assert rows == []  # nothing of the target read into the preview
