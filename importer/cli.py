"""The command line: parses, builds dependencies, calls the pipeline, maps errors to exit codes.

Exit codes of `importer run` (also documented in the README):
    0  every file landed completely (or there was nothing to do)
    1  something needs a person: a file was refused, or rows are invalid, failed or pending
    2  the configuration is invalid
    3  VTEX refused the credentials (401/403)
    4  another importer is already running on this working folder
    5  the importer's own storage failed (state/ locked, damaged or deleted; the disk full):
       the message names the cause and the fix; no file was blamed, none was refused
    6  VTEX did not answer (no connection, timeouts, 429/5xx after every retry): nothing taken
    64 the command line cannot be parsed (every command): EX_USAGE, not the configuration's 2
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer
from loguru import logger
from typer.core import TyperGroup

from importer.errors import (
    ConfigError,
    FatalVtexError,
    RetriableVtexError,
    StorageError,
    VtexError,
    disk_full,
)
from importer.files.modes import PRIVATE_MODE, chmod_existing, opener
from importer.run.lock import AlreadyRunning, FolderLock

# The settings, the runtime and the runner (and through them pandas, openpyxl and the
# sandbox: ~1.1 s of imports) are imported inside the commands that use them, so that
# `--help`, `init` and `config` start without them (README, Development).
if TYPE_CHECKING:
    from importer.config import LoadedSettings
    from importer.run.runtime import Runtime

EXIT_OK, EXIT_ATTENTION, EXIT_CONFIG, EXIT_CREDENTIALS, EXIT_BUSY = 0, 1, 2, 3, 4
EXIT_STORAGE = 5
EXIT_NO_ANSWER = 6  # 5 is the state store's trouble
# A command line the importer cannot parse (an unknown option, a missing argument): sysexits'
# EX_USAGE, so that a scheduler tells a typo in its job from a bad importer.toml (2).
EXIT_USAGE = 64

# What the terminal shows (`-v`: DEBUG, `-q`: warnings and errors only); state/importer.log
# always gets everything.
_console = {"level": "INFO"}


def _base(name: str) -> type[Exception]:
    """The parser's exception class called `name`: click's, or the copy of click that typer
    carries since 0.2x (the same classes under another module), whichever this typer uses."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


_UsageError, _ClickException = _base("UsageError"), _base("ClickException")


class _Commands(TyperGroup):
    """The command group, with its usage errors on their own exit code (click gives them 2,
    which the importer's exit codes give a bad configuration)."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(EXIT_ATTENTION)
        except _ClickException as exc:
            exc.show()  # type: ignore[attr-defined]
            if type(exc).__name__ == "NoArgsIsHelpError":
                sys.exit(EXIT_OK)  # `importer` alone: the help, as asked for
            sys.exit(EXIT_USAGE if isinstance(exc, _UsageError) else exc.exit_code)  # type: ignore[attr-defined]
        sys.exit(code if isinstance(code, int) else EXIT_OK)


app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=True,
    help="File-drop importer: ERP spreadsheets in, VTEX changes out.",
    # An uncaught error's traceback must never print local variables: the app token is one
    # (older typer releases, which pyproject's typer >= 0.12 allows, showed them by default).
    pretty_exceptions_show_locals=False,
)


def _version(asked: bool) -> None:
    if asked:
        typer.echo(f"importer {_installed_version()}")
        raise typer.Exit(EXIT_OK)


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vtex-file-importer")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="show debug lines on the terminal too")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="show only warnings and errors on the terminal")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """File-drop importer: ERP spreadsheets in, VTEX changes out."""
    if verbose and quiet:
        raise typer.BadParameter("--verbose and --quiet ask opposite things: give one")
    _console["level"] = "DEBUG" if verbose else "WARNING" if quiet else "INFO"


ConfigOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads this annotation at run time
    typer.Option("--config", "-c", help="importer.toml to use (default: ./importer.toml)"),
]

EXAMPLE_CONFIG = """\
# importer.toml: see FORMATS.md. Secrets (VTEX_APP_KEY, VTEX_APP_TOKEN) come only from the
# environment; without them everything goes to the built-in VTEX sandbox.

[vtex]
account = "sandbox"                    # or VTEX_ACCOUNT
environment = "vtexcommercestable"     # or VTEX_ENVIRONMENT
# base_url = "http://127.0.0.1:8700"   # or VTEX_BASE_URL: every API to one host (sandbox)

[folders]                              # relative to this file
inbox = "inbox"
outbox = "outbox"
archive = "archive"
state = "state"

[flows.catalog]
mode = "partial"                       # or "full": SKUs absent from a file are deactivated
create_brands = true                   # false: a brand VTEX lacks is a row error
publish_new = true                     # false: new categories and brands created inactive
# default_category = "Integration"     # files without a category column go there (inactive)
weight_unit = "g"                      # the store's weight unit (VTEX's default: grams)

[flows.prices]
mode = "partial"                       # or "full"
encoding = "auto"                      # or "utf-8", "cp1252", ...
delimiter = "auto"                     # or ";" ...
decimal = "auto"                       # or "," or "."

[flows.prices.guard]                   # a base price moving more than this from what VTEX
max_rise_pct = 70                      # holds is held until `importer approve` (0: no limit);
max_fall_pct = 30                      # VTEX Admin's own price-change limits

[flows.prices.columns]                 # canonical name = [aliases as the ERP writes them]
sku_ref = ["Código", "Cod. Produto"]
base_price = ["Preço Venda"]
list_price = ["Preço De"]

[flows.inventory.columns]
sku_ref = ["Código", "Cod. Produto"]
quantity = ["Estoque", "Saldo"]
warehouse_id = ["Depósito", "Armazem"]

[flows.inventory.defaults]             # values for columns the file does not have
warehouse_id = "1_1"

[watch]
scan_interval_s = 10                   # also scan this often (SMB shares send no events)
settle_s = 2                           # a file must stay unchanged this long to be taken
max_file_mb = 1024                     # bigger files are refused without being read
# done_marker = ".ok"                  # take NAME only once the ERP wrote NAME.ok beside it

[output]                               # who can read what the importer writes (README)
report_mode = "umask"                  # reports: like any file you create
orders_mode = "0640"                   # orders and cancellations: customers' data, the ERP's group
state_mode = "0600"                    # the store and the log: the owner only
"""


_CONSOLE_FORMAT = "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> {message}"
_terminal: dict[str, int] = {}  # the console sink's id, for the progress bars to take over


def _console_sink(sink: Any) -> int:
    # diagnose=False: loguru's default prints the values of local variables in a traceback,
    # and the app token is a local variable in the code that builds the client.
    sink_id: int = logger.add(
        sink,
        level=_console["level"],
        format=_CONSOLE_FORMAT,
        diagnose=False,
        filter=lambda record: not record["extra"].get("log_file_only"),
    )
    return sink_id


def _setup_logging(state: Path | None = None, mode: int | None = PRIVATE_MODE) -> None:
    logger.remove()
    _terminal["sink"] = _console_sink(sys.stderr)
    if state is not None:
        state.mkdir(parents=True, exist_ok=True)
        log = state / "importer.log"
        # The log names files, orders and hosts: [output] state_mode (0600). The opener gives
        # every log file loguru creates (rotations too) the mode; a log an older version
        # created, and the rotated ones beside it, get it here.
        chmod_existing(mode, log, *state.glob("importer.*.log"))
        logger.add(
            log,
            level="DEBUG",
            rotation="10 MB",
            retention=10,
            encoding="utf-8",
            diagnose=False,
            opener=opener(mode),
        )


def _load(config: Path | None) -> LoadedSettings:
    from importer.config import load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None


@contextmanager
def _exclusive(state: Path) -> Iterator[None]:
    try:
        with FolderLock(state):
            yield
    except AlreadyRunning as exc:
        typer.echo(f"not started: {exc}", err=True)
        raise typer.Exit(EXIT_BUSY) from None


@contextmanager
def _progress_on_terminal() -> Iterator[None]:
    """Progress bars for long files on a terminal (not with -q, nor in a log or a pipe): the
    console's log lines then print above the bars instead of through them."""
    if not sys.stderr.isatty() or _console["level"] == "WARNING" or "sink" not in _terminal:
        yield
        return
    from rich.console import Console

    from importer.follow import status_file
    from importer.follow.progress import TerminalProgress

    bars = TerminalProgress(Console(file=sys.stderr))
    logger.remove(_terminal["sink"])
    sink = _console_sink(bars.write)
    status_file.observers.append(bars)
    try:
        with bars:
            yield
    finally:
        status_file.observers.remove(bars)
        logger.remove(sink)
        _terminal["sink"] = _console_sink(sys.stderr)


@contextmanager
def _storage_failures() -> Iterator[None]:
    """The importer's own storage failed: one line naming the cause and the fix, exit 5 (not
    1, which sends a person to reports that were never written)."""
    try:
        yield
    except StorageError as exc:
        _storage_failed(exc)
    except OSError as exc:
        full = disk_full(exc, exc.filename or Path.cwd())
        if full is None:
            raise
        _storage_failed(full)


def _storage_failed(exc: StorageError) -> NoReturn:
    message = f"the importer's own storage failed: {exc}"
    # In state/importer.log too (when it can still be written): stderr may go nowhere.
    logger.bind(log_file_only=True).error(message)
    typer.echo(message, err=True)
    raise typer.Exit(EXIT_STORAGE)


def _runtime(loaded: LoadedSettings) -> Runtime:
    from importer.run.runtime import build_runtime

    try:
        return build_runtime(loaded)
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="the working folder to lay out")]) -> None:
    """Lay out a working folder: importer.toml, inbox/, outbox/, archive/, state/."""
    for sub in (
        "inbox/catalog",
        "inbox/prices",
        "inbox/inventory",
        "inbox/invoices",
        "inbox/tracking",
        "inbox/cancellations",
        "outbox/orders",
        "outbox/reports",
        "archive/done",
        "archive/failed",
        "state",
    ):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    config = directory / "importer.toml"
    if not config.exists():
        config.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    typer.echo(f"working folder ready: {directory.resolve()}")
    typer.echo(
        f"drop files into {directory / 'inbox'}/<flow>/ and run: importer run --config {config}"
    )


@app.command("config")
def show_config(config: ConfigOption = None) -> None:
    """Print the resolved settings, where each came from; secrets masked."""
    from importer.config import describe

    loaded = _load(config)
    typer.echo(f"config file: {loaded.config_file or '(none: defaults and environment)'}")
    refusal = loaded.missing_credentials()
    if refusal is not None:
        target = "NONE: refused (see below)"
    elif loaded.sandbox:
        target = "sandbox: the BUILT-IN SANDBOX (no store named, no credentials set)"
    else:
        target = f"VTEX account {loaded.settings.vtex.account}"
    typer.echo(f"target: {target}")
    rows = describe(loaded)
    width = max(len(k) for k, _, _ in rows)
    for key, value, source in rows:
        typer.echo(f"{key:<{width}}  {value}  [{source}]")
    if refusal is not None:
        typer.echo(f"configuration error: {refusal}", err=True)
        raise typer.Exit(EXIT_CONFIG)


@app.command()
def run(config: ConfigOption = None) -> None:
    """One pass over the inbox, then exit (exit codes: see README)."""
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    settle_s = loaded.settings.watch.settle_s
    with _storage_failures(), _exclusive(loaded.folder("state")):
        runtime = _runtime(loaded)
        # A service manager's or scheduler's SIGTERM: the file in hand is finished (reported,
        # archived), the rest waits in the inbox; never a file cut in the middle.
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            # Here, not at the top: a bad configuration, a busy folder, a store named without
            # its secrets or a damaged store answers without the runner (pandas, openpyxl).
            from importer.run.runner import make_gate, run_pass

            with _progress_on_terminal():
                result = run_pass(
                    runtime,
                    make_gate(loaded.settings.watch),
                    settle=lambda: time.sleep(settle_s),
                    stop=stop,
                )
        finally:
            signal.signal(signal.SIGTERM, previous)
            runtime.close()
    if result.vtex_failure is not None:
        typer.echo(
            (
                "VTEX refused the credentials"
                if result.vtex_failure.kind == "refused"
                else "VTEX did not answer"
            )
            + f" ({result.vtex_failure.detail}): no file was taken, run again later",
            err=True,
        )
        raise typer.Exit(
            EXIT_CREDENTIALS if result.vtex_failure.kind == "refused" else EXIT_NO_ANSWER
        )
    if any(row.type == "vtex-forbidden" for r in result.reports for row in r.rows):
        raise typer.Exit(EXIT_CREDENTIALS)
    if result.waiting:
        logger.info("{} file(s) still being written: left for the next pass", result.waiting)
    raise typer.Exit(EXIT_ATTENTION if result.needs_attention else EXIT_OK)


@app.command("watch")
def watch_command(
    config: ConfigOption = None,
    polling: Annotated[
        bool, typer.Option(help="poll only (SMB/NFS shares send no events)")
    ] = False,
) -> None:
    """Watch the inbox and process every file once it is complete. Ctrl-C stops."""
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    with _storage_failures(), _exclusive(loaded.folder("state")):
        runtime = _runtime(loaded)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            from importer.run.runner import watch  # after the runtime: see `run`

            with _progress_on_terminal():
                watch(runtime, polling=polling, stop=stop)
            if stop.is_set():
                logger.info("stopped (SIGTERM)")
        except KeyboardInterrupt:
            logger.info("stopped")
        finally:
            runtime.close()


@app.command("reconcile")
def reconcile_command(
    flow: Annotated[str, typer.Argument(help="prices, inventory or catalog")],
    config: ConfigOption = None,
) -> None:
    """Read back what VTEX holds for every key the importer sent, report the drift in
    outbox/reports/reconcile-<flow>.<time>.xlsx/.csv, and mark the drifted keys so that the
    next ERP file sends them again (a catalog column the Admin owns is reported, not sent).
    Resumes an interrupted run. Exit codes: see README."""
    from importer.reconcile.readers import READERS

    if flow not in READERS:
        typer.echo(f"reconcile: unknown flow {flow!r}; use {', '.join(READERS)}", err=True)
        raise typer.Exit(EXIT_USAGE)  # the command line's mistake, not importer.toml's
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    with _storage_failures(), _exclusive(loaded.folder("state")):
        from importer.reconcile.readers import parts
        from importer.reconcile.run import reconcile

        runtime = _runtime(loaded)
        try:
            result = reconcile(flow, parts(flow, runtime.deps), runtime.deps)
        except FatalVtexError as exc:
            typer.echo(f"VTEX refused the credentials: {exc}", err=True)
            raise typer.Exit(EXIT_CREDENTIALS) from None
        except RetriableVtexError as exc:
            # What was read is recorded: the next run resumes after it.
            typer.echo(
                f"reconcile stopped: VTEX did not answer ({exc}); run it again to resume",
                err=True,
            )
            raise typer.Exit(EXIT_NO_ANSWER) from None
        finally:
            runtime.close()
    typer.echo(
        f"reconcile {flow}: {result.checked} key(s) read back, {result.drifted_keys} drifted, "
        f"{result.kept_keys} kept (the Admin owns them), {result.unreadable_keys} unreadable; "
        f"report {result.paths[0]}"
    )
    raise typer.Exit(EXIT_ATTENTION if result.drift else EXIT_OK)


@app.command("preview")
def preview_command(
    file: Annotated[Path, typer.Argument(help="the file to preview (it is left where it is)")],
    flow: Annotated[
        str | None,
        typer.Option("--flow", help="the flow to read it as (default: its inbox folder's)"),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Read, validate and diff FILE exactly as a run would, and write what the run would
    create, update (old -> new) and deactivate to outbox/reports/<name>.<time>.preview.xlsx
    and .csv. Nothing is sent, and the file stays where it is. Exit 0: a plan with no invalid
    row; 1: invalid rows, or the run would refuse the file; 2: the configuration; 64: no flow."""
    from importer.models import Action
    from importer.preview.run import PreviewUsageError, flow_of, preview_file

    loaded = _load(config)
    try:
        name = flow_of(file, loaded, flow)
    except PreviewUsageError as exc:
        typer.echo(f"preview: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    with _storage_failures():
        preview = preview_file(file, name, loaded)
    plan = preview.plan
    if plan.refused:
        typer.echo(f"preview: a run would refuse this file: {plan.refused}", err=True)
    typer.echo(
        f"preview of {file.name} as {name}: {plan.count(Action.CREATED)} to create, "
        f"{plan.count(Action.UPDATED)} to update, {plan.count(Action.DEACTIVATED)} to "
        f"deactivate, {plan.count(Action.INVALID)} invalid, {plan.unchanged} unchanged; "
        f"nothing sent; preview {preview.paths[0]}"
    )
    raise typer.Exit(EXIT_ATTENTION if plan.refused or plan.count(Action.INVALID) else EXIT_OK)


HeldName = Annotated[
    str, typer.Argument(help="the held file's name (the reason of its held rows gives it)")
]


@app.command("approve")
def approve_command(name: HeldName, config: ConfigOption = None) -> None:
    """Send the rows a guard held under inbox/<flow>/held/NAME.csv, with the guard off: each
    is compared again with what VTEX holds, and sent once. Exit codes as `importer run`'s;
    64 when nothing is held under NAME."""
    _settle_held(name, config, approving=True)


@app.command("reject")
def reject_command(name: HeldName, config: ConfigOption = None) -> None:
    """Drop the rows a guard held under inbox/<flow>/held/NAME.csv: nothing is sent, a report
    lists them, and the held file is archived. Exit 0; 64 when nothing is held under NAME."""
    _settle_held(name, config, approving=False)


def _settle_held(name: str, config: Path | None, *, approving: bool) -> None:
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    with _storage_failures(), _exclusive(loaded.folder("state")):
        from importer.flows.registry import FLOW_NAMES
        from importer.guard import held_files
        from importer.run.held import approve, locate, reject
        from importer.run.preflight import check_vtex

        runtime = _runtime(loaded)
        try:
            held = locate(runtime.deps, FLOW_NAMES, name)
            if held is None:
                waiting = [p.stem for _, p, _ in held_files(loaded.folder("inbox"), FLOW_NAMES)]
                typer.echo(
                    f"nothing is held under {name!r}; held now: {', '.join(waiting) or 'none'}",
                    err=True,
                )
                raise typer.Exit(EXIT_USAGE)
            if approving:
                # Before anything is sent: an approval VTEX cannot take would leave the rows
                # pending, retried with the guard on again.
                failure = check_vtex(runtime.deps)
                if failure is not None:
                    refused = failure.kind == "refused"
                    what = "refused the credentials" if refused else "did not answer"
                    typer.echo(
                        f"not approved: VTEX {what} ({failure.detail}); "
                        f"{held.path.name} stays held",
                        err=True,
                    )
                    raise typer.Exit(
                        EXIT_CREDENTIALS if failure.kind == "refused" else EXIT_NO_ANSWER
                    )
                report = approve(held, runtime.deps)
            else:
                report = reject(held, runtime.deps)
        finally:
            runtime.close()
    s = report.summary
    verb = "approved" if approving else "rejected"
    typer.echo(
        f"{held.path.stem} {verb}: created {s.created}, updated {s.updated}, unchanged "
        f"{s.unchanged}, failed {s.failed}, pending {s.pending}"
    )
    needs_attention = s.status == "failed" or s.invalid or s.failed or s.pending or s.held
    raise typer.Exit(EXIT_ATTENTION if approving and needs_attention else EXIT_OK)


@app.command("undo")
def undo_command(
    name: Annotated[str, typer.Argument(help="the input file's name (precos.csv)")],
    config: ConfigOption = None,
) -> None:
    """Put back what prices and stock held before the last file named NAME: writes a held
    file with its preview (inbox/<flow>/held/undo-NAME.<digest>.csv); importer approve sends
    it. Keys that file created, or a later file changed again, are listed, not undone. Exit
    0; 64 when nothing of a file of that name can be undone."""
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    with _storage_failures(), _exclusive(loaded.folder("state")):
        from importer.run.undo import UNDOABLE, undo

        runtime = _runtime(loaded)
        try:
            done = undo(name, runtime.deps)
        finally:
            runtime.close()
    if not done:
        typer.echo(
            f"undo: nothing to undo for {name!r} (no {' or '.join(UNDOABLE)} file of that name "
            "changed anything the importer remembers)",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)
    for part in done:
        held = (
            f"held as {part.held} (approve: importer approve {part.held.stem})"
            if part.held
            else "nothing to put back"
        )
        typer.echo(
            f"undo {name} [{part.flow}]: {part.put_back} row(s) {held}; "
            f"{len(part.created)} created by that file (not undone), "
            f"{len(part.changed_since)} changed since by a later file (not undone)"
        )
    raise typer.Exit(EXIT_OK)


@app.command("status")
def status_command(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object, for scripts")] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="do not ask VTEX whether it answers")
    ] = False,
) -> None:
    """Recent files, files in progress, held files, pending rows by age and reason, the last
    orders pull, who holds the folder, and whether VTEX answers. Exit 0: nothing needs a
    person; 1: something does (listed); 3: VTEX refuses the credentials; 6: it does not
    answer. Reads only; runs beside a running importer."""
    import json

    from importer.flows.registry import FLOW_NAMES
    from importer.follow.overview import overview
    from importer.state import Store
    from importer.state.db import utc_now

    loaded = _load(config)
    with _storage_failures():
        store = Store(
            loaded.folder("state") / "importer.sqlite3",
            lock_wait_s=loaded.settings.state.lock_wait_s,
        )
        try:
            seen = overview(loaded, store, FLOW_NAMES, utc_now())
        finally:
            store.close()
    code = EXIT_ATTENTION if seen.attention() else EXIT_OK
    if not offline:
        from importer.run.preflight import check_vtex

        runtime = _runtime(loaded)
        try:
            failure = check_vtex(runtime.deps)
        finally:
            runtime.close()
        if failure is None:
            seen.vtex = "answers"
        else:
            seen.vtex = (
                f"{'refused' if failure.kind == 'refused' else 'no answer'}: {failure.detail}"
            )
            code = EXIT_CREDENTIALS if failure.kind == "refused" else EXIT_NO_ANSWER
    if as_json:
        typer.echo(json.dumps(seen.as_json(), ensure_ascii=False, indent=2))
        raise typer.Exit(code)
    typer.echo(f"VTEX: {seen.vtex}")
    typer.echo(f"working folder held by: {seen.lock_holder or 'nobody'}")
    pull = seen.last_pull
    typer.echo(
        "last orders pull: "
        + (
            f"{pull['at']} ({'ok' if pull.get('ok') else 'failed'}: {pull.get('detail', '')})"
            if pull
            else "never"
        )
    )
    for status in seen.in_progress:
        typer.echo(
            f"in progress: {status['file']} [{status['flow']}] {status['state']} "
            f"{status.get('sent', 0)}/{status.get('to_send', 0)}"
        )
    typer.echo(f"recent files ({len(seen.recent)}):")
    for entry in seen.recent:
        typer.echo(
            f"  {entry.received_at}  {entry.flow:<13} {entry.status:<9} {entry.name}  "
            f"read {entry.rows_read}, not landed {entry.not_landed}"
        )
    for held in seen.held:
        typer.echo(f"held: {held['name']} [{held['flow']}] since {held['since']}")
    for group in seen.pending:
        age = f"{group.oldest_age_h} h" if group.oldest_age_h is not None else "age unknown"
        typer.echo(f"pending: {group.rows} {group.flow} row(s), oldest {age}: {group.reason}")
    for reason in seen.attention():
        typer.echo(f"needs a person: {reason}")
    raise typer.Exit(code)


pending_app = typer.Typer(no_args_is_help=True, help="Rows VTEX could not take yet.")
app.add_typer(pending_app, name="pending")


@pending_app.command("list")
def pending_list(
    config: ConfigOption = None,
    flow: Annotated[str | None, typer.Option("--flow", help="one flow only")] = None,
) -> None:
    """Every pending row: flow, key, its file and row, attempts, the last error."""
    from importer.state import Store

    loaded = _load(config)
    with _storage_failures():
        store = Store(loaded.folder("state") / "importer.sqlite3")
        try:
            rows = [(r, since) for r, since in store.pending_rows() if flow in (None, r.flow)]
        finally:
            store.close()
    for row, since in rows:
        typer.echo(
            f"{row.flow}\t{row.key}\t{row.source_file}:{row.source_row or ''}\t"
            f"received {since or '?'}\tattempts {row.attempts}\t{row.last_error}"
        )
    typer.echo(f"{len(rows)} pending row(s)", err=True)


@pending_app.command("retry")
def pending_retry(
    config: ConfigOption = None,
    flow: Annotated[str | None, typer.Option("--flow", help="one flow only")] = None,
) -> None:
    """Send the pending rows again now (a pass does it anyway); a report per flow. Exit 0
    when all landed, 1 when some are still pending or failed; 3 and 6 as `importer run`."""
    from importer.flows.registry import FLOW_NAMES

    if flow is not None and flow not in FLOW_NAMES:
        typer.echo(f"pending retry: {flow!r} is not a flow ({', '.join(FLOW_NAMES)})", err=True)
        raise typer.Exit(EXIT_USAGE)
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    attention = False
    with _storage_failures(), _exclusive(loaded.folder("state")):
        from importer.run.leftovers import retry_pending
        from importer.run.preflight import check_vtex

        runtime = _runtime(loaded)
        try:
            failure = check_vtex(runtime.deps)
            if failure is not None:
                typer.echo(f"not retried: VTEX {failure.kind} ({failure.detail})", err=True)
                raise typer.Exit(EXIT_CREDENTIALS if failure.kind == "refused" else EXIT_NO_ANSWER)
            for name in [flow] if flow else FLOW_NAMES:
                report = retry_pending(name, runtime.deps)
                if report is not None:
                    s = report.summary
                    attention = attention or bool(s.pending or s.failed or s.held)
                    typer.echo(
                        f"{name}: {s.rows_read} retried, {s.created + s.updated} landed, "
                        f"{s.pending} still pending, {s.failed} failed"
                    )
        finally:
            runtime.close()
    raise typer.Exit(EXIT_ATTENTION if attention else EXIT_OK)


@pending_app.command("drop")
def pending_drop(
    flow: Annotated[str, typer.Argument(help="the flow whose pending rows to drop")],
    keys: Annotated[
        list[str] | None, typer.Argument(help="the keys to drop (as `pending list` shows them)")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="every pending row of the flow")] = False,
    config: ConfigOption = None,
) -> None:
    """Give up on pending rows: they are no longer retried, and a report lists them
    (outbox/reports/pending-dropped-<flow>.<time>.report.*). The ERP's next file sends the
    value again if it still differs from what VTEX accepted last."""
    from importer.flows.registry import FLOW_NAMES

    if flow not in FLOW_NAMES or bool(keys) == every:
        typer.echo(
            "pending drop FLOW KEY... or pending drop FLOW --all (FLOW one of "
            f"{', '.join(FLOW_NAMES)})",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    with _storage_failures(), _exclusive(loaded.folder("state")):
        from importer.follow.pending import drop_pending

        dropped, paths = drop_pending(loaded, flow, None if every else set(keys or []))
    typer.echo(f"{dropped} pending {flow} row(s) dropped; report {paths[0] if paths else '-'}")
    raise typer.Exit(EXIT_OK)


orders_app = typer.Typer(no_args_is_help=True, help="Orders out to the ERP (outbox/orders).")
app.add_typer(orders_app, name="orders")


@orders_app.command("pull")
def orders_pull(
    config: ConfigOption = None,
    sweep: Annotated[
        bool,
        typer.Option(
            help="also list every order ready for handling and export those the feed never "
            "delivered (done every [orders] sweep_interval_s anyway)"
        ),
    ] = False,
) -> None:
    """Pull the orders ready for handling into outbox/orders/, tell VTEX, then exit."""
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    with _storage_failures(), _exclusive(loaded.folder("state")):
        runtime = _runtime(loaded)
        try:
            from importer.orders.run import pull_orders  # after the runtime: see `run`

            result = pull_orders(runtime.deps, sweep=sweep)
        except FatalVtexError as exc:
            typer.echo(f"VTEX refused the credentials: {exc}", err=True)
            raise typer.Exit(EXIT_CREDENTIALS) from None
        except RetriableVtexError as exc:
            # Nothing is lost: what was not committed comes back on the next pull.
            typer.echo(
                f"the pull stopped: VTEX did not answer ({exc}); run it again later", err=True
            )
            raise typer.Exit(EXIT_NO_ANSWER) from None
        except VtexError as exc:
            # Nothing is lost: what was not committed comes back on the next pull.
            typer.echo(f"the pull stopped: {exc}; run it again later", err=True)
            raise typer.Exit(EXIT_ATTENTION) from None
        finally:
            runtime.close()
    typer.echo(
        f"{len(result.exported)} order(s) exported, {len(result.handled)} handled"
        + (f", files: {', '.join(p.name for p in result.files)}" if result.files else "")
    )
    raise typer.Exit(EXIT_ATTENTION if result.problems else EXIT_OK)


@orders_app.command("export")
def orders_export(
    order_id: Annotated[str, typer.Argument(help="the VTEX order id, e.g. 1172452900788-01")],
    config: ConfigOption = None,
) -> None:
    """Write one order's file again (even if it was exported before)."""
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    with _storage_failures(), _exclusive(loaded.folder("state")):
        runtime = _runtime(loaded)
        try:
            from importer.orders.run import export_order  # after the runtime: see `run`

            result = export_order(runtime.deps, order_id)
        finally:
            runtime.close()
    for problem in result.problems:
        typer.echo(problem, err=True)
    if result.files:
        typer.echo(f"order {order_id} written to {result.files[0]}")
    raise typer.Exit(EXIT_ATTENTION if result.problems else EXIT_OK)


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8700,
    state: Annotated[Optional[Path], typer.Option(help="keep the store in this JSON file")] = None,  # noqa: UP045
    spec_dir: Annotated[Optional[Path], typer.Option(help="VTEX OpenAPI specs to enforce")] = None,  # noqa: UP045
    demo: Annotated[bool, typer.Option(help="seed the demo store (SKUs DEMO-001..020)")] = True,
    latency_ms: Annotated[float, typer.Option(help="added to every response")] = 0.0,
    rate_429: Annotated[float, typer.Option(help="fraction answered 429 + Retry-After")] = 0.0,
    retry_after: Annotated[float, typer.Option(help="Retry-After seconds on a 429")] = 1.0,
    rate_5xx: Annotated[float, typer.Option(help="fraction answered 5xx")] = 0.0,
    rate_timeout: Annotated[float, typer.Option(help="fraction that time out")] = 0.0,
    rate_drop: Annotated[
        float, typer.Option(help="fraction whose connection is closed unanswered")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="seed for the injected faults")] = 0,
    account: Annotated[str, typer.Option(help="the account name it answers for")] = "sandbox",
    orders: Annotated[int, typer.Option(help="seed this many demo orders, ready for handling")] = 0,
    release_by_count_time: Annotated[
        bool,
        typer.Option(
            help="a stock write clears only the acknowledged reservations its "
            "dateUtcOnBalanceSystem reflects (a rule VTEX does not document)"
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            help="also the invoice rules VTEX does not document: an invoice only in handling, "
            "400 above what is left to invoice"
        ),
    ] = False,
    metered: Annotated[
        bool,
        typer.Option(
            help="meter VTEX's documented rate limits per account (Pricing 33/s with 500 burst "
            "credits, DELETE 16/s with 300, Catalog 45,000/min and 15,000/min per endpoint, "
            "Get order 6,000/min): Ratelimit-* headers and real 429s"
        ),
    ] = False,
) -> None:
    """Serve the VTEX emulator on 127.0.0.1 (auth: sandbox-key / sandbox-token)."""
    from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
    from importer.sandbox import Faults, Sandbox, serve

    _setup_logging()
    faults = Faults(
        latency_ms=latency_ms,
        rate_429=rate_429,
        retry_after=retry_after,
        rate_5xx=rate_5xx,
        rate_timeout=rate_timeout,
        rate_drop=rate_drop,
        seed=seed,
    )
    emulator = Sandbox(
        account=account,
        app_key=SANDBOX_KEY,
        app_token=SANDBOX_TOKEN,
        spec_dir=spec_dir if spec_dir is not None else "auto",
        faults=faults,
        state_file=state,
        strict=strict,
        metered=metered,
    )
    emulator.store.release_by_count_time = release_by_count_time
    if demo and not (state and state.exists()):
        emulator.seed_demo()
    if orders:
        emulator.seed_orders(orders)
    server = serve(emulator, "127.0.0.1", port)
    host, bound = server.server_address[:2]
    logger.info(
        "VTEX sandbox on http://{}:{} (X-VTEX-API-AppKey: {}, AppToken: {}); "
        "set VTEX_BASE_URL=http://{}:{}",
        host,
        bound,
        SANDBOX_KEY,
        SANDBOX_TOKEN,
        host,
        bound,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("stopped")
    finally:
        if state is not None:
            emulator.save()


def main() -> None:
    app()
