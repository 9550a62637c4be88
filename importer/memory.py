"""Where Arrow's buffers come from: the C library's allocator, on Linux.

pyarrow allocates from its bundled mimalloc by default. Every stage of a file (read,
validate, hash, diff) makes large, short-lived buffers, and on Linux mimalloc pays for fresh
memory on each first use of a size: a 1,000,000-row price file validated in 0.85 s against
0.55 s with glibc's allocator, and peaked 80 MiB higher (bench.pipeline; docs/PERFORMANCE.md).
Elsewhere the default stays: it was not measured there.
"""

from __future__ import annotations

import sys

import pyarrow as pa  # type: ignore[import-untyped]


def use_system_allocator() -> None:
    """Make the C library's allocator Arrow's default pool, on Linux (idempotent)."""
    if sys.platform.startswith("linux"):
        pa.set_memory_pool(pa.system_memory_pool())
