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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

import pandas as pd
from loguru import logger

from importer.config import FlowSettings
from importer.deps import Clients, Deps
from importer.diff import Changeset, content_hash, diff
from importer.errors import FileRejected
from importer.flows.base import InputFile
from importer.flows.spec import FlowSpec, Raw, RuleResult
from importer.follow.status_file import pushing
from importer.guard import hold
from importer.models import Action, FileReport, FileSummary, RowError
from importer.outcomes import PushResult, RowOutcome, explain_updates, record_outcomes
from importer.preview.plan import Plan, Planned, keyed_lines
from importer.push import Send
from importer.rows import OutRow, Payload
from importer.state import Snapshot, Store
from importer.validate import Validated


@dataclass(frozen=True)
class _Changes:
    changes: Changeset
    removals: list[OutRow]
    previous: Mapping[str, Payload]  # what VTEX accepted last for the changed keys
    invalid: int  # rows of the file that are not valid records


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
    ) -> list[OutRow]:
        """What to send for keys a full file no longer lists (raises FileRejected when that
        is too much to be an export's intent). None by default: absence changes nothing."""
        return []

    def prepare(
        self,
        rows: list[OutRow],
        previous: Mapping[str, Payload],
        checked: Validated,
    ) -> list[OutRow]:
        """The changed rows with what they need from before (`previous`: what VTEX accepted
        last for them) or from the file (the columns it carries)."""
        return rows

    def batch_threshold(self, settings: FlowSettings) -> int:
        return settings.batch_threshold

    async def send(
        self, rows: list[OutRow], removals: Sequence[OutRow], clients: Clients, store: Store,
        send: Send,
    ) -> PushResult:  # fmt: skip
        raise NotImplementedError

    # -- the process --

    def process(self, checked: Validated, file: InputFile, deps: Deps, report: FileReport) -> None:
        summary = report.summary
        settings = deps.loaded.settings.flow(self.name)
        try:
            change = self._changes(checked, file, deps)
        except FileRejected as exc:
            if exc.type != "removal-guard" or settings.guard.removals != "hold" or file.approved:
                raise
            # Held whole instead of refused: the same changes, the removals past the limit
            # included, wait for a person ([flows.<flow>.guard] removals = "hold").
            unlimited = settings.model_copy(update={"max_removals": 1.0})
            change = self._changes(checked, file, deps, unlimited)
            rows = self.prepare(rows_of(change.changes.to_push), change.previous, checked)
            summary.invalid, summary.unchanged = change.invalid, change.changes.unchanged
            result, lines = self._held_for_approval(rows, change, deps)
            hold(self.name, self.spec.names, result, deps, summary.file, lines, why=str(exc))
            self.record(result, deps.store, report, summary.file)
            return
        summary.invalid = change.invalid
        summary.unchanged = change.changes.unchanged
        logger.debug(
            "{}: {} new, {} changed, {} unchanged, {} to remove",
            summary.file,
            len(change.changes.new),
            len(change.changes.changed),
            change.changes.unchanged,
            len(change.removals),
        )
        # The changed rows become typed values once, here; each stage after returns new ones.
        rows = self.prepare(rows_of(change.changes.to_push), change.previous, checked)
        new_keys = set(change.changes.new["key"])
        if settings.guard.approval == "always" and not file.approved and (rows or change.removals):
            # A person approves every change of this flow first: all of it is held.
            result, lines = self._held_for_approval(rows, change, deps)
            hold(self.name, self.spec.names, result, deps, summary.file, lines)
            self.record(result, deps.store, report, summary.file)
            return
        pushing(len(rows) + len(change.removals))
        result = self._push(
            rows, change.removals, deps, new_keys, source=summary.file, approved=file.approved
        )
        explain_updates(result.outcomes, change.previous, self.spec.hashed, self.kept_messages)
        hold(self.name, self.spec.names, result, deps, summary.file)
        self.record(result, deps.store, report, summary.file)

    def _held_for_approval(
        self, rows: list[OutRow], change: _Changes, deps: Deps
    ) -> tuple[PushResult, list[Planned]]:
        new = {r.key for r in rows_of(change.changes.new)}
        previous = {
            **change.previous,
            **deps.store.snapshot_payloads(self.name, [r.key for r in change.removals]),
        }
        lines = keyed_lines(
            [r for r in rows if r.key in new],
            [r for r in rows if r.key not in new],
            change.removals,
            previous,
            self.spec.hashed,
        )
        held = [RowOutcome(r, Action.HELD, type="approval") for r in [*rows, *change.removals]]
        return PushResult(outcomes=held), lines

    def plan(self, checked: Validated, file: InputFile, deps: Deps) -> Plan:
        """What `process` would send for this file, worked out the same way; nothing sent."""
        try:
            change = self._changes(checked, file, deps)
        except FileRejected as exc:
            return Plan(refused=str(exc))
        removed = [r.key for r in change.removals]
        previous = {
            **change.previous,
            **deps.store.snapshot_payloads(self.name, removed),
        }
        lines = keyed_lines(
            rows_of(change.changes.new),
            rows_of(change.changes.changed),
            change.removals,
            previous,
            self.spec.hashed,
        )
        return Plan(lines, unchanged=change.changes.unchanged)

    def _changes(
        self,
        checked: Validated,
        file: InputFile,
        deps: Deps,
        settings: FlowSettings | None = None,
    ) -> _Changes:
        """The file against the snapshot: what is new, changed, or (a full file) removed. Only
        reads the store."""
        settings = settings or deps.loaded.settings.flow(self.name)
        records = self.complete(checked.records, file)
        # Every row that is not a valid record is in the report as invalid (a whole-column
        # error, an ambiguous decimal column say, invalidates every row it covers).
        invalid = checked.rows_read - len(records)
        records["hash"] = content_hash(records, self.spec.hashed)
        changes = diff(records, deps.store.snapshot_hashes(self.name))
        # A key with a pending row is sent even when the file matches the snapshot: the
        # pending write may have reached VTEX after all (a timeout can apply), so VTEX may
        # differ from the snapshot. Sending it settles both; this file's value supersedes it.
        pending = deps.store.pending_keys(self.name)
        if pending:
            changes = changes.force(pending)
        removals: list[OutRow] = []
        # A held file a person approved is its rows only, never the flow's whole truth.
        if settings.mode == "full" and not file.approved:
            # Rows the file lists but could not use (invalid) are not absent: never zero them.
            absent = [k for k in changes.absent if k not in checked.mentioned]
            if absent:
                removals = self.removals(absent, file, deps.store, settings)
        previous = deps.store.snapshot_payloads(self.name, changes.changed["key"].tolist())
        return _Changes(changes, removals, previous, invalid)

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
        # Kept by this version or an earlier one: `OutRow.from_payload` reads either.
        records = [replace(OutRow.from_payload(r.payload), hash=r.hash) for r in rows]
        snapshot_keys = set(deps.store.snapshot_payloads(self.name, [r.key for r in records]))
        summary.rows_read = len(records)
        new_keys = {r.key for r in records if r.key not in snapshot_keys}
        result = self._push(records, [], deps, new_keys, source="retry")
        hold(self.name, self.spec.names, result, deps, summary.file)
        # Pending rows already counted one attempt when they were stored; `add_pending` adds.
        self.record(result, deps.store, report, "retry")
        return report

    def _push(
        self,
        rows: list[OutRow],
        removals: list[OutRow],
        deps: Deps,
        new_keys: set[str],
        *,
        source: str,
        approved: bool = False,
    ) -> PushResult:
        if not rows and not removals:
            return PushResult()
        settings = deps.loaded.settings.flow(self.name)
        send = Send(
            guard=None if approved else settings.guard,
            is_new=lambda r: r.key in new_keys,
            now=deps.now,
            batch_threshold=self.batch_threshold(settings),
            source=source,
        )

        async def go() -> PushResult:
            async with deps.http() as http:
                return await self.send(rows, removals, Clients.over(http), deps.store, send)

        return asyncio.run(go())


def rows_of(records: pd.DataFrame) -> list[OutRow]:
    """A frame of records (row, key, hash and the flow's columns) as rows on their way."""
    # The names made text once, for the frame, rather than once per row.
    named = cast("list[dict[str, object]]", records.rename(columns=str).to_dict("records"))
    return [OutRow.from_payload(r) for r in named]
