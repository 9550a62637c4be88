"""Data safety: reverting files, full-mode guards, pending rows, odd values, secrets in errors.

Each test pins a way the importer once could lose or corrupt data (found in review)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from importer.config import load_settings
from importer.errors import ConfigError
from importer.run.runtime import build_runtime
from importer.sandbox import Faults, Sandbox
from importer.vtex.ratelimit import TokenBucket
from importer.vtex.timing import VirtualClock
from tests.conftest import CHECK_UP, RuntimeFactory, drop, one_pass, sandbox_client, seed_store


def _inventory_writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [
        (r.method, r.path)
        for r in sandbox.requests
        if r.method in ("PUT", "PATCH") and "/inventory/" in r.path
    ]


def _add_sku(sandbox: Sandbox, ref: str) -> int:
    """Create one more SKU (on the first product) through VTEX's own API."""
    with sandbox_client(sandbox) as client:
        sku = client.post(
            "/api/catalog/pvt/stockkeepingunit",
            json={
                "ProductId": next(iter(sandbox.products)),
                "Name": ref,
                "RefId": ref,
                "PackagedHeight": 10,
                "PackagedLength": 10,
                "PackagedWidth": 10,
                "PackagedWeightKg": 100,
                "IsActive": False,
            },
        )
        sku.raise_for_status()
        return int(sku.json()["Id"])


# -- 1. the same bytes again after a newer file: a revert is silently dropped ------------------


def test_reverting_file_with_same_bytes_as_an_older_file_is_applied(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """Monday: normal prices (A). Tuesday: promo (B). Wednesday: the ERP exports the normal
    prices again, byte for byte A. The importer calls it a duplicate of Monday's file and
    sends nothing, so VTEX keeps the promo prices."""
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    normal = "sku_ref,base_price\nSKU-00001,10.00\nSKU-00002,20.00\n"
    promo = "sku_ref,base_price\nSKU-00001,7.00\nSKU-00002,15.00\n"
    drop(workdir, "prices", "mon.csv", normal)
    one_pass(runtime)
    drop(workdir, "prices", "tue.csv", promo)
    one_pass(runtime)
    assert sandbox.prices[1]["basePrice"] == Decimal("7")

    drop(workdir, "prices", "wed.csv", normal)
    wed = one_pass(runtime).reports[0].summary
    assert wed.status != "duplicate", f"reported as duplicate of {wed.duplicate_of}"
    assert sandbox.prices[1]["basePrice"] == Decimal("10")
    assert sandbox.prices[2]["basePrice"] == Decimal("20")


def test_redropping_a_file_after_its_pending_row_failed_on_retry_sends_it(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """A row that went pending (catalog lookup 503) and then failed on retry (unknown SKU)
    says "the row is sent when the file is dropped again". The ledger still records the
    file with failed = 0, so the re-drop is a 'duplicate' and the row is never sent."""
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    content = "sku_ref,base_price\nSKU-00001,10.00\nNEW-1,12.00\n"
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP)
    drop(workdir, "prices", "precos.csv", content)
    first = one_pass(runtime).reports[0].summary
    assert first.pending == 2

    sandbox.faults = None
    retry = one_pass(runtime).reports[0]
    failed = [r for r in retry.rows if r.action == "failed"]
    assert [r.type for r in failed] == ["unknown-sku"]
    assert "sent when the file is dropped again" in failed[0].reason

    new_id = _add_sku(sandbox, "NEW-1")  # the person does what the report says
    drop(workdir, "prices", "precos.csv", content)
    again = one_pass(runtime).reports[0].summary
    assert again.status != "duplicate"
    assert sandbox.prices[new_id]["basePrice"] == Decimal("12")


# -- 2. full mode zeroes rows that ARE in the file but are invalid -----------------------------


def test_full_inventory_file_does_not_zero_rows_it_lists_but_that_are_invalid(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 20)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__INVENTORY__MODE": "full"})
    full = "sku_ref,warehouse_id,quantity\n" + "".join(
        f"SKU-{i:05d},1_1,{i}\n" for i in range(1, 21)
    )
    drop(workdir, "inventory", "full-1.csv", full)
    one_pass(runtime)
    assert sandbox.inventory[(20, "1_1")]["quantity"] == 20

    # The same full file, SKU-00020 now has a typo in its quantity: that row is invalid
    # (reported), but it is not absent from the file, so its stock must not be touched.
    drop(workdir, "inventory", "full-2.csv", full.replace("SKU-00020,1_1,20", "SKU-00020,1_1,2O"))
    report = one_pass(runtime).reports[0]
    actions = [(r.row, r.key, str(r.action)) for r in report.rows]
    assert actions == [(21, "SKU-00020|1_1", "invalid")], actions
    assert report.summary.deactivated == 0
    assert sandbox.inventory[(20, "1_1")]["quantity"] == 20


# -- 3. pending rows are dropped before anything is known to land ------------------------------


@pytest.mark.slow
def test_full_file_refused_by_the_removal_guard_keeps_older_pending_rows(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 20)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__INVENTORY__MODE": "full"})
    full = "sku_ref,warehouse_id,quantity\n" + "".join(
        f"SKU-{i:05d},1_1,{i}\n" for i in range(1, 21)
    )
    drop(workdir, "inventory", "full-1.csv", full)
    one_pass(runtime)

    # SKU-00001 goes 1 -> 99 while VTEX answers 503: the row is pending.
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP)
    drop(
        workdir, "inventory", "full-2.csv", full.replace("SKU-00001,1_1,1\n", "SKU-00001,1_1,99\n")
    )
    one_pass(runtime)
    assert runtime.deps.store.pending_count("inventory") == 1

    # A truncated export is refused ("Nothing was applied") ...
    truncated = "sku_ref,warehouse_id,quantity\n" + "".join(
        f"SKU-{i:05d},1_1,{i}\n" for i in range(1, 6)
    )
    drop(workdir, "inventory", "full-3.csv", truncated)
    refused = next(r for r in one_pass(runtime).reports if r.summary.file == "full-3.csv")
    assert refused.summary.status == "failed"
    # ... yet it silently superseded (dropped) the pending 99, which now never lands.
    assert runtime.deps.store.pending_count("inventory") == 1
    sandbox.faults = None
    one_pass(runtime)
    assert sandbox.inventory[(1, "1_1")]["quantity"] == 99


@pytest.mark.slow
def test_pending_row_that_was_applied_is_not_left_wrong_by_an_unchanged_newer_row(
    workdir: Path, sandbox: Sandbox
) -> None:
    """A timeout may have applied the change (API-NOTES §5.1: a 500/timeout can still apply).
    The newer file carries the value of the snapshot again: the diff calls it unchanged, the
    pending row is dropped, and VTEX keeps the value the ERP no longer has."""
    seed_store(sandbox, 2)
    inner = sandbox.async_transport()
    lose_answers = {"on": False}

    class LosesInventoryAnswers(httpx.AsyncBaseTransport):
        """VTEX applies every stock write but the answer never comes back (a timeout)."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await inner.handle_async_request(request)
            if (
                lose_answers["on"]
                and request.method == "PATCH"
                and "/inventory/" in str(request.url)
            ):
                raise httpx.ReadTimeout("lost", request=request)
            return response

    loaded = load_settings(cwd=workdir, environ={})
    runtime = build_runtime(loaded, transport=LosesInventoryAnswers(), clock=VirtualClock())
    try:
        drop(workdir, "inventory", "e1.csv", "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,5\n")
        one_pass(runtime)
        assert sandbox.inventory[(1, "1_1")]["quantity"] == 5

        lose_answers["on"] = True
        drop(workdir, "inventory", "e2.csv", "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,9\n")
        one_pass(runtime)
        assert sandbox.inventory[(1, "1_1")]["quantity"] == 9  # applied, though unconfirmed
        assert runtime.deps.store.pending_count("inventory") == 1

        # Still no answers; the ERP's stock is back to 5 (other bytes than e1.csv).
        drop(
            workdir,
            "inventory",
            "e3.csv",
            "sku_ref,warehouse_id,quantity\nSKU-00002,1_1,1\nSKU-00001,1_1,5\n",
        )
        one_pass(runtime)
        lose_answers["on"] = False
        one_pass(runtime)
        assert sandbox.inventory[(1, "1_1")]["quantity"] == 5
    finally:
        runtime.deps.store.close()


# -- 4. a value JSON cannot carry exactly crashes the whole file -------------------------------


def test_price_with_many_digits_is_a_row_error_not_an_internal_error(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """An ERP that prints numeric(38,18) or %.17g values ('19.899999999999999'): encode_json
    raises ValueError inside a push task, nothing catches it per row, and the whole file
    goes to archive/failed as an 'internal error' with no row in its report, while the other
    SKUs' PUTs already reached VTEX without being committed to the snapshot."""
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "prices",
        "precos.csv",
        "sku_ref,base_price\nSKU-00001,10.00\nSKU-00002,19.899999999999999\nSKU-00003,30.00\n",
    )
    report = one_pass(runtime).reports[0]
    assert report.summary.status == "done", report.summary.error
    assert (workdir / "archive" / "done" / "precos.csv").exists()
    assert {r.row for r in report.rows} == {2, 3, 4}
    assert sandbox.prices[1]["basePrice"] == Decimal("10")
    assert sandbox.prices[3]["basePrice"] == Decimal("30")


# -- 5. counts: a whole-column error counts as one invalid row ---------------------------------


def test_ambiguous_column_counts_every_row_it_invalidates(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    runtime = make_runtime(sandbox)
    drop(
        workdir,
        "prices",
        "precos.csv",
        "sku_ref,base_price\nSKU-00001,1.500\nSKU-00002,2.000\nSKU-00003,3.250\n",
    )
    summary = one_pass(runtime).reports[0].summary
    assert sandbox.prices == {}  # nothing was sent: the column is ambiguous (as documented)
    # rows read = invalid + unchanged + created + updated + failed + pending
    assert summary.rows_read == 3
    assert summary.invalid == 3, f"invalid={summary.invalid}"


# -- 6. after a 429 pause the bucket hands out a full burst at once ---------------------------


def test_bucket_after_429_pause_does_not_burst() -> None:
    """`pause()` says "the burst is spent", but it sets `_updated` to now, so the paused
    seconds refill the bucket: right after Retry-After every queued request leaves at once."""
    clock = VirtualClock()
    bucket = TokenBucket(per_second=1, burst=100, clock=clock)

    async def go() -> float:
        for _ in range(100):
            await bucket.acquire()  # spend the burst
        bucket.pause(60)
        start = clock.now
        for _ in range(10):
            await bucket.acquire()
        return clock.now - start

    # 60 s of pause, then at most 1 request per second.
    assert asyncio.run(go()) >= 60 + 9


# -- 7. an invalid account name is only found when the first file is pushed -------------------


def test_invalid_account_is_a_config_error_at_start(workdir: Path) -> None:
    with pytest.raises(ConfigError, match=r"vtex\.account"):
        load_settings(
            cwd=workdir,
            environ={
                "VTEX_ACCOUNT": "minha.loja",
                "VTEX_APP_KEY": "vtexappkey-x",
                "VTEX_APP_TOKEN": "secret-token",
            },
        )


# -- 8. a zeroed row is re-sent when a later full file lists it at 0 ---------------------------


@pytest.mark.slow
def test_zeroed_row_listed_again_at_zero_is_unchanged(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 20)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__INVENTORY__MODE": "full"})
    full = "sku_ref,warehouse_id,quantity\n" + "".join(
        f"SKU-{i:05d},1_1,{i}\n" for i in range(1, 21)
    )
    drop(workdir, "inventory", "full-1.csv", full)
    one_pass(runtime)
    drop(workdir, "inventory", "full-2.csv", full.replace("SKU-00020,1_1,20\n", ""))
    assert one_pass(runtime).reports[0].summary.deactivated == 1

    sandbox.requests.clear()
    drop(
        workdir, "inventory", "full-3.csv", full.replace("SKU-00020,1_1,20\n", "SKU-00020,1_1,0\n")
    )
    summary = one_pass(runtime).reports[0].summary
    assert (summary.unchanged, summary.updated) == (20, 0)
    assert _inventory_writes(sandbox) == []


# -- 9. a row with sku_id 0 vanishes: not sent, not in the report, not counted -----------------


def test_row_with_sku_id_zero_is_reported(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    drop(workdir, "prices", "precos.csv", "sku_id,base_price\n1,10.00\n0,12.00\n")
    report = one_pass(runtime).reports[0]
    s = report.summary
    accounted = s.invalid + s.unchanged + s.created + s.updated + s.failed + s.pending
    assert accounted == s.rows_read == 2, report.flatten(["row", "action", "type"])
    assert 3 in {r.row for r in report.rows}


# -- 10. full mode: the same warehouse spelled in another case zeroes the stock just sent ------


def test_full_file_with_warehouse_in_other_case_does_not_zero_the_stock_it_sets(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """Warehouse ids are matched case-insensitively when sending (push.py), but keys and the
    snapshot use the ERP's spelling: 'wh-sp' is a new key and 'WH-SP' is absent, so the same
    VTEX stock gets the file's 7 and then the removal's 0."""
    seed_store(sandbox, 10, warehouses=("1_1", "WH-SP"))
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__INVENTORY__MODE": "full"})
    rest = "".join(f"SKU-{i:05d},1_1,{i}\n" for i in range(2, 11))
    header = "sku_ref,warehouse_id,quantity\n"
    drop(workdir, "inventory", "f1.csv", header + "SKU-00001,WH-SP,5\n" + rest)
    one_pass(runtime)
    drop(workdir, "inventory", "f2.csv", header + "SKU-00001,wh-sp,7\n" + rest)
    one_pass(runtime)
    assert sandbox.inventory[(1, "WH-SP")]["quantity"] == 7


# -- 11. a fixed price whose dates change is added beside the old one --------------------------


@pytest.mark.slow
def test_changing_the_dates_of_a_fixed_price_replaces_it(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """The key is sku + trade_policy + min_quantity, so the file says "this fixed price is now
    8.90 from Jan 1 to Feb 15". PATCH upserts by activation (dates included), so the old
    9.90 for January stays beside it and both apply in January."""
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    h = "sku_ref,base_price,trade_policy,fixed_price,valid_from,valid_to\n"
    drop(
        workdir,
        "prices",
        "p1.csv",
        h + "SKU-00001,10,,,,\nSKU-00001,,1,9.90,2026-01-01,2026-01-31\n",
    )
    one_pass(runtime)
    drop(
        workdir,
        "prices",
        "p2.csv",
        h + "SKU-00001,10,,,,\nSKU-00001,,1,8.90,2026-01-01,2026-02-15\n",
    )
    assert one_pass(runtime).reports[0].summary.updated == 1
    assert [f["value"] for f in sandbox.prices[1]["fixedPrices"]] == [Decimal("8.9")]


# -- 12. a retried removal is reported as 'updated', without its reason ------------------------


@pytest.mark.slow
def test_retried_removal_is_still_reported_as_deactivated(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 20)
    runtime = make_runtime(sandbox, {"IMPORTER__FLOWS__INVENTORY__MODE": "full"})
    full = "sku_ref,warehouse_id,quantity\n" + "".join(
        f"SKU-{i:05d},1_1,{i}\n" for i in range(1, 21)
    )
    drop(workdir, "inventory", "f1.csv", full)
    one_pass(runtime)
    sandbox.faults = Faults(rate_5xx=1.0, spared=CHECK_UP)
    drop(workdir, "inventory", "f2.csv", full.replace("SKU-00020,1_1,20\n", ""))
    assert one_pass(runtime).reports[0].summary.pending == 1
    sandbox.faults = None
    retry = one_pass(runtime).reports[0]
    assert retry.summary.file == "pending-inventory"
    assert (retry.summary.deactivated, retry.summary.updated) == (1, 0)
    assert "set to 0" in retry.rows[0].reason


# -- 13. a misspelled secret key in importer.toml is echoed in the error -----------------------


@pytest.mark.parametrize(
    "toml",
    [
        '[vtex]\naccount = "loja"\napptoken = "S3CR3T-TOKEN"\n',
        '[vtex]\naccount = "loja"\n[vtex.app_token]\nvalue = "S3CR3T-TOKEN"\n',
    ],
)
def test_config_error_never_echoes_a_secret(tmp_path: Path, toml: str) -> None:
    (tmp_path / "importer.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(cwd=tmp_path, environ={})
    assert "S3CR3T-TOKEN" not in str(caught.value)


def test_env_typo_for_a_secret_is_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(cwd=tmp_path, environ={"IMPORTER__VTEX__APPTOKEN": "S3CR3T-TOKEN"})
    assert "S3CR3T-TOKEN" not in str(caught.value)


# -- 14. one flow folder that hiccups (SMB/NFS) stops the whole scan, and the watcher ---------


def test_scan_survives_a_folder_that_cannot_be_listed_right_now(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from importer.files.watch import scan_inbox

    drop(workdir, "inventory", "estoque.csv", "sku_ref,warehouse_id,quantity\nSKU-00001,1_1,1\n")
    real = os.scandir
    broken = str(workdir / "inbox" / "prices")

    def scandir(path: object) -> object:
        if str(path) == broken:
            raise OSError(112, "Host is down", broken)
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    found = scan_inbox(workdir / "inbox")  # an OSError here would stop `importer watch`
    assert [c.path.name for c in found] == ["estoque.csv"]


# -- 15. a long file name crashes the pass, and the claimed file blocks every later start ------


def test_long_file_name_is_finished_and_does_not_stop_the_importer(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    """The report's temporary name adds ~43 characters to the input's name; past 255 the
    report cannot be written, `_safely` tries the same report again, the OSError escapes
    `run_pass`, and the file stays in inbox/prices/.importer/ where every restart meets it
    first and crashes again, so no later file is ever taken."""
    seed_store(sandbox, 1)
    runtime = make_runtime(sandbox)
    name = "precos-" + "x" * 213 + ".csv"  # 224 characters: a valid file name
    drop(workdir, "prices", name, "sku_ref,base_price\nSKU-00001,10\n")
    one_pass(runtime)
    archived = [p.name for p in (workdir / "archive").rglob("*.csv")]
    assert archived == [name]
    assert not [p for p in (workdir / "inbox" / "prices" / ".importer").rglob("*") if p.is_file()]


def test_a_file_that_can_be_neither_processed_nor_archived_does_not_stop_the_importer(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An internal error, then archive/ refusing the move (read-only share, full disk): the
    file stays claimed, the other files of the pass are still taken, and once archive/ works
    again the next pass finishes it."""
    import importer.pipeline as pipeline

    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox)
    real_archive = pipeline.archive_file

    def refuse(path: Path, *args: object, **kwargs: object) -> Path:
        if path.name == "a.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real_archive(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "archive_file", refuse)
    drop(workdir, "prices", "a.csv", "sku_ref,base_price\nSKU-00001,10\n")
    drop(workdir, "prices", "b.csv", "sku_ref,base_price\nSKU-00002,20\n")
    one_pass(runtime)  # must not raise
    assert sandbox.prices[2]["basePrice"] == Decimal("20")
    claimed = [p.name for p in (workdir / "inbox" / "prices" / ".importer").rglob("*.csv")]
    assert claimed == ["a.csv"]
    monkeypatch.setattr(pipeline, "archive_file", real_archive)
    one_pass(runtime)
    assert sorted(p.name for p in (workdir / "archive" / "done").rglob("*.csv")) == [
        "a.csv",
        "b.csv",
    ]
    assert sandbox.prices[1]["basePrice"] == Decimal("10")
