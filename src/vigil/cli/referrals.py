"""`vigil referral ...`: intelligence referred from one agency to another, and its follow-up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from vigil.cli.common import DatabaseUrl, DataDir, fail, out, print_json, shown, user_session

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vigil.sharing.policy import Viewer
    from vigil.store.models import Referral

referral_app = typer.Typer(
    help="Referrals between agencies: send, acknowledge, follow up, close.", no_args_is_help=True
)

ActingAgency = Annotated[
    str,
    typer.Option("--agency", envvar="VIGIL_AGENCY", help="Code of the agency you act for."),
]
Reference = Annotated[str, typer.Argument(help="The referral's reference, e.g. REF-2026-000123.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


@contextmanager
def acting(
    agency: str, data_dir: Path | None, database_url: str | None
) -> Iterator[tuple[Session, Viewer]]:
    """A session and the viewer at this terminal acting for ``agency``; refusals in one line."""
    from vigil.sharing import policy
    from vigil.sharing.actor import local_actor
    from vigil.sharing.errors import AccountError
    from vigil.sharing.referral_terms import ReferralError
    from vigil.sharing.referrals import ReferralStateError

    refusals = (policy.PolicyError, ReferralError, ReferralStateError, AccountError)
    with user_session(data_dir, database_url, *refusals) as session:
        yield session, policy.resolve(session, local_actor(agency.strip().upper()))


def _line(referral: Referral, session: Session) -> list[str]:
    from vigil.sharing.referrals import referral_json

    shown_json = referral_json(referral, session)
    due = "OVERDUE" if shown_json["overdue"] else shown_json["due_at"][:16].replace("T", " ")
    return [
        referral.reference,
        shown_json["from"]["code"],
        shown_json["to"]["code"],
        referral.priority,
        referral.status,
        due if referral.status == "sent" else "",
        referral.subject,
    ]


def _table(title: str, rows: list[list[str]]) -> Table:
    table = Table(title=title)
    for column in ("reference", "from", "to", "priority", "status", "due (UTC)", "subject"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(shown(cell) for cell in row))
    return table


@referral_app.command("send")
def send(
    to: Annotated[str, typer.Option("--to", help="Code of the agency to refer to, e.g. NCB-FR.")],
    priority: Annotated[
        str,
        typer.Option(
            "--priority",
            help="urgent (a child may be in immediate danger), high or routine: "
            "sets the time allowed to acknowledge it.",
        ),
    ],
    subject: Annotated[str, typer.Option("--subject", help="One line saying what it is about.")],
    body: Annotated[str | None, typer.Option("--body", help="The referral's text.")] = None,
    body_file: Annotated[
        Path | None, typer.Option("--body-file", help="Read the text from this UTF-8 file.")
    ] = None,
    media: Annotated[
        list[str] | None,
        typer.Option("--media", help="Media to refer, by SHA-256 or id (repeat for several)."),
    ] = None,
    match: Annotated[
        list[str] | None, typer.Option("--match", help="Match to refer, by id (repeatable).")
    ] = None,
    seizure: Annotated[
        list[str] | None,
        typer.Option("--seizure", help="Seizure to refer, as CASE/NAME (repeatable)."),
    ] = None,
    case: Annotated[
        list[str] | None,
        typer.Option("--case", help="Case to refer, by reference; its seizures go with it."),
    ] = None,
    agency: ActingAgency = "LOCAL",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Refer intelligence and records to another agency; they may then see those records."""
    from vigil.sharing.referral_terms import parse_priority
    from vigil.sharing.referrals import find_record, send_referral
    from vigil.store.models import RecordType

    if (body is None) == (body_file is None):
        raise fail("give the text with --body or --body-file (one of them)")
    if body_file is not None:
        try:
            body = body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"--body-file {body_file}: cannot read it ({exc})") from None
    named = [
        *((RecordType.MEDIA, text) for text in media or []),
        *((RecordType.MATCH, text) for text in match or []),
        *((RecordType.SEIZURE, text) for text in seizure or []),
        *((RecordType.CASE, text) for text in case or []),
    ]
    with acting(agency, data_dir, database_url) as (session, viewer):
        chosen = parse_priority(priority)
        records = [(kind, find_record(session, viewer, kind, text)) for kind, text in named]
        referral = send_referral(session, viewer, to, chosen, subject, body or "", records)
        reference, due = referral.reference, referral.due_at
    out.print(
        shown(
            f"referral {reference} sent to {to.strip().upper()} ({chosen.value}, "
            f"to be acknowledged by {due:%Y-%m-%d %H:%M} UTC)"
        ),
        highlight=False,
    )


@referral_app.command("list")
def list_(
    inbox_only: Annotated[
        bool, typer.Option("--inbox", help="Only referrals addressed to your agency.")
    ] = False,
    outbox_only: Annotated[
        bool, typer.Option("--outbox", help="Only referrals your agency sent.")
    ] = False,
    as_json: AsJson = False,
    agency: ActingAgency = "LOCAL",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the referrals your agency received and sent."""
    from vigil.sharing.referrals import inbox, outbox, referral_json

    if inbox_only and outbox_only:
        raise fail("--inbox and --outbox: choose one (or neither for both)")
    boxes: list[tuple[str, Any]] = []
    if not outbox_only:
        boxes.append(("Inbox", inbox))
    if not inbox_only:
        boxes.append(("Outbox", outbox))
    with acting(agency, data_dir, database_url) as (session, viewer):
        found = [(title, read(session, viewer)) for title, read in boxes]
        if as_json:
            print_json(
                {
                    title.lower(): [referral_json(r, session) for r in referrals]
                    for title, referrals in found
                }
            )
            return
        tables = [
            _table(title, [_line(r, session) for r in referrals]) for title, referrals in found
        ]
    for table in tables:
        out.print(table)


@referral_app.command("show")
def show(
    reference: Reference,
    as_json: AsJson = False,
    agency: ActingAgency = "LOCAL",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a referral your agency sent or received, with its records."""
    from vigil.sharing.referrals import find_referral, referral_json

    with acting(agency, data_dir, database_url) as (session, viewer):
        shown_json = referral_json(find_referral(session, viewer, reference), session)
    if as_json:
        print_json(shown_json)
        return
    lines = [
        f"{shown_json['reference']} — {shown_json['subject']}",
        f"from {shown_json['from']['code']} ({shown_json['from']['name']}) "
        f"to {shown_json['to']['code']} ({shown_json['to']['name']})",
        f"priority: {shown_json['priority']}   status: {shown_json['status']}",
        f"sent: {shown_json['created_at']} by {shown_json['created_by']}",
        f"due: {shown_json['due_at']}" + ("  OVERDUE" if shown_json["overdue"] else ""),
    ]
    if shown_json["acknowledged_at"]:
        lines.append(
            f"acknowledged: {shown_json['acknowledged_at']} by {shown_json['acknowledged_by']}"
        )
    if shown_json["closed_at"]:
        lines.append(f"closed: {shown_json['closed_at']}, outcome: {shown_json['outcome']}")
    records = ", ".join(f"{item['type']}:{item['id']}" for item in shown_json["records"])
    lines += [f"records: {records or 'none'}", "", shown_json["body"]]
    for line in lines:
        out.print(shown(line), highlight=False)


def _act(
    act: Callable[[Session, Viewer, str], Referral],
    reference: str,
    agency: str,
    data_dir: Path | None,
    database_url: str | None,
    done: str,
) -> None:
    with acting(agency, data_dir, database_url) as (session, viewer):
        moved = act(session, viewer, reference).reference
    out.print(shown(f"referral {moved} {done}"), highlight=False)


@referral_app.command("ack")
def ack(
    reference: Reference,
    agency: ActingAgency = "LOCAL",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Acknowledge a referral addressed to your agency (it stops being overdue)."""
    from vigil.sharing.referrals import acknowledge_referral

    _act(acknowledge_referral, reference, agency, data_dir, database_url, "acknowledged")


@referral_app.command("progress")
def progress(
    reference: Reference,
    agency: ActingAgency = "LOCAL",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Mark an acknowledged referral as being worked on."""
    from vigil.sharing.referrals import progress_referral

    _act(progress_referral, reference, agency, data_dir, database_url, "in progress")


@referral_app.command("close")
def close(
    reference: Reference,
    outcome: Annotated[
        str, typer.Option("--outcome", help="What came of it, e.g. 'child rescued' (required).")
    ],
    agency: ActingAgency = "LOCAL",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Close a referral addressed to your agency with its outcome."""
    from vigil.sharing.referrals import close_referral

    def close_with_outcome(session: Session, viewer: Viewer, ref: str) -> Referral:
        return close_referral(session, viewer, ref, outcome)

    _act(close_with_outcome, reference, agency, data_dir, database_url, "closed")


@referral_app.command("overdue")
def overdue_(
    as_json: AsJson = False,
    agency: ActingAgency = "LOCAL",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Referrals not acknowledged in time: your agency's (the central unit's: everyone's)."""
    from vigil.sharing.referrals import overdue, referral_json

    with acting(agency, data_dir, database_url) as (session, viewer):
        late = overdue(session, viewer)
        if as_json:
            print_json([referral_json(r, session) for r in late])
            return
        table = _table("Overdue referrals", [_line(r, session) for r in late])
    out.print(table)
