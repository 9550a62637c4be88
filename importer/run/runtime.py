"""Builds what a run needs from the settings: the store, and VTEX (real or the sandbox).

When no store is named (account "sandbox") and no credentials are set, every call goes to
the built-in sandbox, in-process, with its store kept in state/sandbox.json so that runs see
what earlier runs sent. A named store without its secrets is a configuration error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from loguru import logger

from importer.config import LoadedSettings
from importer.deps import Deps
from importer.errors import ConfigError
from importer.files.modes import chmod_existing
from importer.state import Store
from importer.state.db import utc_now
from importer.vtex.http import (
    VtexHttp,
    check_base_url,
    check_trust_store,
    is_loopback,
    make_buckets,
)
from importer.vtex.timing import Clock, RealClock

if TYPE_CHECKING:
    # Loaded only where the built-in sandbox is the target (open_local_sandbox): the emulator
    # and the OpenAPI contract it checks with cost ~0.3 s of imports that a run against a
    # real store, or a sandbox on a port, never needs.
    from importer.sandbox import Sandbox

SANDBOX_KEY = "sandbox-key"
SANDBOX_TOKEN = "sandbox-token"  # noqa: S105 - the sandbox's public demo credentials


@dataclass
class Runtime:
    deps: Deps
    sandbox: Sandbox | None  # the in-process sandbox when no credentials are set

    def close(self) -> None:
        # A state folder deleted under a running importer is not created again by the
        # sandbox's own file: the next start finds it gone, as the person left it.
        if self.sandbox is not None and self.deps.store.path.parent.is_dir():
            self.sandbox.save()
        self.deps.store.close()


def build_runtime(
    loaded: LoadedSettings,
    *,
    sandbox: Sandbox | None = None,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Runtime:
    """`sandbox`, `clock` and `transport` are for tests: a prepared emulator, virtual time."""
    vtex = loaded.settings.vtex
    state = loaded.folder("state")
    store = Store(
        state / "importer.sqlite3",
        lock_wait_s=loaded.settings.state.lock_wait_s,
        min_free_mb=loaded.settings.state.min_free_mb,
        clock=utc_now,  # the pass's clock (Deps.now) stamps what the store records too
    )
    # SQLite creates the store 0644 and gives its -wal/-shm the store's mode: [output] state_mode.
    chmod_existing(loaded.settings.output.state_file_mode, *sqlite_files(store.path))
    key = vtex.app_key.get_secret_value() if vtex.app_key else None
    token = vtex.app_token.get_secret_value() if vtex.app_token else None
    if (key is None) != (token is None):
        missing = "VTEX_APP_TOKEN" if token is None else "VTEX_APP_KEY"
        raise ConfigError(
            f"{missing} is not set: set both VTEX_APP_KEY and VTEX_APP_TOKEN, or "
            "neither to use the built-in sandbox"
        )
    if vtex.base_url:
        check_base_url(vtex.base_url)
    # A prepared emulator (tests) is the target whatever the credentials: a test must never
    # reach a real store because its environment happened to hold a key.
    in_process = transport is None and not vtex.base_url and (loaded.sandbox or sandbox is not None)
    refusal = loaded.missing_credentials()
    if refusal is not None and sandbox is None and transport is None:
        raise ConfigError(refusal)
    if key is None or token is None:
        if vtex.base_url and not _is_loopback_url(vtex.base_url):
            raise ConfigError("VTEX_BASE_URL points at a remote host but no credentials are set")
        key, token = SANDBOX_KEY, SANDBOX_TOKEN
    if not in_process and transport is None:
        check_trust_store(os.environ)
    if in_process:
        if sandbox is None:
            sandbox = open_local_sandbox(state / "sandbox.json", loaded.settings.vtex.account)
        transport = sandbox.async_transport()
    if loaded.sandbox and sandbox is not None and in_process:
        logger.warning(
            "NO VTEX CREDENTIALS SET: USING THE BUILT-IN VTEX SANDBOX. Nothing reaches a real "
            "store (the sandbox keeps its data in {}). Set VTEX_ACCOUNT, VTEX_APP_KEY and "
            "VTEX_APP_TOKEN to reach your store.",
            state / "sandbox.json",
        )
    app_key, app_token = key, token
    clock = clock or RealClock()
    buckets = make_buckets(vtex, clock)  # one set for the runtime's life: limits span files

    def http() -> VtexHttp:
        return VtexHttp(
            vtex,
            app_key=app_key,
            app_token=app_token,
            transport=transport,
            clock=clock,
            buckets=buckets,
        )

    return Runtime(Deps(loaded, store, http, now=utc_now), sandbox if in_process else None)


def sqlite_files(database: Path) -> list[Path]:
    """A SQLite database in WAL mode and the two files beside it that hold its latest writes."""
    return [
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ]


def open_local_sandbox(state_file: Path, account: str) -> Sandbox:
    from importer.sandbox import Sandbox

    sandbox = Sandbox(
        account=account, app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN, state_file=state_file
    )
    if not state_file.exists():
        sandbox.seed_demo()
        sandbox.seed_orders(5, queue=True)  # so that the quick start shows orders going out
        sandbox.save()
    return sandbox


def _is_loopback_url(url: str) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    return bool(host) and is_loopback(host or "")
