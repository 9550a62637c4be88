"""What a run would do with a file, line by line, without doing it.

A flow's `plan` diffs a file against the snapshot exactly as its `process` does, and says what
would go out: each key created, each changed column updated (old -> new), each key a full
file would deactivate or zero. Nothing here reads VTEX or writes the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from importer.messages import render
from importer.models import Action, RowError
from importer.rows import OutRow

# The order a person reads a preview in: what moves VTEX most first.
_READ_ORDER = {
    Action.HELD: 0,
    Action.UPDATED: 0,
    Action.DEACTIVATED: 1,
    Action.CREATED: 2,
    Action.INVALID: 3,
}
MOVES = (Action.UPDATED, Action.HELD)  # the lines whose numbers move, sorted by how much


@dataclass(frozen=True)
class Planned:
    """One line of a preview: what would happen to one key (and column)."""

    row: int | None
    key: str
    action: Action
    column: str = ""
    old: str = ""
    new: str = ""
    reason: str = ""
    type: str = ""

    @property
    def move(self) -> Decimal | None:
        """The relative change of a number (0.7 for 10 -> 17); None where either side is not
        a number, or the old one is 0 (every move from 0 is infinite: said as 'new')."""
        old, new = _number(self.old), _number(self.new)
        if old is None or new is None or old == 0:
            return None
        return (new - old) / abs(old)


@dataclass
class Plan:
    """A file's preview: its lines, how many keys need nothing, and why a run would refuse the
    whole file (a full file removing too much), if it would."""

    lines: list[Planned] = field(default_factory=list)
    unchanged: int = 0
    refused: str = ""

    def count(self, action: Action) -> int:
        """Keys (not lines: an update of two columns is one key) with this action."""
        return len({(line.key, line.row) for line in self.lines if line.action == action})


def keyed_lines(
    new: Iterable[OutRow],
    changed: Iterable[OutRow],
    removals: Iterable[OutRow],
    previous: Mapping[str, Mapping[str, Any]],
    columns: Sequence[str],
    *,
    label: str = "",
) -> list[Planned]:
    """The lines of one keyed level: `previous` is what VTEX accepted last per key, `columns`
    what is compared (the flow's hashed columns); `label` goes before each key ("product ")."""
    lines: list[Planned] = []
    for row in new:
        lines.append(Planned(row.line, label + row.key, Action.CREATED, new=_values(row, columns)))
    for action, rows in ((Action.UPDATED, changed), (Action.DEACTIVATED, removals)):
        for row in rows:
            before = previous.get(row.key, {})
            moved = [
                c
                for c in columns
                if row.carries(c) is not False and str(before.get(c, "")) != row.get(c)
            ]
            if not moved:
                # Sent although nothing differs: an earlier attempt of this key is pending,
                # and VTEX may or may not have it.
                lines.append(
                    Planned(
                        row.line,
                        label + row.key,
                        action,
                        reason=render("preview-sent-again"),
                        type="pending-again",
                    )
                )
            for column in moved:
                lines.append(
                    Planned(
                        row.line,
                        label + row.key,
                        action,
                        column,
                        str(before.get(column, "")),
                        row.get(column),
                    )
                )
    return lines


def invalid_lines(errors: Iterable[RowError]) -> list[Planned]:
    return [
        Planned(
            e.row,
            e.key or "",
            Action.INVALID,
            e.column or "",
            new=e.value or "",
            reason=e.message,
            type=e.type,
        )
        for e in errors
    ]


def read_order(lines: Iterable[Planned]) -> list[Planned]:
    """Updates first, the largest moves (up or down, relative) first among them; then
    deactivations, creations and invalid rows, each in file order."""

    def order(line: Planned) -> tuple[int, Decimal, int, str]:
        move = line.move
        size = -abs(move) if move is not None and line.action in MOVES else Decimal(0)
        return (_READ_ORDER.get(line.action, 9), size, line.row or 0, line.key)

    return sorted(lines, key=order)


def move_percent(move: Decimal | None) -> float | None:
    """70.0 for +70%, -30.5 for -30.5%: a number, so that a spreadsheet sorts and filters it
    (and no sign makes it look like a formula); None when the line is not a number's move."""
    if move is None:
        return None
    return float(round(move * 100, 1))


def _values(row: OutRow, columns: Sequence[str]) -> str:
    """A created key's values as a person reads them: 'base_price=20.00; list_price=25.00'."""
    return "; ".join(f"{c}={row.get(c)}" for c in columns if row.get(c) != "")


def _number(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
