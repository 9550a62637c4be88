"""A progress bar per file while its rows are sent, on a terminal only (`importer run` and
`watch`; `-q` and anything that is not a terminal get the plain log lines alone)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from importer.follow.status_file import FileStatus

MIN_ROWS = 50  # a file of a few rows needs no bar: its log line says it all
FINISHED = ("done", "failed", "duplicate", "left-behind")


class TerminalProgress:
    """Follows FileStatus moves: a bar appears once a file has MIN_ROWS rows to send, moves
    with each outcome, and goes away when the file is finished (its log line stays)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[int, TaskID] = {}

    def __enter__(self) -> TerminalProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, status: FileStatus) -> None:
        key = id(status)
        task = self._tasks.get(key)
        if status.state in FINISHED:
            if task is not None:
                self.progress.remove_task(task)
                del self._tasks[key]
            return
        if status.state != "pushing" or status.to_send < MIN_ROWS:
            return
        if task is None:
            task = self.progress.add_task(f"{status.file} [{status.flow}]", total=status.to_send)
            self._tasks[key] = task
        done = min(status.sent, status.to_send)
        self.progress.update(task, total=status.to_send, completed=done)

    def write(self, message: str) -> None:
        """A log line, printed above the bars instead of through them."""
        self.console.print(message, end="", markup=False, highlight=False, soft_wrap=True)
