"""Crashes: the importer is SIGKILLed at seeded-random points of every flow, restarted, and VTEX
(the sandbox) must end exactly as intended.

For each flow, input after input is dropped; each is processed by a child process that is
killed (at the k-th sandbox request, before or after VTEX applies it; just before its k-th
local side effect; or on a timer) and restarted, several times per input, until at least
CRASH_KILLS (default 20) kills happened and a last run completed. Then: every row landed with
the file's values, nothing was added twice (image, EAN, specification value, invoice, order
export), every input is in archive/done exactly once, the inbox and its claim folder are empty,
and every input has exactly one report pair.

CRASH_SEED=<n> replays a run (the seed is printed, and is in every failure message);
CRASH_KILLS=100 runs a longer campaign by hand.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from importer.orders.export import money
from importer.sandbox import Sandbox
from tests.conftest import TEST_CONFIG, RuntimeFactory, one_pass, seed_store
from tests.reliability.crash_harness import (
    CrashLog,
    Kill,
    World,
    crash_campaign,
    crash_seed,
    drop_budget,
    kills_per_flow,
    twin_worlds,
)

pytestmark = pytest.mark.skipif(
    sys.platform != "linux",
    reason="the crash tests fork children from a forkserver and SIGKILL them: Linux only",
)


@pytest.fixture
def seed() -> int:
    value = crash_seed()
    print(f"crash seed: {value} (CRASH_SEED={value} replays this run)")
    return value


def place(world: World, flow: str, name: str, content: str) -> None:
    """Drop a file as an ERP's export lands: whole, under its final name."""
    folder = world.workdir / "inbox" / flow
    temp = folder / f".{name}.part"
    temp.write_text(content, encoding="utf-8")
    temp.rename(folder / name)


# --- what every file flow must end with ----------------------------------------------------


def assert_files_settled(world: World, flow: str, names: list[str], log: CrashLog) -> None:
    """Every input archived once in done, nothing left in the inbox or its claim folder, and
    exactly one report pair per input (and no half-written report anywhere)."""
    inbox = world.workdir / "inbox" / flow
    left = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file())
    assert left == [], f"left in the inbox: {left}\n{log}"
    done = sorted(p.name for p in (world.workdir / "archive" / "done").iterdir())
    assert done == sorted(names), f"archive/done holds {done}\n{log}"
    failed = world.workdir / "archive" / "failed"
    assert not failed.exists() or list(failed.iterdir()) == [], log
    reports = world.workdir / "outbox" / "reports"
    everything = sorted(p.name for p in reports.iterdir())
    per_input: Counter[tuple[str, str]] = Counter()
    for name in everything:
        assert not name.startswith("."), f"a half-written report was left: {name}\n{log}"
        stem, _, kind = name.partition(".report.")  # '<input>.<UTC time>[-n]', 'xlsx'
        per_input[(stem.rsplit(".", 1)[0], kind)] += 1
    expected = Counter({(n, kind): 1 for n in names for kind in ("xlsx", "csv")})
    assert per_input == expected, f"reports: {everything}\n{log}"


def assert_no_contract_violations(world: World, log: CrashLog) -> None:
    broken = [(r.method, r.path, r.violations) for r in world.sandbox.requests if r.violations]
    assert broken == [], f"requests that VTEX's OpenAPI specs reject: {broken[:3]}\n{log}"


@pytest.fixture
def worlds(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[World, World]]:
    setup = request.param
    with twin_worlds(tmp_path, TEST_CONFIG, setup) as pair:
        yield pair


# --- prices --------------------------------------------------------------------------------

PRICE_SKUS = 30


def price_files(i: int) -> list[tuple[str, dict[str, tuple[Decimal, Decimal]]]]:
    """Drop i: one file with every SKU the first time, then a random 70% of them with new
    prices; every third drop, two files at once (one pass takes both, in order)."""
    rng = random.Random(f"prices-{i}")
    files = []
    for part in ("a", "b") if i % 3 == 2 else ("",):
        rows: dict[str, tuple[Decimal, Decimal]] = {}
        for n in range(1, PRICE_SKUS + 1):
            if i == 0 or rng.random() < 0.7:
                base = Decimal(rng.randint(100, 99_999)) / 100
                rows[f"SKU-{n:05d}"] = (base, base + Decimal(rng.randint(0, 5_000)) / 100)
        files.append((f"prices-{i:02d}{part}.csv", rows))
    return files


def drop_prices(world: World, i: int) -> None:
    for name, rows in price_files(i):
        lines = ["sku_ref,base_price,list_price"]
        lines += [f"{ref},{base},{listed}" for ref, (base, listed) in rows.items()]
        place(world, "prices", name, "\n".join(lines) + "\n")


def store_for_prices(sandbox: Sandbox) -> None:
    seed_store(sandbox, PRICE_SKUS)


@pytest.mark.parametrize("worlds", [store_for_prices], indirect=True)
def test_prices_survive_sigkills_at_random_points(worlds: tuple[World, World], seed: int) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="prices",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_prices,
        kills=kills_per_flow(),
        seed=seed,
    )
    print(log)
    files = [file for i in range(log.drops) for file in price_files(i)]
    expected: dict[str, tuple[Decimal, Decimal]] = {}
    for _, rows in files:
        expected.update(rows)
    sandbox = crash.sandbox
    held = {
        ref: (price["basePrice"], price["listPrice"])
        for ref in expected
        if (price := sandbox.prices.get(sandbox.sku_refids[ref])) is not None
    }
    assert held == expected, log
    assert len(sandbox.prices) == PRICE_SKUS, log
    assert_files_settled(crash, "prices", [name for name, _ in files], log)
    assert_no_contract_violations(crash, log)


# --- inventory -----------------------------------------------------------------------------

STOCK_SKUS = 20
WAREHOUSES = ("1_1", "WH-2")


def stock_rows(i: int) -> dict[tuple[str, str], int]:
    """File i: every (SKU, warehouse) the first time, then a random 70% with new quantities."""
    rng = random.Random(f"inventory-{i}")
    rows: dict[tuple[str, str], int] = {}
    for n in range(1, STOCK_SKUS + 1):
        for warehouse in WAREHOUSES:
            if i == 0 or rng.random() < 0.7:
                rows[(f"SKU-{n:05d}", warehouse)] = rng.randint(0, 500)
    return rows


def drop_stock(world: World, i: int) -> None:
    lines = ["sku_ref,warehouse_id,quantity"]
    lines += [f"{ref},{wh},{qty}" for (ref, wh), qty in stock_rows(i).items()]
    place(world, "inventory", f"estoque-{i:02d}.csv", "\n".join(lines) + "\n")


def store_for_stock(sandbox: Sandbox) -> None:
    seed_store(sandbox, STOCK_SKUS, warehouses=WAREHOUSES)


@pytest.mark.parametrize("worlds", [store_for_stock], indirect=True)
def test_inventory_survives_sigkills_at_random_points(
    worlds: tuple[World, World], seed: int
) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="inventory",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_stock,
        kills=kills_per_flow(),
        seed=seed,
    )
    print(log)
    expected: dict[tuple[str, str], int] = {}
    for i in range(log.drops):
        expected.update(stock_rows(i))
    sandbox = crash.sandbox
    held = {
        (ref, wh): record["quantity"]
        for (ref, wh) in expected
        if (record := sandbox.inventory.get((sandbox.sku_refids[ref], wh))) is not None
    }
    assert held == expected, log
    assert len(sandbox.inventory) == STOCK_SKUS * len(WAREHOUSES), log
    names = [f"estoque-{i:02d}.csv" for i in range(log.drops)]
    assert_files_settled(crash, "inventory", names, log)
    assert_no_contract_violations(crash, log)


# --- catalog (products, SKUs, EANs, images, specifications) --------------------------------

CATALOG_HEADERS = [
    "product_ref",
    "product_name",
    "category",
    "brand",
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
MATERIALS = ("Algodão", "Poliéster", "Linho")
SIZES = ("P", "M", "G", "GG")
PRODUCTS_PER_DROP, SKUS_PER_PRODUCT = 1, 2


def catalog_state(i: int) -> list[dict[str, str]]:
    """The whole catalog as file i lists it: drop i adds a product of two SKUs in a new
    category under a new brand, and changes about a third of the earlier products (name,
    material) and SKUs (name, EAN, image list, size): each change replaces an EAN, an image or
    a specification value."""
    product_versions: dict[int, int] = {}
    sku_versions: dict[int, int] = {}
    for j in range(i + 1):
        rng = random.Random(f"catalog-{j}")
        for p in product_versions:
            product_versions[p] += rng.random() < 0.3
        for s in sku_versions:
            sku_versions[s] += rng.random() < 0.35
        for k in range(PRODUCTS_PER_DROP):
            p = j * PRODUCTS_PER_DROP + k + 1
            product_versions[p] = 0
            for n in range(SKUS_PER_PRODUCT):
                sku_versions[(p - 1) * SKUS_PER_PRODUCT + n + 1] = 0
    rows = []
    for s, sv in sorted(sku_versions.items()):
        p = (s - 1) // SKUS_PER_PRODUCT + 1
        pv = product_versions[p]
        rows.append(
            {
                "product_ref": f"P{p:03d}",
                "product_name": f"Produto {p} v{pv}",
                "category": f"Moda > Linha {p % 2} > Sub {p}",
                "brand": f"Marca {p}",
                "product_spec:Material": MATERIALS[pv % 3],
                "sku_ref": f"S{s:04d}",
                "sku_name": f"SKU {s} v{sv}",
                "ean": f"789{s:04d}{sv:06d}",
                "height_cm": "10",
                "width_cm": "20",
                "length_cm": "30",
                "weight_kg": "0.5",
                # The first image changes with every version, the second every other one.
                "image_urls": f"https://img.example.com/s{s}/v{sv}-a.jpg"
                f"|https://img.example.com/s{s}/b{sv // 2}.jpg",
                "sku_active": "true",
                "sku_spec:Tamanho": SIZES[(s + sv) % 4],
            }
        )
    return rows


def drop_catalog(world: World, i: int) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CATALOG_HEADERS)
    writer.writeheader()
    writer.writerows(catalog_state(i))
    place(world, "catalog", f"catalogo-{i:02d}.csv", out.getvalue())


def assert_catalog_is(sandbox: Sandbox, rows: list[dict[str, str]], log: CrashLog) -> None:
    """Every product and SKU with the file's values; no EAN, image, specification value,
    category or brand twice."""
    problems: list[str] = []
    for row in rows:
        product_id = sandbox.product_refids.get(row["product_ref"])
        sku_id = sandbox.sku_refids.get(row["sku_ref"])
        if product_id is None or sku_id is None:
            problems.append(f"{row['sku_ref']}: missing in VTEX")
            continue
        product, sku = sandbox.products[product_id], sandbox.skus[sku_id]
        if product["Name"] != row["product_name"]:
            problems.append(f"{row['product_ref']}: name {product['Name']!r}")
        brand = sandbox.brands[product["BrandId"]]["Name"]
        leaf = sandbox.categories[product["CategoryId"]]["Name"]
        if (brand, leaf) != (row["brand"], row["category"].rsplit(" > ", 1)[-1]):
            problems.append(f"{row['product_ref']}: brand {brand!r}, category {leaf!r}")
        materials = [s["Text"] for s in sandbox.product_specs(product_id)]
        if materials != [row["product_spec:Material"]]:
            problems.append(f"{row['product_ref']}: Material {materials}")
        if sku["Name"] != row["sku_name"] or not sku["IsActive"]:
            problems.append(f"{row['sku_ref']}: {sku['Name']!r} active={sku['IsActive']}")
        if sandbox.sku_eans(sku_id) != [row["ean"]]:
            problems.append(f"{row['sku_ref']}: EANs {sandbox.sku_eans(sku_id)}")
        images = [f["SourceUrl"] for f in sandbox.sku_files(sku_id)]
        if images != row["image_urls"].split("|"):  # main image first, each once
            problems.append(f"{row['sku_ref']}: images {images}")
        sizes = [s["Text"] for s in sandbox.sku_specs(sku_id)]
        if sizes != [row["sku_spec:Tamanho"]]:
            problems.append(f"{row['sku_ref']}: Tamanho {sizes}")
    assert problems == [], f"{problems[:10]}\n{log}"
    assert len(sandbox.skus) == len(rows), log
    assert len(sandbox.products) == len({r["product_ref"] for r in rows}), log
    categories = Counter(
        (c["Name"], c.get("FatherCategoryId")) for c in sandbox.categories.values()
    )
    assert [c for c, n in categories.items() if n > 1] == [], log
    brands = Counter(b["Name"] for b in sandbox.brands.values())
    assert [b for b, n in brands.items() if n > 1] == [], log


def empty_store(sandbox: Sandbox) -> None:
    """The catalog test starts from nothing: its files create categories and brands too."""


@pytest.mark.parametrize("worlds", [empty_store], indirect=True)
def test_catalog_survives_sigkills_at_random_points(worlds: tuple[World, World], seed: int) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="catalog",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_catalog,
        kills=kills_per_flow(),
        seed=seed,
    )
    print(log)
    assert_catalog_is(crash.sandbox, catalog_state(log.drops - 1), log)
    names = [f"catalogo-{i:02d}.csv" for i in range(log.drops)]
    assert_files_settled(crash, "catalog", names, log)
    assert_no_contract_violations(crash, log)


# --- orders out ----------------------------------------------------------------------------

ORDERS_PER_DROP = 5


def new_orders(world: World, i: int) -> None:
    """Orders become ready for handling (the same ones in both worlds), and a customer's order
    of the lot before, which the ERP already has, is canceled."""
    world.sandbox.seed_orders(ORDERS_PER_DROP, seed=i, queue=True)
    for order_id in canceled_orders(world.sandbox, i):
        if world.sandbox.order_status(order_id) != "canceled":
            world.sandbox.set_order_status(order_id, "canceled")


def canceled_orders(sandbox: Sandbox, i: int) -> list[str]:
    """The orders canceled by drop i: the first of each earlier lot."""
    ids = list(sandbox.orders)  # in the order they were placed
    return [ids[lot * ORDERS_PER_DROP] for lot in range(i)]


def cancellation_notices(world: World) -> Counter[tuple[str, str]]:
    notices: Counter[tuple[str, str]] = Counter()
    for path in sorted((world.workdir / "outbox" / "orders").glob("cancellations-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            notices.update((row["order_id"], row["state"]) for row in csv.DictReader(handle))
    return notices


def after_a_killed_pull(world: World) -> None:
    # The next pull comes later: events the killed one read but never committed are back.
    world.sandbox.advance(300)


def exported(world: World) -> dict[str, list[str]]:
    """order id -> the outbox/orders files holding its rows (one entry per item row)."""
    holders: dict[str, list[str]] = {}
    for path in sorted((world.workdir / "outbox" / "orders").glob("orders-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                holders.setdefault(row["order_id"], []).append(path.name)
    return holders


def store_for_orders(sandbox: Sandbox) -> None:
    seed_store(sandbox, 10)


@pytest.mark.parametrize("worlds", [store_for_orders], indirect=True)
def test_orders_and_cancellations_reach_the_erp_exactly_once_through_sigkills(
    worlds: tuple[World, World], seed: int
) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="orders",
        args=["orders", "pull"],
        crash=crash,
        twin=twin,
        drop=new_orders,
        kills=kills_per_flow(),
        seed=seed,
        after_kill=after_a_killed_pull,
    )
    print(log)
    sandbox = crash.sandbox
    assert len(sandbox.orders) == log.drops * ORDERS_PER_DROP
    holders = exported(crash)
    assert set(holders) == set(sandbox.orders), log
    twice = {o: files for o, files in holders.items() if len(set(files)) != 1}
    assert twice == {}, f"orders in more than one file: {twice}\n{log}"
    rows = {o: len(files) for o, files in holders.items()}
    assert rows == {o: len(order["items"]) for o, order in sandbox.orders.items()}, log
    canceled = set(canceled_orders(sandbox, log.drops - 1))
    statuses = {sandbox.order_status(o) for o in sandbox.orders if o not in canceled}
    assert statuses == {"handling"}, log
    assert sandbox.feed_pending() == [], log
    notices = cancellation_notices(crash)
    assert notices == Counter({(o, "canceled"): 1 for o in canceled}), f"{notices}\n{log}"
    hidden = [p.name for p in (crash.workdir / "outbox" / "orders").iterdir() if p.name[0] == "."]
    assert hidden == [], log
    assert_no_contract_violations(crash, log)


# --- invoices in ---------------------------------------------------------------------------

INVOICED_PER_DROP = 4
INVOICE_ORDERS = INVOICED_PER_DROP * drop_budget(kills_per_flow())


def orders_in_handling(sandbox: Sandbox) -> None:
    """Orders the ERP already has (the orders flow is tested above): in handling, no events."""
    seed_store(sandbox, 10)
    for order_id in sandbox.seed_orders(INVOICE_ORDERS, queue=False):
        sandbox.set_order_status(order_id, "handling", queue=False)


def invoice_rows(sandbox: Sandbox, i: int) -> dict[str, dict[str, Any]]:
    """File i invoices the i-th lot of orders and sends tracking for the lot before it."""
    orders = sorted(sandbox.orders)
    rows: dict[str, dict[str, Any]] = {}
    for lot, tracking in ((i - 1, True), (i, False)):
        for order_id in orders[lot * INVOICED_PER_DROP : (lot + 1) * INVOICED_PER_DROP]:
            if lot < 0:
                continue
            rows[order_id] = {
                "invoice_number": f"NF{order_id.split('-')[0][-6:]}",
                "invoice_value": money(sandbox.orders[order_id]["value"]),
                "tracking_number": f"BR{order_id.split('-')[0][-6:]}" if tracking else "",
            }
    return rows


def drop_invoices(world: World, i: int) -> None:
    rows = invoice_rows(world.sandbox, i)
    if (i + 1) * INVOICED_PER_DROP > INVOICE_ORDERS:
        raise AssertionError("more drops than orders prepared for them (drop_budget)")
    lines = ["order_id,invoice_number,invoice_value,issuance_date,courier,tracking_number"]
    for order_id, row in rows.items():
        courier = "Correios" if row["tracking_number"] else ""
        lines.append(
            f"{order_id},{row['invoice_number']},{row['invoice_value']},"
            f"2026-11-27T10:00:00Z,{courier},{row['tracking_number']}"
        )
    place(world, "invoices", f"notas-{i:02d}.csv", "\n".join(lines) + "\n")


@pytest.mark.parametrize("worlds", [orders_in_handling], indirect=True)
def test_invoices_are_posted_exactly_once_through_sigkills(
    worlds: tuple[World, World], seed: int
) -> None:
    crash, twin = worlds
    log = crash_campaign(
        flow="invoices",
        args=["run"],
        crash=crash,
        twin=twin,
        drop=drop_invoices,
        kills=kills_per_flow(),
        seed=seed,
    )
    print(log)
    sandbox = crash.sandbox
    expected: dict[str, dict[str, Any]] = {}
    for i in range(log.drops):
        expected.update(invoice_rows(sandbox, i))
    held = {
        order_id: [
            (p["invoiceNumber"], Decimal(p["invoiceValue"]) / 100, p.get("trackingNumber") or "")
            for p in sandbox.invoices(order_id)
        ]
        for order_id in expected
    }
    wanted = {
        o: [(r["invoice_number"], r["invoice_value"], r["tracking_number"])]
        for o, r in expected.items()
    }
    assert held == wanted, log
    assert {sandbox.order_status(o) for o in expected} == {"invoiced"}, log
    others = [o for o in sandbox.orders if o not in expected and sandbox.invoices(o)]
    assert others == [], log
    names = [f"notas-{i:02d}.csv" for i in range(log.drops)]
    assert_files_settled(crash, "invoices", names, log)
    assert_no_contract_violations(crash, log)


# --- the gaps the campaigns found, pinned down one by one (in-process, no fork) ------------


class Died(BaseException):
    """The process died here: nothing after this point of the pass ran."""


def die_on_call(monkeypatch: pytest.MonkeyPatch, target: str, call: int = 1) -> None:
    """Make `module.attribute` kill the pass on its `call`-th call (and work otherwise)."""
    owner, attribute = target.rsplit(".", 1)
    module = module_or_class(owner)
    original = getattr(module, attribute)
    calls = 0

    def dying(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call:
            raise Died(target)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, attribute, dying)


def crash_then_restart(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    call: int = 1,
) -> list[str]:
    """Drop a price file, die at `target`, restart: the summaries of the restarted pass."""
    seed_store(sandbox, 3)
    place_file(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-00001,10\nSKU-00002,20\n")
    first = make_runtime(sandbox)
    with monkeypatch.context() as patch:
        die_on_call(patch, target, call)
        with pytest.raises(Died):
            one_pass(first)
    first.deps.store.close()
    result = one_pass(make_runtime(sandbox))
    assert sandbox.prices[sandbox.sku_refids["SKU-00002"]]["basePrice"] == Decimal(20)
    assert sorted(p.name for p in (workdir / "archive" / "done").iterdir()) == ["precos.csv"]
    reports = sorted(p.name for p in (workdir / "outbox" / "reports").iterdir())
    assert len(reports) == 2 and all(n.startswith("precos.csv.") for n in reports), reports
    return [r.summary.status for r in result.reports]


def place_file(workdir: Path, flow: str, name: str, content: str) -> None:
    (workdir / "inbox" / flow / name).write_text(content, encoding="utf-8")


def test_a_crash_between_the_report_and_the_archive_writes_no_second_report(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses = crash_then_restart(
        workdir, sandbox, make_runtime, monkeypatch, "importer.pipeline.archive_file"
    )
    assert statuses == ["done"]


def test_a_crash_before_the_report_is_written_is_not_reported_as_a_duplicate_of_itself(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses = crash_then_restart(
        workdir, sandbox, make_runtime, monkeypatch, "importer.pipeline.write_report"
    )
    assert statuses == ["done"]  # the outcome was recorded, the report was not: not "duplicate"


def test_a_crash_between_the_two_files_of_a_report_leaves_one_whole_pair(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # os.replace: the workbook into place (1st call), then the CSV (2nd): death in between.
    statuses = crash_then_restart(workdir, sandbox, make_runtime, monkeypatch, "os.replace", call=2)
    assert statuses == ["done"]
    assert not [p for p in (workdir / "outbox" / "reports").iterdir() if p.name[0] == "."]


@pytest.mark.parametrize(
    "target", ["importer.store.Store.set_values", "importer.orders.pull.publish"]
)
def test_a_crash_while_writing_cancellations_gives_the_erp_one_notice(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
) -> None:
    """Before the ledger has the notices (the hidden file is dropped, the events come back) and
    after (the hidden file is published, the events find their notice): one notice either way."""
    from importer.orders.run import pull_orders

    seed_store(sandbox, 5)
    order_id = sandbox.seed_orders(2, queue=True)[0]
    runtime = make_runtime(sandbox)
    pull_orders(runtime.deps)
    sandbox.set_order_status(order_id, "canceled")
    owner, attribute = target.rsplit(".", 1)
    holder = module_or_class(owner)
    original = getattr(holder, attribute)

    def dying(*args: Any, **kwargs: Any) -> Any:
        raise Died(target)

    with monkeypatch.context() as patch:
        patch.setattr(holder, attribute, dying)
        with pytest.raises(Died):
            pull_orders(runtime.deps)
    assert getattr(holder, attribute) is original
    sandbox.advance(300)  # the events the dead pull read come back
    pull_orders(runtime.deps)
    pull_orders(runtime.deps)
    notices: Counter[tuple[str, str]] = Counter()
    for path in (workdir / "outbox" / "orders").glob("cancellations-*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            notices.update((r["order_id"], r["state"]) for r in csv.DictReader(handle))
    assert notices == Counter({(order_id, "canceled"): 1})
    assert not [p for p in (workdir / "outbox" / "orders").iterdir() if p.name[0] == "."]
    assert sandbox.feed_pending() == []


def module_or_class(dotted: str) -> Any:
    """`importer.store.Store` -> the class; `importer.orders.pull` -> the module."""
    if dotted in sys.modules:
        return sys.modules[dotted]
    module, name = dotted.rsplit(".", 1)
    return getattr(sys.modules[module], name)


@pytest.mark.parametrize("worlds", [store_for_prices], indirect=True)
def test_the_kills_land_where_they_are_aimed(worlds: tuple[World, World]) -> None:
    """The harness itself: a request kill stops the importer at that request, before or after
    VTEX applied it; a step kill before any local side effect leaves everything untouched."""
    crash, _ = worlds
    drop_prices(crash, 0)
    sandbox = crash.sandbox
    untouched = crash.run(["run"], Kill("step", 1))  # before the claim, its first
    assert untouched.killed and untouched.requests == 0
    assert [p.name for p in (crash.workdir / "inbox" / "prices").glob("*.csv")] == ["prices-00.csv"]

    def applied_since(start: int) -> list[tuple[str, str]]:
        return [(r.method, r.raw_path) for r in sandbox.requests[start:]]

    # The importer sends 8 requests at a time: those already sent when it dies are applied,
    # as VTEX would; the one the kill is aimed at is applied after, or never.
    start = len(sandbox.requests)
    before = crash.run(["run"], Kill("request-before", 5))
    assert before.killed and before.victim is not None
    assert before.victim not in applied_since(start)
    start = len(sandbox.requests)
    after = crash.run(["run"], Kill("request-after", 3))
    assert after.killed and after.victim in applied_since(start)
    finished = crash.run(["run"])
    assert (finished.killed, finished.exitcode) == (False, 0)
    assert len(sandbox.prices) == PRICE_SKUS


def test_a_file_archived_just_before_a_crash_does_not_swallow_the_next_one_of_its_name(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger never learnt that precos.csv was archived; the next precos.csv (new prices)
    is then left claimed by a second crash: it must be processed, not taken for the first."""
    seed_store(sandbox, 3)
    for price, target in [
        ("10", "importer.store.Store.set_archived"),
        ("55", "importer.store.Store.start_file"),
    ]:
        place_file(workdir, "prices", "precos.csv", f"sku_ref,base_price\nSKU-00001,{price}\n")
        runtime = make_runtime(sandbox)
        with monkeypatch.context() as patch:
            die_on_call(patch, target)
            with pytest.raises(Died):
                one_pass(runtime)
        runtime.deps.store.close()
        assert len(list((workdir / "archive" / "done").iterdir())) == 1  # the first file only
    one_pass(make_runtime(sandbox))
    assert sandbox.prices[sandbox.sku_refids["SKU-00001"]]["basePrice"] == Decimal(55)
    assert len(list((workdir / "archive" / "done").iterdir())) == 2
    assert len(list((workdir / "outbox" / "reports").iterdir())) == 2 * 2
