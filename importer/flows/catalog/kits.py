"""The `kit_components` column: the SKU is a kit made of other SKUs (API-NOTES §12.8).

A cell is `sku_ref:quantity:unit_price|...` (`S1:2:19.90|S2:1:5`): each component by its RefId,
how many go in one kit, and VTEX's UnitPrice (the component's price per unit; VTEX requires it
on every component, so the issue's shorter `sku_ref:quantity` is not enough). The kit SKU gets
IsKit (which VTEX never reverts); its components become exactly the cell's: a component the
cell no longer lists is removed, a changed quantity or price replaces the row. An empty cell
leaves the kit as VTEX holds it. Components are read from VTEX first, so sending the same
file again adds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from importer.flows.spec import Raw, RuleResult
from importer.messages import row_error
from importer.vtex.catalog import CatalogClient, Json

COLUMN = "kit_components"
_ENTRY = re.compile(r"(?P<ref>[^:|]+):(?P<quantity>[1-9][0-9]{0,5}):(?P<price>[0-9]+([.,][0-9]+)?)")


@dataclass(frozen=True)
class Component:
    ref: str
    quantity: int
    unit_price: Decimal


def parse(text: str) -> list[Component] | None:
    """The cell's components in its order; None when an entry is not ref:quantity:price or a
    ref repeats (one row per component: say the quantity instead)."""
    components: list[Component] = []
    for part in (p.strip() for p in text.split("|")):
        match = _ENTRY.fullmatch(part)
        if match is None:
            return None
        components.append(
            Component(
                match["ref"].strip(),
                int(match["quantity"]),
                Decimal(match["price"].replace(",", ".")),
            )
        )
    refs = [c.ref for c in components]
    return components if len(set(refs)) == len(refs) else None


def rules(frame: pd.DataFrame, raw: Raw) -> RuleResult:
    cells = frame[COLUMN]
    filled = (cells != "").to_numpy(dtype=bool)
    parsed = cells.map(lambda c: parse(c) if c else [])
    bad = filled & parsed.map(lambda p: p is None).to_numpy(dtype=bool)
    own = filled & ~bad
    own &= np.array(
        [
            bool(p) and ref in {c.ref for c in p}
            for p, ref in zip(parsed, frame["sku_ref"], strict=True)
        ],
        dtype=bool,
    )
    return [
        (
            bad,
            lambda row, i: row_error(
                "kit-components-invalid", row=row, column=COLUMN, value=str(raw[COLUMN].iloc[i])
            ),
        ),
        (
            own,
            lambda row, i: row_error(
                "invalid-combination",
                template="kit-component-self",
                row=row,
                column=COLUMN,
                value=str(frame["sku_ref"].iloc[i]),
            ),
        ),
    ]


def is_kit(sku: dict[str, object]) -> bool:
    return bool(sku.get(COLUMN))


# `CatalogSync._add_once`: send an add; after a timeout, ask `landed` before sending it again.
AddOnceRunner = Callable[
    [Callable[[], Awaitable[None]], Callable[[], Awaitable[bool]]], Awaitable[None]
]
Held = dict[int, tuple[int, Decimal]]  # component SKU id -> (quantity, unit price)


def held_components(rows: list[Json]) -> tuple[Held, bool]:
    """What VTEX holds per component, and whether a component has more than one row (a
    repeat that only a clean slate undoes)."""
    held: Held = {}
    repeated = False
    for row in rows:
        component = int(row["StockKeepingUnitId"])
        repeated |= component in held
        held[component] = (int(row.get("Quantity") or 0), Decimal(str(row.get("UnitPrice") or 0)))
    return held, repeated


async def set_components(
    client: CatalogClient,
    kit_id: int,
    wanted: dict[int, tuple[int, Decimal]],
    add: AddOnce,
) -> int:
    """Make the kit's components exactly `wanted`; returns how many writes were sent. Only
    additions: each missing one is added. Anything else (a removal, a changed quantity or
    price, a repeat): every component is removed and the list added again, VTEX's one
    documented way to change a component (delete by parentSkuId, then add)."""
    held, repeated = held_components(await client.kit_components(kit_id))
    if held == wanted and not repeated:
        return 0
    keep_held = not repeated and all(wanted.get(c) == v for c, v in held.items())
    writes = 0
    if not keep_held:
        await client.clear_kit(kit_id)
        held, writes = {}, 1
    for component, (quantity, price) in wanted.items():
        if component in held:
            continue
        await add(kit_id, component, quantity, price)
        writes += 1
    return writes


class AddOnce:
    """Adds one component; after a timeout, reads the kit before sending it again (a POST
    that VTEX applied and whose answer was lost would otherwise add the component twice)."""

    def __init__(self, client: CatalogClient, add_once: AddOnceRunner) -> None:
        self.client, self.add_once = client, add_once

    async def __call__(self, kit_id: int, component: int, quantity: int, price: Decimal) -> None:
        async def add() -> None:
            await self.client.add_kit_component(kit_id, component, quantity, float(price))

        async def landed() -> bool:
            held, _ = held_components(await self.client.kit_components(kit_id))
            return component in held

        await self.add_once(add, landed)
