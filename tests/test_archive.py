"""Archiving inputs: an archived file is evidence, so it is never overwritten or half-copied."""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from importer.files.archive import archive_file

NOW = datetime(2026, 11, 27, 4, 44, 58, tzinfo=UTC)


def drop(folder: Path, name: str, content: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content)
    return path


def test_moves_the_file_under_its_own_name(tmp_path: Path) -> None:
    source = drop(tmp_path / "inbox", "precos.csv", "sku;preco\n1;2\n")

    final = archive_file(source, tmp_path / "archive" / "done", NOW)

    assert final == tmp_path / "archive" / "done" / "precos.csv"
    assert final.read_text() == "sku;preco\n1;2\n"
    assert not source.exists()


def test_a_name_taken_three_times_gets_a_timestamp_then_a_counter(tmp_path: Path) -> None:
    done = tmp_path / "done"
    finals = [
        archive_file(drop(tmp_path / "inbox", "precos.csv", f"version {n}"), done, NOW)
        for n in range(4)
    ]

    assert [p.name for p in finals] == [
        "precos.csv",
        "precos.20261127T044458Z.csv",
        "precos.20261127T044458Z-2.csv",
        "precos.20261127T044458Z-3.csv",
    ]
    assert [p.read_text() for p in finals] == [f"version {n}" for n in range(4)]


def test_a_name_without_suffix_keeps_its_whole_name_as_stem(tmp_path: Path) -> None:
    done = tmp_path / "done"
    archive_file(drop(tmp_path / "inbox", "PRECOS", "a"), done, NOW)

    second = archive_file(drop(tmp_path / "inbox", "PRECOS", "b"), done, NOW)

    assert second.name == "PRECOS.20261127T044458Z"


def test_the_timestamp_is_utc_and_naive_times_are_taken_as_utc(tmp_path: Path) -> None:
    done = tmp_path / "done"
    archive_file(drop(tmp_path / "inbox", "e.csv", "a"), done, NOW)

    naive = archive_file(drop(tmp_path / "inbox", "e.csv", "b"), done, NOW.replace(tzinfo=None))

    assert naive.name == "e.20261127T044458Z.csv"


def test_across_filesystems_it_copies_then_removes_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = drop(tmp_path / "share", "estoque.xlsx", "workbook bytes")
    os.utime(source, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))

    def cross_device(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "rename", cross_device)
    monkeypatch.setattr(os, "link", cross_device)

    final = archive_file(source, tmp_path / "local" / "done", NOW)

    assert final.read_text() == "workbook bytes"
    assert final.stat().st_mtime_ns == 1_700_000_000_000_000_000
    assert not source.exists()
    assert os.listdir(final.parent) == ["estoque.xlsx"]  # no temporary file left behind


def test_a_copy_that_fails_keeps_the_source_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = drop(tmp_path / "share", "estoque.xlsx", "workbook bytes")

    def cross_device(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "rename", cross_device)
    monkeypatch.setattr(os, "link", cross_device)
    monkeypatch.setattr(os, "fsync", disk_full)

    with pytest.raises(OSError, match="No space"):
        archive_file(source, tmp_path / "local" / "done", NOW)

    assert source.read_text() == "workbook bytes"
    assert os.listdir(tmp_path / "local" / "done") == []


def test_across_filesystems_an_existing_archive_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = tmp_path / "done"
    drop(done, "estoque.csv", "earlier")

    def cross_device(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "rename", cross_device)
    monkeypatch.setattr(os, "link", cross_device)

    final = archive_file(drop(tmp_path / "share", "estoque.csv", "later"), done, NOW)

    assert final.name == "estoque.20261127T044458Z.csv"
    assert (done / "estoque.csv").read_text() == "earlier"


def test_a_missing_source_is_an_error_not_a_silent_success(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        archive_file(tmp_path / "gone.csv", tmp_path / "done", NOW)


@pytest.mark.skipif(os.name == "nt", reason="Windows' rename refuses to replace by itself")
def test_a_name_taken_between_the_check_and_the_move_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two importers on one share archive 'precos.csv' at the same instant: both see the name
    free; the second must not replace the first's file."""
    done = tmp_path / "done"
    done.mkdir()
    (done / "precos.csv").write_text("the other importer's file")
    monkeypatch.setattr(os.path, "lexists", lambda path: False)  # both saw it free

    final = archive_file(drop(tmp_path / "inbox", "precos.csv", "ours"), done, NOW)

    assert final.name == "precos.20261127T044458Z.csv"
    assert final.read_text() == "ours"
    assert (done / "precos.csv").read_text() == "the other importer's file"


@pytest.mark.skipif(os.name == "nt", reason="hard links are how POSIX refuses to replace")
def test_a_crash_between_link_and_unlink_is_finished_without_a_second_copy(
    tmp_path: Path,
) -> None:
    source = drop(tmp_path / "inbox", "precos.csv", "bytes")
    done = tmp_path / "done"
    done.mkdir()
    os.link(source, done / "precos.csv")  # the kill came before the source was unlinked

    final = archive_file(source, done, NOW)

    assert final == done / "precos.csv"
    assert not source.exists()
    assert os.listdir(done) == ["precos.csv"]


def test_a_filesystem_without_hard_links_still_archives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    done = tmp_path / "done"
    first = archive_file(drop(tmp_path / "inbox", "a.csv", "1"), done, NOW)
    second = archive_file(drop(tmp_path / "inbox", "a.csv", "2"), done, NOW)

    assert (first.read_text(), second.read_text()) == ("1", "2")
    assert first != second
