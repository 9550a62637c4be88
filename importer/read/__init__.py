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
"""

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
