"""The sandbox on a loopback port in this (the test's) process, and the importer as a real
subprocess against it: what the reliability tests need to kill, restart or race the importer
while "VTEX" (the sandbox) keeps its state.

    with LiveSandbox(seeded) as live:
        proc = start_importer(["run"], workdir, live.url)
        ...
        live.sandbox.prices  # what VTEX holds now
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from importer.run.runtime import SANDBOX_KEY, SANDBOX_TOKEN
from importer.sandbox import Sandbox, serve
from importer.sandbox.server import SandboxServer

__all__ = ["LiveSandbox", "importer_env", "run_importer", "start_importer"]

ROOT = Path(__file__).resolve().parents[2]


class LiveSandbox:
    """A Sandbox served on 127.0.0.1 (any free port) by a daemon thread."""

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        self.sandbox = sandbox or Sandbox(
            account="teststore", app_key=SANDBOX_KEY, app_token=SANDBOX_TOKEN
        )
        self.server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self.server is not None, "use LiveSandbox as a context manager"
        return self.server.url

    def __enter__(self) -> LiveSandbox:
        self.server = serve(self.sandbox, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.server is not None and self._thread is not None
        self.server.shutdown()
        self._thread.join(timeout=5)
        self.server.server_close()


def importer_env(url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of an importer that talks to the sandbox at `url` with its
    credentials, and nothing of the test runner's own VTEX or IMPORTER settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VTEX_", "IMPORTER__")) and k != "PYTHONPATH"
    }
    env.update(
        {
            "VTEX_BASE_URL": url,
            "VTEX_APP_KEY": SANDBOX_KEY,
            "VTEX_APP_TOKEN": SANDBOX_TOKEN,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def start_importer(
    args: Sequence[str], workdir: Path, url: str, extra_env: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """`python -m importer ARGS` in `workdir`, as its own process (SIGKILL-able)."""
    return subprocess.Popen(
        [sys.executable, "-m", "importer", *args],
        cwd=workdir,
        env=importer_env(url, extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_importer(
    args: Sequence[str],
    workdir: Path,
    url: str,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`python -m importer ARGS` to completion; output captured."""
    return subprocess.run(
        [sys.executable, "-m", "importer", *args],
        cwd=workdir,
        env=importer_env(url, extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
