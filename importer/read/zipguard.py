"""Checks on a workbook's zip before any parser touches it.

calamine is a careful parser, but these checks are cheap and keep two classic attacks out
whatever the parser does: a zip bomb (a few KB that inflate to gigabytes) and XML entity
expansion ("billion laughs"). Real workbooks never contain a DTD.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from importer.errors import UnreadableFile
from importer.read.limits import (
    MAX_COMPRESSION_RATIO,
    MAX_UNCOMPRESSED_BYTES,
    RATIO_CHECK_FLOOR,
    XML_SCAN_BYTES,
)

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_MARKERS = (b"<!doctype", b"<!entity")


def check_workbook_zip(data: bytes, name: str) -> None:
    """Raise UnreadableFile if the zip declares an absurd size or an XML part has a DTD."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            _check_sizes(infos, name)
            for info in infos:
                if info.filename.lower().endswith(_XML_SUFFIXES):
                    with zf.open(info) as member:
                        head = member.read(XML_SCAN_BYTES)
                    if _declares_dtd(head, whole=len(head) < XML_SCAN_BYTES):
                        raise UnreadableFile(
                            f"{name}: the workbook contains an XML DTD/ENTITY declaration in "
                            f"{info.filename}, which real spreadsheets never have; it is "
                            "refused for safety. Save it again from Excel or LibreOffice."
                        )
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as e:
        # RuntimeError: an encrypted member; zlib.error/BadZipFile: damaged data.
        raise UnreadableFile(
            f"{name}: the workbook is damaged or incomplete ({e}). Export it again from the ERP."
        ) from e
    except (NotImplementedError, ValueError) as e:  # e.g. an unsupported compression method
        raise UnreadableFile(f"{name}: the workbook cannot be opened ({e}).") from e


def _check_sizes(infos: list[zipfile.ZipInfo], name: str) -> None:
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(
            f"{name}: the workbook would unpack to {total / (1 << 20):,.0f} MiB, more than the "
            f"{MAX_UNCOMPRESSED_BYTES >> 20:,} MiB limit. Split it into smaller files."
        )
    for info in infos:
        if info.file_size <= RATIO_CHECK_FLOOR:
            continue
        if info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise UnreadableFile(
                f"{name}: the workbook part {info.filename} is compressed "
                f"{info.file_size // max(info.compress_size, 1):,} times, which only "
                "zip bombs do; it is refused for safety."
            )


def _declares_dtd(head: bytes, *, whole: bool) -> bool:
    """True if the part's start declares a DTD, or might: a DTD can only sit in the prolog
    (before the root element), so a prolog that runs past the scanned head (a long comment
    pushing a DOCTYPE out of sight) is taken as one. `whole`: the head is the entire part."""
    # An XML part may legally be UTF-16 (with or without BOM); dropping NUL bytes turns
    # its ASCII markup back into plain bytes, so the markers cannot hide.
    text = head.replace(b"\x00", b"").lower()
    if any(marker in text for marker in _DTD_MARKERS):
        return True
    return not whole and not _prolog_ends(text)


def _prolog_ends(text: bytes) -> bool:
    """Whether the root element starts within `text` (declaration, comments, processing
    instructions and blanks skipped; anything else is the parser's business)."""
    at = 0
    while True:
        at = len(text) - len(text[at:].lstrip(b"\xef\xbb\xbf\xfe\xff \t\r\n"))
        for opener, closer in ((b"<?", b"?>"), (b"<!--", b"-->")):
            if text.startswith(opener, at):
                end = text.find(closer, at + len(opener))
                if end < 0:
                    return False
                at = end + len(closer)
                break
        else:
            return True
