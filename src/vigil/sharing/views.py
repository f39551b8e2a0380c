"""Reading another agency's record is an act the audit trail keeps.

A record the viewer's own agency owns is its own business; one owned by another agency
(shared with all members, named, or referred) is read under that agency's trust, and each
such read is one ``record.view`` event naming the record and its owner.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.sharing.audit import Action, bank_object, record, seizure_object
from vigil.sharing.policy import Viewer, owns
from vigil.store.models import Agency, Bank, Case, RecordType, Seizure

Viewed = Case | Seizure | Bank


def _object(found: Viewed) -> str:
    if isinstance(found, Seizure):
        return seizure_object(found.case.reference, found.name)
    if isinstance(found, Bank):
        return bank_object(found.name)
    return f"case:{found.reference}"


def _record_type(found: Viewed) -> RecordType:
    if isinstance(found, Seizure):
        return RecordType.SEIZURE
    if isinstance(found, Bank):
        return RecordType.BANK
    return RecordType.CASE


def record_view(session: Session, viewer: Viewer, found: Viewed, what: str = "record") -> bool:
    """Record that the viewer read ``found`` (``what``: the record itself, its report...)
    when another agency owns it; whether an event was written.

    The caller has already checked that the viewer may see it.
    """
    if owns(viewer, found.agency_id):
        return False
    details = {
        "record": _record_type(found).value,
        "owner": session.get_one(Agency, found.agency_id).code,
        "read": what,
    }
    record(session, Action.RECORD_VIEW, _object(found), details, viewer.actor)
    return True
