"""A workbook and its CSV twin, written so that nobody ever sees half of either.

Both are written under hidden temporary names in their folder, flushed to disk, and only then
renamed into place, one after the other; the folder is synced after. A crash leaves at worst
a temporary file (hidden, and removed by the next writer of that name) or the workbook alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from importer.files.durable import flush_to_disk, fsync_dir
from importer.files.modes import create_new


def write_pair(
    xlsx_path: Path,
    csv_path: Path,
    write_xlsx: Callable[[IO[bytes]], None],
    write_csv: Callable[[IO[str]], None],
    mode: int | None,
) -> list[Path]:
    """Write both files (`mode`: their file mode; None = what the umask gives); return
    `[xlsx_path, csv_path]`. The CSV is UTF-8 with a BOM, which Excel needs to read it."""
    temps: list[Path] = []
    try:
        xlsx_tmp = temp_beside(xlsx_path, mode)
        temps.append(xlsx_tmp)
        with xlsx_tmp.open("wb") as fh:
            write_xlsx(fh)
            flush_to_disk(fh)
        csv_tmp = temp_beside(csv_path, mode)
        temps.append(csv_tmp)
        with csv_tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            write_csv(fh)
            flush_to_disk(fh)
        os.replace(xlsx_tmp, xlsx_path)
        os.replace(csv_tmp, csv_path)
    finally:
        for tmp in temps:  # after a successful replace these are already gone
            tmp.unlink(missing_ok=True)
    fsync_dir(xlsx_path.parent)
    return [xlsx_path, csv_path]


def temp_beside(final: Path, mode: int | None) -> Path:
    # Same folder => os.replace is an atomic rename; a leading '.' => the watcher, Explorer's
    # defaults and people all leave it alone while it is being written. The mode is set on
    # the temporary file, so the file appears with it.
    fd, path = create_new(final.parent, prefix=f".{final.name}.", suffix=".tmp", mode=mode)
    os.close(fd)
    return path
