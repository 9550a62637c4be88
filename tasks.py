#!/usr/bin/env python3
"""The README's quick start: `python3 tasks.py run` and `python3 tasks.py test`.

Each creates .venv/ on first use, installs the project into it (again only when
pyproject.toml changed), then runs the importer or the whole test suite. Standard library
only, so it works on a fresh machine with Python 3.11+ (Linux, macOS or Windows).

`python3 tasks.py test` runs ruff (check and format --check), mypy (strict) and the whole
test suite. `python3 tasks.py test --fast` is the edit loop: ruff and the tests not marked
`slow` (`pytest -m "not slow"`: no SIGKILL campaigns, soaks, 10,000-SKU runs or importer
subprocesses); it does NOT run mypy. Other options go to pytest in both.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print("installing the importer and its dependencies ...", flush=True)
    started = time.monotonic()
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    # No `pip install --upgrade pip` first: the pip that venv bundles with Python 3.11+ installs
    # a pyproject project in editable mode, and the upgrade cost a download on every fresh clone.
    # --no-compile: pip would byte-compile every module of every dependency (pandas, pyarrow,
    # mypy, ...): a quarter of a fresh install. Python compiles what is imported, once, on first
    # use (the steps below keep bytecode). Plain pip, not uv: a fresh machine has no uv, and uv
    # does not read pip's configuration (its indexes and constraints).
    pip = [str(PYTHON), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--no-compile", "-e", target], check=True)
    stamp.write_text(wanted)
    print(f"(installed in {time.monotonic() - started:.0f} s)", flush=True)


def keeping_bytecode() -> dict[str, str]:
    """This environment without PYTHONDONTWRITEBYTECODE. The install leaves compiling to the
    first import (--no-compile), and the suite starts hundreds of interpreters: with that
    variable set, each of them would compile the package and its dependencies again (about
    1 s for the package, 4 s more for pandas, pyarrow, openpyxl...)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(args: list[str]) -> int:
    ensure_venv("")
    command = args or ["watch"]
    child = subprocess.Popen(
        [str(PYTHON), "-m", "importer", *command], cwd=ROOT, env=keeping_bytecode()
    )
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue  # Ctrl-C reached the importer too; let it finish its file and stop


def test(args: list[str]) -> int:
    ensure_venv("dev")
    fast = "--fast" in args
    args = [a for a in args if a != "--fast"]
    code = [p for p in ("importer", "tests", "bench", "tasks.py") if (ROOT / p).exists()]
    steps = [
        [str(PYTHON), "-m", "ruff", "check", *code],
        [str(PYTHON), "-m", "ruff", "format", "--check", *code],
    ]
    if not fast:
        steps.append([str(PYTHON), "-m", "mypy"])
    # One worker per core. tests/conftest.py hands the slow tests out first, longest first, so
    # no long test starts last while the other worker sits idle.
    selection = ["-m", "not slow"] if fast else []
    steps.append([str(PYTHON), "-m", "pytest", "-n", "auto", *selection, *args])
    # The suite starts hundreds of interpreters (xdist workers, importer subprocesses, the
    # crash harness's children): they keep their bytecode in __pycache__ (keeping_bytecode).
    environ = keeping_bytecode()
    for step in steps:
        print(
            "$",
            " ".join(Path(step[0]).name if i == 0 else p for i, p in enumerate(step)),
            flush=True,
        )
        started = time.monotonic()
        code = subprocess.call(step, cwd=ROOT, env=environ)
        print(f"({time.monotonic() - started:.0f} s)", flush=True)  # where CI's time goes
        if code != 0:
            return code
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test"):
        print(__doc__)
        print("usage: python3 tasks.py run [importer command ...]   (default: watch)")
        print("       python3 tasks.py test [--fast] [pytest options ...]")
        return 2
    return (run if sys.argv[1] == "run" else test)(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
