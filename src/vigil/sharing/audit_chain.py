"""Verifying the audit trail: the first event that was altered, removed, inserted or moved.

The events are read once, in order, in bounded memory. At the first one that does not fit,
a second look (every event's hash, and the number an event's content still hashes to) tells
what happened to it, in one line naming the event: an edit leaves content that no longer
matches its hash; a removal leaves a gap, or renumbered events whose hashes name their old
numbers; an insertion or a reordering leaves events that no longer follow the one before
them. Without a secret key, an attacker who rewrites every event after the one they change
leaves a chain that verifies: a head kept outside the database (``vigil audit head``) is
what catches that, and events cut off the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing.audit import GENESIS_HASH, ChainHead, event_digest
from vigil.store.models import AuditEvent, AuditHead

_BATCH = 2000
# How far from its place a moved event is looked for, when its link does not say.
_SEARCH = 1000


@dataclass(frozen=True)
class Verification:
    """What verifying the chain found: how many events, the newest, and the first problem."""

    events: int
    head: ChainHead
    #: The first event that is wrong (or missing), None when the chain is intact.
    bad_event: int | None = None
    #: One line naming that event and what is wrong with it.
    problem: str | None = None

    @property
    def intact(self) -> bool:
        """Whether every check passed."""
        return self.problem is None


def _range(first: int, last: int) -> str:
    return f"event {first}" if first == last else f"events {first} to {last}"


def _original_number(event: AuditEvent, numbers: dict[str, int]) -> int | None:
    """The number ``event``'s content hashes to, when that is not its own; None if none near.

    Its link names the event it followed, so that is tried first; then numbers around it.
    """
    before = 0 if event.prev_hash == GENESIS_HASH else numbers.get(event.prev_hash)
    candidates = [before + 1] if before is not None else []
    candidates += range(max(1, event.seq - _SEARCH), event.seq + _SEARCH)
    for seq in candidates:
        if seq != event.seq and event_digest(event, seq) == event.event_hash:
            return seq
    return None


def _numbers(session: Session) -> dict[str, int]:
    """Every stored event hash and the number it is stored under."""
    return {
        str(event_hash): int(seq)
        for event_hash, seq in session.execute(select(AuditEvent.event_hash, AuditEvent.seq))
    }


def _altered(session: Session, event: AuditEvent) -> tuple[int, str]:
    """The bad event and the problem, for an event whose content does not match its hash."""
    numbers = _numbers(session)
    original = _original_number(event, numbers)
    seq = event.seq
    if original is None:
        return seq, f"event {seq} was altered: its content does not match its hash"
    if original > seq:
        # The event that stood here: its hash is the link of the one that followed it.
        if event.prev_hash in numbers:
            return seq, f"event {seq} is the former event {original}: events were reordered"
        return seq, (
            f"{_range(seq, original - 1)} removed: event {seq} is the former event "
            f"{original}, renumbered"
        )
    follows = 0 if event.prev_hash == GENESIS_HASH else numbers.get(event.prev_hash)
    if follows is not None and follows < seq - 1:
        return follows + 1, (
            f"{_range(follows + 1, seq - 1)} inserted: event {seq} is the former event "
            f"{original}, which followed event {follows}"
        )
    return seq, f"event {seq} is the former event {original}: events were reordered"


def _unlinked(session: Session, event: AuditEvent) -> tuple[int, str]:
    """The bad event and the problem, for an event that does not follow the one before it."""
    numbers = _numbers(session)
    seq = event.seq
    follows = 0 if event.prev_hash == GENESIS_HASH else numbers.get(event.prev_hash)
    if follows is not None and follows < seq - 1:
        return follows + 1, (
            f"{_range(follows + 1, seq - 1)} inserted: event {seq} follows event {follows}"
        )
    if follows is not None and follows > seq:
        return seq, f"event {seq} follows event {follows}, a later one: events were reordered"
    if seq == 1:
        return seq, "event 1 does not start the chain: events before it were removed"
    return seq - 1, (
        f"the chain breaks between events {seq - 1} and {seq}: event {seq - 1} was altered "
        f"and its hash recomputed, or event {seq} was moved or its link altered"
    )


def _check_heads(
    last: ChainHead,
    seen: dict[int, str],
    recorded: ChainHead | None,
    kept: ChainHead | None,
) -> tuple[int | None, str | None]:
    """The problem with the head row (``recorded``) or the head kept outside (``kept``)."""
    if recorded is None:
        return None, "the chain head (table audit_head) was deleted: its row is missing"
    named = ((recorded, "the chain head (table audit_head)"), (kept, "the head you kept"))
    for head, whose in named:
        if head is None:
            continue
        if head.seq > last.seq:
            return last.seq + 1, (
                f"{_range(last.seq + 1, head.seq)} missing: cut off the end (the log ends at "
                f"event {last.seq}, {whose} is event {head.seq})"
            )
        stored = GENESIS_HASH if head.seq == 0 else seen.get(head.seq)
        if stored != head.event_hash:
            return head.seq, f"event {head.seq} does not match {whose} ({head})"
    return None, None


def verify_chain(session: Session, kept: ChainHead | None = None) -> Verification:
    """Check every event's hash and link, then the head row and ``kept`` (a head kept
    outside the database, which also catches events cut off the end)."""
    row = session.execute(
        select(AuditHead.seq, AuditHead.event_hash).where(AuditHead.id == 1)
    ).one_or_none()
    # Read before the events: events appended meanwhile only come after it.
    recorded = ChainHead(int(row.seq), str(row.event_hash)) if row else None
    wanted = {head.seq for head in (recorded, kept) if head is not None}
    seen: dict[int, str] = {}
    last = ChainHead(0, GENESIS_HASH)
    events = 0
    rows = session.scalars(
        select(AuditEvent).order_by(AuditEvent.seq), execution_options={"yield_per": _BATCH}
    )
    for event in rows:
        events += 1
        if event.seq == last.seq:
            rows.close()
            problem = f"event {event.seq} appears twice: one was inserted"
            return Verification(events, last, event.seq, problem)
        if event.seq > last.seq + 1:
            rows.close()
            gap = _range(last.seq + 1, event.seq - 1)
            problem = f"{gap} removed (the log goes from {last.seq} to {event.seq})"
            return Verification(events, last, last.seq + 1, problem)
        if event_digest(event) != event.event_hash:
            rows.close()
            return Verification(events, last, *_altered(session, event))
        if event.prev_hash != last.event_hash:
            rows.close()
            return Verification(events, last, *_unlinked(session, event))
        last = ChainHead(event.seq, event.event_hash)
        if event.seq in wanted:
            seen[event.seq] = event.event_hash
        session.expunge(event)
    return Verification(events, last, *_check_heads(last, seen, recorded, kept))
