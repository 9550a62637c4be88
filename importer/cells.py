"""The one rule for every cell the importer writes into a CSV or a workbook: never a formula.

Values in our files come from input files and from VTEX (customers' names and addresses), so
they are attacker-controlled. A spreadsheet that opens a CSV evaluates a cell that starts,
after any spaces, with `=`, `+`, `-`, `@`, a tab, CR or LF, or the full-width `＝ ＋ － ＠`
that Excel folds to their ASCII forms: OWASP's "CSV injection".

- **CSV**: such text gets a leading `'` (OWASP's advice), and so does text that is already
  `'`s followed by such text. The rule is on *text*, so it can be undone exactly
  (`unneutralise`): a cell that starts with `'` followed by such text had one `'` added.
  Numbers the importer writes as numbers (amounts, quantities, row numbers, a negative
  discount) are data, not formulas, and are written as they are.
- **Workbooks**: text is stored as a string cell (`t="inlineStr"`), which no spreadsheet
  evaluates, so no `'` is added and a cell shows exactly what was typed. Text that would be a
  formula if a person retyped it also gets Excel's *quote prefix* style, so editing the cell
  keeps it text; that apostrophe lives in the style, never in the value.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell

# What makes Excel, LibreOffice or Google Sheets evaluate an imported cell. Leading spaces
# are skipped first: some readers trim them before they look.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

XLSX_MAX_CHARS = 32_767  # Excel's limit per cell


def looks_like_formula(text: str) -> bool:
    return text.lstrip(" \u00a0").startswith(FORMULA_TRIGGERS)


def _takes_quote(text: str) -> bool:
    # Text that looks like a formula, and text that is already `'` + such text (so that a
    # value typed as "'=x" comes back as typed when the quote is removed).
    return looks_like_formula(text.lstrip("'"))


def neutralise(cell: object) -> object:
    """The cell as a CSV must carry it so that a spreadsheet shows it as text.

    Text a spreadsheet would evaluate gets a leading `'`; anything else, numbers included,
    comes back unchanged.
    """
    if isinstance(cell, str) and _takes_quote(cell):
        return "'" + cell
    return cell


def unneutralise(text: str) -> str:
    """The text `neutralise` was given, from what it wrote into a CSV: exact, because the `'`
    is added only before text that looks like a formula, or that is `'`s and then such text."""
    if text.startswith("'") and _takes_quote(text[1:]):
        return text[1:]
    return text


def xlsx_text(value: str) -> str:
    """Text a workbook can hold: XML cannot carry most control characters (openpyxl would
    refuse the whole workbook), and Excel stops at 32,767 characters."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)[:XLSX_MAX_CHARS]


def xlsx_cell(ws: Any, value: object) -> object:
    """A value ready for a write-only sheet (`ws.append`): text that openpyxl would guess to
    be a formula (`=...`) or an error (`#N/A`), or that a spreadsheet would evaluate if it
    were retyped, is pinned to a string cell; other values go as they are."""
    if not isinstance(value, str):
        return value
    text = xlsx_text(value)
    formula_like = looks_like_formula(text)
    if formula_like or text in ERROR_CODES:
        return text_cell(ws, text, quote_prefix=formula_like)
    return text


def text_cell(ws: Any, text: str, *, quote_prefix: bool = False) -> Cell:
    """A write-only string cell: `data_type = "s"` after the value is set, because setting a
    value makes openpyxl guess the type again."""
    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    if quote_prefix:
        cell.quotePrefix = True
    return cell
