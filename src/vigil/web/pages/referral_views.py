"""What the referral pages show of a referral, and how they read the compose form's records.

A referral is shown from :func:`vigil.sharing.referrals.referral_json` (the API's view of
it), with its times as datetimes and the time left to acknowledge it in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vigil.sharing.referral_terms import ReferralError
from vigil.store.models import Priority, RecordType, ReferralStatus
from vigil.web.pages.record_links import RecordLink, record_link
from vigil.web.routes.params import MAX_ID

#: Urgent referrals first, then high, then routine.
PRIORITY_ORDER = {priority: rank for rank, priority in enumerate(Priority)}
#: How a status reads on a page.
STATUS_LABELS = {
    ReferralStatus.SENT: "Awaiting acknowledgement",
    ReferralStatus.ACKNOWLEDGED: "Acknowledged",
    ReferralStatus.IN_PROGRESS: "In progress",
    ReferralStatus.CLOSED: "Closed",
}
#: The most records a compose form may name (as the API's body allows).
RECORDS_MAX = 1000


@dataclass(frozen=True)
class ReferralView:
    """A referral as a page shows it."""

    reference: str
    priority: Priority
    subject: str
    body: str
    status: ReferralStatus
    outcome: str | None
    sender: str
    sender_name: str
    recipient: str
    recipient_name: str
    created_at: datetime | None
    created_by: str
    due_at: datetime | None
    #: Seconds left to acknowledge it (negative once overdue); None once acknowledged.
    due_in_seconds: int | None
    overdue: bool
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    closed_at: datetime | None
    records: list[RecordLink]

    @property
    def status_label(self) -> str:
        """The status in words."""
        return STATUS_LABELS[self.status]

    @property
    def time_left(self) -> str:
        """How long is left to acknowledge it, how late it is, or a dash once acknowledged."""
        return describe_time_left(self.due_in_seconds)


def _moment(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None


def view_of(
    document: dict[str, Any], names: Mapping[tuple[RecordType, int], str] | None = None
) -> ReferralView:
    """The page's view of a referral from its JSON document; its records called by the
    ``names`` given (by kind and id), else by their kind and id."""
    named = names or {}
    return ReferralView(
        reference=document["reference"],
        priority=Priority(document["priority"]),
        subject=document["subject"],
        body=document["body"],
        status=ReferralStatus(document["status"]),
        outcome=document["outcome"],
        sender=document["from"]["code"],
        sender_name=document["from"]["name"],
        recipient=document["to"]["code"],
        recipient_name=document["to"]["name"],
        created_at=_moment(document["created_at"]),
        created_by=document["created_by"],
        due_at=_moment(document["due_at"]),
        due_in_seconds=document["due_in_seconds"],
        overdue=document["overdue"],
        acknowledged_at=_moment(document["acknowledged_at"]),
        acknowledged_by=document["acknowledged_by"],
        closed_at=_moment(document["closed_at"]),
        records=[
            record_link(kind, ident, named.get((kind, ident)))
            for kind, ident in ((RecordType(r["type"]), r["id"]) for r in document["records"])
        ],
    )


def describe_time_left(seconds: int | None) -> str:
    """``in 2 h 5 min``, ``overdue by 40 min``, or a dash when nothing is awaited."""
    if seconds is None:
        return "—"
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes and not days else []
    span = " ".join(parts) or "less than a minute"
    return f"overdue by {span}" if seconds < 0 else f"in {span}"


def in_order(views: list[ReferralView]) -> list[ReferralView]:
    """Open referrals first, urgent before high before routine, soonest due first; closed
    ones after them, newest first (the listing's own order)."""
    open_ones = [view for view in views if view.status is not ReferralStatus.CLOSED]
    closed = [view for view in views if view.status is ReferralStatus.CLOSED]
    open_ones.sort(key=lambda view: (PRIORITY_ORDER[view.priority], view.due_at or datetime.max))
    return open_ones + closed


def parse_records(text: str) -> list[tuple[RecordType, int]]:
    """The records a compose form names, one ``TYPE:ID`` a line (``series:7``).

    ReferralError naming the line and its text when one is not of that form.
    """
    kinds = ", ".join(kind.value for kind in RecordType)
    found: list[tuple[RecordType, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if not entry:
            continue
        kind, colon, ident = entry.partition(":")
        try:
            record = RecordType(kind.strip().lower())
        except ValueError:
            record = None
        digits = ident.strip()
        if not colon or record is None or not digits.isdecimal() or not 1 <= int(digits) <= MAX_ID:
            raise ReferralError(
                f"records: line {number}, {entry!r}, is not TYPE:ID (e.g. series:7; types: {kinds})"
            )
        found.append((record, int(digits)))
    if len(found) > RECORDS_MAX:
        raise ReferralError(f"records: {len(found)} named, at most {RECORDS_MAX} allowed")
    return found
