"""The `trade_policies` column: the trade policies (sales channels) a product is linked to.

A filled cell (`1|2`) is the whole set: the product is linked to each of them and unlinked from
any other VTEX holds. An empty cell (or no column) leaves the links as they are, except that a
product is linked to the main trade policy (1) once, as before this column existed
(`CatalogSync._link`). The set is sent only when it changed since VTEX last accepted the
product, and VTEX's links are read before anything is sent, so a repeat (a retry, a restart
after a kill) sends nothing twice.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from importer.errors import RowRejectedError
from importer.flows.spec import Raw, RuleResult
from importer.messages import row_error
from importer.vtex.catalog import CatalogClient

COLUMN = "trade_policies"
_ID = re.compile(r"[1-9][0-9]{0,8}")


def parse(text: str) -> list[int] | None:
    """'1|2' -> [1, 2] (sorted, once each); None when a part is not a trade policy id."""
    parts = [p.strip() for p in text.split("|")]
    if not all(_ID.fullmatch(p) for p in parts):
        return None
    return sorted({int(p) for p in parts})


def rules(frame: pd.DataFrame, raw: Raw) -> RuleResult:
    cells = frame[COLUMN]
    bad = ((cells != "") & cells.map(lambda c: parse(c) is None).astype(bool)).to_numpy(dtype=bool)
    return [
        (
            np.asarray(bad, dtype=bool),
            lambda row, i: row_error(
                "trade-policies-invalid", row=row, column=COLUMN, value=str(raw[COLUMN].iloc[i])
            ),
        )
    ]


def wanted(product: dict[str, object], previous: dict[str, object] | None) -> list[int] | None:
    """The set to send now: None when the cell is empty or VTEX accepted this set already."""
    text = str(product.get(COLUMN) or "")
    if not text or (previous is not None and str(previous.get(COLUMN) or "") == text):
        return None
    return parse(text)


async def link_exactly(
    client: CatalogClient, product_id: int, policies: list[int], *, created: bool
) -> list[tuple[int, RowRejectedError]]:
    """Link the product to exactly `policies`: read what VTEX holds (a new product holds
    none), add the missing links, remove the others. Returns the links VTEX refused (an
    unknown trade policy is a 404), each with VTEX's answer; the others still go."""
    held: set[int] = set() if created else await client.trade_policies(product_id)
    refused: list[tuple[int, RowRejectedError]] = []
    for policy in policies:
        if policy in held:
            continue
        try:
            await client.link_trade_policy(product_id, policy)
        except RowRejectedError as exc:
            refused.append((policy, exc))
    for policy in sorted(held - set(policies)):
        await client.unlink_trade_policy(product_id, policy)
    return refused
