"""Bytes -> text for CSV/TSV/TXT files.

Strategy (FORMATS.md "Reading any file"): a byte-order mark decides; otherwise strict UTF-8
(which almost never decodes legacy 8-bit text by accident), then Windows-1252 (what Excel
and Windows ERPs write in Brazil and most of the West), then Latin-1, which decodes any
byte. Because Latin-1 accepts anything, binary files are caught separately, by their share
of NUL bytes and control characters. An explicit encoding from the config always wins.

Damage confined to a few rows is left for validation to report row by row, so that the
good rows still land: a stray NUL or control character stays in its cell, and a file that
mixes encodings (UTF-8 rows and Windows-1252 rows, as when two exports are concatenated)
is decoded line by line in its majority encoding, the other lines keeping their ASCII and
showing the rest as U+FFFD (never as mojibake sent to VTEX as if it were data).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace

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
_MIN_CONTROLS = 16
"""Fewer control characters than this are damaged cells (reported per row), not binary."""

# Bytes 0x80-0xBF continue every multi-byte UTF-8 character; a file without any holds no
# UTF-8 beyond ASCII (the usual Windows-1252 export), which spares it the mixed-file check.
_NOT_CONTINUATION = bytes(range(0x80)) + bytes(range(0xC0, 0x100))
_NOT_ASCII = bytes(range(0x80, 0x100))

_SAVE_AS_UTF8 = "Export it again as CSV UTF-8, or save it from Excel as .xlsx."


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    clean: bool = False
    """No control character and no U+FFFD anywhere: no cell can be damaged (see damage.py)."""


def decode(data: bytes, name: str, encoding: str = "auto") -> Decoded:
    """Decode a text file's bytes; raise UnreadableFile for binary data or a failed decode."""
    if encoding.strip().lower() != "auto":
        return _checked(_decode_explicit(data, name, encoding.strip()), data, name)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _checked(Decoded(_strict(data, codec, name, had_bom=True), codec), data, name)
    return _checked(_guess(data), data, name)


def _guess(data: bytes) -> Decoded:
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if data.translate(None, _NOT_CONTINUATION):
        mixed = _decode_mixed(data)
        if mixed is not None:
            return mixed
    return Decoded(*_legacy(data))


def _legacy(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _decode_mixed(data: bytes) -> Decoded | None:
    """Decode a file with both UTF-8 and legacy lines (None if it has no UTF-8 beyond
    ASCII): lines of the majority as they are, the others with U+FFFD for what they
    cannot say in it, so that validation reports those rows instead of sending mojibake."""
    attempt = data.decode("utf-8", errors="replace")
    # ASCII bytes decode one to one, so the other characters of the attempt are U+FFFD or
    # valid multi-byte characters (counted without another pass over the text).
    ascii_bytes = len(data.translate(None, _NOT_ASCII))
    if len(attempt) - ascii_bytes == attempt.count("\ufffd"):
        return None  # not one valid multi-byte character: a legacy file
    lines = data.splitlines(keepends=True)
    is_utf8 = [not line.isascii() and _is_utf8(line) for line in lines]
    legacy = sum(
        1 for line, utf8 in zip(lines, is_utf8, strict=True) if not line.isascii() and not utf8
    )
    utf8_majority = sum(is_utf8) >= legacy
    parts: list[str] = []
    legacy_codec = "cp1252"
    for line, utf8 in zip(lines, is_utf8, strict=True):
        if line.isascii():
            parts.append(line.decode("ascii"))
        elif utf8_majority:
            parts.append(line.decode("utf-8", errors="replace"))
        elif utf8:
            parts.append(line.decode("ascii", errors="replace"))
        else:
            text, codec = _legacy(line)
            legacy_codec = "latin-1" if codec == "latin-1" else legacy_codec
            parts.append(text)
    majority, minority = ("utf-8", legacy_codec) if utf8_majority else (legacy_codec, "utf-8")
    return Decoded("".join(parts), f"{majority} + {minority} (mixed)")


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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


def refuse_binary_head(head: bytes, name: str) -> None:
    """Refuse a file as binary from its first bytes, before the rest is read (a 2 GiB
    binary file must not be read whole to learn that it is not text): the head is decoded
    as `decode` decodes a whole file, up to its last line break so that no character is cut,
    and refused by the same test, with the same message."""
    if head.startswith(tuple(bom for bom, codec in _BOMS if codec != "utf-8-sig")):
        return  # UTF-16/32: a line break byte may sit inside a character; checked whole
    cut = head.rfind(b"\n")
    decode(head[: cut + 1] if cut > 0 else head, name)


def _checked(decoded: Decoded, data: bytes, name: str) -> Decoded:
    controls = _check_text(decoded, data, name)
    return replace(decoded, clean=controls == 0 and "\ufffd" not in decoded.text)


def _check_text(decoded: Decoded, data: bytes, name: str) -> int:
    """Refuse decoded text that is really binary: more control characters (NUL included)
    than a few damaged cells would have. Returns how many there are."""
    text = decoded.text
    if not text:
        return 0
    byte_mapped = decoded.encoding in ("utf-8", "utf-8-sig", "cp1252", "latin-1")
    if byte_mapped:
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
    # UTF-16 without a byte-order mark is every other byte NUL, however short the file.
    utf16_like = has_nul and byte_mapped and data.count(b"\x00") * 4 >= len(data)
    if controls <= max(_MAX_CONTROL_RATIO * len(text), _MIN_CONTROLS) and not utf16_like:
        return controls  # text, perhaps with a few damaged cells: validation reports them
    nul = data.find(b"\x00") if has_nul and byte_mapped else -1
    if nul >= 0:
        raise UnreadableFile(
            f"{name}: the file contains binary data (a NUL byte at byte {nul:,}, row "
            f"{_line_of(data, nul)}), so it is not a CSV/text file (UTF-16 text without a "
            f"byte-order mark looks like this too). {_SAVE_AS_UTF8}"
        )
    raise UnreadableFile(
        f"{name}: the file contains binary data, not text: it is neither a CSV/text "
        f"file nor a workbook this importer can read. {_SAVE_AS_UTF8}"
    )


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
