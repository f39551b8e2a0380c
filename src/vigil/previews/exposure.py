"""The exposure counter: each investigator's reveals and seconds on media pages, per day.

Looking at abuse material wears people down; counting it lets each user see their own load
and a supervisor see the agency's, as an aggregate without names, to plan rotations and
breaks. Days are calendar days in UTC. Counting is an upsert on (user, day), so two heartbeats
arriving together never lose one or collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigil.sharing.policy import Permission, Viewer, require
from vigil.store.models import ExposureDay

#: The most seconds one heartbeat may add (pages send one every 30 s while visible).
MAX_HEARTBEAT_SECONDS = 60
#: How many days the pages and the API show, today included.
SHOWN_DAYS = 30


@dataclass(frozen=True)
class MyDay:
    """One of the user's days: previews revealed and seconds spent on media pages."""

    day: date
    reveals: int
    seconds: int


@dataclass(frozen=True)
class AgencyDay:
    """One day of an agency's users, in aggregate (no names)."""

    day: date
    #: Users who revealed a preview or spent time on media pages that day.
    users: int
    reveals: int
    seconds: int
    #: The highest of one user's seconds that day.
    most_seconds: int


def _add(session: Session, viewer: Viewer, user_id: int, day: date, **counts: int) -> None:
    """Add ``counts`` (reveals, media_seconds) to the user's row for ``day``, made if new."""
    dialect = session.connection().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ExposureDay).values(
        user_id=user_id,
        agency_id=viewer.agency_id,
        day=day,
        reveals=counts.get("reveals", 0),
        media_seconds=counts.get("media_seconds", 0),
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ExposureDay.user_id, ExposureDay.day],
            set_={
                column: getattr(ExposureDay, column) + getattr(statement.excluded, column)
                for column in counts
            },
        )
    )


def count_reveal(session: Session, viewer: Viewer, user_id: int, day: date) -> None:
    """One more preview revealed by the user on ``day`` (in the reveal's transaction)."""
    _add(session, viewer, user_id, day, reveals=1)


def add_seconds(session: Session, viewer: Viewer, user_id: int, day: date, seconds: int) -> None:
    """``seconds`` more spent on media pages by the user on ``day``.

    Raises ValueError naming ``seconds`` unless it is 1 to ``MAX_HEARTBEAT_SECONDS``.
    """
    if not 1 <= seconds <= MAX_HEARTBEAT_SECONDS:
        raise ValueError(f"seconds: must be 1 to {MAX_HEARTBEAT_SECONDS}, not {seconds}")
    _add(session, viewer, user_id, day, media_seconds=seconds)


def my_days(session: Session, user_id: int, today: date) -> list[MyDay]:
    """The user's days among the ``SHOWN_DAYS`` ending ``today`` that have counts, newest first."""
    since = today - timedelta(days=SHOWN_DAYS - 1)
    rows = session.execute(
        select(ExposureDay.day, ExposureDay.reveals, ExposureDay.media_seconds)
        .where(ExposureDay.user_id == user_id, ExposureDay.day >= since, ExposureDay.day <= today)
        .order_by(ExposureDay.day.desc())
    )
    return [MyDay(day, reveals, seconds) for day, reveals, seconds in rows]


def agency_days(session: Session, viewer: Viewer, today: date) -> list[AgencyDay]:
    """The viewer's agency's days among the last ``SHOWN_DAYS``, in aggregate, newest first.

    Only the viewer's own agency is ever read. Raises ForbiddenError unless the viewer may
    supervise.
    """
    require(viewer, Permission.SUPERVISE)
    since = today - timedelta(days=SHOWN_DAYS - 1)
    rows = session.execute(
        select(
            ExposureDay.day,
            func.count(ExposureDay.user_id),
            func.sum(ExposureDay.reveals),
            func.sum(ExposureDay.media_seconds),
            func.max(ExposureDay.media_seconds),
        )
        .where(
            ExposureDay.agency_id == viewer.agency_id,
            ExposureDay.day >= since,
            ExposureDay.day <= today,
        )
        .group_by(ExposureDay.day)
        .order_by(ExposureDay.day.desc())
    )
    return [
        AgencyDay(day, int(users), int(reveals or 0), int(seconds or 0), int(most or 0))
        for day, users, reveals, seconds, most in rows
    ]
