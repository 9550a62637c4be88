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
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from importer.durable import fsync_dir

_COPY_CHUNK = 1024 * 1024


def archive_file(path: Path, dest_dir: Path, now: datetime) -> Path:
    """Move `path` into `dest_dir` (created if missing) and return where it landed.

    The file keeps its own name when that is free; otherwise it gets
    `<stem>.<UTC timestamp of now>[-n]<suffix>`. Existence is checked before each rename; the
    importer's lock on its working folder keeps anyone else from taking a name in between
    (and on Windows the rename itself refuses to overwrite, which is handled the same way).
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
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
    stem, suffix = (name[:dot], name[dot:]) if dot > 0 else (name, "")
    yield f"{stem}.{stamp}{suffix}"
    n = 2
    while True:
        yield f"{stem}.{stamp}-{n}{suffix}"
        n += 1


def _move(src: Path, dst: Path) -> None:
    try:
        os.rename(src, dst)
    except OSError as exc:
        # EXDEV: another filesystem (Windows' "different disk drive" maps to it too).
        if exc.errno != errno.EXDEV:
            raise
        _copy_across(src, dst)
    else:
        fsync_dir(dst.parent)


def _copy_across(src: Path, dst: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as source:
            shutil.copyfileobj(source, out, _COPY_CHUNK)
            out.flush()
            os.fsync(out.fileno())
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


def _utc(dt: datetime) -> datetime:
    # Naive datetimes are taken as UTC: the importer's clock is UTC throughout.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
