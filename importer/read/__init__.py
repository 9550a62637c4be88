"""Reading: bytes -> `Table` of strings (file-type sniffing, encodings, delimiters,
workbooks), header matching and decimal parsing.

    read_table(path, options)          -> Table            raises UnreadableFile
    match_headers(headers, canonical, aliases) -> HeaderMatch
    parse_decimal_column(values, decimal, numeric_mask) -> DecimalColumn

Modules, one job each: `entry` (open only a regular file, never through a link; the size
limit), `sniff` (what the bytes are), `encoding` (bytes -> text),
`delimiter` (which delimiter, how wide the header), `text` (CSV parse), `zipguard` (zip
bomb / DTD checks), `workbook` (calamine -> text cells), `table` (header, blank rows, row
numbers), `headers` (names), `numbers` (decimal columns), `limits` (the caps), `damage`
(cells holding a control character or undecodable bytes, which validation reports per row).

The names below load on first use (PEP 562): `importer.read.entry` (which the file watcher
and the fingerprint need at every start) must not pull pandas and pyarrow, ~1 s of a start,
into a command that reads no file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importer.read.headers import HeaderMatch, match_headers, normalize_header
    from importer.read.numbers import DecimalColumn, parse_decimal_column
    from importer.read.table import ReadOptions, Table, read_table

__all__ = [
    "DecimalColumn",
    "HeaderMatch",
    "ReadOptions",
    "Table",
    "match_headers",
    "normalize_header",
    "parse_decimal_column",
    "read_table",
]

_HOME = {
    "HeaderMatch": "importer.read.headers",
    "match_headers": "importer.read.headers",
    "normalize_header": "importer.read.headers",
    "DecimalColumn": "importer.read.numbers",
    "parse_decimal_column": "importer.read.numbers",
    "ReadOptions": "importer.read.table",
    "Table": "importer.read.table",
    "read_table": "importer.read.table",
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once: later lookups find it without this function
    return value
