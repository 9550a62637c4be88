"""Kill the importer at seeded-random points, restart it, and let a test check the end state.

The importer is a real child process, killed with SIGKILL. It is forked from a forkserver that
imported the importer once (`multiprocessing`'s "forkserver" start method, single-threaded), so
a restart costs milliseconds instead of the ~0.8 s of imports of `python -m importer`. The child
runs the command line's own entry point (`importer.cli.app`) in the working folder, with the
environment `live.importer_env` gives a subprocess, against a `LiveSandbox` that lives in the
test process and so survives every kill.

Where a kill lands is drawn with a seeded RNG, from one of three kinds of point:

- `request-before` / `request-after`: the sandbox SIGKILLs the child when it receives the
  child's k-th request, before applying it (VTEX never saw it) or after applying it (VTEX did,
  the importer never learns it);
- `step`: the child SIGKILLs itself just before its k-th local side effect: a store
  transaction beginning or committed, a rename, a replace, an unlink. Every gap between two
  local side effects is such a point, the tiny ones between writing a report and archiving
  its input included (the gaps around requests are the `request` kills' business);
- `timer`: the test SIGKILLs the child t seconds after starting it (reading, validating,
  writing a workbook, archiving: wherever the time goes).

k and t are drawn from an uninterrupted calibration run of the same work (`Calibration`), in a
twin working folder with its own sandbox that has seen the same inputs. A campaign can also
aim kills (`Aim`) at a named request or local side effect of the calibration run (right after
a batch job's create, just after the transaction that settles it), so that a gap random draws
may miss is hit every time.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_for
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Literal

import httpx

from importer.sandbox import Sandbox
from tests.reliability.live import LiveSandbox, importer_env

__all__ = [
    "Aim",
    "Calibration",
    "CrashLog",
    "Kill",
    "KillKind",
    "RunOutcome",
    "World",
    "crash_campaign",
    "crash_seed",
    "drop_budget",
    "kills_per_flow",
    "twin_worlds",
]

# The modules a child needs, imported once in the forkserver so every fork starts warm.
PRELOAD = [
    "tests.reliability.crash_harness",
    "tests.reliability.warm_child",
    "importer.cli",
    "importer.run.runner",
    "importer.pipeline",
    "importer.flows.catalog.process",
    "importer.orders.run",
    "importer.orders.invoices",
    "importer.read",
    "importer.report",
    "pandas",
    "openpyxl",
    # What a first run would otherwise import lazily (HTTP over asyncio, workbook packaging).
    "anyio._backends._asyncio",
    "anyio.to_thread",
    "httpcore",
    "h11",
    "certifi",
    "encodings.utf_8_sig",
    "openpyxl.packaging.manifest",
    "typer._completion_shared",
]

KillKind = Literal["request-before", "request-after", "step", "timer"]
KILL_KINDS: tuple[KillKind, ...] = ("request-before", "request-after", "step", "timer")
KILL_WEIGHTS = (0.25, 0.25, 0.3, 0.2)
CHILD_TIMEOUT_S = 60.0


def kills_per_flow() -> int:
    """How many SIGKILLs each flow takes: CRASH_KILLS (default 20) for longer runs by hand."""
    return int(os.environ.get("CRASH_KILLS", "20"))


def drop_budget(kills: int) -> int:
    """The most inputs a campaign of `kills` kills may drop (a drop takes 1 to 8 kills; a
    kill point drawn past the work left ends a drop early)."""
    return kills // 2 + 10


def crash_seed() -> int:
    """CRASH_SEED reproduces a run; otherwise a fresh seed, printed with every failure."""
    value = os.environ.get("CRASH_SEED")
    return int(value) if value else random.SystemRandom().randrange(1 << 32)


@dataclass(frozen=True)
class Kill:
    kind: KillKind
    at: float  # the k-th request or step (1-based), or seconds after the start
    aim: str = ""  # what an aimed kill was aimed at ("", a random one)

    def __str__(self) -> str:
        if self.kind == "timer":
            return f"timer@{self.at * 1000:.0f}ms"
        where = f"{self.kind}#{int(self.at)}"
        return f"{where} (aimed: {self.aim})" if self.aim else where


@dataclass(frozen=True)
class Aim:
    """A kill aimed at the first request of an operation, or the first local side effect of a
    kind, in the calibration run: the gaps random draws may miss (between a batch job's
    creation and its upload, say). `operation` is, for a request kill, the sandbox's operation
    id ("PUT (pre-signed storage URL)", "GET /api/price-importer/pvt/batches/{batchId}"); for
    a step kill, the step's label ("settle_batch:commit": just after that transaction
    committed; "os.replace": just before a replace). `nth` picks a later one."""

    kind: Literal["request-before", "request-after", "step"]
    operation: str
    nth: int = 1

    def __str__(self) -> str:
        return f"{self.kind} {self.operation}" + (f" #{self.nth}" if self.nth > 1 else "")

    def kill(self, calibration: Calibration) -> Kill | None:
        """The kill at that request or step of the calibration run, or None without one."""
        seen = 0
        made = calibration.step_labels if self.kind == "step" else calibration.operations
        for index, operation in enumerate(made, start=1):
            if operation == self.operation:
                seen += 1
                if seen == self.nth:
                    return Kill(self.kind, index, aim=str(self))
        return None


@dataclass(frozen=True)
class RunOutcome:
    killed: bool
    exitcode: int | None
    requests: int  # requests the sandbox received from this run
    steps: int  # local side effects the child reached (-1: unknown, it was killed)
    seconds: float
    victim: tuple[str, str] | None = None  # (method, path): the request a request kill hit
    step_labels: tuple[str, ...] = ()  # what each local side effect was (a completed run)


@dataclass(frozen=True)
class Calibration:
    """What an uninterrupted run of the same work costs."""

    requests: int
    steps: int
    seconds: float
    operations: tuple[str, ...] = ()  # the sandbox's operation id of each request, in order
    step_labels: tuple[str, ...] = ()  # what each local side effect was, in order


# --- the child ----------------------------------------------------------------------------


class _Tripwire:
    """Counts the child's side effects; SIGKILLs the process just before the k-th one. Keeps
    what each was ("os.replace", "settle_batch:commit"), for kills aimed at one of them."""

    def __init__(self, kill_at: int | None) -> None:
        self.kill_at = kill_at
        self.count = 0
        self.labels: list[str] = []

    def __call__(self, label: str) -> None:
        self.count += 1
        self.labels.append(label)
        if self.kill_at is not None and self.count >= self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def _install_tripwire(trip: _Tripwire) -> None:
    """Wrap the local side effects the importer makes (in this child only)."""
    from importer.state import Store

    for name in ("replace", "rename", "unlink"):
        original = getattr(os, name)

        def wrapped(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            trip(f"os.{_name}")
            return _original(*args, **kwargs)

        setattr(os, name, wrapped)

    original_tx = Store._tx

    @contextmanager
    def tx(self: Store) -> Iterator[Any]:
        # The Store method that opened the transaction: its caller, past contextlib's frame.
        caller = sys._getframe(2).f_code.co_name
        trip(f"{caller}:begin")
        with original_tx(self) as db:
            yield db
        trip(f"{caller}:commit")

    Store._tx = tx  # type: ignore[method-assign]


def _child_main(
    args: Sequence[str],
    workdir: str,
    env: dict[str, str],
    log: str,
    kill_at_step: int | None,
    steps_file: str,
) -> None:
    """The forked child: becomes `importer ARGS` run in `workdir`, output to `log`."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(env)
    trip = _Tripwire(kill_at_step)
    _install_tripwire(trip)
    from importer.cli import app

    code = 0
    try:
        app(args=list(args), prog_name="importer")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        Path(steps_file).write_text("\n".join(trip.labels), encoding="utf-8")
    raise SystemExit(code)


_context_lock = threading.Lock()
_context: Any = None


def _forkserver() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


# --- the sandbox's side: a request trap ---------------------------------------------------


class _RequestTrap:
    """Stands in for the Sandbox as the server's handler: counts the requests of the current
    run and, at the armed k-th one, SIGKILLs the child before or after applying it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._lock = threading.Lock()
        self.count = 0
        self._kill_at: int | None = None
        self._after = False
        self._process: BaseProcess | None = None
        self.victim: tuple[str, str] | None = None  # (method, path) of the request it fired on

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sandbox, name)  # faults, and whatever else the server reads

    def arm(self, kill: Kill | None) -> None:
        with self._lock:
            self.count = 0
            self.victim = None
            self._process = None
            armed = kill is not None and kill.kind.startswith("request")
            self._kill_at = int(kill.at) if kill is not None and armed else None
            self._after = kill is not None and kill.kind == "request-after"

    def attach(self, process: BaseProcess) -> None:
        with self._lock:
            self._process = process

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.count += 1
            hit = self._kill_at is not None and self.count == self._kill_at
            if hit:
                self.victim = (request.method, request.url.path)
        if hit and not self._after:
            self._kill()
            return httpx.Response(503, request=request)  # nobody is left to read it
        response = self.sandbox(request)
        if hit:
            self._kill()
        return response

    def _kill(self) -> None:
        deadline = time.monotonic() + 5
        while True:
            with self._lock:
                process = self._process
            if process is not None or time.monotonic() > deadline:
                break
            time.sleep(0.001)
        if process is None or process.pid is None:
            return
        try:
            os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        # Dead before the answer leaves: the child never learns what VTEX did.
        wait_for([process.sentinel], timeout=5)


# --- a world: one working folder and its sandbox ------------------------------------------


def _quiet(request: object, client_address: object) -> None:
    """The server's error hook: a killed child leaves half-read sockets, which is expected."""


@dataclass
class World:
    """A working folder and a served sandbox; runs the importer in it, with or without a kill."""

    workdir: Path
    live: LiveSandbox
    logs: Path
    runs: int = 0
    history: list[RunOutcome] = field(default_factory=list)
    trap: _RequestTrap = field(init=False)

    def __post_init__(self) -> None:
        self.trap = _RequestTrap(self.live.sandbox)
        assert self.live.server is not None, "enter the LiveSandbox first"
        self.live.server.sandbox = self.trap  # type: ignore[assignment]
        self.live.server.handle_error = _quiet  # type: ignore[method-assign]
        self.logs.mkdir(parents=True, exist_ok=True)

    @property
    def sandbox(self) -> Sandbox:
        return self.live.sandbox

    @property
    def last_log(self) -> str:
        path = self.logs / f"run-{self.runs}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def run(self, args: Sequence[str], kill: Kill | None = None) -> RunOutcome:
        """`importer ARGS` once, in a fresh child; killed as `kill` says (if it gets there)."""
        self.runs += 1
        log = self.logs / f"run-{self.runs}.log"
        steps_file = self.logs / f"run-{self.runs}.steps"
        env = importer_env(self.live.url, {"IMPORTER__WATCH__SETTLE_S": "0"})
        kill_at_step = int(kill.at) if kill is not None and kill.kind == "step" else None
        self.trap.arm(kill)
        process = _forkserver().Process(
            target=_child_main,
            args=(list(args), str(self.workdir), env, str(log), kill_at_step, str(steps_file)),
            daemon=True,
        )
        started = time.monotonic()
        process.start()
        self.trap.attach(process)
        timeout = kill.at if kill is not None and kill.kind == "timer" else CHILD_TIMEOUT_S
        process.join(timeout)
        if process.is_alive() and kill is not None and kill.kind == "timer":
            # It may end between the check and the kill: then it is a run that completed.
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
        process.join(CHILD_TIMEOUT_S)
        seconds = time.monotonic() - started
        if process.is_alive():
            process.kill()
            process.join()
            raise AssertionError(f"importer {' '.join(args)} hung; log:\n{log.read_text()}")
        requests, victim = self.trap.count, self.trap.victim
        self.trap.arm(None)
        killed = process.exitcode == -signal.SIGKILL
        labels = steps_file.read_text().splitlines() if steps_file.exists() else None
        steps = len(labels) if labels is not None else -1
        outcome = RunOutcome(
            killed, process.exitcode, requests, steps, seconds, victim, tuple(labels or ())
        )
        self.history.append(outcome)
        return outcome


# --- the campaign: drops, kills, restarts -------------------------------------------------


@dataclass(repr=False)
class CrashLog:
    """What a campaign did, for the failure message and the reliability figures."""

    flow: str
    seed: int
    kills: list[str] = field(default_factory=list)  # "drop 3: step#41", ...
    kinds: dict[str, int] = field(default_factory=dict)
    victims: list[tuple[str, str]] = field(default_factory=list)  # (kind, "METHOD path")
    events: list[str] = field(default_factory=list)  # every run, killed or not
    drops: int = 0
    runs: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items()))
        return (
            f"{self.flow}: seed {self.seed} (CRASH_SEED={self.seed} reproduces), "
            f"{len(self.kills)} kills ({kinds}) over {self.drops} drops, {self.runs} runs, "
            f"{self.seconds:.1f}s"
        )

    def __str__(self) -> str:
        return self.summary() + "\n  " + "\n  ".join(self.events)

    __repr__ = __str__  # pytest shows an assertion's message with repr()

    def record(self, drop: int, kill: Kill | None, outcome: RunOutcome) -> None:
        self.runs += 1
        what = "killed" if outcome.killed else f"completed (exit {outcome.exitcode})"
        if outcome.killed and outcome.victim is not None:
            what += f" at {' '.join(outcome.victim)}"
        self.events.append(
            f"drop {drop}: {kill or 'no kill'} -> {what} after {outcome.seconds:.2f}s, "
            f"{outcome.requests} requests"
        )
        if outcome.killed and kill is not None:
            self.kills.append(f"drop {drop}: {kill}")
            self.kinds[kill.kind] = self.kinds.get(kill.kind, 0) + 1
            if outcome.victim is not None:
                self.victims.append((kill.kind, " ".join(outcome.victim)))


def draw_kill(rng: random.Random, calibration: Calibration, done: RunOutcome | None) -> Kill:
    """A kill point inside the work still to do: a restart does less than the first run."""
    kind = rng.choices(KILL_KINDS, KILL_WEIGHTS)[0]
    # A restart sends again what was not recorded (a price file: everything), but finds what
    # is there (a catalog: the created products): somewhere between half and all of it.
    requests_left = calibration.requests - (done.requests if done else 0)
    requests_left = max(requests_left, calibration.requests // 2)
    if kind.startswith("request") and requests_left < 1:
        kind = "step"
    if kind == "timer":
        left = max(0.25, requests_left / calibration.requests) if calibration.requests else 1.0
        return Kill(kind, rng.uniform(0.0, max(calibration.seconds * left, 0.01)))
    if kind == "step":
        return Kill(kind, rng.randint(1, max(1, calibration.steps)))
    return Kill(kind, rng.randint(1, max(1, requests_left)))


def crash_campaign(
    *,
    flow: str,
    args: Sequence[str],
    crash: World,
    twin: World,
    drop: Callable[[World, int], None],
    kills: int,
    seed: int,
    after_kill: Callable[[World], None] = lambda world: None,
    max_kills_per_drop: int = 8,
    ok_exits: frozenset[int] = frozenset({0}),
    aims: Sequence[Aim] = (),
) -> CrashLog:
    """Drop input after input into both worlds; run each to the end in `twin` to calibrate,
    then in `crash` with SIGKILLs at drawn points and restarts, until `kills` kills happened
    and the last run completed. `drop(world, i)` places the i-th input (identical in both).

    `ok_exits`: the exit codes a completed run may end with (1 where inputs carry rows VTEX
    refuses: they are reported, and that is the run's answer). `aims`: the first kill of each
    drop is aimed, in turn, at one of these requests (when its calibration run made it); the
    other kills are drawn at random."""
    rng = random.Random(seed)
    log = CrashLog(flow, seed)
    started = time.monotonic()
    i = 0
    max_drops = drop_budget(kills)
    aimed = list(aims)
    while len(log.kills) < kills:
        if i >= max_drops:
            raise AssertionError(f"only {len(log.kills)} kills in {max_drops} drops\n{log}")
        drop(twin, i)
        first_request = len(twin.sandbox.requests)
        clean = twin.run(args)
        assert clean.exitcode in ok_exits, f"calibration run of drop {i} failed:\n{twin.last_log}"
        log.events.append(
            f"drop {i}: calibrated at {clean.requests} requests, {clean.steps} steps, "
            f"{clean.seconds:.2f}s"
        )
        operations = tuple(
            r.operation or f"{r.method} {r.path}" for r in twin.sandbox.requests[first_request:]
        )
        calibration = Calibration(
            clean.requests, max(clean.steps, 1), clean.seconds, operations, clean.step_labels
        )
        drop(crash, i)
        log.drops += 1
        left = kills - len(log.kills)
        drops_left = max(1, math.ceil(left / max_kills_per_drop))
        quota = min(max_kills_per_drop, math.ceil(left / drops_left))
        done: RunOutcome | None = None
        landed = 0
        while landed < quota:
            kill = None
            if done is None and aimed:
                kill = aimed[0].kill(calibration)
                if kill is not None:
                    aimed.pop(0)
            kill = kill or draw_kill(rng, calibration, done)
            outcome = crash.run(args, kill)
            log.record(i, kill, outcome)
            if not outcome.killed:
                assert outcome.exitcode in ok_exits, (
                    f"drop {i}: the run after {landed} kills ended with {outcome.exitcode}\n"
                    f"{log}\n{crash.last_log}"
                )
                break
            landed += 1
            after_kill(crash)
            done = RunOutcome(
                True,
                outcome.exitcode,
                (done.requests if done else 0) + outcome.requests,
                -1,
                outcome.seconds,
            )
        else:
            final = crash.run(args)
            log.record(i, None, final)
            assert final.exitcode in ok_exits, (
                f"drop {i}: the run after the kills ended with {final.exitcode}\n"
                f"{log}\n{crash.last_log}"
            )
        i += 1
    if aimed:
        raise AssertionError(f"aimed kills never made: {[str(a) for a in aimed]}\n{log}")
    log.seconds = time.monotonic() - started
    return log


@contextmanager
def twin_worlds(
    root: Path, config: str, setup: Callable[[Sandbox], None]
) -> Iterator[tuple[World, World]]:
    """Two identical worlds (working folder + served sandbox, set up by `setup`): `crash`,
    where the importer is killed, and `twin`, where it runs undisturbed to calibrate."""
    from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN

    worlds: list[World] = []
    lives: list[LiveSandbox] = []
    try:
        for name in ("crash", "twin"):
            workdir = root / name
            (workdir / "importer.toml").parent.mkdir(parents=True)
            (workdir / "importer.toml").write_text(config, encoding="utf-8")
            for flow in ("catalog", "prices", "inventory", "invoices", "tracking", "cancellations"):
                (workdir / "inbox" / flow).mkdir(parents=True)
            sandbox = Sandbox(account="teststore", app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN)
            setup(sandbox)
            live = LiveSandbox(sandbox).__enter__()
            lives.append(live)
            worlds.append(World(workdir, live, root / f"{name}-logs"))
        # Start the forkserver now, so that its imports do not count as a calibration run's.
        warm = _forkserver().Process(target=os.getpid)
        warm.start()
        warm.join()
        yield worlds[0], worlds[1]
    finally:
        for live in lives:
            live.__exit__(None, None, None)
