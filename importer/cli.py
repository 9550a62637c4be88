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
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer
from loguru import logger

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

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="File-drop importer: ERP spreadsheets in, VTEX changes out.",
    # An uncaught error's traceback must never print local variables: the app token is one
    # (older typer releases, which pyproject's typer >= 0.12 allows, showed them by default).
    pretty_exceptions_show_locals=False,
)

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
weight_unit = "g"                      # the store's weight unit (VTEX's default: grams)

[flows.prices]
mode = "partial"                       # or "full"
encoding = "auto"                      # or "utf-8", "cp1252", ...
delimiter = "auto"                     # or ";" ...
decimal = "auto"                       # or "," or "."

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


def _setup_logging(state: Path | None = None, mode: int | None = PRIVATE_MODE) -> None:
    logger.remove()
    # diagnose=False: loguru's default prints the values of local variables in a traceback,
    # and the app token is a local variable in the code that builds the client.
    logger.add(
        sys.stderr,
        level="INFO",
        format="<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> {message}",
        diagnose=False,
        filter=lambda record: not record["extra"].get("log_file_only"),
    )
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
        # Here, not at the top: a bad configuration or a busy folder answers without them.
        from importer.run.runner import make_gate, run_pass

        runtime = _runtime(loaded)
        try:
            result = run_pass(
                runtime, make_gate(loaded.settings.watch), settle=lambda: time.sleep(settle_s)
            )
        finally:
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
        from importer.run.runner import watch

        runtime = _runtime(loaded)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            watch(runtime, polling=polling, stop=stop)
        except KeyboardInterrupt:
            logger.info("stopped")
        finally:
            runtime.close()


@app.command("reconcile")
def reconcile_command(
    flow: Annotated[
        str,
        typer.Argument(help="prices or inventory (catalog is not reconciled yet: a later release)"),
    ],
    config: ConfigOption = None,
) -> None:
    """Read back what VTEX holds for every key the importer sent, report the drift in
    outbox/reports/reconcile-<flow>.<time>.xlsx/.csv, and mark the drifted keys so that the
    next ERP file sends them again. Resumes an interrupted run. Exit codes: see README."""
    from importer.reconcile.readers import NOT_YET, READERS

    if flow in NOT_YET:
        typer.echo(
            f"reconcile {flow}: not yet; this release reconciles {' and '.join(READERS)}",
            err=True,
        )
        raise typer.Exit(EXIT_CONFIG)
    if flow not in READERS:
        typer.echo(f"reconcile: unknown flow {flow!r}; use {' or '.join(READERS)}", err=True)
        raise typer.Exit(EXIT_CONFIG)
    loaded = _load(config)
    _setup_logging(loaded.folder("state"), loaded.settings.output.state_file_mode)
    with _storage_failures(), _exclusive(loaded.folder("state")):
        from importer.reconcile.readers import reader
        from importer.reconcile.run import reconcile

        runtime = _runtime(loaded)
        try:
            result = reconcile(flow, reader(flow), runtime.deps)
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
        f"{result.unreadable_keys} unreadable; report {result.paths[0]}"
    )
    raise typer.Exit(EXIT_ATTENTION if result.drift else EXIT_OK)


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
        from importer.orders.run import pull_orders

        runtime = _runtime(loaded)
        try:
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
        from importer.orders.run import export_order

        runtime = _runtime(loaded)
        try:
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
