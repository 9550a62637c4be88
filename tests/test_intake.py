"""Intake (issue 10, items 1, 10 and 15's reading parts): what is never read, what is too big
to read, and rows and numbers as the person sees them.

- A symbolic link (wherever it points, the inbox included), a FIFO, a device, a folder named
  like an input: refused with a report, the entry itself (never its target) moved to
  archive/failed, not one byte of a target in the report or the log.
- A flow folder or claim folder that is a link: nothing is taken from it, nothing is created
  or moved where it points, and `importer run` needs attention.
- A file over `[watch] max_file_mb`: refused from its size, without being read or hashed.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from loguru import logger

import importer.files.archive as archive
import importer.pipeline as pipeline
import importer.read.table as table_module
from importer.errors import UnreadableFile
from importer.files.watch import CLAIM_DIR
from importer.read import ReadOptions, read_table
from importer.read.entry import NOT_A_FILE, open_regular
from importer.read.limits import HEAD_BYTES
from importer.report import read_report_csv
from importer.run.lock import claim_owner
from importer.run.runner import PassResult
from importer.run.runtime import Runtime
from importer.sandbox import Sandbox
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store

SECRET = "root:$6$SECRET-HASH-of-the-shadow-file:19000:0:99999:7:::"


@pytest.fixture
def logged() -> Iterator[list[str]]:
    """Everything the importer logs during the test."""
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG", format="{message}")
    yield lines
    logger.remove(sink)


def report_of(workdir: Path, name: str) -> list[dict[str, str]]:
    found = sorted((workdir / "outbox" / "reports").glob(f"{name}.*.report.csv"))
    assert len(found) == 1, found
    return read_report_csv(found[0])


def report_bytes(workdir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((workdir / "outbox" / "reports").iterdir()))


def price_writes(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.requests if r.path.startswith("/pricing/")]


def failed(workdir: Path) -> Path:
    return workdir / "archive" / "failed"


def run_with_deadline(runtime: Runtime, seconds: float = 20.0) -> PassResult:
    """One pass in a thread: a pass that blocks (opening a FIFO) fails the test, not hangs it."""
    out: list[PassResult] = []
    worker = threading.Thread(target=lambda: out.append(one_pass(runtime)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "the pass blocked"
    return out[0]


# --- 1. links, FIFOs, devices, folders ------------------------------------------------------


def test_a_link_to_a_secret_is_refused_and_moved_itself_without_reading_its_target(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, tmp_path: Path, logged: list[str]
) -> None:
    secret = tmp_path / "outside" / "shadow"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n", encoding="utf-8")
    link = workdir / "inbox" / "prices" / "precos.csv"
    link.symlink_to(secret)

    result = run_with_deadline(make_runtime(sandbox))

    [report] = result.reports
    assert report.summary.status == "failed"
    assert "symbolic link" in report.summary.error
    assert result.needs_attention
    archived = failed(workdir) / "precos.csv"
    assert archived.is_symlink() and os.readlink(archived) == str(secret)  # the link itself
    assert secret.read_text(encoding="utf-8") == SECRET + "\n"  # its target untouched
    assert not os.path.lexists(link)
    assert SECRET.encode() not in report_bytes(workdir)
    assert b"SECRET-HASH" not in report_bytes(workdir)
    assert not any("SECRET-HASH" in line for line in logged)
    assert any("precos.csv: this is a symbolic link" in line for line in logged)


def test_a_link_to_a_price_file_outside_the_inbox_sends_nothing_to_vtex(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    seed_store(sandbox, 5)
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("sku_ref,base_price\nSKU-00001,10\nSKU-00002,20\n", encoding="utf-8")
    (workdir / "inbox" / "prices" / "precos.csv").symlink_to(outside)

    result = one_pass(make_runtime(sandbox))

    assert [r.summary.status for r in result.reports] == ["failed"]
    assert price_writes(sandbox) == []
    [row] = [r for r in report_of(workdir, "precos.csv")] or [None]
    assert row is None  # a refused file has no rows; its summary says why


def test_a_link_whose_target_is_inside_the_inbox_is_still_refused(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 5)
    real = workdir / "inbox" / "catalog" / "precos-real.txt"  # not taken: catalog is another flow
    real.write_text("sku_ref,base_price\nSKU-00001,10\n", encoding="utf-8")
    (workdir / "inbox" / "prices" / "precos.csv").symlink_to(real)
    runtime = make_runtime(sandbox)
    runtime.deps.loaded.settings.flow("catalog").enabled = False

    result = one_pass(runtime)

    assert [(r.summary.file, r.summary.status) for r in result.reports] == [
        ("precos.csv", "failed")
    ]
    assert price_writes(sandbox) == []
    assert (failed(workdir) / "precos.csv").is_symlink()
    assert real.read_text(encoding="utf-8").startswith("sku_ref")


def test_a_dangling_link_is_refused_too(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    (workdir / "inbox" / "prices" / "precos.csv").symlink_to(tmp_path / "nowhere.csv")
    [report] = one_pass(make_runtime(sandbox)).reports
    assert "symbolic link" in report.summary.error
    assert (failed(workdir) / "precos.csv").is_symlink()


def test_a_fifo_is_refused_without_being_opened(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    fifo = workdir / "inbox" / "inventory" / "estoque.csv"
    os.mkfifo(fifo)

    result = run_with_deadline(make_runtime(sandbox))  # opening a FIFO would block forever

    [report] = result.reports
    assert report.summary.status == "failed"
    assert "named pipe (FIFO)" in report.summary.error
    assert stat.S_ISFIFO(os.lstat(failed(workdir) / "estoque.csv").st_mode)
    assert not os.path.lexists(fifo)


def test_a_folder_named_like_a_file_is_refused_and_other_folders_are_left_alone(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    named = workdir / "inbox" / "prices" / "precos.csv"
    named.mkdir()
    (named / "inside.csv").write_text("sku_ref,base_price\nSKU-1,1\n", encoding="utf-8")
    kept = workdir / "inbox" / "prices" / "antigos"
    kept.mkdir()

    [report] = one_pass(make_runtime(sandbox)).reports

    assert "this is a folder" in report.summary.error
    assert (failed(workdir) / "precos.csv" / "inside.csv").is_file()  # moved whole, unread
    assert kept.is_dir()


def test_a_device_is_refused_without_being_read(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    device = workdir / "inbox" / "prices" / "zero.csv"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("making a device needs privileges here")
    [report] = run_with_deadline(make_runtime(sandbox)).reports
    assert "this is a device" in report.summary.error
    assert stat.S_ISCHR(os.lstat(failed(workdir) / "zero.csv").st_mode)


def test_open_regular_refuses_a_link_that_appears_after_the_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: an entry swapped for a link between the lstat and the open is still not
    followed (O_NOFOLLOW), and a FIFO is not blocked on (O_NONBLOCK)."""
    secret = tmp_path / "secret"
    secret.write_text(SECRET, encoding="utf-8")
    link = tmp_path / "precos.csv"
    link.symlink_to(secret)
    fifo = tmp_path / "estoque.csv"
    os.mkfifo(fifo)
    import importer.read.entry as entry

    monkeypatch.setattr(entry, "special_entry", lambda path: None)  # the look saw a file
    with pytest.raises(OSError) as caught:
        open_regular(link)
    assert caught.value.errno == errno.ELOOP
    with pytest.raises(UnreadableFile, match="named pipe"):
        open_regular(fifo)  # returns at once: O_NONBLOCK, then fstat


def test_read_table_never_follows_a_link(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("sku;price\n" + SECRET + ";1\n", encoding="utf-8")
    link = tmp_path / "precos.csv"
    link.symlink_to(secret)
    with pytest.raises(UnreadableFile) as caught:
        read_table(link)
    assert caught.value.type == NOT_A_FILE
    assert "SECRET" not in str(caught.value)


def test_a_link_is_archived_across_filesystems_as_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "secret"
    secret.write_text(SECRET, encoding="utf-8")
    link = tmp_path / "inbox" / "precos.csv"
    link.parent.mkdir()
    link.symlink_to(secret)

    def across(src: Path, dst: Path) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(archive, "_rename_no_replace", across)
    from datetime import UTC, datetime

    landed = archive.archive_file(link, tmp_path / "archive" / "failed", datetime.now(UTC))
    assert landed.is_symlink() and os.readlink(landed) == str(secret)
    assert not os.path.lexists(link)
    assert secret.read_text(encoding="utf-8") == SECRET


# --- 1. flow and claim folders that are links -------------------------------------------------


def test_a_claim_folder_that_is_a_link_takes_nothing_and_creates_nothing_where_it_points(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    seed_store(sandbox, 5)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (workdir / "inbox" / "prices" / CLAIM_DIR).symlink_to(elsewhere, target_is_directory=True)
    dropped = drop(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-00001,10\n")

    result = one_pass(make_runtime(sandbox))

    assert list(elsewhere.iterdir()) == []  # no owner folder made there, nothing moved there
    assert dropped.is_file()  # stays in the inbox until the claim folder is a real folder
    assert price_writes(sandbox) == []
    assert result.needs_attention
    assert any(".importer is a symbolic link" in problem for problem in result.unsafe)


def test_an_owner_claim_folder_that_is_a_link_takes_nothing(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    runtime = make_runtime(sandbox)
    owner = claim_owner(runtime.deps.loaded.folder("state"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "planted.csv").write_text("sku_ref,base_price\nSKU-1,1\n", encoding="utf-8")
    claim_dir = workdir / "inbox" / "prices" / CLAIM_DIR
    claim_dir.mkdir()
    (claim_dir / owner).symlink_to(elsewhere, target_is_directory=True)
    dropped = drop(workdir, "prices", "precos.csv", "sku_ref,base_price\nSKU-1,10\n")

    result = one_pass(runtime)

    assert sorted(p.name for p in elsewhere.iterdir()) == ["planted.csv"]  # not taken as ours
    assert dropped.is_file()
    assert result.reports == [] and result.needs_attention


def test_a_flow_folder_that_is_a_link_is_not_scanned(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precos.csv").write_text("sku_ref,base_price\nSKU-1,1\n", encoding="utf-8")
    prices = workdir / "inbox" / "prices"
    prices.rmdir()
    prices.symlink_to(elsewhere, target_is_directory=True)

    result = one_pass(make_runtime(sandbox))

    assert result.reports == []
    assert sorted(p.name for p in elsewhere.iterdir()) == ["precos.csv"]
    assert any("inbox/prices is a symbolic link" in p for p in result.unsafe)


# --- 10. the size limit ------------------------------------------------------------------------


def test_a_file_over_max_file_mb_is_refused_without_being_read(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_store(sandbox, 5)
    big = "sku_ref,base_price\n" + "SKU-00001,10\n" * 100_000  # 1.3 MB of a valid file
    drop(workdir, "prices", "grande.csv", big)
    runtime = make_runtime(sandbox, {"IMPORTER__WATCH__MAX_FILE_MB": "1"})

    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(pipeline, "fingerprint", never)
    monkeypatch.setattr(pipeline, "read_table", never)

    [report] = one_pass(runtime).reports

    assert report.summary.status == "failed"
    assert "grande.csv: the file is 1.2 MiB, more than the 1 MiB" in report.summary.error
    assert "max_file_mb under [watch]" in report.summary.error
    assert (failed(workdir) / "grande.csv").is_file()
    assert price_writes(sandbox) == []


def test_read_table_refuses_a_file_over_the_limit_from_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "grande.csv"
    with path.open("wb") as fh:
        fh.truncate(3 << 20)  # 3 MiB, sparse
    reads: list[int] = []
    real_open = table_module.open_regular

    def counting(p: Path):  # type: ignore[no-untyped-def]
        handle = real_open(p)
        read = handle.read

        def counted(n: int = -1) -> bytes:
            data = read(n)
            reads.append(len(data))
            return data

        handle.read = counted  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(table_module, "open_regular", counting)
    with pytest.raises(UnreadableFile, match=r"3\.0 MiB, more than the 2 MiB"):
        read_table(path, ReadOptions(max_file_mb=2))
    assert reads == []


def test_binary_data_is_refused_from_its_first_bytes_before_the_rest_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lixo.csv"
    with path.open("wb") as fh:
        fh.truncate(8 << 20)  # 8 MiB of NUL bytes, under the limit
    reads: list[int] = []
    real_open = table_module.open_regular

    def counting(p: Path):  # type: ignore[no-untyped-def]
        handle = real_open(p)
        read = handle.read

        def counted(n: int = -1) -> bytes:
            data = read(n)
            reads.append(len(data))
            return data

        handle.read = counted  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(table_module, "open_regular", counting)
    with pytest.raises(UnreadableFile, match="binary data"):
        read_table(path)
    assert sum(reads) <= HEAD_BYTES


# --- 15. rows and numbers as the person sees them -------------------------------------------


@pytest.mark.slow
def test_a_magento_export_reports_the_row_excel_shows(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 200)
    lines = ["sku_ref,description,base_price"]
    for n in range(1, 201):
        description = "\n".join(f"linha {k}" for k in range(1 + n % 9))
        price = "dez" if n == 101 else f"{n}.50"
        lines.append(f'SKU-{n:05d},"{description}",{price}')
    drop(workdir, "prices", "magento.csv", "\n".join(lines) + "\n")

    one_pass(make_runtime(sandbox))

    [bad] = [r for r in report_of(workdir, "magento.csv") if r["action"] == "invalid"]
    assert (bad["row"], bad["key"], bad["value"]) == ("102", "SKU-00101", "dez")


def test_a_price_computed_in_excel_lands_as_excel_shows_it(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    from tests.read.builders import write_xlsx

    seed_store(sandbox, 2)
    write_xlsx(
        workdir / "inbox" / "prices",
        "precos.xlsx",
        {
            "Plan1": {
                "A1": "sku_ref",
                "B1": "base_price",
                "A2": "SKU-00001",
                "B2": 731.9399999999999,  # what =A1*B1 leaves in the cell; Excel shows 731.94
                "A3": "SKU-00002",
                "B3": 19.899999999999999,
            }
        },
    )

    [report] = one_pass(make_runtime(sandbox)).reports

    assert (report.summary.created, report.summary.invalid) == (2, 0)
    assert sandbox.prices[1]["basePrice"] == Decimal("731.94")
    assert sandbox.prices[2]["basePrice"] == Decimal("19.90")


def test_a_link_a_crash_left_claimed_is_refused_on_the_next_start(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    secret = tmp_path / "shadow"
    secret.write_text(SECRET, encoding="utf-8")
    runtime = make_runtime(sandbox)
    owner = claim_owner(runtime.deps.loaded.folder("state"))
    claimed = workdir / "inbox" / "prices" / CLAIM_DIR / owner
    claimed.mkdir(parents=True)
    (claimed / "precos.csv").symlink_to(secret)  # claimed, then the importer was killed

    [report] = one_pass(runtime).reports

    assert "symbolic link" in report.summary.error
    assert (failed(workdir) / "precos.csv").is_symlink()
    assert list(claimed.iterdir()) == []
    assert SECRET.encode() not in report_bytes(workdir)
