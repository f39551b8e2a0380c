"""Terminal rendering of ingest summaries.

Names and reasons come from seizures: they are shown escaped (see vigil.reports.escape) and
as plain text, never read as Rich markup.
"""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from vigil.cli.common import shown
from vigil.cli.failures import writing
from vigil.reports.errors import seizure_errors
from vigil.reports.render import headline, write_json
from vigil.reports.summary import SeizureSummary
from vigil.reports.triage import CLASSES, TriageReport
from vigil.sharing.policy import resolve
from vigil.signals.registry import PDQ
from vigil.store.repo import DEFAULT_AGENCY_CODE

if TYPE_CHECKING:
    from vigil.ingest.pipeline import IngestOutcome
    from vigil.sharing.actor import Actor
    from vigil.store.db import Store


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
            errors.add_row(shown(reason), f"{count:,}")
        console.print(errors)


def print_triage(console: Console, triage: TriageReport, agency: str = DEFAULT_AGENCY_CODE) -> None:
    """Print the known / new breakdown that ends every ingest (the report's headline)."""
    table = Table(title=f"Known and new ({triage.media:,} pictures and videos)")
    table.add_column("class")
    table.add_column("media", justify="right")
    table.add_column("share", justify="right")
    for label, count, share in headline(triage):
        table.add_row(label, f"{count:,}", f"{share:.1f}%")
    console.print(table)
    if triage.low_quality_pictures or triage.low_quality_frames:
        console.print(
            f"not fuzzy-matched (PDQ quality < {PDQ.quality_floor}): "
            f"{triage.low_quality_pictures:,} pictures, "
            f"{triage.low_quality_frames:,} video frames",
            highlight=False,
        )
    command = f"vigil report {shlex.quote(triage.seizure)} --case {shlex.quote(triage.case)}"
    if agency != DEFAULT_AGENCY_CODE:
        command += f" --agency {shlex.quote(agency)}"
    console.print(shown(f"full report: {command} --format html -o report.html"))


def print_ingest_json(store: Store, outcome: IngestOutcome, actor: Actor) -> None:
    """The ingest summary as JSON on standard output, with its alerts (highest priority
    first) and every failed file listed (as ``actor``, who ran the ingest, may see them)."""
    document: dict[str, Any] = {
        "run_id": outcome.run_id,
        "resumed": outcome.resumed,
        **outcome.summary.to_json(),
        "triage": {
            "media": outcome.triage.media,
            "classes": outcome.triage.classes,
            "percentages": {k: round(outcome.triage.share(k), 2) for k in CLASSES},
            "low_quality_pictures": outcome.triage.low_quality_pictures,
            "low_quality_frames": outcome.triage.low_quality_frames,
        },
        "alerts": [alert.to_json() for alert in outcome.alerts],
    }
    with store.session() as session, writing("the standard output"):
        errors = seizure_errors(session, resolve(session, actor), outcome.seizure_id)
        write_json(document, "failed_files", errors, sys.stdout)
        sys.stdout.flush()
