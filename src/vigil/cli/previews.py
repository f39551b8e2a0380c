"""`vigil previews`: make a seizure's previews, or count them; and the pass after an ingest."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    err,
    fail,
    open_store,
    out,
    print_json,
)
from vigil.cli.identifying import AsJson, SeizureRef, identifying, seizure_id_of
from vigil.cli.progress import PreviewProgressBar
from vigil.reports.escape import printable
from vigil.store.repo import DEFAULT_AGENCY_CODE

previews_app = typer.Typer(
    help="Previews of a seizure's media: made once, kept encrypted.", no_args_is_help=True
)

#: The environment twin of ``vigil ingest --no-previews``.
NO_PREVIEWS_ENV = "VIGIL_NO_PREVIEWS"
NoPreviews = Annotated[
    bool,
    typer.Option(
        "--no-previews",
        envvar=NO_PREVIEWS_ENV,
        help="Do not make the seizure's previews after the ingest "
        "(make them later with `vigil previews make CASE/SEIZURE`).",
    ),
]


def run_pass(
    data_dir: Path | None, database_url: str | None, seizure_id: int, reference: str, workers: int
) -> None:
    """Make the seizure's previews with a progress bar; say what was made and what failed.

    `vigil previews make` and, once its summary is printed, `vigil ingest` run it. Ends the
    command with one line when the vault cannot be used, or with code 130 (and how to
    finish) when interrupted.
    """
    from vigil.previews.keys import PreviewKeyError
    from vigil.previews.making import make_previews
    from vigil.previews.vault import PreviewVaultError

    store = open_store(data_dir, database_url)
    try:
        with PreviewProgressBar(err) as bar:
            outcome = make_previews(store, seizure_id, workers=workers, progress=bar)
    except (PreviewKeyError, PreviewVaultError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        finish = printable(f"vigil previews make {reference}")
        err.print(f"previews interrupted: run `{finish}` to finish them", markup=False)
        raise typer.Exit(code=130) from None
    finally:
        store.close()
    failed = f"; {outcome.failed:,} failed (see `vigil previews status`)" if outcome.failed else ""
    err.print(f"previews: {outcome.made:,} made{failed}", highlight=False, markup=False)


@previews_app.command("make")
def make(
    seizure: SeizureRef,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            envvar="VIGIL_WORKERS",
            min=1,
            help="Decoding processes (one for fewer than 256 media).",
        ),
    ] = os.cpu_count() or 1,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Make the previews a seizure lacks, most urgent first (resumes where a pass stopped).

    Any agency that may see the seizure may make them; files that cannot be decoded are
    recorded as failed and skipped.
    """
    with identifying(agency, data_dir, database_url) as (session, viewer):
        seizure_id = seizure_id_of(session, viewer, seizure)
    run_pass(data_dir, database_url, seizure_id, seizure, workers)


@previews_app.command("status")
def status(
    seizure: SeizureRef,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Count a seizure's previews: made, failed and missing (not tried yet), with failures."""
    from vigil.previews.queue import failed_previews, preview_counts

    with identifying(agency, data_dir, database_url) as (session, viewer):
        seizure_id = seizure_id_of(session, viewer, seizure)
        counts = preview_counts(session, seizure_id)
        failures = failed_previews(session, seizure_id)
    if as_json:
        print_json(
            {
                "made": counts.made,
                "failed": counts.failed,
                "missing": counts.missing,
                "errors": failures,
            }
        )
        return
    out.print(
        printable(
            f"previews of {seizure}: {counts.made:,} made, {counts.failed:,} failed, "
            f"{counts.missing:,} missing"
        ),
        highlight=False,
        markup=False,
    )
    for error in failures:
        out.print(f"  failed: {printable(error)}", highlight=False, markup=False)
