"""Table -> records + row errors. Pure and vectorised: whole columns, not rows, in Python.

Every cell ends up as canonical text (codes as written, money as '1234.56', integers as '12',
booleans as 'true'/'false', dates as RFC 3339, lead times as VTEX's 'dd.hh:mm:ss'), so that the
diff can hash rows cheaply and two spellings of one value never count as a change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from importer.config import FlowSettings
from importer.errors import HeaderError
from importer.flows.catalog.images import split_image_urls
from importer.flows.spec import PRODUCT_COLUMNS, Column, FlowSpec
from importer.lookalike import lookalikes
from importer.messages import render, row_error
from importer.models import RowError
from importer.read import Table, match_headers, normalize_header, parse_decimal_column
from importer.read.damage import DAMAGE_TYPES, damaged_cells

MAX_DIGITS = 15
SCIENTIFIC = r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$"
TRUE_WORDS = {"true", "1", "yes", "y", "sim", "s", "si", "x", "verdadeiro", "ativo", "active"}
FALSE_WORDS = {"false", "0", "no", "n", "nao", "não", "falso", "inativo", "inactive"}
RFC3339 = "%Y-%m-%dT%H:%M:%SZ"  # how every date is held: UTC, to the second
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
)


@dataclass
class Validated:
    """The valid rows of one file, and a RowError for each problem found."""

    records: pd.DataFrame  # columns: row, key, sku_ref, sku_id, then the flow's columns (text)
    errors: list[RowError] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    # Unmapped headers that look like a column the file lacks, as sentences for the summary.
    file_warnings: list[str] = field(default_factory=list)
    present: frozenset[str] = frozenset()  # canonical columns the file carried (or defaulted)
    rows_read: int = 0
    keys: pd.Series = field(default_factory=lambda: pd.Series([], dtype="str"))
    """The key of every row, valid or not."""

    @cached_property
    def mentioned(self) -> set[str]:
        """The keys of every row, valid or not, as a set. Built when first asked for (a
        million keys take a sixth of a second, and only full-mode files need them)."""
        return set(self.keys.tolist())


@dataclass
class _Parsed:
    values: pd.Series
    invalid: np.ndarray
    expected: str = ""
    error_type: str = "type-error"
    out_of_range: np.ndarray | None = None  # valid numbers outside the column's range


def validate(table: Table, spec: FlowSpec, settings: FlowSettings, *, file_name: str) -> Validated:
    """Check every row of `table` against the flow; raises HeaderError for file-level problems."""
    match = match_headers(table.headers, spec.names, settings.columns)
    if match.conflicts:
        name, headers = next(iter(match.conflicts.items()))
        raise HeaderError(
            f"{file_name}: the headers {' and '.join(repr(h) for h in headers)} both match "
            f'column "{name}". Rename or remove one of them, or map one explicitly in '
            f"importer.toml [flows.{spec.name}.columns]."
        )
    columns = list(spec.columns)
    positions = dict(match.columns)
    unknown = list(match.unknown)
    if spec.prefixes:
        # 'product_spec:Cor' and 'sku_spec:Tamanho' name their own columns: the part after
        # the prefix is the specification's name in VTEX, as the ERP wrote it.
        for position, header in enumerate(table.headers):
            prefix = _spec_prefix(header, spec.prefixes)
            if prefix is None:
                continue
            name = prefix + header.split(":", 1)[1].strip()
            if name == prefix or name in positions:
                continue
            columns.append(Column(name, "text"))
            positions[name] = position
            if header in unknown:
                unknown.remove(header)
    present = set(positions) | {k for k in settings.defaults if k in spec.names}
    found = ", ".join(h for h in table.headers if h) or "(no headers)"
    for column in spec.columns:
        if column.required and column.name not in present:
            raise HeaderError(_missing_message(file_name, spec.name, [column.name], found))
    for group in spec.one_of:
        if not present.intersection(group):
            raise HeaderError(_missing_message(file_name, spec.name, list(group), found))

    n = len(table.frame)
    rows = pd.Series(table.row_numbers, dtype="int64")
    row_numbers = np.asarray(table.row_numbers, dtype=np.int64)
    raw: dict[str, pd.Series] = {}
    blank = pd.Series(pd.array(pa.repeat(pa.scalar("", pa.large_string()), n), dtype="str"))
    for column in columns:
        if column.name in positions:
            series = table.frame[positions[column.name]].astype("str").str.strip()
            series = series.reset_index(drop=True)
        else:
            series = blank
        default = settings.defaults.get(column.name)
        if default is not None:
            series = series.where(series != "", default)
        raw[column.name] = series

    errors: list[RowError] = []
    bad = np.zeros(n, dtype=bool)
    values: dict[str, pd.Series] = {}
    damaged: set[tuple[int, str]] = set()  # (row, column): a NUL, or bytes not in the encoding
    in_file = [] if table.clean_text else [c.name for c in columns if c.name in positions]
    for name in in_file:
        for cell in damaged_cells(raw[name]):
            row = int(row_numbers[cell.index])
            errors.append(row_error(cell.type, row=row, column=name, value=cell.shown))
            damaged.add((row, name))
            bad[cell.index] = True
    for column in columns:
        if raw[column.name] is blank:
            values[column.name] = blank  # not in the file: nothing to check (1M rows: ~2 s)
            continue
        numeric = None
        if table.numeric is not None and column.name in positions:
            numeric = table.numeric[positions[column.name]].to_numpy(dtype=bool)
        parsed = _parse(column, raw[column.name], settings, numeric, spec.name)
        if isinstance(parsed, RowError):  # a whole column that cannot be read
            errors.append(parsed)
            bad[:] = True
            values[column.name] = raw[column.name]
            continue
        values[column.name] = parsed.values
        for i in np.flatnonzero(parsed.invalid):
            errors.append(
                row_error(
                    parsed.error_type,
                    row=int(row_numbers[i]),
                    column=column.name,
                    value=str(raw[column.name].iloc[int(i)]),
                    expected=parsed.expected,
                    rule=column.rule,
                )
            )
        bad |= parsed.invalid
        if parsed.out_of_range is not None:
            for i in np.flatnonzero(parsed.out_of_range):
                errors.append(
                    row_error(
                        "out-of-range",
                        row=int(row_numbers[i]),
                        column=column.name,
                        value=str(raw[column.name].iloc[int(i)]),
                        rule=column.rule,
                    )
                )
            bad |= parsed.out_of_range

    frame = pd.DataFrame(values)
    normalize = _NORMALIZE.get(spec.name)
    if normalize is not None:
        normalize(frame)
    for check in _RULES.get(spec.name, []):
        for mask, make in check(frame, raw):
            for i in np.flatnonzero(mask & ~bad):
                errors.append(make(int(row_numbers[i]), int(i)))
            bad |= mask

    frame.insert(0, "row", rows)
    frame.insert(1, "key", _keys(frame, spec))
    if errors:
        # Say which row an error is about by its key too, not only by its number, spelt as
        # the file spells it (the key itself may be folded for matching).
        shown = _keys(frame, spec, fold=False) if "warehouse_id" in spec.key_columns else None
        key_of_row = dict(
            zip(rows.tolist(), (frame["key"] if shown is None else shown).tolist(), strict=True)
        )
        errors = [
            e if e.key or e.row is None else replace(e, key=key_of_row.get(e.row) or None)
            for e in errors
        ]
    records = frame[~bad] if bad.any() else frame
    dup = _duplicated(records["key"])
    if dup.any():
        first_row = records.drop_duplicates("key", keep="first").set_index("key")["row"]
        for _, rec in records[dup].iterrows():
            spelt = shown_key({str(k): v for k, v in rec.items()})
            errors.append(
                row_error(
                    "duplicate-key",
                    row=int(rec["row"]),
                    column=_key_column(rec),
                    value=spelt,
                    key=spelt,
                    first_row=int(first_row[rec["key"]]),
                )
            )
        records = records[~dup]
    for unique in _RECORD_RULES.get(spec.name, []):
        records, repeated = unique(records)
        errors.extend(repeated)
    if damaged:  # a damaged cell is reported once, as damaged, not again as a wrong value
        errors = [e for e in errors if e.type in DAMAGE_TYPES or (e.row, e.column) not in damaged]
    errors.sort(key=lambda e: (e.row or 0, e.column or ""))
    return Validated(
        records=records.reset_index(drop=True),
        errors=errors,
        unknown_columns=unknown,
        file_warnings=_lookalike_warnings(unknown, spec, settings, present),
        present=frozenset(present),
        rows_read=n,
        keys=frame["key"],
    )


def _lookalike_warnings(
    unknown: list[str], spec: FlowSpec, settings: FlowSettings, present: set[str]
) -> list[str]:
    """An unmapped header that looks like a column the file lacks is a warning a person sees:
    its values are not read, which is silent otherwise. A file that has its SKU column has
    its SKU: the other spelling of the SKU is not suggested."""
    for group in spec.one_of:
        if present.intersection(group):
            present = present | set(group)
    return [
        render(
            "lookalike-column",
            header=header,
            column=" or ".join(names),
            flow=spec.name,
        )
        for header, names in lookalikes(unknown, spec.names, settings.columns, present)
    ]


def _duplicated(keys: pd.Series) -> np.ndarray:
    """True for each key that an earlier row already has. Counting the distinct keys first
    is cheaper than marking duplicates, and files almost never have any."""
    arrow = getattr(keys.array, "_pa_array", None)
    if arrow is not None and len(pc.unique(arrow)) == len(keys):
        return np.zeros(len(keys), dtype=bool)
    return keys.duplicated(keep="first").to_numpy(dtype=bool)


def _spec_prefix(header: str, prefixes: tuple[str, ...]) -> str | None:
    if ":" not in header:
        return None
    head = normalize_header(header.split(":", 1)[0])
    for prefix in prefixes:
        if head == normalize_header(prefix.rstrip(":")):
            return prefix
    return None


def _missing_message(file_name: str, flow: str, names: list[str], found: str) -> str:
    wanted = " or ".join(f'"{n}"' for n in names)
    return (
        f"{file_name}: column {wanted} is missing; found: {found}. Map it in importer.toml "
        f'[flows.{flow}.columns], e.g. {names[0]} = ["<your header>"]'
    )


def _parse(
    column: Column,
    raw: pd.Series,
    settings: FlowSettings,
    numeric: np.ndarray | None,
    flow_name: str,
) -> _Parsed | RowError:
    empty = (raw == "").to_numpy()
    if column.kind in ("code", "text"):
        invalid = np.zeros(len(raw), dtype=bool)
        if column.kind == "code":
            invalid = raw.str.match(SCIENTIFIC).to_numpy(dtype=bool)
            return _Parsed(raw, invalid, error_type="scientific-notation")
        return _Parsed(raw, invalid)
    if column.kind == "sku_id":
        digits = raw.str.fullmatch(r"0*[1-9]\d{0,9}").to_numpy(dtype=bool)
        invalid = ~digits & ~empty
        canonical = raw.where(~digits, raw.str.lstrip("0").replace("", "0"))
        too_big = np.zeros(len(raw), dtype=bool)
        if digits.any():
            too_big = digits & (pd.to_numeric(canonical.where(digits, "0")) > 2_147_483_647)
            too_big = np.asarray(too_big, dtype=bool)
        return _Parsed(
            canonical.where(~invalid, ""),
            invalid | too_big,
            expected="a VTEX SKU id (a whole number)",
        )
    if column.kind in ("decimal", "int"):
        parsed = parse_decimal_column(raw, settings.decimal, numeric)
        if parsed.ambiguous:
            sample = raw[raw != ""].iloc[0] if (~empty).any() else ""
            return row_error(
                "ambiguous-decimal", row=None, column=column.name, value=str(sample), flow=flow_name
            )
        canonical = parsed.canonical
        invalid = np.asarray(parsed.invalid, dtype=bool).copy()
        expected = "a number" if column.kind == "decimal" else "a whole number"
        if column.kind == "int":
            invalid |= canonical.str.contains(".", regex=False).to_numpy(dtype=bool)
        # len() first: a file with a header and no rows has no longest value (NaN).
        if len(canonical) and int(canonical.str.len().max()) > MAX_DIGITS:
            # JSON numbers carry 15 significant digits exactly; '19.899999999999999' is a
            # float artefact of the export, and guessing its rounding is not ours to do.
            significant = canonical.str.replace(r"[-.]", "", regex=True).str.lstrip("0").str.len()
            invalid |= (significant > MAX_DIGITS).to_numpy(dtype=bool)
            expected = f"a number of at most {MAX_DIGITS} digits (round it in the export)"
        out_of_range = _below_minimum(canonical, column) & ~invalid
        return _Parsed(
            canonical.where(~(invalid | out_of_range), ""),
            invalid,
            expected=expected,
            out_of_range=out_of_range,
        )
    if column.kind == "bool":
        lowered = raw.str.lower()
        is_true = lowered.isin(TRUE_WORDS).to_numpy()
        is_false = lowered.isin(FALSE_WORDS).to_numpy()
        invalid = ~(is_true | is_false | empty)
        values = pd.Series(np.where(is_true, "true", np.where(is_false, "false", "")), dtype=object)
        return _Parsed(values, invalid, expected="true or false (sim/não, 1/0 also work)")
    if column.kind == "date":
        return _parse_dates(raw, empty, end_of_day=column.end_of_day, timezone=settings.timezone)
    if column.kind == "leadtime":
        return _parse_lead_times(raw, empty)
    raise AssertionError(f"unknown column kind {column.kind}")


def _below_minimum(canonical: pd.Series, column: Column) -> np.ndarray:
    if column.minimum is None:
        return np.zeros(len(canonical), dtype=bool)
    filled = (canonical != "").to_numpy(dtype=bool)
    if column.minimum == 0:
        # Canonical numbers make this exact on text: zero is always "0", negatives start "-".
        below = canonical.str.startswith("-").to_numpy(dtype=bool, copy=True)
        if column.exclusive_minimum:
            below = below | (canonical == "0").to_numpy(dtype=bool)
        return below & filled
    result = np.zeros(len(canonical), dtype=bool)
    if filled.any():
        numbers = canonical[filled].map(Decimal)
        limit = column.minimum
        low = numbers <= limit if column.exclusive_minimum else numbers < limit
        result[filled] = low.to_numpy(dtype=bool)
    return result


def _parse_dates(
    raw: pd.Series, empty: np.ndarray, *, end_of_day: bool, timezone: str = "UTC"
) -> _Parsed:
    """Dates to RFC 3339 in UTC. A date or time without an offset is in the flow's `timezone`
    (the ERP's clock: '31/12/2026' in Brazil ends three hours after midnight UTC). A bare date
    that ends a period means the whole day: a price 'valid to 31/12/2026' applies on the 31st."""
    result = pd.Series([""] * len(raw), dtype=object)
    remaining = ~empty
    for fmt in DATE_FORMATS:
        if not remaining.any():
            break
        parsed = pd.to_datetime(raw.where(remaining, None), format=fmt, errors="coerce")
        ok = parsed.notna().to_numpy() & remaining
        date_only = "%H" not in fmt
        if date_only and end_of_day:
            parsed = parsed + pd.Timedelta(hours=23, minutes=59, seconds=59)
        if timezone != "UTC" and ok.any():
            parsed = parsed.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
            parsed = parsed.dt.tz_convert("UTC")
        result[ok] = parsed[ok].dt.strftime(RFC3339)
        remaining &= ~ok
    if remaining.any():  # ISO 8601 with an offset: VTEX takes RFC 3339, so normalise to UTC
        parsed = pd.to_datetime(
            raw.where(remaining, None), format="ISO8601", errors="coerce", utc=True
        )
        ok = parsed.notna().to_numpy() & remaining
        result[ok] = parsed[ok].dt.strftime(RFC3339)
        remaining &= ~ok
    return _Parsed(result, remaining, expected="a date such as 2026-12-31 or 31/12/2026")


def _parse_lead_times(raw: pd.Series, empty: np.ndarray) -> _Parsed:
    days_only = raw.str.fullmatch(r"\d{1,3}").to_numpy(dtype=bool)
    parts = raw.str.extract(r"^(\d{1,3})\.(\d{1,2}):(\d{2}):(\d{2})$")
    full = parts[0].notna().to_numpy()
    ok_full = full.copy()
    if full.any():
        hours = pd.to_numeric(parts[1], errors="coerce")
        minutes = pd.to_numeric(parts[2], errors="coerce")
        seconds = pd.to_numeric(parts[3], errors="coerce")
        ok_full = (
            full & (hours < 24).to_numpy() & (minutes < 60).to_numpy() & (seconds < 60).to_numpy()
        )
    values = pd.Series([""] * len(raw), dtype=object)
    if days_only.any():
        values[days_only] = raw[days_only].astype(int).map(lambda d: f"{d}.00:00:00")
    if ok_full.any():
        values[ok_full] = (
            parts[0][ok_full].astype(int).astype(str)
            + "."
            + parts[1][ok_full].astype(int).map(lambda h: f"{h:02d}")
            + ":"
            + parts[2][ok_full]
            + ":"
            + parts[3][ok_full]
        )
    invalid = ~(days_only | ok_full | empty)
    return _Parsed(
        values, invalid, expected='days (e.g. 3) or VTEX\'s "dd.hh:mm:ss" (e.g. "3.12:00:00")'
    )


RuleResult = list[tuple[np.ndarray, Callable[[int, int], RowError]]]


def _sku_required(frame: pd.DataFrame, raw: Mapping[str, pd.Series]) -> RuleResult:
    missing = ((frame["sku_ref"] == "") & (frame["sku_id"] == "")).to_numpy()
    column = "sku_ref" if (raw["sku_ref"] != "").any() or (raw["sku_id"] == "").all() else "sku_id"
    return [(missing, lambda row, i: row_error("missing-cell", row=row, column=column, value=""))]


def _price_rules(frame: pd.DataFrame, raw: Mapping[str, pd.Series]) -> RuleResult:
    fixed = (frame["trade_policy"] != "").to_numpy()
    no_base = (~fixed) & (frame["base_price"] == "").to_numpy()
    no_fixed = fixed & (frame["fixed_price"] == "").to_numpy()
    orphan_fixed = (~fixed) & (frame["fixed_price"] != "").to_numpy()
    dates = (frame["valid_from"] != "").to_numpy() != (frame["valid_to"] != "").to_numpy()
    reversed_dates = (
        (frame["valid_from"] != "")
        & (frame["valid_to"] != "")
        & (frame["valid_from"] >= frame["valid_to"])
    ).to_numpy()
    # A period or a minimum quantity on a base-price row would be dropped: VTEX's base price
    # has neither, so the price would apply at once and for every quantity.
    fixed_only: RuleResult = []
    for name in ("min_quantity", "valid_from", "valid_to"):
        on_base = (~fixed) & (frame[name] != "").to_numpy()

        def make(row: int, i: int, name: str = name) -> RowError:
            return row_error("fixed-price-only", row=row, column=name, value=str(raw[name].iat[i]))

        fixed_only.append((on_base, make))
    return [
        *_sku_required(frame, raw),
        (no_base, lambda row, i: row_error("missing-cell", row=row, column="base_price", value="")),
        *fixed_only,
        (
            no_fixed,
            lambda row, i: row_error("missing-cell", row=row, column="fixed_price", value=""),
        ),
        (
            orphan_fixed,
            lambda row, i: row_error(
                "invalid-combination",
                row=row,
                column="trade_policy",
                value="",
                detail='"fixed_price" is set but "trade_policy" is empty. Say which trade policy '
                "(or price table) the fixed price is for.",
            ),
        ),
        (
            dates,
            lambda row, i: row_error(
                "invalid-combination",
                row=row,
                column="valid_to",
                value=str(raw["valid_to"].iat[i]),
                detail='a fixed price period needs both "valid_from" and "valid_to". Fill in both '
                "or neither.",
            ),
        ),
        (
            reversed_dates,
            lambda row, i: row_error(
                "invalid-combination",
                row=row,
                column="valid_to",
                value=str(raw["valid_to"].iat[i]),
                detail='"valid_to" must be after "valid_from". Correct the dates.',
            ),
        ),
    ]


# How far a count time may run ahead of this machine's clock (the ERP's clock is not ours).
COUNT_CLOCK_SKEW = timedelta(minutes=10)


def _inventory_rules(frame: pd.DataFrame, raw: Mapping[str, pd.Series]) -> RuleResult:
    no_wh = (frame["warehouse_id"] == "").to_numpy()
    no_qty = (frame["quantity"] == "").to_numpy() & (frame["unlimited"] != "true").to_numpy()
    # A count in the future would let VTEX release the reservations of orders placed after
    # the real count, which the count cannot reflect: that sells stock that is gone.
    # (Canonical RFC 3339 UTC text sorts as time does.)
    latest = (datetime.now(UTC) + COUNT_CLOCK_SKEW).strftime(RFC3339)
    counted = frame["balance_at"]
    future = ((counted != "") & (counted > latest)).to_numpy(dtype=bool)
    return [
        *_sku_required(frame, raw),
        (no_wh, lambda row, i: row_error("missing-cell", row=row, column="warehouse_id", value="")),
        (no_qty, lambda row, i: row_error("missing-cell", row=row, column="quantity", value="")),
        (
            future,
            lambda row, i: row_error(
                "out-of-range",
                row=row,
                column="balance_at",
                value=str(raw["balance_at"].iat[i]),
                rule="a moment already past (when the ERP counted this stock)",
            ),
        ),
    ]


def utc_text(moment: datetime) -> str:
    """A moment as validate writes dates: RFC 3339 in UTC, to the second."""
    return moment.astimezone(UTC).strftime(RFC3339)


def stamp_count_time(records: pd.DataFrame, file_time: datetime) -> pd.DataFrame:
    """Give every inventory row `counted_at`: when the ERP counted it, which is its
    `balance_at`, or else `file_time` (the file's modification time: the row was counted when
    the file was written). The moment travels with the row (into a pending row's payload, a
    batch job's rows), so that a late retry tells VTEX the moment of the count, not its own.
    `balance_at` itself stays as the file has it: a batch job, which cannot carry a count
    time, never takes a row whose file gave one. Adds the column in place (for a million rows
    without balance_at, an Arrow column of one repeated value: 0.06 s; a broadcast: 0.3 s)."""
    stamp = utc_text(file_time)
    given = records.get("balance_at")
    if given is not None:
        blank = (given == "").to_numpy(dtype=bool)
        if not blank.all():  # Series.where on a million texts takes a second; numpy a sixth
            values = given.to_numpy(dtype=object, copy=True)
            values[blank] = stamp
            records["counted_at"] = pd.Series(values, index=records.index, dtype=object)
            return records
    repeated = pa.repeat(pa.scalar(stamp, pa.large_string()), len(records))
    records["counted_at"] = pd.Series(pd.array(repeated, dtype="str"), index=records.index)
    return records


# VTEX's MeasurementUnit enum (API-NOTES §3.4), keyed by how ERPs tend to write them.
MEASUREMENT_UNITS = {
    u.replace("²", "2").replace("³", "3"): u
    for u in (
        "un",
        "kg",
        "g",
        "mg",
        "m",
        "m²",
        "m³",
        "cm",
        "cm²",
        "cm³",
        "mm",
        "mm²",
        "mm³",
        "oz",
        "lb",
        "ft",
        "ft²",
        "ft³",
        "in",
        "in²",
        "in³",
    )
} | {"und": "un", "unid": "un", "unidade": "un", "pc": "un", "pç": "un", "pca": "un"}


def _unit_key(text: str) -> str:
    return text.strip().casefold().replace("²", "2").replace("³", "3").rstrip(".")


def _catalog_normalize(frame: pd.DataFrame) -> None:
    """One spelling per value, before the rules look and the diff hashes."""
    frame["measurement_unit"] = frame["measurement_unit"].map(
        lambda u: MEASUREMENT_UNITS.get(_unit_key(u), u)
    )
    # FORMATS: sku_name defaults to product_name. Said once, here, so that a SKU named after its
    # product follows a rename of the product (the name is part of what the SKU diff sees).
    frame["sku_name"] = frame["sku_name"].where(frame["sku_name"] != "", frame["product_name"])
    # Deactivating a product in VTEX does not deactivate its SKUs (a known issue, FLOWS §2.10):
    # an inactive product's SKUs are made inactive too, through their own column.
    frame["sku_active"] = frame["sku_active"].where(frame["product_active"] != "false", "false")


def _invoice_normalize(frame: pd.DataFrame) -> None:
    """Output/Input as VTEX spells them; anything unknown becomes '' (a row error)."""
    frame["invoice_type"] = (
        frame["invoice_type"]
        .str.casefold()
        .map(
            {
                "": "Output",
                "output": "Output",
                "input": "Input",
                "saida": "Output",
                "saída": "Output",
                "entrada": "Input",
            }
        )
        .fillna("")
    )


def _inventory_normalize(frame: pd.DataFrame) -> None:
    # Blank means "not unlimited": one spelling, so a blank and a "false" never differ.
    frame["unlimited"] = frame["unlimited"].replace("", "false")


_NORMALIZE: dict[str, Callable[[pd.DataFrame], None]] = {
    "catalog": _catalog_normalize,
    "invoices": _invoice_normalize,
    "inventory": _inventory_normalize,
}


# VTEX's documented lengths (API-NOTES §3.3, §3.4: product Name and Title <= 150, product RefId
# <= 100, SKU Name <= 200, SKU RefId <= 50): a longer value would not land as written.
CATALOG_TEXT_LIMITS = {
    "product_name": ("the product's Name and Title", 150),
    "product_ref": ("the product's RefId", 100),
    "sku_name": ("the SKU's Name", 200),
    "sku_ref": ("the SKU's RefId", 50),
}


def _catalog_rules(frame: pd.DataFrame, raw: Mapping[str, pd.Series]) -> RuleResult:
    results: RuleResult = []

    def missing(name: str) -> Callable[[int, int], RowError]:
        return lambda row, i: row_error("missing-cell", row=row, column=name, value="")

    for name in ("sku_ref", "product_ref", "product_name", "category", "brand"):
        results.append(((frame[name] == "").to_numpy(), missing(name)))
    # 'Roupas >' or '>' alone: a path with an empty level.
    no_path = (
        (frame["category"] != "")
        & ~frame["category"].str.fullmatch(r"\d+")
        & frame["category"].str.split(">").map(lambda parts: any(not p.strip() for p in parts))
    ).to_numpy(dtype=bool)
    results.append(
        (
            no_path,
            lambda row, i: row_error(
                "invalid-combination",
                row=row,
                column="category",
                value=str(raw["category"].iloc[i]),
                detail='"category" has an empty level. Write the path as "Dept > Category > Sub" '
                "(or a VTEX category id).",
            ),
        )
    )

    def too_long(name: str, vtex_field: str, limit: int) -> Callable[[int, int], RowError]:
        return lambda row, i: row_error(
            "text-too-long",
            row=row,
            column=name,
            value=str(raw[name].iloc[i]),
            length=len(str(frame[name].iloc[i])),
            limit=limit,
            field=vtex_field,
        )

    for name, (vtex_field, limit) in CATALOG_TEXT_LIMITS.items():
        over = (frame[name].str.len() > limit).to_numpy(dtype=bool)
        results.append((over, too_long(name, vtex_field, limit)))
    images = frame["image_urls"]
    unsplittable = (
        # astype: an empty column maps to object dtype, which `&` with booleans refuses.
        (images != "") & images.map(lambda cell: split_image_urls(cell) is None).astype(bool)
    ).to_numpy(dtype=bool)
    results.append(
        (
            unsplittable,
            lambda row, i: row_error(
                "image-urls-unsplittable",
                row=row,
                column="image_urls",
                value=str(raw["image_urls"].iloc[i]),
            ),
        )
    )
    units = frame["measurement_unit"]
    bad_unit = ((units != "") & ~units.isin(set(MEASUREMENT_UNITS.values()))).to_numpy(dtype=bool)
    results.append(
        (
            bad_unit,
            lambda row, i: row_error(
                "invalid-combination",
                row=row,
                column="measurement_unit",
                value=str(raw["measurement_unit"].iloc[i]),
                detail=f'"measurement_unit" must be one of VTEX\'s units: '
                f"{', '.join(sorted(set(MEASUREMENT_UNITS.values())))}.",
            ),
        )
    )
    # One product, one description: its columns repeat on every SKU row and must agree.
    product_columns = [
        c for c in frame.columns if c in PRODUCT_COLUMNS or str(c).startswith("product_spec:")
    ]
    # Compare with the product's first complete row: a row missing its brand is reported as
    # such, and must not make its siblings look inconsistent.
    complete = np.ones(len(frame), dtype=bool)
    for name in ("product_ref", "product_name", "category", "brand"):
        complete &= (frame[name] != "").to_numpy(dtype=bool)
    reference = frame[complete].drop_duplicates("product_ref").set_index("product_ref")
    first = pd.DataFrame(
        {
            c: frame["product_ref"].map(reference[c]).fillna(frame[c])
            for c in product_columns
            if c != "product_ref"
        }
    )

    def disagrees(name: str) -> Callable[[int, int], RowError]:
        def make(row: int, i: int) -> RowError:
            product = str(frame["product_ref"].iloc[i])
            expected = str(first[name].iloc[i])
            return row_error(
                "invalid-combination",
                row=row,
                column=name,
                value=str(raw[name].iloc[i]),
                detail=f'"{name}" differs from the first row of product "{product}" '
                f'("{expected}"). A product\'s columns must be the same on all its SKU rows; '
                "correct one of them.",
            )

        return make

    has_product = (frame["product_ref"] != "").to_numpy()
    for name in product_columns:
        if name != "product_ref":
            differs = (frame[name] != first[name]).to_numpy(dtype=bool) & has_product
            results.append((differs, disagrees(str(name))))
    return results


def _unique_eans(records: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
    """VTEX keeps an EAN on one SKU: a valid row whose EAN an earlier valid row (another SKU:
    each SKU has one row by now) already has is invalid, and names that row."""
    eans = records["ean"]
    filled = eans != ""
    again = (filled & eans.duplicated(keep="first")).to_numpy(dtype=bool)
    if not again.any():
        return records, []
    first = records[filled].drop_duplicates("ean").set_index("ean")
    errors = [
        row_error(
            "duplicate-ean",
            row=int(rec["row"]),
            column="ean",
            value=str(rec["ean"]),
            key=str(rec["key"]),
            first_row=int(str(first.at[rec["ean"], "row"])),
            first_sku=str(first.at[rec["ean"], "sku_ref"]),
        )
        for _, rec in records[again].iterrows()
    ]
    return records[~again], errors


_RECORD_RULES: dict[str, list[Callable[[pd.DataFrame], tuple[pd.DataFrame, list[RowError]]]]] = {
    "catalog": [_unique_eans]
}
"""Rules over the valid rows of a file, once each key has one row (uniqueness across keys)."""


INVOICE_NUMBER = r"[A-Za-z0-9][A-Za-z0-9._-]*"
ITEMS = r"\s*\d+\s*:\s*\d+\s*(?::\s*\d+(?:[.,]\d{1,2})?\s*)?"


def _invoice_rules(frame: pd.DataFrame, raw: Mapping[str, pd.Series]) -> RuleResult:
    results: RuleResult = []
    for name in ("order_id", "invoice_number"):
        results.append(((frame[name] == "").to_numpy(), _missing(name)))
    numbers = frame["invoice_number"]
    odd = ((numbers != "") & ~numbers.str.fullmatch(INVOICE_NUMBER)).to_numpy(dtype=bool)
    results.append(
        (
            odd,
            lambda row, i: row_error(
                "invalid-combination",
                row=row,
                column="invoice_number",
                value=str(numbers.iloc[i]),
                detail='"invoice_number" may hold only letters, digits, ".", "-" and "_": '
                "VTEX cannot track invoices whose number has spaces, / or #. Use the number "
                "without them.",
            ),
        )
    )
    bad_type = (frame["invoice_type"] == "").to_numpy(dtype=bool)
    results.append(
        (
            bad_type,
            lambda row, i: row_error(
                "invalid-combination",
                row=row,
                column="invoice_type",
                value=str(raw["invoice_type"].iloc[i]),
                detail='"invoice_type" must be Output (a sale) or Input (a return).',
            ),
        )
    )
    items = frame["items"]
    bad_items = ((items != "") & ~items.str.fullmatch(f"{ITEMS}(?:\\|{ITEMS})*")).to_numpy(
        dtype=bool
    )
    results.append(
        (
            bad_items,
            lambda row, i: row_error(
                "invalid-combination",
                row=row,
                column="items",
                value=str(items.iloc[i]),
                detail='"items" must list sku_id:quantity or sku_id:quantity:unit_price, '
                'separated by "|" (e.g. "123:2|456:1:19.90"); leave it empty to invoice the '
                "whole order.",
            ),
        )
    )
    return results


def _missing(name: str) -> Callable[[int, int], RowError]:
    return lambda row, i: row_error("missing-cell", row=row, column=name, value="")


_RULES: dict[str, list[Callable[[pd.DataFrame, Mapping[str, pd.Series]], RuleResult]]] = {
    "prices": [_price_rules],
    "inventory": [_inventory_rules],
    "catalog": [_catalog_rules],
    "invoices": [_invoice_rules],
}


def _keys(frame: pd.DataFrame, spec: FlowSpec, *, fold: bool = True) -> pd.Series:
    """A row's identity: the SKU (its RefId, or 'id:<n>') plus the flow's key columns.
    `fold=False`: the same key as the file spells it, for reports."""
    if "sku_ref" not in frame:  # invoices: order_id|invoice_number
        key = frame[spec.key_columns[0]].astype("str")
        for name in spec.key_columns[1:]:
            key = key + "|" + frame[name].astype("str")
        return key
    if "sku_id" not in frame:
        return frame["sku_ref"].astype("str")
    by_id = frame["sku_ref"] == ""
    key = frame["sku_ref"].astype("str")
    if by_id.any():
        key = key.where(~by_id, "id:" + frame["sku_id"].astype("str"))
    for name in spec.key_columns:
        part = frame[name].astype("str")
        if name == "min_quantity":
            part = part.where(frame["trade_policy"] == "", part.replace("", "1"))
        elif name == "warehouse_id" and fold:
            # VTEX matches warehouse ids case-insensitively in inventory: 'wh-sp' and 'WH-SP'
            # are one stock row, so they must be one key.
            part = part.str.casefold()
        filled = part != ""
        if filled.any():  # a column empty everywhere adds nothing to any key
            key = key.where(~filled, key + "|" + part)
    return key


def shown_key(record: Mapping[str, Any]) -> str:
    """A record's key as the file spells it: `SKU-1|WH-SP`, not the folded `SKU-1|wh-sp` that
    matching uses (VTEX's inventory treats warehouse ids case-insensitively)."""
    key = str(record.get("key", ""))
    warehouse = str(record.get("warehouse_id") or "")
    head, sep, last = key.rpartition("|")
    if sep and warehouse and last == warehouse.casefold():
        return f"{head}|{warehouse}"
    return key


def _key_column(record: pd.Series) -> str:
    if "sku_ref" not in record:
        return "invoice_number"
    return "sku_ref" if record["sku_ref"] != "" or "sku_id" not in record else "sku_id"


def decimal_of(text: str) -> Decimal:
    """Canonical decimal text (as validate produces it) -> Decimal."""
    return Decimal(text)
