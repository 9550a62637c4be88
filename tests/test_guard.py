"""The price guard: a base price moving more than VTEX Admin's own limits (+70% / -30%) from
what VTEX holds is held, not sent; the rest of the file goes on; `importer approve` sends the
held rows once, `importer reject` drops them with a report."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from importer.cli import EXIT_USAGE, app
from importer.flows.registry import FLOW_NAMES
from importer.models import Action
from importer.run.held import approve, locate, reject
from importer.run.runtime import Runtime
from importer.sandbox import Sandbox
from tests.conftest import GUARD_OFF, RuntimeFactory, drop, one_pass, seed_store

LANDED = "sku_ref,base_price\nSKU-00001,10.00\nSKU-00002,20.00\nSKU-00003,30.00\n"
# A decimal slip (10 -> 1000), a normal rise (+10%), a fall past 30% (30 -> 19).
SLIPPED = "sku_ref,base_price\nSKU-00001,1000.00\nSKU-00002,22.00\nSKU-00003,19.00\n"


@pytest.fixture(autouse=True)
def default_guard(workdir: Path) -> None:
    """The guard as a store gets it: the tests' shared configuration turns it off."""
    config = workdir / "importer.toml"
    config.write_text(config.read_text("utf-8").replace(GUARD_OFF, "\n"), "utf-8")
    assert "guard" not in config.read_text("utf-8")


def puts(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.requests if r.method == "PUT" and "/pricing/" in r.path]


def held_dir(workdir: Path) -> Path:
    return workdir / "inbox" / "prices" / "held"


def landed(workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory) -> Runtime:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "precos-1.csv", LANDED)
    assert one_pass(runtime).reports[0].summary.created == 3
    sandbox.requests.clear()
    return runtime


def held_name(workdir: Path) -> str:
    [path] = [p for p in held_dir(workdir).glob("*.csv") if not p.name.endswith(".preview.csv")]
    return path.stem


@pytest.mark.slow  # a landed file, a held one, an approval (~0.8 s)
def test_a_price_typed_x100_is_held_the_rest_goes_on_and_approval_sends_it_once(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed(workdir, sandbox, make_runtime)
    drop(workdir, "prices", "precos-2.csv", SLIPPED)
    report = one_pass(runtime).reports[0]

    actions = {r.key: r.action for r in report.rows}
    assert actions == {
        "SKU-00001": Action.HELD,
        "SKU-00002": Action.UPDATED,
        "SKU-00003": Action.HELD,
    }
    assert report.summary.held == 2 and report.summary.updated == 1
    assert sandbox.prices[1]["basePrice"] == 10 and sandbox.prices[3]["basePrice"] == 30
    assert sandbox.prices[2]["basePrice"] == 22
    assert puts(sandbox) == ["/pricing/prices/2"]
    name = held_name(workdir)
    reasons = {r.key: r.reason for r in report.rows}
    assert "from 10 to 1000 (+9900.0%)" in reasons["SKU-00001"] and name in reasons["SKU-00001"]
    assert "fall from 30 to 19 (-36.7%)" in reasons["SKU-00003"]
    # The held rows wait with their preview: the largest move first.
    with (held_dir(workdir) / f"{name}.preview.csv").open(encoding="utf-8-sig") as fh:
        preview = list(csv.DictReader(fh))
    assert [(p["key"], p["action"], p["old"], p["new"]) for p in preview] == [
        ("SKU-00001", "held", "10", "1000"),
        ("SKU-00003", "held", "30", "19"),
    ]
    # The same rows in another export are held in the same held file, not a second one.
    sandbox.requests.clear()
    reordered = "sku_ref,base_price\nSKU-00003,19.00\nSKU-00002,22.00\nSKU-00001,1000.00\n"
    drop(workdir, "prices", "precos-3.csv", reordered)
    one_pass(runtime)
    assert held_name(workdir) == name and puts(sandbox) == []

    held = locate(runtime.deps, FLOW_NAMES, name)
    assert held is not None
    approved = approve(held, runtime.deps)
    assert (approved.summary.updated, approved.summary.held) == (2, 0)
    assert sandbox.prices[1]["basePrice"] == 1000 and sandbox.prices[3]["basePrice"] == 19
    assert sorted(puts(sandbox)) == ["/pricing/prices/1", "/pricing/prices/3"]
    assert not (held_dir(workdir) / f"{name}.csv").exists()
    assert list(held_dir(workdir).iterdir()) == []  # the preview went with it
    assert (workdir / "archive" / "done" / f"{name}.csv").exists()
    assert len(list((workdir / "outbox" / "reports").glob(f"{name}.csv.*.report.csv"))) == 1
    # Approved once: nothing is held under that name any more.
    assert locate(runtime.deps, FLOW_NAMES, name) is None


@pytest.mark.slow  # a landed file, a held one, a rejection (~0.6 s)
def test_a_rejected_hold_sends_nothing_and_is_reported(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    runtime = landed(workdir, sandbox, make_runtime)
    drop(workdir, "prices", "precos-2.csv", SLIPPED)
    one_pass(runtime)
    name = held_name(workdir)
    sandbox.requests.clear()
    held = locate(runtime.deps, FLOW_NAMES, name)
    assert held is not None
    reject(held, runtime.deps)
    assert puts(sandbox) == [] and sandbox.prices[1]["basePrice"] == 10
    [report] = (workdir / "outbox" / "reports").glob(f"{name}.csv.*.report.csv")
    with report.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["key"], r["action"], r["type"]) for r in rows] == [
        ("SKU-00001", "skipped", "held-rejected"),
        ("SKU-00003", "skipped", "held-rejected"),
    ]
    assert list(held_dir(workdir).iterdir()) == []
    assert (workdir / "archive" / "done" / f"{name}.csv").exists()


@pytest.mark.slow  # one pass (~0.3 s)
def test_on_first_use_the_guard_compares_with_the_price_vtex_holds(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    # The importer never sent a price (empty snapshot), but the store has one: VTEX's own.
    seed_store(sandbox, 2)
    sandbox.prices[1] = {"itemId": "1", "basePrice": Decimal("49.90"), "fixedPrices": []}
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "p.csv", "sku_ref,base_price\nSKU-00001,4990.00\nSKU-00002,5.00\n")
    report = one_pass(runtime).reports[0]
    assert {r.key: r.action for r in report.rows} == {
        "SKU-00001": Action.HELD,
        "SKU-00002": Action.CREATED,  # no price in VTEX yet: nothing to compare with
    }
    assert sandbox.prices[1]["basePrice"] == Decimal("49.90")


@pytest.mark.slow  # a landed file, then a batch (~0.5 s)
def test_a_batch_job_is_guarded_against_what_vtex_accepted_last(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": "1"})
    drop(workdir, "prices", "precos-1.csv", LANDED)
    one_pass(runtime)
    sandbox.requests.clear()
    drop(workdir, "prices", "precos-2.csv", SLIPPED)
    report = one_pass(runtime).reports[0]
    assert {r.key: r.action for r in report.rows if r.action == Action.HELD} == {
        "SKU-00001": Action.HELD,
        "SKU-00003": Action.HELD,
    }
    # Held against the snapshot, before any call: their prices were not even read.
    held_paths = ("/pricing/prices/1", "/pricing/prices/3")
    assert not any(r.path in held_paths for r in sandbox.requests)


def test_a_guard_set_to_zero_is_off(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 1)
    sandbox.prices[1] = {"itemId": "1", "basePrice": Decimal("10"), "fixedPrices": []}
    runtime = make_runtime(
        sandbox,
        {
            "IMPORTER__FLOWS__PRICES__GUARD__MAX_RISE_PCT": "0",
            "IMPORTER__FLOWS__PRICES__GUARD__MAX_FALL_PCT": "0",
        },
    )
    drop(workdir, "prices", "p.csv", "sku_ref,base_price\nSKU-00001,1000.00\n")
    assert one_pass(runtime).reports[0].rows[0].action == Action.CREATED
    assert sandbox.prices[1]["basePrice"] == 1000


@pytest.mark.slow  # four commands in-process on the built-in sandbox (~1 s)
def test_the_commands_hold_approve_once_and_name_what_is_held(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = 0\n", encoding="utf-8")
    (tmp_path / "inbox" / "prices").mkdir(parents=True, exist_ok=True)
    config = ["--config", str(tmp_path / "importer.toml")]
    runner = CliRunner()
    drop(tmp_path, "prices", "p1.csv", "sku_ref,base_price\nDEMO-001,10.00\n")
    assert runner.invoke(app, ["run", *config]).exit_code == 0
    drop(tmp_path, "prices", "p2.csv", "sku_ref,base_price\nDEMO-001,1000.00\n")
    held_run = runner.invoke(app, ["run", *config])
    assert held_run.exit_code == 1  # a held row needs a person
    name = held_name(tmp_path)
    wrong = runner.invoke(app, ["approve", "nope", *config])
    assert wrong.exit_code == EXIT_USAGE and name in wrong.output  # what is held, named
    approved = runner.invoke(app, ["approve", name, *config])
    assert approved.exit_code == 0, approved.output
    assert "updated 1" in approved.output
    assert runner.invoke(app, ["approve", name, *config]).exit_code == EXIT_USAGE


class Died(BaseException):
    """The process died here: nothing after this point ran."""


@pytest.mark.slow  # five kills, each a landed file, a hold and two approvals (~3 s)
@pytest.mark.parametrize(
    "target",
    [
        "importer.vtex.pricing.PricingClient.put_price",  # VTEX applied the first, then death
        "importer.state.snapshot.Snapshot.commit",
        "importer.pipeline.write_report",
        "importer.pipeline.archive_file",
        "importer.run.held.remove_previews",
    ],
)
def test_an_approval_cut_short_is_finished_by_approving_again(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
) -> None:
    runtime = landed(workdir, sandbox, make_runtime)
    drop(workdir, "prices", "precos-2.csv", SLIPPED)
    one_pass(runtime)
    name = held_name(workdir)
    sandbox.requests.clear()
    owner_name, attribute = target.rsplit(".", 1)
    module_name, _, class_name = owner_name.rpartition(".")
    import importlib

    try:
        owner: object = importlib.import_module(owner_name)
    except ModuleNotFoundError:
        owner = getattr(importlib.import_module(module_name), class_name)
    original = getattr(owner, attribute)
    is_async = target.endswith("put_price")

    async def dying_async(*args: object, **kwargs: object) -> object:
        await original(*args, **kwargs)  # VTEX has it; the answer never reaches the store
        raise Died(target)

    def dying(*args: object, **kwargs: object) -> object:
        raise Died(target)

    with monkeypatch.context() as patch:
        patch.setattr(owner, attribute, dying_async if is_async else dying)
        held = locate(runtime.deps, FLOW_NAMES, name)
        assert held is not None
        with pytest.raises(Died):
            approve(held, runtime.deps)
    again = locate(runtime.deps, FLOW_NAMES, name)
    if again is not None:  # not archived before the death: approving again finishes it
        approve(again, runtime.deps)
    else:  # archived before the death: the preview it left is removed, nothing sent again
        assert target.endswith("remove_previews")
        assert list(held_dir(workdir).iterdir()) == []
    assert sandbox.prices[1]["basePrice"] == 1000 and sandbox.prices[3]["basePrice"] == 19
    assert (workdir / "archive" / "done" / f"{name}.csv").exists()
    assert len(list((workdir / "outbox" / "reports").glob(f"{name}.csv.*.report.csv"))) == 1
    # A PUT goes again only when the death came before the store knew VTEX had it (VTEX's
    # PUT replaces: the same price again); once the snapshot moved, never.
    sent = puts(sandbox)
    before_the_store_knew = is_async or target.endswith("commit")
    for path in ("/pricing/prices/1", "/pricing/prices/3"):
        assert sent.count(path) in ((1, 2) if before_the_store_knew else (1,)), sent
    assert runtime.deps.store.pending_count() == 0


@pytest.mark.slow  # a landed stock file, a held full file, an approval (~0.6 s)
def test_approval_always_holds_every_change_and_an_approved_full_file_removes_only_its_rows(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    with (workdir / "importer.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[flows.inventory]\nmode = "full"\nmax_removals = 0.5\n')
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    stock = "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,1\nSKU-00002,1_1,2\nSKU-00003,1_1,3\n"
    drop(workdir, "inventory", "estoque-1.csv", stock)
    assert one_pass(runtime).reports[0].summary.created == 3
    # From now on a person approves every stock change.
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__INVENTORY__GUARD__APPROVAL": "always"})
    sandbox.requests.clear()
    drop(
        workdir, "inventory", "estoque-2.csv",
        "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,1\nSKU-00002,1_1,5\n",
    )  # fmt: skip
    report = one_pass(runtime).reports[0]
    assert {r.key: (r.action, r.type) for r in report.rows} == {
        "SKU-00002|1_1": (Action.HELD, "approval"),
        "SKU-00003|1_1": (Action.HELD, "approval"),  # the full file's removal: 3 -> 0
    }
    assert [r for r in sandbox.requests if r.method in ("PUT", "PATCH", "POST")] == []
    assert "importer approve" in report.rows[0].reason
    [path] = [
        p for p in held_dir_of(workdir, "inventory").glob("*.csv") if ".preview." not in p.name
    ]
    held = locate(runtime.deps, FLOW_NAMES, path.stem)
    assert held is not None
    approved = approve(held, runtime.deps)
    assert (approved.summary.updated + approved.summary.created, approved.summary.held) == (2, 0)
    quantities = {k[0]: v["quantity"] for k, v in sandbox.inventory.items()}
    # The held rows only: the approved file is not the flow's whole truth, SKU 1 keeps its 1.
    assert quantities == {1: 1, 2: 5, 3: 0}


def held_dir_of(workdir: Path, flow: str) -> Path:
    return workdir / "inbox" / flow / "held"


@pytest.mark.slow  # three price files, an undo and its approval (~0.8 s)
def test_undo_puts_back_what_a_file_changed_and_leaves_what_came_after(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    from importer.run.undo import undo

    runtime = landed(workdir, sandbox, make_runtime)  # 10, 20, 30
    drop(
        workdir, "prices", "precos-2.csv", "sku_ref,base_price\nSKU-00001,11.00\nSKU-00002,21.00\n"
    )
    one_pass(runtime)
    # A later file moves SKU 2 again: undoing precos-2 must not undo that.
    drop(workdir, "prices", "precos-3.csv", "sku_ref,base_price\nSKU-00002,25.00\n")
    one_pass(runtime)
    sandbox.requests.clear()
    [part] = undo("precos-2.csv", runtime.deps)
    assert (part.put_back, part.changed_since, part.created) == (1, ["SKU-00002"], [])
    assert part.held is not None and puts(sandbox) == []  # nothing sent before the approval
    with (part.held.parent / f"{part.held.stem}.preview.csv").open(encoding="utf-8-sig") as fh:
        preview = list(csv.DictReader(fh))
    assert [(p["key"], p["old"], p["new"]) for p in preview] == [("SKU-00001", "11", "10")]
    held = locate(runtime.deps, FLOW_NAMES, part.held.stem)
    assert held is not None
    approve(held, runtime.deps)
    assert sandbox.prices[1]["basePrice"] == 10 and sandbox.prices[2]["basePrice"] == 25
    assert puts(sandbox) == ["/pricing/prices/1"]
    # What the very first file created has no before: listed, not undone.
    [first] = undo("precos-1.csv", runtime.deps)
    assert sorted(first.created) == ["SKU-00001", "SKU-00002", "SKU-00003"] and first.held is None


@pytest.mark.slow  # two catalog files, an undo and its approval (~1 s)
def test_undo_of_a_catalog_file_puts_back_a_renamed_product_and_its_skus(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    from importer.run.undo import undo
    from tests.catalog_data import catalog_rows, write_catalog_csv

    with (workdir / "importer.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[flows.catalog]\nmode = "full"\nmax_removals = 1.0\n')
    runtime = make_runtime(sandbox)
    inbox = workdir / "inbox" / "catalog"
    write_catalog_csv(inbox / "c1.csv", catalog_rows(products=2, skus_per_product=2))
    one_pass(runtime)
    write_catalog_csv(inbox / "c2.csv", catalog_rows(products=2, skus_per_product=2, renamed={2}))
    one_pass(runtime)
    renamed = [p for p in sandbox.products.values() if p["RefId"] == "P0002"]
    assert renamed[0]["Name"] == "Produto 2 (novo nome)"
    [part] = undo("c2.csv", runtime.deps)
    assert part.flow == "catalog" and part.put_back == 2 and part.held is not None
    held = locate(runtime.deps, FLOW_NAMES, part.held.stem)
    assert held is not None
    report = approve(held, runtime.deps)
    assert report.summary.status == "done" and report.summary.failed == 0
    again = [p for p in sandbox.products.values() if p["RefId"] == "P0002"]
    assert again[0]["Name"] == "Produto 2"
    names = sorted(s["Name"] for s in sandbox.skus.values() if s["RefId"] in ("S00003", "S00004"))
    assert names == ["Produto 2 M", "Produto 2 P"]
    # Nothing else was deactivated: an approved catalog file is its rows only (full mode).
    assert all(s.get("IsActive", True) for s in sandbox.skus.values())


@pytest.mark.slow  # a landed stock file, a full file past max_removals held, its approval
def test_a_full_file_past_max_removals_can_be_held_whole_and_approved(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    with (workdir / "importer.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[flows.inventory]\nmode = "full"\nmax_removals = 0.4\n')
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    stock = "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,1\nSKU-00002,1_1,2\nSKU-00003,1_1,3\n"
    drop(workdir, "inventory", "estoque-1.csv", stock)
    one_pass(runtime)
    only_one = "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,4\n"
    # By default (FORMATS.md) the file is refused whole.
    drop(workdir, "inventory", "estoque-2.csv", only_one)
    assert one_pass(runtime).reports[0].summary.status == "failed"
    # With removals = "hold" it is held whole: nothing applied, all of it to approve.
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__INVENTORY__GUARD__REMOVALS": "hold"})
    sandbox.requests.clear()
    drop(workdir, "inventory", "estoque-3.csv", only_one + "\n")
    report = one_pass(runtime).reports[0]
    assert sorted((r.key, r.action) for r in report.rows) == [
        ("SKU-00001|1_1", Action.HELD),
        ("SKU-00002|1_1", Action.HELD),
        ("SKU-00003|1_1", Action.HELD),
    ]
    assert "max_removals" in report.rows[0].reason
    assert [r for r in sandbox.requests if r.method in ("PUT", "PATCH", "POST")] == []
    folder = held_dir_of(workdir, "inventory")
    [path] = [p for p in folder.glob("*.csv") if ".preview." not in p.name]
    held = locate(runtime.deps, FLOW_NAMES, path.stem)
    assert held is not None
    approve(held, runtime.deps)
    quantities = {k[0]: v["quantity"] for k, v in sandbox.inventory.items()}
    assert quantities == {1: 4, 2: 0, 3: 0}
