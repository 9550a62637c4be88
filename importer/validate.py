"""Table -> records + row errors. Pure and vectorised: whole columns, not rows, in Python.

Every cell ends up as canonical text (codes as written, money as '1234.56', integers as '12',
booleans as 'true'/'false', dates as RFC 3339, lead times as VTEX's 'dd.hh:mm:ss'), so that the
diff can hash rows cheaply and two spellings of one value never count as a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property, reduce
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from importer.config import FlowSettings
from importer.errors import HeaderError
from importer.flows.spec import Column, FlowRules, FlowSpec
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
    # The template that says what the cell should be (a type error of its kind); empty: the
    # error type's own template.
    template: str = ""
    error_type: str = "type-error"
    out_of_range: np.ndarray | None = None  # valid numbers outside the column's range


def validate(
    table: Table, flow: FlowRules, settings: FlowSettings, *, file_name: str, now: datetime
) -> Validated:
    """Check every row of `table` against the flow's spec and rules (`now`: the pass's clock);
    raises HeaderError for file-level problems."""
    spec = flow.spec
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
                    template=parsed.template or None,
                    row=int(row_numbers[i]),
                    column=column.name,
                    value=str(raw[column.name].iloc[int(i)]),
                    digits=MAX_DIGITS,
                )
            )
        bad |= parsed.invalid
        if parsed.out_of_range is not None:
            for i in np.flatnonzero(parsed.out_of_range):
                errors.append(
                    row_error(
                        "out-of-range",
                        template="not-above-minimum"
                        if column.exclusive_minimum
                        else "below-minimum",
                        row=int(row_numbers[i]),
                        column=column.name,
                        value=str(raw[column.name].iloc[int(i)]),
                        minimum=column.minimum,
                    )
                )
            bad |= parsed.out_of_range

    frame = pd.DataFrame(values)
    flow.normalise(frame)
    for mask, make in flow.rules(frame, raw, now):
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
                    column=_key_column(rec, spec),
                    value=spelt,
                    key=spelt,
                    first_row=int(first_row[rec["key"]]),
                )
            )
        records = records[~dup]
    records, repeated = flow.record_rules(records)
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
            column=reduce(lambda a, b: render("either", first=a, second=b), names),
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
            template="not-a-sku-id",
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
        template = "not-a-number" if column.kind == "decimal" else "not-a-whole-number"
        if column.kind == "int":
            invalid |= canonical.str.contains(".", regex=False).to_numpy(dtype=bool)
        # len() first: a file with a header and no rows has no longest value (NaN).
        if len(canonical) and int(canonical.str.len().max()) > MAX_DIGITS:
            # JSON numbers carry 15 significant digits exactly; '19.899999999999999' is a
            # float artefact of the export, and guessing its rounding is not ours to do.
            significant = canonical.str.replace(r"[-.]", "", regex=True).str.lstrip("0").str.len()
            invalid |= (significant > MAX_DIGITS).to_numpy(dtype=bool)
            template = "too-many-digits"
        out_of_range = _below_minimum(canonical, column) & ~invalid
        return _Parsed(
            canonical.where(~(invalid | out_of_range), ""),
            invalid,
            template=template,
            out_of_range=out_of_range,
        )
    if column.kind == "bool":
        lowered = raw.str.lower()
        is_true = lowered.isin(TRUE_WORDS).to_numpy()
        is_false = lowered.isin(FALSE_WORDS).to_numpy()
        invalid = ~(is_true | is_false | empty)
        values = pd.Series(np.where(is_true, "true", np.where(is_false, "false", "")), dtype=object)
        return _Parsed(values, invalid, template="not-true-or-false")
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
    return _Parsed(result, remaining, template="not-a-date")


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
    return _Parsed(values, invalid, template="not-a-lead-time")


def utc_text(moment: datetime) -> str:
    """A moment as validate writes dates: RFC 3339 in UTC, to the second."""
    return moment.astimezone(UTC).strftime(RFC3339)


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


def _key_column(record: pd.Series, spec: FlowSpec) -> str:
    if "sku_ref" not in record:  # a flow keyed by its own columns: the last one tells rows apart
        return spec.key_columns[-1]
    return "sku_ref" if record["sku_ref"] != "" or "sku_id" not in record else "sku_id"


def decimal_of(text: str) -> Decimal:
    """Canonical decimal text (as validate produces it) -> Decimal."""
    return Decimal(text)
