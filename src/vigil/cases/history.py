"""The dated history of identification records: who changed what, and when.

Every change to a series, victim, offender, location, missing-child report or case goes
through :func:`record_change`, which writes the history entry the record's page shows and
the audit event that proves it, in the caller's transaction (nothing is half-written: the
caller commits both with the change, or neither).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing.audit import Action, record
from vigil.sharing.clock import as_utc
from vigil.sharing.policy import Viewer, check_record
from vigil.store.models import Agency, HistoryEntry, RecordType, utcnow


def record_object(record_type: RecordType, record_id: int) -> str:
    """How the audit trail names an identification record: ``series:12``."""
    return f"{RecordType(record_type).value}:{record_id}"


def record_change(
    session: Session,
    viewer: Viewer,
    record_type: RecordType,
    record_id: int,
    action: str,
    detail: dict[str, Any],
    audit: Action = Action.RECORD_CHANGE,
    at: datetime | None = None,
) -> HistoryEntry:
    """Write one history entry for the record and its audit event (the caller commits).

    ``action`` says what happened in the record's own terms (``created``, ``status``,
    ``media_assigned``...); ``detail`` holds JSON values (old and new status, ids, dates).
    """
    entry = HistoryEntry(
        record_type=RecordType(record_type).value,
        record_id=record_id,
        action=action,
        detail=detail,
        by_user=viewer.actor.user,
        agency_id=viewer.agency_id,
        at=at or utcnow(),
    )
    session.add(entry)
    session.flush()
    details = {"record": record_type.value, "action": action, **detail}
    record(session, audit, record_object(record_type, record_id), details, viewer.actor, at=at)
    return entry


@dataclass(frozen=True)
class Change:
    """One entry of a record's history, as shown (``at`` in UTC, on every database)."""

    at: datetime
    action: str
    detail: dict[str, Any]
    by_user: str
    agency: str

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON values."""
        return {
            "at": self.at.isoformat(),
            "action": self.action,
            "detail": self.detail,
            "by": self.by_user,
            "agency": self.agency,
        }


def history_of(
    session: Session, viewer: Viewer, record_type: RecordType, record_id: int
) -> list[Change]:
    """The record's history, oldest first: NotVisibleError unless the viewer may see it."""
    check_record(session, viewer, record_type, record_id)
    rows = session.execute(
        select(HistoryEntry, Agency.code)
        .join(Agency, Agency.id == HistoryEntry.agency_id)
        .where(
            HistoryEntry.record_type == RecordType(record_type).value,
            HistoryEntry.record_id == record_id,
        )
        .order_by(HistoryEntry.at, HistoryEntry.id)
    )
    return [
        Change(as_utc(entry.at), entry.action, dict(entry.detail), entry.by_user, code)
        for entry, code in rows
    ]
