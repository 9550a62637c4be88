"""Caps on pathological inputs, so that a hostile or broken file fails fast with a clear
message instead of exhausting memory or time. One place, so the numbers are easy to find."""

from __future__ import annotations

MAX_COLUMNS = 2_000
"""More columns than any ERP export has; a row with more is almost surely the wrong delimiter."""

MAX_CELL_CHARS = 1_000_000
"""Excel itself stops at 32,767 characters per cell; anything near a million is not data."""

MAX_UNCOMPRESSED_BYTES = 1 << 30
"""Declared uncompressed size of all members of a workbook's zip (1 GiB)."""

MAX_COMPRESSION_RATIO = 200
"""Real workbooks compress 5-30x; a zip bomb compresses thousands of times."""

RATIO_CHECK_FLOOR = 32 << 20
"""Below 32 MiB uncompressed, a high ratio is harmless (tiny repetitive XML parts)."""

XML_SCAN_BYTES = 64 << 10
"""How much of each XML member is scanned for DTD/ENTITY declarations (they must come
before the root element, so they are always near the start)."""

MIB = 1 << 20

DEFAULT_MAX_FILE_MB = 1024
"""Files above this many MiB are refused before they are read (`[watch] max_file_mb`)."""

HEAD_BYTES = 64 << 10
"""How much of a file is read first to tell what it is, before the rest is read."""
