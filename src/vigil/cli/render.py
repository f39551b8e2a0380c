"""Terminal rendering of ingest summaries."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from vigil.ingest.summary import SeizureSummary


def print_summary(console: Console, summary: SeizureSummary, *, resumed: bool) -> None:
    """Print the headline numbers of a seizure as tables."""
    table = Table(title="Seizure summary" + (" (resumed run)" if resumed else ""))
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files", f"{summary.files:,}")
    table.add_row("size", f"{summary.bytes / 1e6:,.1f} MB")
    table.add_row("distinct media", f"{summary.media:,}")
    for kind, count in summary.media_by_kind.items():
        table.add_row(f"  {kind}", f"{count:,}")
    table.add_row("duplicates within the seizure", f"{summary.duplicates:,}")
    table.add_row("errors", f"{summary.errors:,}")
    console.print(table)
    if summary.errors_by_reason:
        errors = Table(title="Errors by reason")
        errors.add_column("stage: reason")
        errors.add_column("files", justify="right")
        for reason, count in summary.errors_by_reason.items():
            errors.add_row(reason, f"{count:,}")
        console.print(errors)
