"""Which files a local process still holds open for writing (Linux, through /proc).

An export written in bursts keeps its file open between them; while it does, the file is not
complete, however long it has been quiet. Linux shows every process's open files as links in
`/proc/<pid>/fd/`, and the mode each was opened with in `/proc/<pid>/fdinfo/<fd>` (`flags:`,
octal): what `fuser` and `lsof` read. Only this machine's processes are visible: a writer on
another machine of an SMB share holds its handle on the server, where /proc cannot see it.

Where /proc cannot be read (other systems, a hardened /proc, processes of other users when
not root) the answer is "none that we can see", silently: the settle time, the check after
processing and the done marker still apply.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_PROC = Path("/proc")

# Reading every fd of every process costs a readlink each (about 50 µs on the 2-core machine,
# loaded): past this many the scan stops (about 2 s), and what it found by then is the answer.
MAX_FDS_SCANNED = 50_000

_ACCESS_MODE = os.O_ACCMODE if hasattr(os, "O_ACCMODE") else 3
_WRITING = frozenset({os.O_WRONLY, os.O_RDWR})


def open_for_writing(paths: Iterable[Path], proc: Path = _PROC) -> set[Path]:
    """The subset of `paths` that some process on this machine holds open for writing."""
    wanted: dict[str, Path] = {}
    for asked in paths:
        try:
            wanted[os.path.realpath(asked)] = asked
        except OSError:
            continue
    if not wanted:
        return set()
    found: set[Path] = set()
    scanned = 0
    try:
        pids = [entry for entry in os.scandir(proc) if entry.name.isdigit()]
    except OSError:
        return found
    for pid in pids:
        fd_dir = os.path.join(pid.path, "fd")
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # the process ended, or is not ours to look at
            continue
        for fd in fds:
            scanned += 1
            if scanned > MAX_FDS_SCANNED:
                return found
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            path = wanted.get(target)
            if path is None or path in found:
                continue
            if _writable(os.path.join(pid.path, "fdinfo", fd)):
                found.add(path)
                if len(found) == len(wanted):
                    return found
    return found


def _writable(fdinfo: str) -> bool:
    try:
        with open(fdinfo, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("flags:"):
                    return int(line.split()[1], 8) & _ACCESS_MODE in _WRITING
    except (OSError, ValueError, IndexError):
        return False
    return False
