"""`vigil audit ...`: verify the hash-chained audit trail, print its head, show its events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from vigil.cli.common import DatabaseUrl, DataDir, err, fail, out, print_json, shown, user_session

audit_app = typer.Typer(
    help="The audit trail: who logged in, viewed, changed or exported what.",
    no_args_is_help=True,
)


@audit_app.command("verify")
def verify(
    head: Annotated[
        str | None,
        typer.Option(
            "--head",
            help="A head printed earlier by `vigil audit head` (N:HASH) and kept outside the "
            "database: also catches events cut off the end.",
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Check the hash chain: exit 1 naming the first event altered, removed, inserted or
    reordered, exit 0 when it is intact."""
    from vigil.sharing.audit import ChainHead
    from vigil.sharing.audit_chain import verify_chain

    try:
        kept = ChainHead.parse(head) if head is not None else None
    except ValueError as exc:
        raise fail(f"--head: {exc}") from None
    with user_session(data_dir, database_url) as session:
        result = verify_chain(session, kept)
    if not result.intact:
        line = f"audit trail broken: {result.problem}"
        err.print(line, highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=1)
    line = f"{result.events} events, chain intact, head {result.head}"
    out.print(line, highlight=False, soft_wrap=True)


@audit_app.command("head")
def head(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Print the newest event's number and hash (N:HASH), to keep outside the database."""
    from vigil.sharing.audit import newest_event

    with user_session(data_dir, database_url) as session:
        newest = newest_event(session)
    out.print(str(newest), highlight=False, soft_wrap=True)


def _moment(option: str, value: str | None, *, day_end: bool = False) -> datetime | None:
    """An ISO date or time as UTC (naive means UTC); a date alone is its day's start, or with
    ``day_end`` the next day's start, so that ``--until`` a date includes that day."""
    if value is None:
        return None
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if day_end else start
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(
            f"{option}: {value!r} is not a date or time (e.g. 2026-12-01 or 2026-12-01T14:30Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@audit_app.command("show")
def show(
    user: Annotated[str | None, typer.Option("--user", help="Only events by this user.")] = None,
    agency: Annotated[
        str | None, typer.Option("--agency", help="Only events by users of this agency (code).")
    ] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action, e.g. bank.export.")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--object",
            help="Only events on this object, e.g. bank:NAME or seizure:CASE/NAME; a final * "
            "matches any object it starts (seizure:OP-1/*).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only events at or after this UTC date or time."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="Only events before this UTC time (a date alone: up to its end)."
        ),
    ] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Page to show, newest first.")] = 1,
    per_page: Annotated[
        int, typer.Option("--per-page", min=1, max=10000, help="Events per page.")
    ] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show audit events, newest first, filtered by user, agency, action, object and time."""
    from vigil.sharing.audit import Action, AuditQuery, count_events, event_json, find_events

    try:
        chosen = Action(action) if action is not None else None
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise fail(f"--action: {action!r} is not an audited action (actions: {known})") from None
    query = AuditQuery(
        user=user,
        agency=agency,
        action=chosen,
        object=target,
        since=_moment("--since", since),
        until=_moment("--until", until, day_end=True),
    )
    with user_session(data_dir, database_url) as session:
        total = count_events(session, query)
        events = find_events(session, query, limit=per_page, offset=(page - 1) * per_page)
    if as_json:
        rows = [event_json(event) for event in events]
        print_json({"total": total, "page": page, "per_page": per_page, "events": rows})
        return
    table = Table(title="Audit events (newest first)")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("time (UTC)", no_wrap=True)
    # Nothing of an audit record may be cut off: long values fold onto further lines.
    for column in ("user", "agency", "action", "object", "details"):
        table.add_column(column, overflow="fold")
    for event in events:
        table.add_row(
            str(event.seq),
            event.occurred_at[:19].replace("T", " "),
            shown(event.user_name),
            shown(event.agency_code),
            event.action,
            shown(event.object),
            shown(event.details),
        )
    out.print(table)
    pages = max(1, -(-total // per_page))
    more = f"; --page {page + 1} for more" if page < pages else ""
    out.print(f"page {page} of {pages} ({total:,} events){more}", highlight=False)
