"""`importer status`: what the importer did lately and what waits for a person, in one look.

Read only: the ledger's recent files, the status files of inputs in progress, held files,
pending rows by age and reason, the last orders pull, who holds the working folder, and
(unless asked not to) whether VTEX answers. Its exit code is for monitoring: 0 nothing needs
a person, 1 something does (the reasons are listed), 3 VTEX refuses the credentials, 6 VTEX
does not answer.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from importer.config import LoadedSettings
from importer.follow.status_file import STATUS_FOLDER
from importer.guard import held_files
from importer.orders.run import LAST_PULL
from importer.state import RecentFile, Store

RECENT = 20


@dataclass(frozen=True)
class PendingGroup:
    flow: str
    reason: str
    rows: int
    oldest: str | None  # when the oldest row's file was received (ISO), if the ledger knows
    oldest_age_h: float | None


@dataclass
class Overview:
    recent: list[RecentFile] = field(default_factory=list)
    in_progress: list[dict[str, Any]] = field(default_factory=list)
    held: list[dict[str, str]] = field(default_factory=list)
    pending: list[PendingGroup] = field(default_factory=list)
    last_pull: dict[str, Any] | None = None
    lock_holder: str | None = None
    vtex: str = "not checked"  # answers | refused: ... | no answer: ... | not checked

    def attention(self) -> list[str]:
        """Why a person is needed, one line each (empty: nothing)."""
        reasons = []
        latest: dict[str, RecentFile] = {}
        for entry in self.recent:  # newest first: the first of each flow is its latest
            latest.setdefault(entry.flow, entry)
        for entry in latest.values():
            if entry.status == "failed":
                reasons.append(f"the last {entry.flow} file, {entry.name}, was refused")
            elif entry.not_landed:
                reasons.append(
                    f"the last {entry.flow} file, {entry.name}, has {entry.not_landed} row(s) "
                    "that did not land"
                )
        if self.held:
            reasons.append(f"{len(self.held)} held file(s) wait for importer approve or reject")
        waiting = sum(g.rows for g in self.pending)
        if waiting:
            reasons.append(f"{waiting} pending row(s), retried on every pass")
        if self.last_pull is not None and not self.last_pull.get("ok", True):
            reasons.append(f"the last orders pull failed: {self.last_pull.get('detail', '')}")
        return reasons

    def as_json(self) -> dict[str, Any]:
        return {
            "recent": [asdict(r) for r in self.recent],
            "in_progress": self.in_progress,
            "held": self.held,
            "pending": [asdict(g) for g in self.pending],
            "last_orders_pull": self.last_pull,
            "lock_holder": self.lock_holder,
            "vtex": self.vtex,
            "attention": self.attention(),
        }


def overview(loaded: LoadedSettings, store: Store, flows: Sequence[str], now: datetime) -> Overview:
    seen = Overview()
    seen.recent = store.recent_files(RECENT)
    seen.in_progress = _in_progress(loaded.folder("outbox") / STATUS_FOLDER)
    seen.held = [
        {"flow": flow, "name": path.stem, "since": since.isoformat(timespec="seconds")}
        for flow, path, since in held_files(loaded.folder("inbox"), flows)
    ]
    seen.pending = pending_groups(store, now)
    raw = store.get_value(LAST_PULL)
    seen.last_pull = json.loads(raw) if raw else None
    seen.lock_holder = lock_holder(loaded.folder("state"))
    return seen


def pending_groups(store: Store, now: datetime) -> list[PendingGroup]:
    groups: dict[tuple[str, str], list[str | None]] = {}
    for row, since in store.pending_rows():
        groups.setdefault((row.flow, row.last_error[:160]), []).append(since)
    out = []
    for (flow, reason), times in groups.items():
        known = sorted(t for t in times if t)
        oldest = known[0] if known else None
        age = None
        if oldest:
            then = datetime.fromisoformat(oldest)
            then = then if then.tzinfo else then.replace(tzinfo=UTC)
            age = round((now - then).total_seconds() / 3600, 1)
        out.append(PendingGroup(flow, reason, len(times), oldest, age))
    return sorted(out, key=lambda g: (g.oldest or "", g.flow))


def lock_holder(state: Path) -> str | None:
    """Who holds the working folder ("pid 4242 on host"), or None. The lock is never taken
    here (a `run` starting at that moment would be refused): the holder's note is read, and a
    note of this host whose process is gone is a stale one."""
    note = state / "importer.run.lock.owner"
    try:
        text = note.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    parts = text.split()
    if len(parts) == 4 and parts[0] == "pid" and parts[3] == socket.gethostname():
        try:
            os.kill(int(parts[1]), 0)
        except (ProcessLookupError, ValueError):
            return None
        except PermissionError:
            pass  # alive, another user's
    return text or None


def _in_progress(folder: Path) -> list[dict[str, Any]]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            status = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if status.get("state") in ("received", "validating", "pushing"):
            found.append(status)
    return found
