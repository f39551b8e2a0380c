"""`vigil missing ...`: missing-child reports (as in a Yellow notice) and their reference
photos and videos, ingested like a seizure so they are matched against everything."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    NamedAgencies,
    err,
    fail,
    out,
    print_json,
    shown,
)
from vigil.cli.identifying import (
    AsJson,
    LevelOption,
    identifying,
    print_record,
    print_table,
)
from vigil.store.models import Level, MissingStatus, Sex
from vigil.store.repo import DEFAULT_AGENCY_CODE

missing_app = typer.Typer(
    help="Missing-child reports: create, list, show, mark found, add reference media.",
    no_args_is_help=True,
)

Reference = Annotated[str, typer.Argument(help="The report's reference, e.g. YN-2026-0042.")]


@missing_app.command("create")
def create(
    reference: Annotated[
        str, typer.Argument(help="The report's reference, unique across the network.")
    ],
    country: Annotated[
        str, typer.Option("--country", help="ISO 3166-1 alpha-2 code of the reporting country.")
    ],
    child: Annotated[str, typer.Option("--child", help="The child's label (no real name).")],
    missing_since: Annotated[
        str, typer.Option("--missing-since", help="When the child went missing, YYYY-MM-DD.")
    ],
    sex: Annotated[Sex, typer.Option("--sex", help="female, male or unknown.")] = Sex.UNKNOWN,
    born: Annotated[int | None, typer.Option("--born", help="The child's year of birth.")] = None,
    last_seen: Annotated[
        str | None, typer.Option("--last-seen", help="Where the child was last seen.")
    ] = None,
    level: LevelOption = Level.ALL,
    named: NamedAgencies = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Report a missing child for your agency (seen by every member agency by default)."""
    from vigil.cases.missing import create_report

    with identifying(agency, data_dir, database_url) as (session, viewer):
        report = create_report(
            session,
            viewer,
            reference,
            country=country,
            child_label=child,
            missing_since=missing_since,
            sex=sex,
            birth_year=born,
            last_seen_place=last_seen,
            level=level,
            agencies=named or (),
        )
        line = f"missing-child report {report.reference} created (level {report.dissemination})"
    out.print(shown(line), highlight=False)


@missing_app.command("list")
def list_(
    status: Annotated[
        MissingStatus | None, typer.Option("--status", help="Only reports missing or found.")
    ] = None,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the reports your agency may see, most recently missing first."""
    from vigil.cases.missing import list_reports

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = list_reports(session, viewer, status, limit=1_000_000).items
    if as_json:
        print_json([r.to_json() for r in found])
        return
    rows = [
        (r.reference, r.child_label, r.country, r.missing_since, r.status, r.found_on, r.agency)
        for r in found
    ]
    columns = ["reference", "child", "country", "missing since", "status", "found", "agency"]
    print_table("Missing-child reports", columns, rows)


@missing_app.command("show")
def show(
    reference: Reference,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a report and its history."""
    from vigil.cases.history import history_of
    from vigil.cases.missing import report_detail
    from vigil.cases.names import find_missing_report
    from vigil.store.models import RecordType

    with identifying(agency, data_dir, database_url) as (session, viewer):
        ident = find_missing_report(session, viewer, reference).id
        report = report_detail(session, viewer, ident)
        history = history_of(session, viewer, RecordType.MISSING_REPORT, ident)
    print_record(
        as_json,
        report.to_json(),
        [
            ("report", report.reference),
            ("child", report.child_label),
            ("sex", report.sex.value),
            ("born", report.birth_year),
            ("country", report.country),
            ("missing since", report.missing_since),
            ("last seen", report.last_seen_place),
            ("status", report.status.value),
            ("found", report.found_on),
            ("reference seizure", report.seizure_id),
            ("agency", f"{report.agency} (level {report.dissemination.value})"),
        ],
        history,
    )


@missing_app.command("found")
def found(
    reference: Reference,
    on: Annotated[
        str | None, typer.Option("--on", help="When the child was found, YYYY-MM-DD (today).")
    ] = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Mark a report of your agency found (final: its alerts stop)."""
    from vigil.cases.missing import mark_found
    from vigil.cases.names import find_missing_report

    with identifying(agency, data_dir, database_url) as (session, viewer):
        ident = find_missing_report(session, viewer, reference).id
        report = mark_found(session, viewer, ident, on)
        line = f"missing-child report {report.reference}: found on {report.found_on}"
    out.print(shown(line), highlight=False)


@missing_app.command("add-media")
def add_media(
    reference: Reference,
    folder: Annotated[Path, typer.Argument(help="Folder of the child's photos and videos.")],
    workers: Annotated[
        int, typer.Option("--workers", envvar="VIGIL_WORKERS", min=1, help="Worker processes.")
    ] = os.cpu_count() or 1,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Ingest reference photos and videos into the report's own seizure: hashed and matched
    against everything, like any seizure (your agency's reports only)."""
    from vigil.cases.missing import reference_seizure
    from vigil.cases.names import find_missing_report
    from vigil.cli.common import acting, open_store
    from vigil.cli.progress import IngestProgressBar
    from vigil.cli.render import print_summary, print_triage
    from vigil.ingest.pipeline import IngestInputError, IngestRequest
    from vigil.ingest.pipeline import ingest as run_ingest
    from vigil.sharing.policy import PolicyError

    if not folder.is_dir():
        raise fail(f"{folder}: no such folder")
    with identifying(agency, data_dir, database_url) as (session, viewer):
        report = find_missing_report(session, viewer, reference)
        seizure = reference_seizure(session, viewer, report.id)
        case_reference, seizure_name = seizure.case.reference, seizure.name
    request = IngestRequest(
        root=folder,
        case_reference=case_reference,
        seizure_name=seizure_name,
        workers=workers,
        actor=acting(agency),
    )
    store = open_store(data_dir, database_url)
    try:
        with IngestProgressBar(err) as bar:
            outcome = run_ingest(store, request, bar)
    except (IngestInputError, PolicyError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    out.print(
        shown(f"reference media of {reference}: seizure {case_reference}/{seizure_name}"),
        highlight=False,
    )
    print_summary(out, outcome.summary, resumed=outcome.resumed)
    print_triage(out, outcome.triage, request.actor.agency)
