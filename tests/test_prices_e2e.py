"""Prices end to end: file in, only what changed reaches the sandbox, a report comes back."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from importer.report import read_report_csv
from importer.sandbox import Faults, Sandbox
from tests.conftest import CHECK_PATH, RuntimeFactory, drop, one_pass, seed_store


def price_file(n: int, changed: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    lines = ["sku_ref,base_price,list_price"]
    for i in range(1, n + 1):
        base = Decimal(10) + Decimal(i) / 100 + (Decimal(5) if i in changed else 0)
        lines.append(f"SKU-{i:05d},{base},{base + 10}")
    return "\n".join(lines) + "\n"


def price_writes(sandbox: Sandbox) -> list[str]:
    return [
        r.path
        for r in sandbox.requests
        if r.method in ("PUT", "PATCH") and r.path.startswith("/pricing/")
    ]


def reports(workdir: Path, name: str) -> list[Path]:
    return sorted((workdir / "outbox" / "reports").glob(f"{name}.*.report.csv"))


@pytest.mark.slow
def test_only_changed_prices_are_sent_and_reported(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 10_000)
    runtime = make_runtime(sandbox)

    drop(workdir, "prices", "prices-1.csv", price_file(10_000))
    first = one_pass(runtime).reports[0].summary
    assert (first.created, first.failed, first.invalid, first.pending) == (10_000, 0, 0, 0)
    assert len(price_writes(sandbox)) == 10_000
    assert sandbox.prices[1]["basePrice"] == Decimal("10.01")
    assert sandbox.prices[10_000]["listPrice"] == Decimal("120.00")

    sandbox.requests.clear()
    changed = set(range(1, 10_001, 100))
    second_file = price_file(10_000, changed)
    drop(workdir, "prices", "prices-2.csv", second_file)
    second = one_pass(runtime).reports[0].summary
    assert (second.updated, second.unchanged, second.created) == (100, 9_900, 0)
    writes = price_writes(sandbox)
    assert len(writes) == 100
    assert {int(p.rsplit("/", 1)[1]) for p in writes} == changed
    assert sandbox.prices[101]["basePrice"] == Decimal("16.01")
    rows = read_report_csv(reports(workdir, "prices-2.csv")[0])
    assert Counter(r["action"] for r in rows) == {"updated": 100}
    first_change = next(r for r in rows if r["key"] == "SKU-00001")
    assert first_change["column"] == "base_price"
    assert first_change["reason"] == "base_price: 10.01 -> 15.01; list_price: 20.01 -> 25.01"
    # Each changed SKU costs one PUT, after one GET that reads the fixed prices to keep.
    reads = [r for r in sandbox.requests if r.method == "GET" and r.path.startswith("/pricing/")]
    assert len(reads) == 100

    sandbox.requests.clear()
    drop(workdir, "prices", "prices-3.csv", second_file)
    third = one_pass(runtime).reports[0].summary
    assert third.status == "duplicate"
    assert third.duplicate_of == "prices-2.csv"
    assert [r.path for r in sandbox.requests] == [CHECK_PATH]  # the check before taking files
    assert sorted(p.name for p in (workdir / "archive" / "done").iterdir()) == [
        "prices-1.csv",
        "prices-2.csv",
        "prices-3.csv",
    ]


def test_erp_export_in_windows_1252_with_decimal_commas(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    content = (
        "Código;Descrição;Preço Venda;Preço De\r\n"
        "SKU-00001;Camiseta Básica;1.234,56;1.499,90\r\n"
        "SKU-00002;Calça Jeans;89,9;99,00\r\n"
        "SKU-00003;Meia Térmica;0,35;\r\n"
    ).encode("cp1252")
    drop(workdir, "prices", "precos.csv", content)
    summary = one_pass(runtime).reports[0].summary
    assert (summary.created, summary.invalid) == (3, 0)
    assert summary.unknown_columns == ["Descrição"]
    assert sandbox.prices[1]["basePrice"] == Decimal("1234.56")
    assert sandbox.prices[1]["listPrice"] == Decimal("1499.90")
    assert sandbox.prices[2]["basePrice"] == Decimal("89.9")
    assert sandbox.prices[3]["basePrice"] == Decimal("0.35")
    assert "listPrice" not in sandbox.prices[3] or sandbox.prices[3]["listPrice"] in (None, 0)


def test_bad_rows_are_reported_with_excel_row_numbers_and_the_rest_lands(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 5)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "prices",
        "precos.csv",
        (
            "sku_ref,base_price\n"
            "SKU-00001,10.00\n"
            "SKU-00002,12.3.4x\n"  # row 3: not a number
            ",15.00\n"  # row 4: no SKU
            "\n"  # row 5: blank, skipped but counted by Excel
            "NOPE-1,20.00\n"  # row 6: no such SKU in VTEX
            "SKU-00003,-5.00\n"  # row 7: negative
            "SKU-00004,30.00\n"
        ),
    )
    report = one_pass(runtime).reports[0]
    assert report.flatten(["row", "action", "type", "column"]) == [
        [2, "created", "", ""],
        [3, "invalid", "type-error", "base_price"],
        [4, "invalid", "missing-cell", "sku_ref"],
        [6, "failed", "unknown-sku", "sku_ref"],
        [7, "invalid", "out-of-range", "base_price"],
        [8, "created", "", ""],
    ]
    reasons = {r.row: r.reason for r in report.rows}
    assert '"base_price" has "12.3.4x", which is not a number' in reasons[3]
    assert 'no SKU in VTEX has the RefId "NOPE-1"' in reasons[6]
    assert set(sandbox.prices) == {1, 4}


@pytest.mark.slow
def test_every_row_lands_through_429_and_503_and_none_is_accepted_twice(
    workdir: Path, make_runtime: RuntimeFactory
) -> None:
    sandbox = Sandbox(account="teststore", app_key="sandbox-key", app_token="sandbox-token")
    seed_store(sandbox, 1_000)
    sandbox.faults = Faults(rate_429=0.15, rate_5xx=0.15, retry_after=1.0, seed=7)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "prices.csv", price_file(1_000))
    for _ in range(3):
        one_pass(runtime)
        if len(sandbox.prices) == 1_000 and runtime.deps.store.pending_count() == 0:
            break
    assert len(sandbox.prices) == 1_000
    assert runtime.deps.store.pending_count() == 0
    accepted = Counter(r.path for r in sandbox.requests if r.method == "PUT" and r.status == 200)
    assert len(accepted) == 1_000
    assert max(accepted.values()) == 1
    faults = Counter(r.status for r in sandbox.requests if r.fault)
    assert faults[429] > 0 and faults[503] > 0
    assert all(not r.violations for r in sandbox.requests)
