"""Making writes last: what a rename or a file needs before the importer reports it done."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, Any


def flush_to_disk(handle: IO[Any]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    """Makes a rename in `folder` durable on POSIX; Windows cannot open a folder, and an SMB
    share may refuse: the rename is still atomic there."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
