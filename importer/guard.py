"""Limits a person sets on what a file may change before someone looks, and the rows they hold.

A row beyond a limit is not sent: it is reported `held`, and written, with the other held rows
of its file, to `inbox/<flow>/held/<NAME>.csv` beside a preview of what it would change
(`NAME.preview.xlsx`, `.csv`). `importer approve NAME` sends that file as a file of the flow
with the limits off; `importer reject NAME` drops it with a report. The held file is in the
flow's canonical columns and notation (UTF-8, commas, decimal points), whatever the ERP's own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from importer.cells import neutralise
from importer.config import GuardSettings
from importer.deps import Deps
from importer.files.durable import flush_to_disk, fsync_dir
from importer.files.pair import temp_beside
from importer.messages import render
from importer.models import Action
from importer.outcomes import PushResult
from importer.preview.plan import Plan, Planned
from importer.preview.write import PreviewSummary, write_preview
from importer.rows import OutRow

HELD_FOLDER = "held"
# How a held file is read back: the notation it was written in, not the ERP's.
CANONICAL_READING = {"encoding": "utf-8", "delimiter": ",", "decimal": ".", "sheet": None}


@dataclass(frozen=True)
class Beyond:
    """A move past a limit: from `old` to `new`, `percent` of `old`, the `limit` it passed."""

    old: Decimal
    new: Decimal
    percent: Decimal
    limit: float

    @property
    def rise(self) -> bool:
        return self.new > self.old


def move_beyond(old: object, new: object, guard: GuardSettings | None) -> Beyond | None:
    """The move from `old` to `new` if it passes the guard's rise or fall limit, else None
    (no guard, a side without a number, or an old value of 0: nothing to compare with)."""
    if guard is None:
        return None
    before, after = _decimal(old), _decimal(new)
    if before is None or after is None or before <= 0:
        return None
    percent = (after - before) / before * 100
    if after > before and guard.max_rise_pct and percent > Decimal(str(guard.max_rise_pct)):
        return Beyond(before, after, percent, guard.max_rise_pct)
    if after < before and guard.max_fall_pct and -percent > Decimal(str(guard.max_fall_pct)):
        return Beyond(before, after, percent, guard.max_fall_pct)
    return None


def held_name(source: str, rows: Sequence[OutRow]) -> str:
    """`precos.csv.1f3a9c2e`: the file's name and a digest of what it holds, so that a file
    processed again after a crash writes the same held file, not a second one."""
    digest = hashlib.sha256()
    for key, content in sorted((row.key, row.hash) for row in rows):  # whatever the order
        digest.update(f"{key}\x00{content}\x00".encode())
    name = source.replace("/", "_").replace("\\", "_")
    return f"{name}.{digest.hexdigest()[:8]}"


def held_folder(inbox: Path, flow: str) -> Path:
    return inbox / flow / HELD_FOLDER


def write_held(
    folder: Path,
    name: str,
    columns: Sequence[str],
    rows: Sequence[OutRow],
    lines: Sequence[Planned],
    summary: PreviewSummary,
    mode: int | None,
) -> Path:
    """The held rows as `folder/NAME.csv` (the columns among `columns` they carry, in that
    order), with `lines`, the preview of what they would change, as `NAME.preview.xlsx` and
    `.csv`. The preview goes first: a held file is never there without the preview a person
    decides on."""
    folder.mkdir(parents=True, exist_ok=True)
    write_preview(Plan(list(lines)), summary, folder, mode, stem=f"{name}.preview")
    carried = [c for c in columns if any(r.get(c) != "" for r in rows)]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(carried)
    for row in rows:
        writer.writerow([neutralise(row.get(c)) for c in carried])
    final = folder / f"{name}.csv"
    temp = temp_beside(final, mode)
    try:
        with temp.open("w", encoding="utf-8", newline="") as fh:
            fh.write(text.getvalue())
            flush_to_disk(fh)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(folder)
    return final


def find_held(inbox: Path, flows: Sequence[str], name: str) -> tuple[str, Path] | None:
    """The flow and path of the held file NAME (given with or without `.csv`)."""
    stem = name[:-4] if name.endswith(".csv") else name
    for flow in flows:
        path = held_folder(inbox, flow) / f"{stem}.csv"
        if path.is_file() and not path.is_symlink():
            return flow, path
    return None


def held_files(inbox: Path, flows: Sequence[str]) -> list[tuple[str, Path, datetime]]:
    """Every held file waiting for a person: flow, path and since when."""
    found = []
    for flow in flows:
        folder = held_folder(inbox, flow)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.csv")):
            if path.name.endswith(".preview.csv") or path.is_symlink():
                continue
            found.append((flow, path, datetime.fromtimestamp(path.stat().st_mtime)))
    return found


def remove_previews(path: Path) -> None:
    """The preview pair of a held file that was approved or rejected."""
    for preview in path.parent.glob(f"{path.stem}.preview.*"):
        preview.unlink(missing_ok=True)


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def hold(
    flow: str,
    columns: Sequence[str],
    result: PushResult,
    deps: Deps,
    source: str,
    lines: Sequence[Planned] | None = None,
    why: str = "",
) -> None:
    """The held outcomes of `result`, written to `inbox/<flow>/held/NAME.csv` with their
    preview; each outcome's reason then names the file and the two commands. A pending row
    of a held key is dropped: the held value supersedes it, and only a person sends it."""
    held = [o for o in result.outcomes if o.action == Action.HELD]
    if not held:
        return
    rows = [o.record for o in held]
    name = held_name(source, rows)
    folder = held_folder(deps.loaded.folder("inbox"), flow)
    digest = name.rsplit(".", 1)[1]
    # The same rows held from another export (the ERP sent it again): that file, not a twin.
    earlier = sorted(p for p in folder.glob(f"*.{digest}.csv")) if folder.is_dir() else []
    if earlier:
        name = earlier[0].stem
    for outcome in held:
        beyond = outcome.held
        if beyond is None and why:  # a full file past max_removals, held whole
            outcome.reason = render("removals-held", flow=flow, name=name, why=why)
            continue
        if beyond is None:  # held for a person's approval of every change (approval = "always")
            outcome.reason = render("approval-held", flow=flow, name=name)
            continue
        outcome.reason = render(
            "move-rise-held" if beyond.rise else "move-fall-held",
            column=outcome.column,
            old=beyond.old,
            new=beyond.new,
            percent=f"{abs(beyond.percent):.1f}",
            limit=f"{beyond.limit:g}",
            flow=flow,
            name=name,
        )
    lines = (
        list(lines)
        if lines is not None
        else [
            Planned(
                o.record.line,
                o.record.key,
                Action.HELD,
                o.column,
                str(o.held.old) if o.held else "",
                o.value,
                o.reason,
                o.type,
            )
            for o in held
        ]
    )
    loaded = deps.loaded
    summary = PreviewSummary(
        file=source, flow=flow, previewed_at=deps.now(), rows_read=len(rows), account=deps.account
    )
    write_held(
        folder,
        name,
        columns,
        rows,
        lines,
        summary,
        loaded.settings.output.report_file_mode,
    )
    deps.store.drop_pending(flow, [r.key for r in rows])
