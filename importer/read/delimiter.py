"""Which delimiter a text file uses, and how many fields its header line has.

The first records of the file are tokenised with each candidate delimiter by the csv
module, so quoted values (which may hold delimiters and line breaks) are handled exactly as
the real parse will handle them. The header (first non-blank record) must contain the
delimiter; among those that do, the one that splits the following records into the same
number of fields most often wins, then the one giving more fields, then the fixed order
tab, ';', ',', '|' (a ';' file often has decimal commas in its values, never the reverse).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

CANDIDATES: tuple[str, ...] = ("\t", ";", ",", "|")
SAMPLE_CHARS = 64 * 1024
SAMPLE_RECORDS = 50


@dataclass(frozen=True)
class Layout:
    delimiter: str | None
    """None when no candidate appears in the header: a single-column file."""
    header_fields: int | None
    """Fields in the header record with that delimiter; None if the sample has no header."""


def sniff_layout(text: str, explicit: str | None = None) -> Layout:
    sample = text[:SAMPLE_CHARS]
    truncated = len(text) > SAMPLE_CHARS
    if explicit is not None:
        records = _records(sample, explicit, truncated)
        return Layout(explicit, len(records[0]) if records else None)
    best: tuple[tuple[float, int, int], str, int] | None = None
    for priority, delimiter in enumerate(CANDIDATES):
        records = _records(sample, delimiter, truncated)
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        others = records[1:]
        agree = sum(1 for r in others if _same_width(r, width))
        score = (agree / len(others) if others else 1.0, width, -priority)
        if best is None or score > best[0]:
            best = (score, delimiter, width)
    if best is None:
        for delimiter in CANDIDATES:
            # Only delimiters and spaces (';;;' lines): every row is blank, not a value.
            if delimiter in sample and not _records(sample, delimiter, truncated):
                return Layout(delimiter, None)
        records = _records(sample, "\x1f", truncated)  # any character that is not there
        return Layout(None, 1 if records else None)
    return Layout(best[1], best[2])


def _records(sample: str, delimiter: str, truncated: bool) -> list[list[str]]:
    """The first non-blank records of the sample, split with `delimiter`."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar='"')
    records: list[list[str]] = []
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append(record)
                if len(records) == SAMPLE_RECORDS:
                    return records
    except csv.Error:
        pass  # a malformed sample: judge on what was read; the real parse will report it
    if truncated and len(records) > 1:
        records.pop()  # the sample ended inside this record: it may be cut short
    return records


def _same_width(record: list[str], width: int) -> bool:
    # Trailing empty fields (`a;b;c;`) are common and harmless.
    return len(record) == width or (
        len(record) > width and not any(c.strip() for c in record[width:])
    )
