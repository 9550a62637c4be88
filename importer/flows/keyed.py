"""The process of a keyed flow (prices, inventory, invoices): one snapshot row per key.

    records -> hash -> diff against the snapshot -> prepare -> send -> record

A flow's room subclasses `KeyedFlow` and fills in what is its own: its spec and rules, how its
records are completed before hashing (`complete`), what a full file's absent keys mean
(`removals`), what the changed rows carry from before (`prepare`) and how they reach VTEX
(`send`). Nothing here names a flow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from importer.config import FlowSettings
from importer.deps import Clients, Deps
from importer.diff import content_hash, diff
from importer.flows.base import InputFile
from importer.flows.spec import FlowSpec, Raw, RuleResult
from importer.models import FileReport, FileSummary, RowError
from importer.outcomes import PushResult, Record, explain_updates, record_outcomes
from importer.push import Send
from importer.state import Snapshot, Store
from importer.validate import Validated


class KeyedFlow:
    spec: FlowSpec
    # Columns a row may empty whose value VTEX keeps anyway -> the message that says so.
    kept_messages: Mapping[str, str] = {}

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pending_flows(self) -> tuple[str, ...]:
        return (self.spec.name,)

    # -- validation (see importer.flows.spec.FlowRules) --

    def normalise(self, frame: pd.DataFrame) -> None:
        return None

    def rules(self, frame: pd.DataFrame, raw: Raw, now: datetime) -> RuleResult:
        return []

    def record_rules(self, records: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
        return records, []

    # -- what a flow fills in --

    def complete(self, records: pd.DataFrame, file: InputFile) -> pd.DataFrame:
        """The records with what they take from the file itself, before they are hashed."""
        return records

    def removals(
        self, absent: list[str], file: InputFile, snapshot: Snapshot, settings: FlowSettings
    ) -> list[Record]:
        """What to send for keys a full file no longer lists (raises FileRejected when that
        is too much to be an export's intent). None by default: absence changes nothing."""
        return []

    def prepare(
        self,
        to_push: pd.DataFrame,
        previous: dict[str, dict[str, Any]],
        checked: Validated,
    ) -> pd.DataFrame:
        """The changed rows with what they need from before (`previous`: what VTEX accepted
        last for them) or from the file (the columns it carries)."""
        return to_push

    def batch_threshold(self, settings: FlowSettings) -> int:
        return settings.batch_threshold

    async def send(
        self, rows: list[Record], removals: Sequence[Record], clients: Clients, store: Store,
        send: Send,
    ) -> PushResult:  # fmt: skip
        raise NotImplementedError

    # -- the process --

    def process(self, checked: Validated, file: InputFile, deps: Deps, report: FileReport) -> None:
        summary = report.summary
        spec = self.spec
        settings = deps.loaded.settings.flow(self.name)
        records = self.complete(checked.records, file)
        # Every row that is not a valid record is in the report as invalid (a whole-column
        # error, an ambiguous decimal column say, invalidates every row it covers).
        summary.invalid = checked.rows_read - len(records)
        records["hash"] = content_hash(records, spec.hashed)
        changes = diff(records, deps.store.snapshot_hashes(self.name))
        # A key with a pending row is sent even when the file matches the snapshot: the
        # pending write may have reached VTEX after all (a timeout can apply), so VTEX may
        # differ from the snapshot. Sending it settles both; this file's value supersedes it.
        pending = deps.store.pending_keys(self.name)
        if pending:
            changes = changes.force(pending)
        summary.unchanged = changes.unchanged
        removals: list[Record] = []
        if settings.mode == "full":
            # Rows the file lists but could not use (invalid) are not absent: never zero them.
            absent = [k for k in changes.absent if k not in checked.mentioned]
            if absent:
                removals = self.removals(absent, file, deps.store, settings)
        new_keys = set(changes.new["key"])
        previous = deps.store.snapshot_payloads(self.name, changes.changed["key"].tolist())
        to_push = self.prepare(changes.to_push, previous, checked)
        result = self._push(to_push, removals, deps, new_keys, source=summary.file)
        explain_updates(result.outcomes, previous, spec.hashed, self.kept_messages)
        self.record(result, deps.store, report, summary.file)

    def record(self, result: PushResult, store: Snapshot, report: FileReport, source: str) -> None:
        """Commit what VTEX confirmed and report every outcome (a flow whose store rows are
        not its file rows says how one becomes the other)."""
        record_outcomes(self.name, result, store, report, source)

    def retry(self, deps: Deps, only: set[str] | None = None) -> FileReport | None:
        rows = [r for r in deps.store.pending(self.name) if only is None or r.key in only]
        if not rows:
            return None
        summary = FileSummary(
            file=f"pending-{self.name}",
            flow=self.name,
            sha256="",
            received_at=deps.now(),
            account=deps.account,
        )
        report = FileReport(summary)
        records = pd.DataFrame([r.payload for r in rows])
        for column in ("row", "key", "sku_ref", "sku_id", *self.spec.names):
            if column not in records:
                records[column] = ""
        records["hash"] = [r.hash for r in rows]
        snapshot_keys = set(deps.store.snapshot_payloads(self.name, records["key"].tolist()))
        summary.rows_read = len(records)
        new_keys = {k for k in records["key"] if k not in snapshot_keys}
        result = self._push(records, [], deps, new_keys, source="retry")
        # Pending rows already counted one attempt when they were stored; `add_pending` adds.
        self.record(result, deps.store, report, "retry")
        return report

    def _push(
        self,
        to_push: pd.DataFrame,
        removals: list[Record],
        deps: Deps,
        new_keys: set[str],
        *,
        source: str,
    ) -> PushResult:
        if to_push.empty and not removals:
            return PushResult()
        rows: list[Record] = [{str(k): v for k, v in r.items()} for r in to_push.to_dict("records")]
        send = Send(
            is_new=lambda r: r["key"] in new_keys,
            now=deps.now,
            batch_threshold=self.batch_threshold(deps.loaded.settings.flow(self.name)),
            source=source,
        )

        async def go() -> PushResult:
            async with deps.http() as http:
                return await self.send(rows, removals, Clients.over(http), deps.store, send)

        return asyncio.run(go())
