"""The fast path of text parsing: Arrow's CSV reader, for files whose every record has the
same number of fields.

pandas' C parser (the reference, in `importer.read.text`) takes about a second for a million
rows; Arrow's reader takes a tenth of that. Arrow is stricter: a record with more or fewer
fields is an error rather than a padded or widened row, and quotes have corner cases where
the two differ. On any such file (and on any file with a quote) this returns None and the C
parser reads it as before, with its widening and its messages; on every other file both
read the same cells (tests/read/test_read_arrow_csv.py compares them).
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]

# Arrow parses in blocks and a record must fit in one: 16 MiB holds any record whose cells
# are within the cell-size limit (importer.read.limits), so a file that breaks it still
# reaches the check that names the row. A bigger block costs no time, only its buffer.
_BLOCK_BYTES = 16 << 20


def read_uniform_csv(payload: bytes, sep: str, width: int) -> pd.DataFrame | None:
    """UTF-8 `payload` parsed into `width` text columns labelled 0..width-1, every cell a str
    ("" when empty), as pandas' C parser with `header=None, dtype=str, na_filter=False,
    skip_blank_lines=False` reads it; or None when a record does not have `width` fields
    (or Arrow cannot read the file for any other reason)."""
    if b'"' in payload:
        # Quotes are where the two parsers part: a quote inside an unquoted value, or one
        # left open, reads differently (the C parser stops and names the row). ERP exports
        # rarely quote; those that do keep the C parser's reading.
        return None
    names = [str(i) for i in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(payload),
            read_options=pa_csv.ReadOptions(
                column_names=names, use_threads=False, block_size=_BLOCK_BYTES
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=sep,
                quote_char=False,
                escape_char=False,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowCapacityError):
        return None
    return pd.DataFrame(
        {i: pd.array(table.column(name), dtype="str") for i, name in enumerate(names)},
        index=pd.RangeIndex(table.num_rows),
    )
