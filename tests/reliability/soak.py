"""The fault soak: minutes of file drops while the sandbox misbehaves, then a full audit.

    .venv/bin/python -m tests.reliability.soak --minutes 5 --seed 7
    .venv/bin/python -m tests.reliability.soak --minutes 3 --seed 7 --batch

A LiveSandbox (the VTEX emulator on a loopback port, in this process) answers with 5xx, 429 +
Retry-After, slow responses, timeouts (it stalls until the client gives up) and dropped
connections (closed unanswered, before or after applying the request). A real `importer watch
--polling` subprocess works on a scratch folder while a dropper keeps writing files into
inbox/prices, inventory, catalog and invoices (new rows, changes to earlier keys, keys shared
by several files, invalid rows) and adds orders to the sandbox for the importer to pull.

Then the dropper stops, the importer is given (bounded) time to archive everything, stopped
with SIGTERM (it must exit 0), and `importer run` / `importer orders pull` are repeated
(bounded) until nothing is pending. The audit compares the sandbox with the last valid value
the files gave every key (prices, stock, catalog products, SKUs, EANs and images, invoices and
their tracking), checks every order was exported exactly once, every file archived once with
one report that lists its invalid rows, and that the importer's log accounts for the faults
the sandbox injected (per kind). `SoakResult.problems` lists every discrepancy; empty means
the soak passed. Bounded: every wait has a deadline; the sandbox listens on 127.0.0.1 only.

`--batch`: the price and stock files go to VTEX as batch jobs (Bulk Pricing, batch
inventory): their rows carry cost prices and lead times, the thresholds are lowered to 3 rows
and jobs are polled every 0.2 s, so the faults also hit the job calls and the storage upload
and error-file URLs. The audit then also checks cost prices and lead times, that every job
VTEX received a file for ran to completion, that no two jobs carried the same rows, and that
a job created and never uploaded is one whose create lost its answer.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import DEMO_WAREHOUSES, Faults, Sandbox, demo_refid
from importer.sandbox import storage as sandbox_storage
from importer.state import Store
from tests.reliability.live import LiveSandbox, run_importer, start_importer

__all__ = ["SoakPlan", "SoakResult", "main", "run_soak"]

FLOWS = ("prices", "inventory", "catalog", "invoices")
BATCH_FLOWS = ("prices", "inventory")
DEMO_SKUS = tuple(demo_refid(n) for n in range(1, 21))
PRODUCTS = 8  # catalog products SOAK-P01.., two SKUs each (-A, -B)
CONFIG = """
[vtex]
account = "teststore"
"""
# The importer log's line for every failed attempt (importer/vtex/http.py), to VTEX or to a
# batch job's storage URL.
_FAILED_ATTEMPT = re.compile(r"(?:VTEX|storage) (\S+): (?:retry in|gave up)")
# Change sets of this many rows go as batch jobs in a `--batch` soak.
BATCH_THRESHOLD = 3
# "<input name>.<UTC time>[-n].report.csv" (importer/report.py).
_REPORT_NAME = re.compile(r"^(.+)\.\d{8}T\d{6}Z(?:-\d+)?\.report\.csv$")
# The sandbox's fault labels, folded into the kinds the importer logs.
_FAULT_KIND = {
    "429": "429",
    "500": "5xx",
    "502": "5xx",
    "503": "5xx",
    "timeout": "timeout",
    "drop-before": "dropped",
    "drop-after": "dropped",
}


@dataclass(frozen=True)
class SoakPlan:
    """How long, how hard, and how the importer is tuned for it."""

    drop_seconds: float
    seed: int
    faults: Faults
    file_every_s: float = 1.5  # one file per tick, flows in turn
    order_every_s: float = 4.0  # one new order per tick
    first_orders: int = 3  # ready for handling (and on the feed) before the importer starts
    max_backlog: int = 6  # files waiting in the inbox before the dropper holds back
    # For the importer to archive the last files and handle the last orders: it fails when
    # nothing moves for settle_idle_s (the machine is shared: slow is not stuck), or at the cap.
    settle_idle_s: float = 120.0
    settle_cap_s: float = 600.0
    settle_runs: int = 8  # `importer run` / `orders pull` passes at most, to empty pending
    feed_patience_s: float = 6.0  # then the feed's visibility timeout is let pass (see below)
    importer_env: dict[str, str] = field(default_factory=dict)
    # The share of price and stock files whose rows a VTEX batch job can carry (see `batched`).
    batch: float = 0.0


def batched(plan: SoakPlan, share: float = 1.0, poll_s: float = 0.2) -> SoakPlan:
    """The same soak with `share` of the price and stock files sent as VTEX batch jobs: their
    rows carry cost prices and lead times, thresholds are lowered, and jobs are polled every
    `poll_s` at first. The other files have neither, so they go per SKU, as before."""
    env = {
        **plan.importer_env,
        "IMPORTER__FLOWS__PRICES__BATCH_THRESHOLD": str(BATCH_THRESHOLD),
        "IMPORTER__FLOWS__INVENTORY__BATCH_THRESHOLD": str(BATCH_THRESHOLD),
        # Stock goes in batch jobs (which cannot say when it was counted) only when allowed.
        "IMPORTER__FLOWS__INVENTORY__BATCH_WITHOUT_COUNT_TIME": "true",
        "IMPORTER__VTEX__BATCH_POLL_INITIAL_S": str(poll_s),
    }
    return replace(plan, batch=share, importer_env=env)


def soak_plan(minutes: float, seed: int) -> SoakPlan:
    """The faults of the issue: 10% 5xx, 10% 429 (Retry-After 1 s), 5% timeouts (a stall the
    client gives up on after 2 s), 5% dropped connections, 30 ms latency on every answer."""
    faults = Faults(
        latency_ms=30,
        rate_429=0.10,
        retry_after=1.0,
        rate_5xx=0.10,
        rate_timeout=0.05,
        rate_drop=0.05,
        seed=seed,
        timeout_stall_s=10.0,
    )
    env = {
        "IMPORTER__VTEX__TIMEOUT_S": "2",
        "IMPORTER__VTEX__BACKOFF_INITIAL_S": "0.2",
        "IMPORTER__VTEX__BACKOFF_MAX_S": "5",
        "IMPORTER__WATCH__SETTLE_S": "0.3",
        "IMPORTER__WATCH__SCAN_INTERVAL_S": "0.5",
        "IMPORTER__ORDERS__PULL_INTERVAL_S": "3",
    }
    return SoakPlan(minutes * 60, seed, faults, importer_env=env)


# -- what the files ask for


@dataclass
class Intent:
    """The last valid value every key was given by a dropped file, and what each file holds."""

    prices: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # sku -> base, list
    costs: dict[str, Decimal] = field(default_factory=dict)  # sku -> cost (batch soaks)
    stock: dict[tuple[str, str], int] = field(default_factory=dict)  # (sku, warehouse) -> qty
    lead_times: dict[tuple[str, str], str] = field(default_factory=dict)  # (batch soaks)
    product_names: dict[str, str] = field(default_factory=dict)  # product_ref -> name
    sku_product: dict[str, str] = field(default_factory=dict)  # sku_ref -> product_ref
    eans: dict[str, str] = field(default_factory=dict)  # sku_ref -> EAN
    images: dict[str, list[str]] = field(default_factory=dict)  # sku_ref -> URLs, main first
    invoices: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)  # cents, trk
    orders: list[str] = field(default_factory=list)  # added to the sandbox, in order
    files: dict[str, str] = field(default_factory=dict)  # file name -> flow
    rows: int = 0
    bad_rows: dict[str, set[str]] = field(default_factory=dict)  # file -> keys to be refused
    never_created: set[str] = field(default_factory=set)  # SKU refs of invalid catalog rows
    pending_reports: int = 0  # reports of passes that retried pending rows (found by the audit)


def ean13(twelve: str) -> str:
    """The 12 digits with their EAN-13 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)


class Dropper(threading.Thread):
    """Writes a file every tick (flows in turn) and adds orders to the sandbox, recording
    in `intent` what each file asks for. Deterministic per seed, except for which orders
    happen to be in handling when an invoices file is written."""

    def __init__(self, workdir: Path, sandbox: Sandbox, plan: SoakPlan) -> None:
        super().__init__(name="soak-dropper", daemon=True)
        self.workdir, self.sandbox, self.plan = workdir, sandbox, plan
        self.intent = Intent()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._rng = random.Random(f"soak:{plan.seed}")
        self._seq = 0
        self._versions: Counter[str] = Counter()
        self._invoiced: dict[str, str] = {}  # order id -> invoice number
        self._batch_turns: Counter[str] = Counter()  # price and stock files written so far

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as error:  # reported by run_soak: a dead dropper fails the soak
            self.error = error

    def _loop(self) -> None:
        next_file = next_order = time.monotonic()
        turn = 0
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= next_order:
                self._add_order()
                next_order = now + self.plan.order_every_s
            if now >= next_file:
                next_file = now + self.plan.file_every_s
                if backlog(self.workdir) < self.plan.max_backlog:
                    flow = FLOWS[turn % len(FLOWS)]
                    turn += 1
                    write = getattr(self, f"_{flow}")
                    write()
            self.stop.wait(0.05)

    # -- orders

    def seed_orders(self, count: int) -> None:
        """Orders already waiting, queued on the feed before the importer configures it."""
        for _ in range(count):
            order = self.sandbox.add_order(seed=self._rng.randrange(1_000_000), queue=True)
            self.intent.orders.append(str(order["orderId"]))

    def _add_order(self) -> None:
        # VTEX queues feed events only once the feed is configured (the importer's first pull).
        if self.sandbox.feed_config() is None:
            return
        order = self.sandbox.add_order(seed=self._rng.randrange(1_000_000))
        self.intent.orders.append(str(order["orderId"]))

    # -- files

    def flows_dropped(self) -> set[str]:
        """The flows that had a file so far (safe to call from another thread)."""
        return set(self.intent.files.copy().values())

    def _drop(self, flow: str, header: str, lines: list[str], valid: int, bad: set[str]) -> None:
        self._seq += 1
        name = f"{self._seq:04d}-{flow}.csv"
        folder = self.workdir / "inbox" / flow
        partial = folder / f"{name}.part"  # never taken by the importer: renamed when whole
        partial.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        os.replace(partial, folder / name)
        self.intent.files[name] = flow
        self.intent.rows += valid + len(bad)
        self.intent.bad_rows[name] = bad

    def _prices(self) -> None:
        rng, lines = self._rng, []
        skus = rng.sample(DEMO_SKUS, rng.randint(3, 8))
        changes: dict[str, tuple[Decimal, Decimal]] = {}
        costs: dict[str, Decimal] = {}
        eligible = self._batch_file("prices")
        for sku in skus:
            base = Decimal(rng.randint(500, 50_000)) / 100
            listed = base + Decimal(rng.randint(0, 2_000)) / 100
            changes[sku] = (base, listed)
            line = f"{sku},{base},{listed}"
            if eligible:  # what a Bulk Pricing job can carry: a cost price too
                costs[sku] = cost = base - Decimal(rng.randint(1, 400)) / 100
                line += f",{cost}"
            lines.append(line)
        bad = self._bad_key(DEMO_SKUS, skus)
        if bad:
            lines.append(f"{bad},abc,10.00" + (",1.00" if eligible else ""))
        header = "sku_ref,base_price,list_price" + (",cost_price" if eligible else "")
        self._drop("prices", header, lines, len(skus), _set(bad))
        self.intent.prices.update(changes)
        self.intent.costs.update(costs)

    def _inventory(self) -> None:
        rng, lines = self._rng, []
        keys = [(s, w) for s in DEMO_SKUS for w in DEMO_WAREHOUSES]
        chosen = rng.sample(keys, rng.randint(3, 10))
        changes = {}
        lead_times: dict[tuple[str, str], str] = {}
        eligible = self._batch_file("inventory")
        for sku, warehouse in chosen:
            changes[(sku, warehouse)] = quantity = rng.randint(0, 500)
            line = f"{sku},{warehouse},{quantity}"
            if eligible:  # what a batch inventory job can carry: a lead time
                lead_times[(sku, warehouse)] = lead = (
                    f"{rng.randint(1, 9)}.{rng.randint(0, 23):02d}:00:00"
                )
                line += f",{lead}"
            lines.append(line)
        bad_keys = {f"{s}|{w}" for s, w in keys} - {f"{s}|{w}" for s, w in chosen}
        bad = self._bad_key(sorted(bad_keys), [])
        if bad:
            sku, warehouse = bad.split("|")
            lines.append(f"{sku},{warehouse},-3" + (",1.00:00:00" if eligible else ""))
        header = "sku_ref,warehouse_id,quantity" + (",lead_time" if eligible else "")
        self._drop("inventory", header, lines, len(chosen), _set(bad))
        self.intent.stock.update(changes)
        self.intent.lead_times.update(lead_times)

    def _catalog(self) -> None:
        rng, intent, lines = self._rng, self.intent, []
        header = (
            "product_ref,product_name,category,brand,sku_ref,ean,"
            "height_cm,width_cm,length_cm,weight_kg,image_urls"
        )
        products = rng.sample(range(1, PRODUCTS + 1), rng.randint(2, 4))
        names: dict[str, str] = {}
        eans: dict[str, str] = {}
        images: dict[str, list[str]] = {}
        for p in products:
            ref = f"SOAK-P{p:02d}"
            if ref not in intent.product_names or rng.random() < 0.4:  # a rename, now and then
                self._versions[ref] += 1
            names[ref] = name = f"Soak product {p} v{self._versions[ref]}"
            category, brand = f"Soak > Dept {p % 3}", f"Soak Brand {p % 2}"
            for letter in rng.sample("AB", rng.randint(1, 2)):
                sku = f"{ref}-{letter}"
                if sku not in intent.eans or rng.random() < 0.3:  # a new EAN, now and then
                    self._versions[sku] += 1
                eans[sku] = ean = ean13(f"78{p:02d}{ord(letter)}{self._versions[sku]:05d}")
                pool = [f"https://img.soak.example/{sku.lower()}-{k}.jpg" for k in (1, 2, 3)]
                images[sku] = urls = rng.sample(pool, rng.randint(1, 2))
                lines.append(
                    f"{ref},{name},{category},{brand},{sku},{ean},10,20,30,0.5,{'|'.join(urls)}"
                )
        bad: set[str] = set()
        if rng.random() < 0.5:
            bad_sku = f"SOAK-BAD{self._seq:04d}-A"
            bad.add(bad_sku)
            intent.never_created.add(bad_sku)
            lines.append(
                f"SOAK-BAD{self._seq:04d},Bad,Soak > Bad,Soak Brand 0,{bad_sku},,"
                "10,20,30,heavy,https://img.soak.example/bad.jpg"
            )
        self._drop("catalog", header, lines, len(eans), bad)
        intent.product_names.update(names)
        intent.sku_product.update({sku: sku.rsplit("-", 1)[0] for sku in eans})
        intent.eans.update(eans)
        intent.images.update(images)

    def _invoices(self) -> None:
        rng, lines = self._rng, []
        handling = [o for o in self.intent.orders if o not in self._invoiced]
        handling = [o for o in handling if self.sandbox.order_status(o) == "handling"]
        changes: dict[tuple[str, str], tuple[int, str]] = {}
        for order_id in handling[:3]:
            self._invoiced[order_id] = f"NF{len(self._invoiced) + 1:05d}"
        earlier = [o for o in self._invoiced if o not in handling[:3]]
        # Known invoices come back with a new tracking number: a tracking update, not a resend.
        for order_id in [*handling[:3], *rng.sample(earlier, min(len(earlier), 2))]:
            number = self._invoiced[order_id]
            cents = int(self.sandbox.orders[order_id]["value"])
            self._versions[number] += 1
            tracking = f"TRK{number}-{self._versions[number]}"
            changes[(order_id, number)] = (cents, tracking)
            value = Decimal(cents) / 100
            lines.append(f"{order_id},{number},{value:.2f},Soak Express,{tracking}")
        bad = {f"NOPE-{self._seq:04d}|NF-NOPE"} if rng.random() < 0.5 else set()
        for key in bad:  # an order VTEX does not have
            order_id, number = key.split("|")
            lines.append(f"{order_id},{number},10.00,Soak Express,TRK")
        if not changes and not bad:
            return  # nothing to invoice yet: no empty files
        header = "order_id,invoice_number,invoice_value,courier,tracking_number"
        self._drop("invoices", header, lines, len(changes), bad)
        self.intent.invoices.update(changes)

    def _batch_file(self, flow: str) -> bool:
        """Whether the next file of `flow` (prices, inventory) is one a batch job can carry:
        `plan.batch` of them, evenly, the first one included (so that a short soak has one)."""
        self._batch_turns[flow] += 1
        turn, share = self._batch_turns[flow], self.plan.batch
        return math.ceil(turn * share) > math.ceil((turn - 1) * share)

    def _bad_key(self, keys: Iterable[str], taken: Iterable[str]) -> str | None:
        """Half of the files carry an invalid row, on a key the file does not otherwise set."""
        free = sorted(set(keys) - set(taken))
        return self._rng.choice(free) if free and self._rng.random() < 0.5 else None


def _set(key: str | None) -> set[str]:
    return {key} if key else set()


def backlog(workdir: Path) -> int:
    """Files waiting in the inbox or claimed and not yet archived (a claimed file is in its
    importer's own folder, `.importer/<host>-<id>/`)."""
    count = 0
    for flow in FLOWS:
        inbox, claimed = workdir / "inbox" / flow, workdir / "inbox" / flow / ".importer"
        if inbox.is_dir():
            count += sum(1 for p in inbox.iterdir() if p.is_file())
        if claimed.is_dir():
            count += sum(1 for p in claimed.rglob("*") if p.is_file())
    return count


# -- running it


@dataclass
class SoakResult:
    seconds: float
    intent: Intent
    faults: Counter[str]  # per kind, from the sandbox's request log
    logged: Counter[str]  # failed attempts per kind, from the importer's log
    requests: int
    rows_lost: int
    duplicates: int
    problems: list[str]
    phases: dict[str, float] = field(default_factory=dict)  # seconds each phase took
    longest_silence_s: float = 0.0  # longest time `watch` sent VTEX nothing (stall detector)
    jobs: JobCounts | None = None  # batch soaks: what became of the batch jobs

    def table(self) -> str:
        i = self.intent
        lines = [
            ("wall time", f"{self.seconds:.0f} s"),
            ("phases", ", ".join(f"{k} {v:.0f} s" for k, v in self.phases.items())),
            ("files dropped", f"{len(i.files)} ({_flow_counts(i.files)})"),
            ("rows", f"{i.rows} ({sum(len(b) for b in i.bad_rows.values())} invalid)"),
            ("orders added", str(len(i.orders))),
            ("pending retries", f"{i.pending_reports} report(s) of rows retried on later passes"),
            ("requests to VTEX", str(self.requests)),
            ("longest silence", f"{self.longest_silence_s:.1f} s without a request"),
        ]
        for kind in ("429", "5xx", "timeout", "dropped"):
            lines.append((f"  {kind}", f"injected {self.faults[kind]}, logged {self.logged[kind]}"))
        if self.jobs is not None:
            lines += self.jobs.table()
        others = {k: n for k, n in self.logged.items() if k not in _FAULT_KIND.values()}
        if others:
            lines.append(("  other failures logged", str(dict(others))))
        lines += [
            ("rows lost", str(self.rows_lost)),
            ("duplicates", str(self.duplicates)),
            ("outcome", "PASS" if not self.problems else f"FAIL ({len(self.problems)})"),
        ]
        width = max(len(k) for k, _ in lines)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in lines)


@dataclass
class JobCounts:
    """The batch jobs of a soak, from the sandbox's side."""

    ran: Counter[str] = field(default_factory=Counter)  # per flow: jobs VTEX got a file for
    rows: Counter[str] = field(default_factory=Counter)  # per flow: rows those files carried
    orphans: int = 0  # created, never uploaded (a create whose answer was lost)
    lost_creates: int = 0  # creates applied whose answer never arrived (timeout, drop-after)
    faults: Counter[str] = field(default_factory=Counter)  # per call: job calls, storage

    def table(self) -> list[tuple[str, str]]:
        ran = ", ".join(f"{f} {self.ran[f]} ({self.rows[f]} rows)" for f in BATCH_FLOWS)
        return [
            ("batch jobs run", ran),
            ("  never uploaded", f"{self.orphans} (creates whose answer was lost: "
             f"{self.lost_creates})"),
            ("  faults on jobs", ", ".join(f"{k} {n}" for k, n in sorted(self.faults.items()))),
        ]  # fmt: skip


def _flow_counts(files: dict[str, str]) -> str:
    counts = Counter(files.values())
    return ", ".join(f"{flow} {counts[flow]}" for flow in FLOWS)


def run_soak(workdir: Path, plan: SoakPlan, log: Callable[[str], object] = print) -> SoakResult:
    """Run the soak in `workdir` (an empty folder) and audit it."""
    started = time.monotonic()
    (workdir / "importer.toml").write_text(CONFIG, encoding="utf-8")
    for flow in FLOWS:
        (workdir / "inbox" / flow).mkdir(parents=True, exist_ok=True)
    sandbox = Sandbox(account="teststore", app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
    sandbox.seed_demo()
    sandbox.faults = plan.faults
    problems: list[str] = []
    dropper = Dropper(workdir, sandbox, plan)
    dropper.seed_orders(plan.first_orders)
    with LiveSandbox(sandbox) as live:
        watcher = start_importer(["watch", "--polling"], workdir, live.url, plan.importer_env)
        try:
            dropper.start()
            # The window is drop_seconds, stretched (up to 3x) until every flow had a file: on
            # a loaded machine the first invoices (which need orders in handling) come late.
            deadline = time.monotonic() + plan.drop_seconds
            hard_deadline = time.monotonic() + 3 * plan.drop_seconds
            while watcher.poll() is None and time.monotonic() < hard_deadline:
                if time.monotonic() >= deadline and dropper.flows_dropped() >= set(FLOWS):
                    break
                time.sleep(0.2)
            dropper.stop.set()
            dropper.join(timeout=10)
            phases = {"dropping": time.monotonic() - started}
            log(f"dropping stopped after {phases['dropping']:.0f} s; settling")
            problems += _settle_watch(workdir, sandbox, dropper.intent, watcher, plan)
            phases["settling"] = time.monotonic() - started - phases["dropping"]
        finally:
            dropper.stop.set()
            if watcher.poll() is None:
                watcher.kill()
                watcher.communicate()
        if dropper.error is not None:
            problems.append(f"the dropper died: {dropper.error!r}")
        watch_stopped_at = time.time()  # the request log's clock
        log(f"importer watch stopped after {time.monotonic() - started:.0f} s; draining")
        drain_started = time.monotonic()
        problems += _drain(workdir, live.url, sandbox, dropper.intent, plan)
        phases["draining"] = time.monotonic() - drain_started
        sandbox.faults = None  # the audit reads state directly; nothing more is sent
        result = audit(workdir, sandbox, dropper.intent)
        if plan.batch > 0:
            result.jobs = _audit_jobs(sandbox, result.problems)
    result.problems[:0] = problems
    result.seconds = time.monotonic() - started
    result.phases = phases
    # While `importer watch` ran (the drain's fresh processes start slowly, by design).
    arrivals = [r.time for r in sandbox.requests if r.time <= watch_stopped_at]
    result.longest_silence_s = max((b - a for a, b in pairwise(arrivals)), default=0.0)
    return result


def _settle_watch(
    workdir: Path,
    sandbox: Sandbox,
    intent: Intent,
    watcher: subprocess.Popen[str],
    plan: SoakPlan,
) -> list[str]:
    """Wait (bounded) for the inbox to empty and the orders to be handled, then SIGTERM."""
    problems = []
    started = time.monotonic()
    progress_at, left = started, (-1, -1)
    next_expiry = started + plan.feed_patience_s
    while watcher.poll() is None:
        now = time.monotonic()
        unhandled = [o for o in intent.orders if sandbox.order_status(o) == "ready-for-handling"]
        if (backlog(workdir), len(unhandled)) != left:
            progress_at, left = now, (backlog(workdir), len(unhandled))
        if left == (0, 0):
            break
        if now - progress_at > plan.settle_idle_s or now - started > plan.settle_cap_s:
            problems.append(
                f"the importer did not settle: after {now - started:.0f} s, {left[0]} file(s) "
                f"in the inbox and {left[1]} order(s) not handled, no progress for "
                f"{now - progress_at:.0f} s"
            )
            break
        if unhandled and now >= next_expiry:
            _expire_feed_reads(sandbox)
            next_expiry = now + plan.feed_patience_s
        time.sleep(0.2)
    if watcher.poll() is not None:
        _, err = watcher.communicate()
        return [*problems, f"importer watch died (exit {watcher.returncode}): {err[-2000:]}"]
    watcher.send_signal(signal.SIGTERM)
    try:
        _, err = watcher.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        watcher.kill()
        _, err = watcher.communicate()
        return [*problems, "importer watch ignored SIGTERM for 60 s (killed)"]
    if watcher.returncode != 0 or "Traceback" in err:
        problems.append(f"importer watch exited {watcher.returncode} on SIGTERM: {err[-2000:]}")
    return problems


def _drain(workdir: Path, url: str, sandbox: Sandbox, intent: Intent, plan: SoakPlan) -> list[str]:
    """`importer run` and `orders pull` (faults still on) until nothing is pending, bounded."""
    for _ in range(plan.settle_runs):
        pending, unfinished = _pending(workdir)
        ready = [o for o in intent.orders if sandbox.order_status(o) == "ready-for-handling"]
        if not pending and not unfinished and not ready and backlog(workdir) == 0:
            return []
        if pending or backlog(workdir):
            run_importer(["run"], workdir, url, plan.importer_env, timeout=300)
        if ready or unfinished:
            _expire_feed_reads(sandbox)
            run_importer(["orders", "pull"], workdir, url, plan.importer_env, timeout=300)
    pending, unfinished = _pending(workdir)
    return [
        f"after {plan.settle_runs} settle passes: {pending} row(s) pending, "
        f"{unfinished} order(s) not handled"
    ]


def _expire_feed_reads(sandbox: Sandbox) -> None:
    """Let the feed's visibility timeout pass (on the sandbox's clock). A feed read whose
    answer was lost (timeout, drop) hides its events for that long, on VTEX as here; they are
    delivered again afterwards, as are events read and not yet committed (the importer's
    ledger must keep those from being exported twice)."""
    config = sandbox.feed_config() or {}
    sandbox.advance(float(config.get("queue", {}).get("visibilityTimeoutInSeconds", 240)))


def _pending(workdir: Path) -> tuple[int, int]:
    store = Store(workdir / "state" / "importer.sqlite3")
    try:
        return store.pending_count(), len(store.unfinished_orders())
    finally:
        store.close()


# -- the audit


def audit(workdir: Path, sandbox: Sandbox, intent: Intent) -> SoakResult:
    problems: list[str] = []
    lost = _lost_rows(sandbox, intent, problems)
    duplicates = _duplicates(sandbox, intent, problems)
    duplicates += _audit_orders(workdir, sandbox, intent, problems)
    _audit_files(workdir, intent, problems)
    faults = Counter(_FAULT_KIND[r.fault] for r in sandbox.requests if r.fault is not None)
    logged = failed_attempts_logged(workdir / "state")
    for kind in ("429", "5xx", "dropped"):
        if logged[kind] != faults[kind]:
            problems.append(
                f"{kind}: the sandbox injected {faults[kind]}, the log shows "
                f"{logged[kind]} failed attempts"
            )
    # A slow answer on a loaded machine can time out with no fault injected: at least.
    if logged["timeout"] < faults["timeout"]:
        problems.append(
            f"timeouts: the sandbox injected {faults['timeout']}, the log shows only "
            f"{logged['timeout']}"
        )
    return SoakResult(
        0.0, intent, faults, logged, len(sandbox.requests), lost, duplicates, problems
    )


def _audit_jobs(sandbox: Sandbox, problems: list[str]) -> JobCounts:
    """Every job VTEX received a file for ran to completion, no two jobs carried the same rows
    (a resumed job is polled, never started again), and a job created but never uploaded is
    one whose create was applied and its answer lost (VTEX's create is not idempotent: the
    retry makes another; the first carries no rows and expires)."""
    counts = JobCounts()
    seen: Counter[tuple[bytes, ...]] = Counter()
    for job in sandbox.store.batch_jobs.values():
        flow = "prices" if "type" in job else "inventory"
        content = sandbox_storage.content_of(sandbox.store, job["_object"])
        if content is None:
            counts.orphans += 1
            continue
        header, *lines = content.splitlines()
        seen[(header, *sorted(lines))] += 1
        counts.ran[flow] += 1
        counts.rows[flow] += len(lines)
        if job["status"] not in ("COMPLETED", "COMPLETED_WITH_ERRORS"):
            problems.append(f"{flow} job {job['batchId']} ended {job['status']}")
    problems += [
        f"a job's rows were sent in {n} jobs: {rows[:3]}" for rows, n in seen.items() if n > 1
    ]
    creates = {
        "POST /api/price-importer/pvt/import/{importType}",
        "POST /availability/v1/inventory/batch",
    }
    for request in sandbox.requests:
        if request.operation in creates and request.fault in ("timeout", "drop-after"):
            counts.lost_creates += 1
        job_call = "batch" in request.path or request.path.startswith("/api/price-importer/")
        storage_call = (
            request.operation is not None and sandbox_storage.OPERATION in request.operation
        )
        if request.fault is not None and (job_call or storage_call):
            what = "storage" if storage_call else "job calls"
            counts.faults[f"{what} {_FAULT_KIND[request.fault]}"] += 1
    if counts.orphans > counts.lost_creates:
        problems.append(
            f"{counts.orphans} jobs were never uploaded, but only {counts.lost_creates} creates "
            "lost their answer"
        )
    for flow in BATCH_FLOWS:
        if not counts.ran[flow]:
            problems.append(f"no {flow} batch job ran: the soak did not test them")
    return counts


def failed_attempts_logged(state: Path) -> Counter[str]:
    """Failed VTEX attempts per kind in the importer's log (rotated files included)."""
    counts: Counter[str] = Counter()
    for path in sorted(state.glob("importer*.log")):
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                found = _FAILED_ATTEMPT.search(line)
                if found:
                    counts[found.group(1)] += 1
    return counts


def _lost_rows(sandbox: Sandbox, i: Intent, problems: list[str]) -> int:
    """Keys whose value in the sandbox is not the last valid value the files gave them."""
    ids = sandbox.sku_refids
    wrong: list[str] = []
    for sku, (base, listed) in i.prices.items():
        held = sandbox.prices.get(ids[sku], {})
        if (held.get("basePrice"), held.get("listPrice")) != (base, listed):
            wrong.append(
                f"price {sku}: want {base}/{listed}, VTEX has "
                f"{held.get('basePrice')}/{held.get('listPrice')}"
            )
    for sku, cost in i.costs.items():
        held_cost = sandbox.prices.get(ids[sku], {}).get("costPrice")
        if held_cost != cost:
            wrong.append(f"cost price {sku}: want {cost}, VTEX has {held_cost}")
    for (sku, warehouse), quantity in i.stock.items():
        held_stock = sandbox.inventory.get((ids[sku], warehouse), {})
        if held_stock.get("quantity") != quantity:
            wrong.append(
                f"stock {sku}@{warehouse}: want {quantity}, VTEX has {held_stock.get('quantity')}"
            )
        lead_time = i.lead_times.get((sku, warehouse))
        if lead_time is not None and held_stock.get("leadTime") != lead_time:
            wrong.append(
                f"lead time {sku}@{warehouse}: want {lead_time}, VTEX has "
                f"{held_stock.get('leadTime')}"
            )
    products = sandbox.product_refids
    for ref, name in i.product_names.items():
        product = sandbox.products.get(products.get(ref, -1), {})
        if product.get("Name") != name:
            wrong.append(f"product {ref}: want {name!r}, VTEX has {product.get('Name')!r}")
    for sku, ean in i.eans.items():
        if sku not in ids:
            wrong.append(f"SKU {sku}: not in VTEX")
            continue
        record = sandbox.skus[ids[sku]]
        if record.get("ProductId") != products.get(i.sku_product[sku]):
            wrong.append(f"SKU {sku}: under product {record.get('ProductId')}")
        if sandbox.sku_eans(ids[sku]) != [ean]:
            wrong.append(f"SKU {sku}: EANs {sandbox.sku_eans(ids[sku])}, want [{ean}]")
        files = sandbox.sku_files(ids[sku])
        urls = [str(f.get("SourceUrl")) for f in files]
        main = [str(f.get("SourceUrl")) for f in files if f.get("IsMain")]
        want = i.images[sku]
        if sorted(urls) != sorted(want) or main != want[:1]:
            wrong.append(f"SKU {sku}: images {urls} (main {main}), want {want}")
    for (order_id, number), (cents, tracking) in i.invoices.items():
        packages = sandbox.invoices(order_id)
        held_invoice = [
            (p["invoiceNumber"], int(p["invoiceValue"]), p.get("trackingNumber")) for p in packages
        ]
        if held_invoice != [(number, cents, tracking)]:
            wrong.append(
                f"invoice {order_id}/{number}: want {cents} {tracking}, VTEX has {held_invoice}"
            )
    for sku in sorted(i.never_created & set(ids)):
        wrong.append(f"SKU {sku} of an invalid row was created")
    problems += wrong
    return len(wrong)


def _duplicates(sandbox: Sandbox, i: Intent, problems: list[str]) -> int:
    """Things VTEX holds twice that a careless retry would have added twice."""
    found: list[str] = []
    for kind, records, key in (
        ("SKU RefId", sandbox.skus.values(), "RefId"),
        ("product RefId", sandbox.products.values(), "RefId"),
        ("brand", sandbox.brands.values(), "Name"),
    ):
        counts = Counter(str(r.get(key)) for r in records)
        found += [f"{kind} {k!r} x{n}" for k, n in counts.items() if n > 1 and k != "None"]
    paths = Counter(
        (r.get("FatherCategoryId"), str(r.get("Name"))) for r in sandbox.categories.values()
    )
    found += [f"category {k!r} x{n}" for k, n in paths.items() if n > 1]
    ids = sandbox.sku_refids
    for sku in i.eans:
        if sku in ids:
            names = Counter(str(f.get("Name")) for f in sandbox.sku_files(ids[sku]))
            found += [f"image {sku}/{k} x{n}" for k, n in names.items() if n > 1]
            eans = Counter(sandbox.sku_eans(ids[sku]))
            found += [f"EAN {sku}/{k} x{n}" for k, n in eans.items() if n > 1]
    problems += found
    return len(found)


def _audit_orders(workdir: Path, sandbox: Sandbox, i: Intent, problems: list[str]) -> int:
    """Every order added was exported in exactly one file and is handled; returns the count
    of orders exported more than once."""
    seen: dict[str, set[str]] = {}
    for path in sorted((workdir / "outbox" / "orders").glob("orders-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as rows:
            for row in csv.DictReader(rows):
                seen.setdefault(row["order_id"], set()).add(path.name)
    twice = {o: sorted(f) for o, f in seen.items() if len(f) > 1}
    problems += [f"order {o} exported in {f}" for o, f in twice.items()]
    missing = [o for o in i.orders if o not in seen]
    problems += [f"order {o} never exported" for o in missing]
    problems += [f"order {o} exported but unknown" for o in set(seen) - set(i.orders)]
    problems += [
        f"order {o} is {sandbox.order_status(o)} in VTEX, not handled"
        for o in i.orders
        if sandbox.order_status(o) == "ready-for-handling"
    ]
    return len(twice)


def _audit_files(workdir: Path, i: Intent, problems: list[str]) -> None:
    """Every file archived once (done), with exactly one report listing its refused rows."""
    archived = Counter(p.name for p in (workdir / "archive").rglob("*") if p.is_file())
    reports: dict[str, list[Path]] = {}
    for path in (workdir / "outbox" / "reports").glob("*.report.csv"):
        named = _REPORT_NAME.match(path.name)
        reports.setdefault(named.group(1) if named else path.name, []).append(path)
    # Passes that retried pending rows report them as "pending-<flow>", and the outcome of a
    # batch job settled on a later pass (its answers lost to faults) as "batch-<flow>": no
    # input file of their own.
    passes = ("pending-", "batch-")
    i.pending_reports = sum(len(r) for n, r in reports.items() if n.startswith(passes))
    reports = {n: r for n, r in reports.items() if not n.startswith(passes)}
    for name in i.files:
        done = workdir / "archive" / "done" / name
        if archived[name] != 1 or not done.is_file():
            problems.append(f"{name}: archived {archived[name]} time(s), in done: {done.is_file()}")
        found = reports.get(name, [])
        if len(found) != 1:
            problems.append(f"{name}: {len(found)} report(s)")
            continue
        with found[0].open(encoding="utf-8-sig", newline="") as rows:
            # Report keys are "sku|warehouse", "order|invoice"; warehouse ids compare caseless.
            refused = {
                r["key"].casefold()
                for r in csv.DictReader(rows)
                if r["action"] in ("invalid", "failed")
            }
        problems += [
            f"{name}: the invalid row {key!r} is not in its report"
            for key in sorted(i.bad_rows[name])
            if key.casefold() not in refused
        ]
    unknown = set(reports) - set(i.files)
    problems += [f"a report for a file never dropped: {n}" for n in sorted(unknown)]


# -- the command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long files are dropped")
    parser.add_argument("--seed", type=int, default=7, help="faults and files, reproducibly")
    parser.add_argument(
        "--keep", type=Path, help="work in this folder (kept) instead of a temp one"
    )
    parser.add_argument("--batch", action="store_true", help="prices and stock as VTEX batch jobs")
    args = parser.parse_args(argv)
    plan = soak_plan(args.minutes, args.seed)
    if args.batch:
        plan = batched(plan)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = run_soak(args.keep, plan)
    else:
        with tempfile.TemporaryDirectory(prefix="soak-") as scratch:
            result = run_soak(Path(scratch), plan)
    print(result.table())
    for problem in result.problems[:50]:
        print("  -", problem)
    return 0 if not result.problems else 1


if __name__ == "__main__":
    sys.exit(main())
