"""Bytes -> text for CSV/TSV/TXT files.

Strategy (FORMATS.md "Reading any file"): a byte-order mark decides; otherwise strict UTF-8
(which almost never decodes legacy 8-bit text by accident), then Windows-1252 (what Excel
and Windows ERPs write in Brazil and most of the West), then Latin-1, which decodes any
byte. Because Latin-1 accepts anything, binary files are caught separately, by their NUL
bytes and control characters. An explicit encoding from the config always wins.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from importer.errors import ConfigError, UnreadableFile

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# C0 control bytes that never occur in a text export (tab, LF, FF and CR do), plus DEL.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_CONTROL_CHARS = {b: None for b in _CONTROL_BYTES}
_C1_BYTES = bytes(range(0x80, 0xA0))  # control characters when decoded as Latin-1

_MAX_CONTROL_RATIO = 0.01
"""More than 1% control characters: random bytes have about 12%, real exports none."""

_SAVE_AS_UTF8 = "Export it again as CSV UTF-8, or save it from Excel as .xlsx."


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes, name: str, encoding: str = "auto") -> Decoded:
    """Decode a text file's bytes; raise UnreadableFile for binary data or a failed decode."""
    if encoding.strip().lower() != "auto":
        decoded = _decode_explicit(data, name, encoding.strip())
        _check_text(decoded, data, name)
        return decoded
    for bom, codec in _BOMS:
        if data.startswith(bom):
            decoded = Decoded(_strict(data, codec, name, had_bom=True), codec)
            _check_text(decoded, data, name)
            return decoded
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnreadableFile(
            f"{name}: the file contains binary data (a NUL byte at byte {nul:,}, row "
            f"{_line_of(data, nul)}), so it is not a CSV/text file (UTF-16 text without a "
            f"byte-order mark looks like this too). {_SAVE_AS_UTF8}"
        )
    decoded = _guess(data)
    _check_text(decoded, data, name)
    return decoded


def _guess(data: bytes) -> Decoded:
    for codec in ("utf-8", "cp1252"):
        try:
            return Decoded(data.decode(codec), codec)
        except UnicodeDecodeError:
            continue
    return Decoded(data.decode("latin-1"), "latin-1")


def _decode_explicit(data: bytes, name: str, encoding: str) -> Decoded:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as e:
        raise ConfigError(
            f'encoding "{encoding}" is not known. Use "auto" or a codec name such as '
            '"utf-8", "cp1252" or "latin-1".'
        ) from e
    text = _strict(data, encoding, name, had_bom=False)
    # A BOM is never content; "utf-8" leaves it in place, where it would spoil the first
    # header ("\ufeffSKU" does not match "sku").
    return Decoded(text.removeprefix("\ufeff"), codec)


def _strict(data: bytes, codec: str, name: str, *, had_bom: bool) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        where = (
            f"byte {e.start:,} (row {_line_of(data, e.start)}, bytes "
            f"{data[e.start : e.start + 4].hex(' ')}) cannot be decoded"
        )
        if had_bom:
            problem = f"the file starts with a {codec} byte-order mark, but {where} as {codec}"
        else:
            problem = f"the file is not valid {codec}: {where}"
        raise UnreadableFile(
            f'{name}: {problem}. Set the flow\'s encoding to "auto" or to the encoding the '
            "ERP really writes, or export the file again as CSV UTF-8."
        ) from e


def _check_text(decoded: Decoded, data: bytes, name: str) -> None:
    """Refuse decoded text that is really binary: NUL characters or many control chars."""
    text = decoded.text
    if not text:
        return
    if decoded.encoding in ("utf-8", "utf-8-sig", "cp1252", "latin-1"):
        # These codecs map every ASCII byte to itself, so counting bytes is exact for C0
        # controls, and much faster than scanning the decoded string.
        controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
        if decoded.encoding == "latin-1":
            controls += len(data) - len(data.translate(None, _C1_BYTES))
        has_nul = b"\x00" in data
    else:
        controls = len(text) - len(text.translate(_CONTROL_CHARS))
        has_nul = "\x00" in text
    # A trailing Ctrl-Z is the DOS end-of-file mark, still written by some old systems.
    controls -= len(text) - len(text.rstrip("\x1a"))
    if has_nul or controls > _MAX_CONTROL_RATIO * len(text):
        raise UnreadableFile(
            f"{name}: the file contains binary data, not text: it is neither a CSV/text "
            f"file nor a workbook this importer can read. {_SAVE_AS_UTF8}"
        )


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
