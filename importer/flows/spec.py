"""What a flow declares: its columns, what is required, its key and what is hashed, and the
shape of its row rules.

Declared, not scripted: validation, diff and reports read these specs. Column kinds say how a
cell is read (see `importer.validate`): codes stay text, money is decimal text, never float.
Each flow's own spec is in its room (`importer.flows.prices`, ...); this module is below them
all, and below `importer.validate`, which reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from importer.messages import row_error
from importer.models import RowError

Kind = Literal["code", "sku_id", "decimal", "int", "bool", "date", "leadtime", "text"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False  # the header must be there (or a default configured)
    minimum: Decimal | None = None
    # The value must be > minimum rather than >=; which of the two is said by its own
    # template ("below-minimum", "not-above-minimum"), the minimum being the template's data.
    exclusive_minimum: bool = False
    end_of_day: bool = False  # a bare date means the end of that day (period ends)


@dataclass(frozen=True)
class FlowSpec:
    name: str
    columns: tuple[Column, ...]
    one_of: tuple[tuple[str, ...], ...] = ()  # at least one header of each group is required
    key_columns: tuple[str, ...] = ()  # besides the SKU part of the key
    hashed: tuple[str, ...] = ()  # the content a change is detected on
    prefixes: tuple[str, ...] = ()  # column families named by the ERP ('product_spec:Cor')
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


ZERO = Decimal(0)

# A row rule's findings: for each problem, the rows it covers and how to say it for one row
# (given the row's number in the file and its position in the frame).
RuleResult = list[tuple[np.ndarray, Callable[[int, int], RowError]]]
Raw = Mapping[str, pd.Series]  # each column's cells as the file wrote them (stripped)


class FlowRules(Protocol):
    """What validation asks of a flow, beyond its spec's columns."""

    spec: FlowSpec

    def normalise(self, frame: pd.DataFrame) -> None:
        """One spelling per value, in place, before the rules look and the diff hashes."""
        ...

    def rules(self, frame: pd.DataFrame, raw: Raw, now: datetime) -> RuleResult:
        """Row rules across the flow's columns (`now`: the pass's clock)."""
        ...

    def record_rules(self, records: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
        """Rules over the valid rows, once each key has one row (uniqueness across keys)."""
        ...


def missing(name: str) -> Callable[[int, int], RowError]:
    """The message of an empty required cell."""
    return lambda row, i: row_error("missing-cell", row=row, column=name, value="")


def sku_required(frame: pd.DataFrame, raw: Raw) -> RuleResult:
    """A row of a SKU flow names its SKU by sku_ref or sku_id."""
    empty = ((frame["sku_ref"] == "") & (frame["sku_id"] == "")).to_numpy()
    column = "sku_ref" if (raw["sku_ref"] != "").any() or (raw["sku_id"] == "").all() else "sku_id"
    return [(empty, missing(column))]
