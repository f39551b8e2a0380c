"""Referrals: intelligence sent from one agency to another, with its urgency (the NCB channel).

A referral names the records it is about (media, matches, seizures, cases, series, victims,
offenders, locations, missing-child reports); sending it lets the recipient see them (a share
grant per record, tied to the referral). It must be
acknowledged within a time set by its priority (:class:`DueTimes`); until then it is overdue
once that time has passed, and supervisors see it in :func:`overdue`.

Its status only moves forward, and only the recipient moves it:

    sent -> acknowledged -> in_progress -> closed (with an outcome, e.g. "child rescued")

A referral that needs no work can be closed straight from ``acknowledged``; one still ``sent``
must be acknowledged first, so that the acknowledgement the due time measures is always
recorded. Nothing goes back and a closed referral does not reopen: a new referral is sent.
Every act is audited as ``referral:REFERENCE``. Times come from the caller's clock (``now``)
so that due times and lateness can be tested.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing import policy
from vigil.sharing.agencies import find_agency
from vigil.sharing.audit import Action, record
from vigil.sharing.clock import as_utc
from vigil.sharing.policy import NotVisibleError, Permission, Viewer
from vigil.sharing.referral_terms import (
    BODY_MAX,
    OUTCOME_MAX,
    SUBJECT_MAX,
    DueTimes,
    ReferralError,
    clean_text,
)
from vigil.signals.base import hex_problem
from vigil.signals.registry import SHA256
from vigil.store.models import (
    Agency,
    AgencyKind,
    Case,
    GrantReason,
    Match,
    Media,
    Priority,
    RecordType,
    Referral,
    ReferralRecord,
    ReferralStatus,
    Seizure,
    utcnow,
)

#: The records of identification a referral may point at, by id: the policy's one check
#: for them decides whether the sender may see each.
IDENTIFICATION = (
    RecordType.SERIES,
    RecordType.VICTIM,
    RecordType.OFFENDER,
    RecordType.LOCATION,
    RecordType.MISSING_REPORT,
)
#: The records a referral may point at.
REFERABLE = (
    RecordType.MEDIA,
    RecordType.MATCH,
    RecordType.SEIZURE,
    RecordType.CASE,
    *IDENTIFICATION,
)


# Which statuses each status may be reached from (the life cycle in the module docstring).
_FROM = {
    ReferralStatus.ACKNOWLEDGED: frozenset({ReferralStatus.SENT}),
    ReferralStatus.IN_PROGRESS: frozenset({ReferralStatus.ACKNOWLEDGED}),
    ReferralStatus.CLOSED: frozenset({ReferralStatus.ACKNOWLEDGED, ReferralStatus.IN_PROGRESS}),
}
_ORDER = list(ReferralStatus)


class ReferralStateError(Exception):
    """The referral's status does not allow this act; the message says why and what to do."""


def referral_object(reference: str) -> str:
    """How audit events name a referral: ``referral:REFERENCE``."""
    return f"referral:{reference}"


# --- the records a referral points at ---------------------------------------------------


def _check_referable(session: Session, viewer: Viewer, kind: RecordType, record_id: int) -> None:
    """NotVisibleError unless the viewer may see the record (told alike when it does not exist)."""
    checks = {
        RecordType.MEDIA: policy.check_media,
        RecordType.MATCH: policy.check_match,
        RecordType.SEIZURE: policy.check_seizure,
        RecordType.CASE: policy.check_case,
    }
    kind = RecordType(kind)
    if kind in IDENTIFICATION:
        policy.check_record(session, viewer, kind, record_id)
        return
    check = checks.get(kind)
    if check is None:
        kinds = ", ".join(kind.value for kind in REFERABLE)
        raise ReferralError(f"records: a {kind.value} cannot be referred (refer a {kinds})")
    check(session, viewer, record_id)


def _extended(session: Session, kind: RecordType, record_id: int) -> list[tuple[RecordType, int]]:
    """What the recipient must see to read the record: a match brings its media sides.

    A case's seizures need no grant of their own: the policy lets a case's recipient see them.
    """
    found = [(kind, record_id)]
    if kind is RecordType.MATCH:
        match = session.get_one(Match, record_id)
        found.append((RecordType.MEDIA, match.media_id))
        if match.other_media_id is not None:
            found.append((RecordType.MEDIA, match.other_media_id))
    return found


def find_record(session: Session, viewer: Viewer, kind: RecordType, text: str) -> int:
    """The id of the record a user named, among those the viewer may see.

    Media by SHA-256 or id, a seizure as ``CASE/NAME``, a case by reference, any other record
    by id.
    A record the viewer may not see is told alike with one that does not exist.
    """
    kind = RecordType(kind)
    text = text.strip()
    if kind is RecordType.SEIZURE:
        case_reference, slash, name = text.partition("/")
        if not slash or not case_reference or not name:
            raise ReferralError(f"seizure: {text!r} is not CASE/NAME (e.g. C-1/phone)")
        query = (
            select(Seizure.id)
            .join(Case, Seizure.case_id == Case.id)
            .where(Case.reference == case_reference, Seizure.name == name)
            .where(policy.seizure_condition(viewer))
        )
    elif kind is RecordType.CASE:
        query = select(Case.id).where(Case.reference == text, policy.case_condition(viewer))
    elif kind is RecordType.MEDIA and hex_problem(text.lower(), SHA256.hex_digits or 0) is None:
        query = select(Media.id).where(
            Media.sha256 == text.lower(), policy.media_condition(viewer, Media.id)
        )
    elif kind in (RecordType.MEDIA, RecordType.MATCH, *IDENTIFICATION):
        if not text.isdecimal():
            also = " or a SHA-256" if kind is RecordType.MEDIA else ""
            raise ReferralError(f"{kind.value}: {text!r} is not an id{also}")
        _check_referable(session, viewer, kind, int(text))
        return int(text)
    else:
        raise ReferralError(f"records: a {kind.value} cannot be referred")
    found = list(session.scalars(query.limit(2)))
    if not found:
        raise NotVisibleError(f"no {kind.value} {text!r}")
    if len(found) > 1:
        raise ReferralError(f"{kind.value}: {text!r} names several records you may see")
    return found[0]


# --- sending and acting -------------------------------------------------------------------


def send_referral(
    session: Session,
    viewer: Viewer,
    to_agency_code: str,
    priority: Priority,
    subject: str,
    body: str,
    records: Iterable[tuple[RecordType, int]],
    now: datetime | None = None,
    due_times: DueTimes | None = None,
) -> Referral:
    """Refer ``records`` to an agency, extending their visibility to it; audited.

    The due time is ``now`` plus the priority's time (:meth:`DueTimes.from_env` unless given).
    The reference (``REF-YEAR-NNNNNN``) is unique and read out over a telephone.
    """
    policy.require(viewer, Permission.REFER)
    moment = as_utc(now or utcnow())
    priority = Priority(priority)
    subject = clean_text(subject, "subject", SUBJECT_MAX, multiline=False)
    body = clean_text(body, "body", BODY_MAX, multiline=True)
    recipient = find_agency(session, to_agency_code)
    if recipient.kind == AgencyKind.PARTNER.value:
        raise ReferralError(
            f"to: {recipient.code} is a partner; referrals go to police agencies (NCBs, units)"
        )
    policy.check_other_agency(viewer, recipient.id, "a referral")
    wanted = list(dict.fromkeys((RecordType(kind), int(ident)) for kind, ident in records))
    for kind, ident in wanted:
        _check_referable(session, viewer, kind, ident)

    due = moment + (due_times or DueTimes.from_env()).for_priority(priority)
    referral = Referral(
        # A placeholder until the row has its number, which the reference is made of.
        reference=f"pending-{secrets.token_hex(8)}",
        from_agency_id=viewer.agency_id,
        to_agency_id=recipient.id,
        priority=priority.value,
        subject=subject,
        body=body,
        status=ReferralStatus.SENT.value,
        created_by=viewer.actor.user,
        created_at=moment,
        due_at=due,
        updated_at=moment,
    )
    session.add(referral)
    session.flush()
    referral.reference = f"REF-{moment.year}-{referral.id:06d}"
    for kind, ident in wanted:
        session.add(
            ReferralRecord(referral_id=referral.id, record_type=kind.value, record_id=ident)
        )
        for granted_kind, granted_id in _extended(session, kind, ident):
            policy.grant(
                session,
                granted_kind,
                granted_id,
                recipient.id,
                GrantReason.REFERRAL,
                viewer.actor.user,
                referral_id=referral.id,
            )
    session.flush()
    details = {
        "to": recipient.code,
        "priority": priority.value,
        "due_at": due.isoformat(),
        "records": [f"{kind.value}:{ident}" for kind, ident in wanted],
    }
    record(
        session,
        Action.REFERRAL_SEND,
        referral_object(referral.reference),
        details,
        viewer.actor,
        at=moment,
    )
    return referral


def next_statuses(referral: Referral) -> list[ReferralStatus]:
    """The statuses the referral's recipient may move it to now (none once closed)."""
    current = ReferralStatus(referral.status)
    return [wanted for wanted, sources in _FROM.items() if current in sources]


def _refusal(referral: Referral, current: ReferralStatus, wanted: ReferralStatus) -> str:
    """Why ``referral`` cannot move from ``current`` to ``wanted``, and what to do."""
    name = f"referral {referral.reference}"
    if current is ReferralStatus.CLOSED:
        return f"{name} is closed; a closed referral does not reopen (send a new one)"
    if current is wanted:
        return f"{name} is already {current.value}"
    if _ORDER.index(current) > _ORDER.index(wanted):
        return f"{name} is {current.value}: it cannot go back to {wanted.value}"
    return f"{name} has not been acknowledged yet: acknowledge it first"


def _move(
    session: Session,
    viewer: Viewer,
    reference: str,
    wanted: ReferralStatus,
    now: datetime | None,
) -> tuple[Referral, datetime]:
    """The referral moved to ``wanted`` by its recipient (not yet audited), and the time."""
    policy.require(viewer, Permission.REFER)
    referral = find_referral(session, viewer, reference)
    policy.check_recipient(viewer, referral.to_agency_id, f"referral {referral.reference}")
    current = ReferralStatus(referral.status)
    if current not in _FROM[wanted]:
        raise ReferralStateError(_refusal(referral, current, wanted))
    moment = as_utc(now or utcnow())
    referral.status = wanted.value
    referral.updated_at = moment
    return referral, moment


def acknowledge_referral(
    session: Session, viewer: Viewer, reference: str, now: datetime | None = None
) -> Referral:
    """The recipient has read the referral: it is no longer overdue. Audited."""
    referral, moment = _move(session, viewer, reference, ReferralStatus.ACKNOWLEDGED, now)
    late = moment > as_utc(referral.due_at)
    referral.acknowledged_at = moment
    referral.acknowledged_by = viewer.actor.user
    session.flush()
    record(
        session,
        Action.REFERRAL_ACKNOWLEDGE,
        referral_object(referral.reference),
        {"late": late},
        viewer.actor,
        at=moment,
    )
    return referral


def progress_referral(
    session: Session, viewer: Viewer, reference: str, now: datetime | None = None
) -> Referral:
    """The recipient is working on the referral. Audited."""
    referral, moment = _move(session, viewer, reference, ReferralStatus.IN_PROGRESS, now)
    session.flush()
    record(
        session,
        Action.REFERRAL_PROGRESS,
        referral_object(referral.reference),
        None,
        viewer.actor,
        at=moment,
    )
    return referral


def close_referral(
    session: Session, viewer: Viewer, reference: str, outcome: str, now: datetime | None = None
) -> Referral:
    """The recipient closes the referral with its outcome (required). Audited."""
    outcome = clean_text(outcome, "outcome", OUTCOME_MAX, multiline=True)
    referral, moment = _move(session, viewer, reference, ReferralStatus.CLOSED, now)
    referral.outcome = outcome
    referral.closed_at = moment
    session.flush()
    record(
        session,
        Action.REFERRAL_CLOSE,
        referral_object(referral.reference),
        {"outcome": outcome},
        viewer.actor,
        at=moment,
    )
    return referral


# --- reading ------------------------------------------------------------------------------


def find_referral(session: Session, viewer: Viewer, reference: str) -> Referral:
    """The referral with this reference, sent or received by the viewer's agency.

    NotVisibleError otherwise, worded alike for a referral between other agencies and one
    that does not exist.
    """
    policy.require(viewer, Permission.READ)
    referral = session.scalar(
        select(Referral).where(
            Referral.reference == reference.strip().upper(), policy.referral_condition(viewer)
        )
    )
    if referral is None:
        raise NotVisibleError(f"no referral {reference!r}")
    return referral


def inbox(session: Session, viewer: Viewer) -> list[Referral]:
    """The referrals addressed to the viewer's agency, newest first."""
    policy.require(viewer, Permission.READ)
    query = select(Referral).where(policy.inbox_condition(viewer))
    return list(session.scalars(query.order_by(Referral.created_at.desc(), Referral.id.desc())))


def outbox(session: Session, viewer: Viewer) -> list[Referral]:
    """The referrals the viewer's agency sent, newest first."""
    policy.require(viewer, Permission.READ)
    query = select(Referral).where(policy.outbox_condition(viewer))
    return list(session.scalars(query.order_by(Referral.created_at.desc(), Referral.id.desc())))


def overdue(session: Session, viewer: Viewer, now: datetime | None = None) -> list[Referral]:
    """Referrals still unacknowledged past their due time, most overdue first.

    Those addressed to the viewer's agency; for the central unit, every agency's.
    """
    policy.require(viewer, Permission.SUPERVISE)
    moment = as_utc(now or utcnow())
    query = select(Referral).where(
        Referral.status == ReferralStatus.SENT.value,
        Referral.due_at < moment,
        policy.overdue_scope_condition(viewer),
    )
    return list(session.scalars(query.order_by(Referral.due_at, Referral.id)))


def is_overdue(referral: Referral, now: datetime | None = None) -> bool:
    """Whether the referral is unacknowledged past its due time."""
    moment = as_utc(now or utcnow())
    return referral.status == ReferralStatus.SENT.value and moment > as_utc(referral.due_at)


def referral_records(session: Session, referral: Referral) -> list[tuple[RecordType, int]]:
    """The records the referral points at, in the order given."""
    rows = session.execute(
        select(ReferralRecord.record_type, ReferralRecord.record_id)
        .where(ReferralRecord.referral_id == referral.id)
        .order_by(ReferralRecord.id)
    )
    return [(RecordType(kind), ident) for kind, ident in rows]


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def referral_json(
    referral: Referral, session: Session, now: datetime | None = None
) -> dict[str, Any]:
    """The referral as the API and ``--json`` show it.

    ``due_in_seconds`` counts down while it awaits acknowledgement (negative once overdue)
    and is None after.
    """
    moment = as_utc(now or utcnow())

    def agency(agency_id: int) -> dict[str, str]:
        found = session.get_one(Agency, agency_id)
        return {"code": found.code, "name": found.name}

    waiting = referral.status == ReferralStatus.SENT.value
    left = (as_utc(referral.due_at) - moment).total_seconds() if waiting else None
    return {
        "reference": referral.reference,
        "from": agency(referral.from_agency_id),
        "to": agency(referral.to_agency_id),
        "priority": referral.priority,
        "subject": referral.subject,
        "body": referral.body,
        "status": referral.status,
        "outcome": referral.outcome,
        "created_at": _time(referral.created_at),
        "created_by": referral.created_by,
        "due_at": _time(referral.due_at),
        "due_in_seconds": None if left is None else int(left),
        "overdue": is_overdue(referral, moment),
        "acknowledged_at": _time(referral.acknowledged_at),
        "acknowledged_by": referral.acknowledged_by,
        "closed_at": _time(referral.closed_at),
        "records": [
            {"type": kind.value, "id": ident} for kind, ident in referral_records(session, referral)
        ],
    }
