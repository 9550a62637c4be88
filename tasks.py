#!/usr/bin/env python3
"""The README's quick start: `python3 tasks.py run` and `python3 tasks.py test`.

Each creates .venv/ on first use, installs the project into it (again only when
pyproject.toml changed), then runs the importer or the whole test suite. Standard library
only, so it works on a fresh machine with Python 3.11+ (Linux, macOS or Windows).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
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
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "-e", target], check=True)
    stamp.write_text(wanted)


def run(args: list[str]) -> int:
    ensure_venv("")
    command = args or ["watch"]
    child = subprocess.Popen([str(PYTHON), "-m", "importer", *command], cwd=ROOT)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue  # Ctrl-C reached the importer too; let it finish its file and stop


def test(args: list[str]) -> int:
    ensure_venv("dev")
    code = [p for p in ("importer", "tests", "bench", "tasks.py") if (ROOT / p).exists()]
    steps = [
        [str(PYTHON), "-m", "ruff", "check", *code],
        [str(PYTHON), "-m", "ruff", "format", "--check", *code],
        [str(PYTHON), "-m", "mypy"],
        # One worker per core: the crash, soak and watch tests mostly wait on subprocesses
        # and sleeps, so two workers keep the suite under two minutes on two cores.
        [str(PYTHON), "-m", "pytest", "-n", "auto", *args],
    ]
    for step in steps:
        print(
            "$",
            " ".join(Path(step[0]).name if i == 0 else p for i, p in enumerate(step)),
            flush=True,
        )
        code = subprocess.call(step, cwd=ROOT)
        if code != 0:
            return code
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test"):
        print(__doc__)
        print("usage: python3 tasks.py run [importer command ...]   (default: watch)")
        print("       python3 tasks.py test [pytest options ...]")
        return 2
    return (run if sys.argv[1] == "run" else test)(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
