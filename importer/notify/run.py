"""When a pass tells people: after its files (one notice per file that needs a person), and
each pass for flows whose expected file is late (one notice per late spell)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from importer.deps import Deps
from importer.messages import speaking
from importer.models import FileReport
from importer.notify.notice import file_notice, needs_a_person, overdue_notice
from importer.notify.send import deliver

_OVERDUE = "notify.overdue."  # kv: per flow, the spell already told of


def configured(deps: Deps) -> bool:
    notify = deps.loaded.settings.notify
    return notify.mails or notify.webhook_url is not None


def notify_files(reports: Sequence[FileReport], deps: Deps) -> int:
    """A notice per file that needs a person (refused, or invalid, failed or held rows)."""
    if not configured(deps):
        return 0
    reports_dir = deps.loaded.folder("outbox") / "reports"
    sent = 0
    for report in reports:
        if needs_a_person(report):
            with speaking(deps.loaded.settings.report.language):
                notice = file_notice(report, reports_dir, deps.account)
            deliver(notice, deps.loaded.settings.notify)
            sent += 1
    return sent


def notify_overdue(deps: Deps, flows: Sequence[str]) -> int:
    """A notice for each flow with `expect_every_h` whose newest file is older than that (or,
    with no file ever, whose watch began longer ago). Told once per spell: the next notice
    comes only after a file arrived and the flow is late again."""
    if not configured(deps):
        return 0
    store, now, told = deps.store, deps.now(), 0
    for flow in flows:
        every_h = deps.loaded.settings.flow(flow).expect_every_h
        if every_h is None:
            continue
        last = store.last_received(flow)
        memory = json.loads(store.get_value(_OVERDUE + flow) or "{}")
        since = last or memory.get("watching_since")
        if since is None:  # first look at a flow that never had a file: the clock starts
            store.set_value(_OVERDUE + flow, json.dumps({"watching_since": now.isoformat()}))
            continue
        if now - _utc(since) < timedelta(hours=every_h) or memory.get("told") == since:
            continue
        with speaking(deps.loaded.settings.report.language):
            notice = overdue_notice(flow, every_h, last, deps.account)
        deliver(notice, deps.loaded.settings.notify)
        store.set_value(_OVERDUE + flow, json.dumps({**memory, "told": since}))
        told += 1
    return told


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
