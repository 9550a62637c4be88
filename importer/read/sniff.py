"""What a file is, from its bytes: never from its name.

A workbook saved as `prices.csv` is still a workbook, and a CSV saved as `prices.xls`
(some ERPs do that) is still text. Files that are clearly something else (a PDF, an
image, a Word document, an HTML page) are refused here with a message that says what they
look like, rather than later with a confusing "missing column" report.
"""

from __future__ import annotations

import io
import zipfile
from typing import Literal

from importer.errors import UnreadableFile
from importer.read.encoding import refuse_binary_head

Kind = Literal["csv", "xlsx", "xls", "ods"]

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# Password-protected .xlsx files are not zips: Office wraps them in an OLE2 container
# with these streams (directory names are UTF-16-LE).
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")

_OTHER_BINARY: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
)

_SAVE_AS = "Open it in Excel or LibreOffice and save it as .xlsx or as CSV UTF-8."


def sniff_kind(data: bytes, name: str) -> Kind:
    """Classify `data` as a workbook kind or as text ("csv"); refuse what is neither."""
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _zip_kind(data, name)
    if data.startswith(OLE2_MAGIC):
        if _ENCRYPTED_OOXML in data:
            raise UnreadableFile(
                f"{name}: the workbook is password-protected. Save it without a password "
                "and drop it again."
            )
        return "xls"
    _refuse_other_binary(data, name)
    _refuse_markup(data, name)
    return "csv"


def refuse_by_head(head: bytes, name: str, encoding: str) -> None:
    """Refuse, from a file's first bytes alone, what is clearly no spreadsheet or CSV (a PDF,
    an image, an HTML page, binary data), so that the rest is never read. `encoding`: the
    flow's setting; a file read in an explicit encoding (UTF-16, say) is checked whole."""
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC, OLE2_MAGIC)):
        return  # a workbook: its zip or OLE2 structure is checked once it is read
    _refuse_other_binary(head, name)
    _refuse_markup(head, name)
    if encoding.strip().lower() == "auto":
        refuse_binary_head(head, name)


def _refuse_other_binary(data: bytes, name: str) -> None:
    for magic, what in _OTHER_BINARY:
        if data.startswith(magic):
            raise UnreadableFile(f"{name}: this is {what}, not a spreadsheet or CSV file.")


def _zip_kind(data: bytes, name: str) -> Kind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = b""
            if "mimetype" in names:
                with zf.open("mimetype") as f:
                    mimetype = f.read(200).strip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError) as e:
        raise UnreadableFile(
            f"{name}: the file looks like a workbook (zip) but is damaged or incomplete "
            f"({e}). Export it again from the ERP."
        ) from e
    except (NotImplementedError, ValueError) as e:  # unsupported compression, bad header
        raise UnreadableFile(f"{name}: the workbook cannot be opened ({e}). {_SAVE_AS}") from e
    if mimetype == ODS_MIMETYPE:
        return "ods"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise UnreadableFile(
            f"{name}: binary Excel workbooks (.xlsb) are not supported. {_SAVE_AS}"
        )
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        what = mimetype.decode("ascii", "replace").rsplit(".", 1)[-1]
        raise UnreadableFile(f"{name}: this is an OpenDocument {what} file, not a spreadsheet.")
    if "word/document.xml" in names:
        raise UnreadableFile(f"{name}: this is a Word document, not a spreadsheet.")
    if any(n.startswith("ppt/") for n in names):
        raise UnreadableFile(f"{name}: this is a PowerPoint presentation, not a spreadsheet.")
    raise UnreadableFile(
        f"{name}: this is a zip archive but not a workbook (no xl/workbook.xml and no "
        "OpenDocument spreadsheet inside). Drop the spreadsheet itself, not an archive."
    )


def _refuse_markup(data: bytes, name: str) -> None:
    """Some ERPs 'export to Excel' by writing an HTML table or an Excel 2003 XML
    spreadsheet under an .xls name. Read as CSV they would give nonsense headers."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table")):
        raise UnreadableFile(
            f"{name}: this is an HTML page (a web table saved with a spreadsheet name), not a "
            f"real spreadsheet. {_SAVE_AS}"
        )
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise UnreadableFile(
            f"{name}: this is an Excel 2003 XML spreadsheet, which is not supported. {_SAVE_AS}"
        )
