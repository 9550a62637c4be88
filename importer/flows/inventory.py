"""The inventory flow: inbox/inventory rows -> VTEX Logistics stock (API-NOTES §5), all here.

A row is a SKU's stock in one warehouse: a quantity (or unlimited), a lead time, and when the
ERP counted it (`balance_at`, else the file's time), sent as VTEX's dateUtcOnBalanceSystem so
that VTEX releases only the reservations the count reflects. Warehouse ids match as VTEX
matches them, case-insensitively. A full file sets the stock of rows it no longer lists to 0,
behind the removal guard. Batch inventory jobs are off unless the store accepts that their CSV
cannot say when the stock was counted (`batch_without_count_time`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from importer.config import FlowSettings
from importer.deps import Clients
from importer.diff import content_hash
from importer.errors import FileRejected
from importer.flows.base import InputFile
from importer.flows.keyed import KeyedFlow
from importer.flows.spec import ZERO, Column, FlowSpec, Raw, RuleResult, missing, sku_required
from importer.messages import render, row_error
from importer.models import Action
from importer.outcomes import PushResult, RowOutcome
from importer.push import IsNew, Send, SkuTables, SkuTask, done, push_skus
from importer.rows import OutRow, Removal
from importer.state import Snapshot, Store
from importer.validate import utc_text
from importer.vtex.batch_inventory import BatchInventoryClient, StockLine, can_carry
from importer.vtex.logistics import LogisticsClient

NAME = "inventory"

INVENTORY = FlowSpec(
    name="inventory",
    columns=(
        Column("sku_ref", "code"),
        Column("sku_id", "sku_id"),
        Column("warehouse_id", "code", required=True),
        Column("quantity", "int", required=True, minimum=ZERO),
        Column("unlimited", "bool"),
        Column("lead_time", "leadtime"),
        # When the ERP counted this stock (without it: the file's modification time; see
        # `validate.stamp_count_time`). Sent as VTEX's dateUtcOnBalanceSystem, so that VTEX
        # releases only the reservations the count reflects. Not hashed: a new count of the
        # same quantity is not a change to send (a file stamped with its own time would
        # otherwise re-send every row of every export).
        Column("balance_at", "date"),
    ),
    one_of=(("sku_ref", "sku_id"),),
    key_columns=("warehouse_id",),
    hashed=("quantity", "unlimited", "lead_time"),
)


class Inventory(KeyedFlow):
    spec = INVENTORY
    batch_feature = BatchInventoryClient.feature

    def normalise(self, frame: pd.DataFrame) -> None:
        # Blank means "not unlimited": one spelling, so a blank and a "false" never differ.
        frame["unlimited"] = frame["unlimited"].replace("", "false")

    def rules(self, frame: pd.DataFrame, raw: Raw, now: datetime) -> RuleResult:
        return inventory_rules(frame, raw, now)

    def complete(self, records: pd.DataFrame, file: InputFile) -> pd.DataFrame:
        return stamp_count_time(records, file.written_at)

    def removals(
        self, absent: list[str], file: InputFile, snapshot: Snapshot, settings: FlowSettings
    ) -> list[OutRow]:
        return full_file_removals(absent, file, snapshot, settings)

    def batch_threshold(self, settings: FlowSettings) -> int:
        """0 (never) unless the store accepts that a batch job cannot tell VTEX when the stock
        was counted (see `batch_without_count_time`)."""
        return settings.batch_threshold if settings.batch_without_count_time else 0

    async def send(
        self, rows: list[OutRow], removals: Sequence[OutRow], clients: Clients, store: Store,
        send: Send,
    ) -> PushResult:  # fmt: skip
        return await push_skus(self, rows, removals, clients, SkuTables.of(store), send)

    # -- as a SkuSender (importer.push) --

    async def ready(self, rows: list[OutRow], clients: Clients, result: PushResult) -> list[OutRow]:
        return await known_warehouses(rows, clients.logistics, result)

    def batchable(self, rows: list[OutRow]) -> list[OutRow]:
        """Rows with a lead time (see `batch_inventory.can_carry`)."""
        return [r for r in rows if can_carry(StockLine.from_row(r))]

    def batch_warnings(self, carried: list[OutRow]) -> list[str]:
        return [render("batch-without-count-time", rows=len(carried))]

    def tasks(
        self, rows: list[OutRow], clients: Clients, result: PushResult, send: Send
    ) -> list[SkuTask]:
        return inventory_tasks(rows, clients.logistics, result, send.is_new)


FLOW = Inventory()


# -- rules ------------------------------------------------------------------------------------


# How far a count time may run ahead of this machine's clock (the ERP's clock is not ours).
COUNT_CLOCK_SKEW = timedelta(minutes=10)


def inventory_rules(frame: pd.DataFrame, raw: Raw, now: datetime) -> RuleResult:
    no_wh = (frame["warehouse_id"] == "").to_numpy()
    no_qty = (frame["quantity"] == "").to_numpy() & (frame["unlimited"] != "true").to_numpy()
    # A count in the future would let VTEX release the reservations of orders placed after
    # the real count, which the count cannot reflect: that sells stock that is gone.
    # (Canonical RFC 3339 UTC text sorts as time does.)
    latest = utc_text(now + COUNT_CLOCK_SKEW)
    counted = frame["balance_at"]
    future = ((counted != "") & (counted > latest)).to_numpy(dtype=bool)
    return [
        *sku_required(frame, raw),
        (no_wh, missing("warehouse_id")),
        (no_qty, missing("quantity")),
        (
            future,
            lambda row, i: row_error(
                "out-of-range",
                template="count-time-in-future",
                row=row,
                column="balance_at",
                value=str(raw["balance_at"].iat[i]),
            ),
        ),
    ]


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


# -- a full file ------------------------------------------------------------------------------


def full_file_removals(
    absent: list[str], file: InputFile, snapshot: Snapshot, settings: FlowSettings
) -> list[OutRow]:
    """mode = "full": stock rows the file no longer lists are set to 0, behind a guard."""
    payloads = snapshot.snapshot_payloads(NAME, absent)
    # Rows already at 0 need nothing sent: without this, every full file would zero them again.
    to_zero = [
        k
        for k in absent
        if not (payloads[k].get("quantity") in ("0", "") and payloads[k].get("unlimited") != "true")
    ]
    known = snapshot.snapshot_count(NAME)
    if len(to_zero) > settings.max_removals * known:
        raise FileRejected(
            render(
                "stock-removal-guard",
                file=file.name,
                count=len(to_zero),
                known=known,
                limit=f"{settings.max_removals:.0%}",
            ),
            type="removal-guard",
        )
    if not to_zero:
        return []
    zeroed = [
        # The full file is the whole truth as of when it was written: that is the count.
        OutRow.from_payload(
            {
                **payloads[key],
                "quantity": "0",
                "unlimited": "false",
                "balance_at": "",
                "counted_at": utc_text(file.written_at),
                "row": None,
            }
        )
        for key in to_zero
    ]
    frame = pd.DataFrame([r.values for r in zeroed])
    for column in INVENTORY.hashed:
        if column not in frame:
            frame[column] = ""
    hashes = content_hash(frame, INVENTORY.hashed).tolist()
    removal = Removal(reason=render("stock-zeroed-absent"))
    return [replace(r, hash=int(h), removal=removal) for r, h in zip(zeroed, hashes, strict=True)]


# -- sending ---------------------------------------------------------------------------------


async def known_warehouses(
    rows: list[OutRow], logistics: LogisticsClient, result: PushResult
) -> list[OutRow]:
    if not rows:
        return rows
    listed = [str(w.get("id", "")) for w in await logistics.warehouses()]
    # Inventory calls treat warehouse ids case-insensitively; send the id as VTEX spells it.
    by_fold = {w.casefold(): w for w in listed}
    ready: list[OutRow] = []
    for row in rows:
        wh = by_fold.get(row.get("warehouse_id").casefold())
        if wh is None:
            result.outcomes.append(
                RowOutcome(
                    row,
                    Action.FAILED,
                    type="unknown-warehouse",
                    column="warehouse_id",
                    value=row.get("warehouse_id"),
                    reason=render(
                        "unknown-warehouse",
                        value=row.get("warehouse_id"),
                        known=", ".join(listed) or render("no-warehouse-known"),
                    ),
                )
            )
        else:
            ready.append(replace(row, warehouse=wh))
    return ready


def inventory_tasks(
    rows: list[OutRow],
    logistics: LogisticsClient,
    result: PushResult,
    is_new: IsNew,
) -> list[SkuTask]:
    tasks: list[SkuTask] = []
    for row in rows:

        async def task(row: OutRow = row) -> None:
            sku_id, wh = row.resolved_sku(), row.vtex_warehouse()
            unlimited = row.get("unlimited") == "true"
            quantity = int(row.get("quantity") or 0)
            # When the ERP counted, as the row has kept it since the file (a retry hours later
            # still says the count's time, not its own).
            counted_at = row.get("counted_at") or row.get("balance_at")
            if row.get("lead_time"):
                await logistics.put_inventory(
                    sku_id, wh, quantity=quantity, unlimited=unlimited,
                    lead_time=row.get("lead_time"), counted_at=counted_at,
                )  # fmt: skip
            else:
                # The file does not own lead times: a PUT would zero the one set in VTEX.
                await logistics.patch_quantity(
                    sku_id, wh, quantity=quantity, unlimited=unlimited, counted_at=counted_at
                )
            result.outcomes.append(done(row, is_new))

        tasks.append(([row], task))
    return tasks
