"""Rich progress bars: ingest (files, files/s, MB/s, time left, any notice) and the preview
pass (previews done of the seizure's)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _RateColumn(ProgressColumn):
    """Files per second and megabytes per second since the start."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        if elapsed <= 0:
            return Text("- files/s  - MB/s", style="progress.data.speed")
        files = task.completed / elapsed
        megabytes = float(task.fields.get("bytes", 0)) / elapsed / 1e6
        return Text(f"{files:,.1f} files/s  {megabytes:,.1f} MB/s", style="progress.data.speed")


class ProgressBar:
    """A Rich progress display, shown while the ``with`` block runs."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()


class IngestProgressBar(ProgressBar):
    """Receives ingest progress and draws it on the given console."""

    def __init__(self, console: Console) -> None:
        super().__init__(
            Progress(
                TextColumn("[bold]ingest"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[notice]}", style="yellow", markup=False),
                console=console,
                transient=False,
            )
        )
        self._task = self._progress.add_task("ingest", total=None, bytes=0, notice="")
        self._bytes = 0

    def start(self, files: int, size: int) -> None:
        """Set the totals once the folder has been walked."""
        self._progress.reset(self._task, total=files, bytes=0, notice=self.notice_text)

    def advance(self, files: int, size: int) -> None:
        """Count stored files and bytes."""
        self._bytes += size
        self._progress.update(self._task, advance=files, bytes=self._bytes)

    @property
    def notice_text(self) -> str:
        """The notice shown beside the counts ("" when none)."""
        return str(self._progress.tasks[0].fields.get("notice", ""))

    def notice(self, message: str | None) -> None:
        """Show ``message`` (e.g. waiting for the database) until replaced; None clears it."""
        self._progress.update(self._task, notice=message or "")


class PreviewProgressBar(ProgressBar):
    """Draws the preview pass's progress (previews done of the seizure's) on a console."""

    def __init__(self, console: Console) -> None:
        super().__init__(
            Progress(
                TextColumn("[bold]previews"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
        )
        self._task = self._progress.add_task("previews", total=None)

    def __call__(self, done: int, total: int) -> None:
        """``done`` previews of ``total`` are made or recorded as failed."""
        self._progress.update(self._task, completed=done, total=total)
