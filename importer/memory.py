"""Where Arrow's buffers come from: the C library's allocator, on Linux.

pyarrow allocates from its bundled mimalloc by default. Every stage of a file (read,
validate, hash, diff) makes large, short-lived buffers, and on Linux mimalloc pays for fresh
memory on each first use of a size: a 1,000,000-row price file validated in 0.85 s against
0.55 s with glibc's allocator, and peaked 80 MiB higher (bench.pipeline; docs/PERFORMANCE.md).
Elsewhere the default stays: it was not measured there.

Without importing pyarrow: it is ~0.3 s of every start, and `importer --help`, `config` or a
refused start never touch Arrow. Arrow picks its default pool from
`ARROW_DEFAULT_MEMORY_POOL` when pyarrow is imported (its documented switch), so setting it
first has the effect `pa.set_memory_pool(pa.system_memory_pool())` had; only when pyarrow is
already loaded (a program that imported it before the importer) is the pool set directly.
"""

from __future__ import annotations

import os
import sys

#: Arrow's environment variable naming the backend of its default memory pool.
POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def use_system_allocator() -> None:
    """Make the C library's allocator Arrow's default pool, on Linux (idempotent)."""
    if not sys.platform.startswith("linux"):
        return
    arrow = sys.modules.get("pyarrow")
    if arrow is None:
        os.environ[POOL_ENV] = "system"  # read once, when pyarrow is first imported
    else:
        arrow.set_memory_pool(arrow.system_memory_pool())
