"""Move a finished input file into `archive/done` or `archive/failed`, never overwriting.

An archived file is the evidence of what an ERP sent, so an earlier one is never replaced:
a second `precos.csv` becomes `precos.20261127T044458Z.csv`, a third in the same second
`precos.20261127T044458Z-2.csv`, and so on.

Within one filesystem the move is a single atomic rename. Across filesystems (the inbox on an
SMB share, the archive on a local disk) a rename is impossible, so the file is copied to a
hidden temporary name beside its destination, flushed to disk, renamed into place, and only
then removed from its source: at every instant the file exists whole in at least one place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from importer.files.durable import flush_to_disk, fsync_dir

_COPY_CHUNK = 1024 * 1024

NAME_MAX_BYTES = 255
"""The longest file name, in UTF-8 bytes, that Linux, macOS and Windows all accept. An
input's own name fits by definition; the names made from it (a timestamp added, a temporary
copy's prefix) are cut to fit, or the move would fail on every try."""

_MAX_SUFFIX_CHARS = 16  # longer than any real extension: part of the stem, not a suffix


def archive_file(path: Path, dest_dir: Path, now: datetime) -> Path:
    """Move `path` into `dest_dir` (created if missing) and return where it landed.

    The file keeps its own name when that is free; otherwise it gets
    `<stem>.<UTC timestamp of now>[-n]<suffix>`. The rename itself refuses to overwrite, so
    two importers sharing one archive folder (two machines on one SMB share) never replace
    each other's files, even when they pick the same name at the same instant.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    already = dest_dir / path.name
    if _same_file(path, already):
        # A crash between the link and the unlink of `_rename_no_replace`: it is archived.
        path.unlink()
        fsync_dir(path.parent)
        return already
    names = _candidate_names(path.name, now)
    while True:
        target = dest_dir / next(names)
        if os.path.lexists(target):
            continue
        try:
            _move(path, target)
        except FileExistsError:
            continue
        return target


def _candidate_names(name: str, now: datetime) -> Iterator[str]:
    yield name
    stamp = _utc(now).strftime("%Y%m%dT%H%M%SZ")
    dot = name.rfind(".")
    # 'precos.csv' -> 'precos' + '.csv'; a name with no suffix (or only a leading dot) keeps
    # its whole self as the stem.
    has_suffix = dot > 0 and len(name) - dot <= _MAX_SUFFIX_CHARS
    stem, suffix = (name[:dot], name[dot:]) if has_suffix else (name, "")
    yield fit_name(stem, f".{stamp}{suffix}")
    n = 2
    while True:
        yield fit_name(stem, f".{stamp}-{n}{suffix}")
        n += 1


def fit_name(start: str, end: str, limit: int = NAME_MAX_BYTES) -> str:
    """`start + end`, with `start` cut (never inside a character) so that the whole name
    takes at most `limit` bytes in UTF-8."""
    room = max(limit - len(end.encode()), 0)
    return start.encode()[:room].decode("utf-8", errors="ignore") + end


def _move(src: Path, dst: Path) -> None:
    try:
        _rename_no_replace(src, dst)
    except OSError as exc:
        # EXDEV: another filesystem (Windows' "different disk drive" maps to it too).
        if exc.errno != errno.EXDEV:
            raise
        _copy_across(src, dst)
    else:
        fsync_dir(dst.parent)


# Filesystems without hard links (FAT, some SMB servers) answer link() with one of these.
_NO_LINKS = frozenset(
    {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK, errno.EACCES}
)


def _rename_no_replace(src: Path, dst: Path) -> None:
    """Rename, failing with FileExistsError rather than replacing `dst`.

    POSIX rename() silently replaces; link() refuses an existing name atomically, and the
    unlink that follows removes the source. Windows' rename already refuses to replace. Where
    the filesystem has no hard links, a plain rename after an existence check is the best
    that remains (the folder lock still keeps one importer per working folder).
    """
    if os.name == "nt":
        os.rename(src, dst)
        return
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise  # EEXIST: the name is taken; EXDEV: the caller copies across filesystems
        if os.path.lexists(dst):
            raise FileExistsError(
                errno.EEXIST, "already archived under this name", str(dst)
            ) from None
        os.rename(src, dst)
        return
    os.unlink(src)


def _same_file(a: Path, b: Path) -> bool:
    # The entries themselves: a link archived under `b` is the same entry as `a` (a hard
    # link of it), not every other link to the same target.
    try:
        sa, sb = os.lstat(a), os.lstat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _copy_across(src: Path, dst: Path) -> None:
    if not stat.S_ISREG(os.lstat(src).st_mode):
        _move_entry_across(src, dst)
        return
    # mkstemp adds 8 random characters and the suffix to the prefix.
    prefix = fit_name(f".{dst.name}", ".", NAME_MAX_BYTES - 8 - len(".tmp"))
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=dst.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as source:
            shutil.copyfileobj(source, out, _COPY_CHUNK)
            flush_to_disk(out)
        # Keep the ERP's timestamps: people sort an archive folder by date.
        with contextlib.suppress(OSError):
            st = src.stat()
            os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, "already archived under this name", str(dst))
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # Only now that the copy is durable under its final name does the source go.
    fsync_dir(dst.parent)
    src.unlink()


def _move_entry_across(src: Path, dst: Path) -> None:
    """Move an entry that is not a regular file (refused unread) to another filesystem: a
    link is made again with the same target (which is never opened), a FIFO is made again, a
    folder is copied with its links as links. Other entries (devices) cannot be remade by an
    ordinary user: the OSError leaves them claimed and logged."""
    tmp = dst.parent / fit_name(f".{dst.name}", f".{os.getpid()}.tmp")
    mode = os.lstat(src).st_mode
    if stat.S_ISLNK(mode):
        os.symlink(os.readlink(src), tmp)
    elif stat.S_ISFIFO(mode):
        os.mkfifo(tmp, stat.S_IMODE(mode))
    elif stat.S_ISDIR(mode):
        shutil.copytree(src, tmp, symlinks=True)
    else:
        raise OSError(errno.EXDEV, "cannot move this kind of entry to another filesystem", src)
    try:
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, "already archived under this name", str(dst))
        os.rename(tmp, dst)
    except BaseException:
        if os.path.isdir(tmp) and not os.path.islink(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    fsync_dir(dst.parent)
    if stat.S_ISDIR(mode):
        shutil.rmtree(src)
    else:
        src.unlink()


def _utc(dt: datetime) -> datetime:
    # Naive datetimes are taken as UTC: the importer's clock is UTC throughout.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
