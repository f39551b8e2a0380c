"""The audit trail: every login, view, export, change and referral act, hash-chained.

Each event stores its number, the hash of the event before it and its own hash: the SHA-256
of its canonical serialisation (sorted-key JSON of every field, the time as fixed-precision
UTC text, the details as the canonical JSON text stored). Changing, removing, inserting or
reordering an event therefore breaks the chain at that event (``vigil.sharing.audit_chain``
finds it), and a copy of the newest number and hash kept outside the database also catches
events cut off the end.

Appends take turns: each locks the one row of ``audit_head`` before reading it, and moves it
in the same transaction (PostgreSQL: ``SELECT ... FOR UPDATE``; SQLite: a write first, which
takes the database's single write lock). The sequence number is the primary key, so a fork
that got past the lock would fail loudly rather than split the chain. Work is audited per
operation (an ingest run, an import), never per file or entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from vigil.sharing.actor import Actor
from vigil.sharing.clock import as_utc
from vigil.signals.base import hex_problem
from vigil.signals.registry import SHA256
from vigil.store.models import AuditEvent, AuditHead, utcnow

#: The "previous hash" of the first event.
GENESIS_HASH = "0" * 64
_HEAD_ID = 1
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

JsonValue = str | int | float | bool | None | Sequence["JsonValue"] | Mapping[str, "JsonValue"]
Details = Mapping[str, JsonValue]


class Action(StrEnum):
    """What was done: the closed set of audited acts."""

    LOGIN = "login"
    LOGIN_FAILED = "login.failed"
    LOGOUT = "logout"
    AGENCY_CREATE = "agency.create"
    AGENCY_CHANGE = "agency.change"
    USER_CREATE = "user.create"
    USER_CHANGE = "user.change"
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"
    INGEST_START = "ingest.start"
    INGEST_RESUME = "ingest.resume"
    INGEST_COMPLETE = "ingest.complete"
    BANK_CREATE = "bank.create"
    BANK_IMPORT = "bank.import"
    BANK_EXPORT = "bank.export"
    BANK_DELETE = "bank.delete"
    MATCH_REVIEW = "match.review"
    REPORT_EXPORT = "report.export"
    DB_UPGRADE = "db.upgrade"
    #: A record's dissemination level or named agencies changed.
    SHARE_CHANGE = "share.change"
    #: A view of a record shared by another agency (restricted to some agencies).
    RECORD_VIEW = "record.view"
    HIT_RAISE = "hit.raise"
    HIT_ACKNOWLEDGE = "hit.acknowledge"
    REFERRAL_SEND = "referral.send"
    REFERRAL_ACKNOWLEDGE = "referral.acknowledge"
    REFERRAL_PROGRESS = "referral.progress"
    REFERRAL_CLOSE = "referral.close"
    #: One request to the lookup service (however many hashes it asked about).
    LOOKUP = "lookup"
    #: A series, victim, offender, location, missing-child report or case was made.
    RECORD_CREATE = "record.create"
    #: One of them changed (a status, a field); the record's history has the same entry.
    RECORD_CHANGE = "record.change"
    #: Media assigned to a series, or two records linked (series and victim...).
    RECORD_LINK = "record.link"
    #: A link removed (media taken out of a series...).
    RECORD_UNLINK = "record.unlink"
    ALERT_RAISE = "alert.raise"
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    #: A clear preview shown to a user who asked to see it (one event per reveal).
    PREVIEW_REVEAL = "preview.reveal"
    #: Media of a seizure marked not pertinent (or pertinent) from the triage grid.
    TRIAGE_MARK = "triage.mark"


def seizure_object(case_reference: str, seizure_name: str) -> str:
    """How events name a seizure: ``seizure:CASE/NAME``."""
    return f"seizure:{case_reference}/{seizure_name}"


def bank_object(name: str) -> str:
    """How events name a bank: ``bank:NAME``."""
    return f"bank:{name}"


def match_object(match_id: int) -> str:
    """How events name a match: ``match:ID``."""
    return f"match:{match_id}"


def format_time(moment: datetime) -> str:
    """``moment`` as stored and hashed: UTC, microseconds always written out."""
    return as_utc(moment).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """A stored time back as an aware UTC datetime."""
    return as_utc(datetime.strptime(text, _TIME_FORMAT))


def _canonical(value: object) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def canonical_details(details: Details | None) -> str:
    """The details as stored and hashed: sorted-key, ASCII-only, compact JSON."""
    return _canonical(dict(details or {}))


def event_digest(event: AuditEvent, seq: int | None = None) -> str:
    """The SHA-256 of ``event``'s canonical serialisation (as if numbered ``seq``, if given)."""
    fields = {
        "seq": event.seq if seq is None else seq,
        "occurred_at": event.occurred_at,
        "user": event.user_name,
        "agency": event.agency_code,
        "action": event.action,
        "object": event.object,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical(fields).encode("ascii")).hexdigest()


def _lock_head(session: Session) -> tuple[int, str]:
    """The head's number and hash, locked against every other append until commit."""
    if session.connection().dialect.name == "sqlite":
        # Reads take no lock on SQLite: write first, so that the head read below is the
        # newest and nobody else can move it before this transaction ends.
        session.execute(
            update(AuditHead).where(AuditHead.id == _HEAD_ID).values(seq=AuditHead.seq),
            execution_options={"synchronize_session": False},
        )
    row = session.execute(
        select(AuditHead.seq, AuditHead.event_hash)
        .where(AuditHead.id == _HEAD_ID)
        .with_for_update()
    ).one_or_none()
    if row is not None:
        return int(row.seq), str(row.event_hash)
    # Only someone who removed the triggers can have deleted it: start again from the
    # newest event (`vigil audit verify` judges what was done to the events themselves).
    newest = session.execute(
        select(AuditEvent.seq, AuditEvent.event_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).one_or_none()
    seq, event_hash = (int(newest.seq), str(newest.event_hash)) if newest else (0, GENESIS_HASH)
    session.add(AuditHead(id=_HEAD_ID, seq=seq, event_hash=event_hash))
    session.flush()
    return seq, event_hash


def record(
    session: Session,
    action: Action,
    object: str,
    details: Details | None,
    actor: Actor,
    *,
    at: datetime | None = None,
) -> AuditEvent:
    """Append an event to the audit trail, in ``session``'s transaction (the caller commits).

    ``object`` names what was acted on (``bank:NAME``, ``seizure:CASE/NAME``, ``match:ID``,
    ``user:NAME``...); ``details`` holds JSON values (counts, formats, file names). Call it
    last in the transaction: from here on every other append waits for the commit. ``at``
    is for importing and for tests; the default is now.
    """
    action = Action(action)
    prev_seq, prev_hash = _lock_head(session)
    event = AuditEvent(
        seq=prev_seq + 1,
        occurred_at=format_time(at or utcnow()),
        user_name=actor.user,
        agency_code=actor.agency,
        action=action.value,
        object=object,
        details=canonical_details(details),
        prev_hash=prev_hash,
    )
    event.event_hash = event_digest(event)
    session.add(event)
    session.flush()
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == _HEAD_ID)
        .values(seq=event.seq, event_hash=event.event_hash),
        execution_options={"synchronize_session": False},
    )
    return event


@dataclass(frozen=True)
class ChainHead:
    """An event's number and hash: the head of the chain when it is the newest event."""

    seq: int
    event_hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.event_hash}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        """``N:HASH`` as `vigil audit head` prints it; ValueError saying what is wrong."""
        seq, sep, event_hash = text.strip().partition(":")
        event_hash = event_hash.lower()
        valid_hash = hex_problem(event_hash, SHA256.hex_digits) is None
        if not sep or not seq.isdecimal() or not valid_hash:
            raise ValueError(
                f"{text!r} is not an audit head: expected N:HASH, an event number and "
                f"{SHA256.hex_digits} hex digits, as `vigil audit head` prints it"
            )
        return cls(int(seq), event_hash)


def newest_event(session: Session) -> ChainHead:
    """The newest event's number and hash (0 and the genesis hash when there is none)."""
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.event_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).one_or_none()
    return ChainHead(int(row.seq), str(row.event_hash)) if row else ChainHead(0, GENESIS_HASH)


@dataclass(frozen=True)
class AuditQuery:
    """Which events to show; None matches anything.

    ``object`` matches exactly, or as a prefix when it ends in ``*`` (``seizure:OP-1/*``).
    ``since`` is inclusive, ``until`` exclusive.
    """

    user: str | None = None
    agency: str | None = None
    action: Action | None = None
    object: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self, query: Select[tuple[AuditEvent]]) -> Select[tuple[AuditEvent]]:
        """``query`` restricted to the events this matches."""
        if self.user is not None:
            query = query.where(AuditEvent.user_name == self.user)
        if self.agency is not None:
            query = query.where(AuditEvent.agency_code == self.agency.strip().upper())
        if self.action is not None:
            query = query.where(AuditEvent.action == self.action.value)
        if self.object is not None:
            if self.object.endswith("*"):
                prefix = self.object[:-1]
                # Not LIKE: SQLite's ignores case, and the prefix may hold % or _.
                query = query.where(func.substr(AuditEvent.object, 1, len(prefix)) == prefix)
            else:
                query = query.where(AuditEvent.object == self.object)
        # Stored times are fixed-width UTC text: they compare as the times they name.
        if self.since is not None:
            query = query.where(AuditEvent.occurred_at >= format_time(self.since))
        if self.until is not None:
            query = query.where(AuditEvent.occurred_at < format_time(self.until))
        return query


def find_events(
    session: Session, query: AuditQuery, *, limit: int = 50, offset: int = 0
) -> list[AuditEvent]:
    """The events ``query`` matches, newest first, ``limit`` of them after skipping ``offset``."""
    selected = query.where(select(AuditEvent)).order_by(AuditEvent.seq.desc())
    return list(session.scalars(selected.limit(limit).offset(offset)))


def count_events(session: Session, query: AuditQuery) -> int:
    """How many events ``query`` matches."""
    selected = query.where(select(AuditEvent)).subquery()
    return int(session.scalar(select(func.count()).select_from(selected)) or 0)


def event_json(event: AuditEvent) -> dict[str, JsonValue]:
    """An event as JSON: every stored field, the details parsed."""
    details: JsonValue = json.loads(event.details)
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at,
        "user": event.user_name,
        "agency": event.agency_code,
        "action": event.action,
        "object": event.object,
        "details": details,
        "prev_hash": event.prev_hash,
        "event_hash": event.event_hash,
    }
