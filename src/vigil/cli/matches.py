"""`vigil match ...` and `vigil report`: what a seizure matched, reviewing it, the report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.table import Table
from rich.text import Text

from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    Output,
    acting,
    err,
    fail,
    out,
    print_json,
    user_session,
    write_output,
)
from vigil.cli.failures import writing
from vigil.reports.errors import ERRORS_SHOWN
from vigil.reports.escape import printable
from vigil.signals.registry import PDQ, VPDQ
from vigil.store.repo import DEFAULT_AGENCY_CODE

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vigil.sharing.actor import Actor
    from vigil.store.models import Seizure

match_app = typer.Typer(help="Matches against banks and other cases.", no_args_is_help=True)

SeizureName = Annotated[str, typer.Argument(help="Name of the seizure.")]
CaseOption = Annotated[
    str | None, typer.Option("--case", help="Case reference, when the seizure name is ambiguous.")
]
Radius = Annotated[
    int, typer.Option("--pdq-radius", envvar="VIGIL_PDQ_RADIUS", help="PDQ match radius (bits).")
]
Share = Annotated[
    float,
    typer.Option(
        "--vpdq-share", envvar="VIGIL_VPDQ_SHARE", help="Share of frames a video match needs."
    ),
]


@match_app.command("run")
def run(
    seizure: SeizureName,
    case: CaseOption = None,
    pdq_radius: Radius = PDQ.default_threshold,
    vpdq_share: Share = VPDQ.default_threshold,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Match a seizure the agency owns again against every bank and other case."""
    from vigil.matching.matching import MatchSettings, match_seizure
    from vigil.sharing.hits import SEEKER, raise_hit_notices
    from vigil.sharing.policy import Permission, check_owner, require, resolve
    from vigil.sharing.records import find_seizure
    from vigil.store.repo import NotFoundError

    try:
        settings = MatchSettings(pdq_radius=pdq_radius, vpdq_share=vpdq_share)
    except ValueError as exc:
        raise fail(str(exc)) from None
    with user_session(data_dir, database_url, NotFoundError) as session:
        viewer = resolve(session, acting(agency))
        found = find_seizure(session, viewer, seizure, case)
        require(viewer, Permission.WRITE)
        check_owner(viewer, found.agency_id, f"seizure {seizure!r}")
        stats = match_seizure(session, found.id, settings)
        raised = raise_hit_notices(session, viewer, found.id)
    out.print(
        f"new matches: {stats.exact:,} exact, {stats.pdq:,} PDQ, {stats.vpdq:,} vPDQ; "
        f"not fuzzy-matched for low quality: {stats.low_quality_pictures:,} pictures, "
        f"{stats.low_quality_frames:,} video frames",
        highlight=False,
    )
    hits = sum(1 for notice in raised if notice.side == SEEKER)
    if hits:
        out.print(f"new hit notices: {hits:,} (see `vigil hit list`)", highlight=False)


@match_app.command("list")
def list_(
    seizure: SeizureName,
    case: CaseOption = None,
    verdict: Annotated[
        str | None, typer.Option("--verdict", help="Only matches with this verdict.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List a seizure's matches (links found from either seizure's side), with the verdicts
    of the agency acted for."""
    from vigil.matching.listing import seizure_matches
    from vigil.sharing.policy import resolve
    from vigil.sharing.records import find_seizure
    from vigil.store.repo import NotFoundError

    # A verdict that is not one of VERDICTS is a ValueError naming them.
    with user_session(data_dir, database_url, NotFoundError, ValueError) as session:
        viewer = resolve(session, acting(agency))
        found = find_seizure(session, viewer, seizure, case)
        rows = seizure_matches(session, viewer, found.id, verdict)
    if as_json:
        print_json([row.to_json() for row in rows])
        return
    table = Table(title=Text(printable(f"Matches of seizure {seizure}")))
    for column in ("id", "path", "signal", "distance", "variant", "matched", "verdict"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.match_id),
            Text(printable(row.path)),
            row.signal,
            "" if row.distance is None else str(row.distance),
            row.variant or "",
            Text(printable(row.target)),
            row.verdict,
        )
    out.print(table)


@match_app.command("review")
def review(
    match_id: Annotated[int, typer.Argument(help="Id of the match (see `vigil match list`).")],
    verdict: Annotated[str, typer.Option("--verdict", help="confirmed, rejected or open.")],
    note: Annotated[str | None, typer.Option("--note", help="Why, for the record.")] = None,
    reviewer: Annotated[
        str | None, typer.Option("--by", envvar="VIGIL_USER", help="Reviewer (default: login).")
    ] = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Confirm or reject a match (or open it again), for the agency acted for only."""
    from vigil.matching.review import ReviewError, review_match
    from vigil.sharing.actor import Actor, login_name
    from vigil.sharing.audit import Action, match_object, record
    from vigil.sharing.policy import resolve

    by = reviewer or login_name()
    with user_session(data_dir, database_url, ReviewError) as session:
        actor = Actor(by.strip(), agency.strip())
        review_match(session, resolve(session, actor), match_id, verdict, note=note)
        details = {"verdict": verdict, "note": note}
        record(session, Action.MATCH_REVIEW, match_object(match_id), details, actor)
    out.print(f"match {match_id}: {verdict}", highlight=False)


def report(
    seizure: SeizureName,
    case: CaseOption = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json, csv or html.")] = "text",
    errors: Annotated[
        str,
        typer.Option(
            "--errors",
            help="How many failed files the text and HTML reports list: a number or 'all' "
            "(JSON and CSV always list them all).",
        ),
    ] = str(ERRORS_SHOWN),
    output: Output = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The triage report of a seizure as the agency acted for sees it: known, seen in other
    cases, held by another agency, new, and the failed files."""
    from vigil.reports.errors import seizure_errors
    from vigil.reports.render import FORMATS, write_report
    from vigil.reports.triage import build_report
    from vigil.sharing.policy import resolve
    from vigil.sharing.records import find_seizure
    from vigil.store.repo import NotFoundError

    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    shown = _errors_shown(errors)
    with user_session(data_dir, database_url, NotFoundError) as session:
        viewer = resolve(session, acting(agency))
        found = find_seizure(session, viewer, seizure, case)
        triage = build_report(session, found, viewer)
        errors_of = seizure_errors(session, viewer, found.id)

        def write(stream: TextIO) -> None:
            # The failed files stream from the store while the report is written.
            write_report(triage, fmt, stream, errors_of, shown)

        if output is None:
            with writing("the standard output"):
                write(sys.stdout)
                sys.stdout.flush()
            _audit_report(session, viewer.actor, found, fmt, output)
            return
        write_output(output, write)
        _audit_report(session, viewer.actor, found, fmt, output)
    err.print(f"report written to {printable(str(output))}", highlight=False, markup=False)


def _audit_report(
    session: Session, actor: Actor, seizure: Seizure, fmt: str, output: Path | None
) -> None:
    """Record the report, an export of the seizure's data, once it is written."""
    from vigil.sharing.audit import Action, record, seizure_object

    details = {"format": fmt, "output": "stdout" if output is None else str(output)}
    where = seizure_object(seizure.case.reference, seizure.name)
    record(session, Action.REPORT_EXPORT, where, details, actor)


def _errors_shown(value: str) -> int | None:
    """The --errors option: a count of failed files to list, or None for all of them."""
    if value == "all":
        return None
    if value.isdecimal():
        return int(value)
    raise fail(f"--errors must be a number or 'all', not {value!r}")
