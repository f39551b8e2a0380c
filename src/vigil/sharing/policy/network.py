"""Referrals, administration and the audit trail: who sees and acts across agencies."""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    or_,
    true,
)

from vigil.sharing.policy.viewers import (
    ForbiddenError,
    NotVisibleError,
    Viewer,
)
from vigil.store.models import (
    AgencyKind,
    Referral,
)

# --- referrals ------------------------------------------------------------------------


def referral_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the referrals (rows of ``Referral``) the viewer may see: sent or received."""
    return or_(
        Referral.from_agency_id == viewer.agency_id, Referral.to_agency_id == viewer.agency_id
    )


def inbox_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the referrals addressed to the viewer's agency."""
    return Referral.to_agency_id == viewer.agency_id


def outbox_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the referrals the viewer's agency sent."""
    return Referral.from_agency_id == viewer.agency_id


def overdue_scope_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the referrals whose lateness the viewer oversees.

    Its own agency's inbox; every agency's for the central unit, which watches the network.
    """
    if viewer.agency_kind is AgencyKind.CENTRAL_UNIT:
        return true()
    return inbox_condition(viewer)


def check_recipient(viewer: Viewer, to_agency_id: int, what: str) -> None:
    """ForbiddenError unless the viewer's agency is the one ``what`` is addressed to."""
    if to_agency_id != viewer.agency_id:
        raise ForbiddenError(f"{what} is addressed to another agency: only it may act on it")


def check_other_agency(viewer: Viewer, agency_id: int, what: str) -> None:
    """ForbiddenError when ``agency_id`` is the viewer's own (``what`` must go elsewhere)."""
    if agency_id == viewer.agency_id:
        raise ForbiddenError(f"{what} must go to another agency, not your own")


# --- administration and the audit trail ------------------------------------------------


def oversees_network(viewer: Viewer) -> bool:
    """Whether the viewer acts for the whole network (the central unit): it adds agencies,
    administers every agency's users and reads every agency's audit trail."""
    return viewer.agency_kind is AgencyKind.CENTRAL_UNIT


def check_administers(viewer: Viewer, agency_id: int, what: str) -> None:
    """NotVisibleError unless the viewer may administer agency ``agency_id``'s accounts:
    its own agency's, or every agency's for the central unit.

    Refused as not found: another agency's users and tokens are not the viewer's to know.
    """
    if agency_id != viewer.agency_id and not oversees_network(viewer):
        raise NotVisibleError(f"no {what}")


def audit_agency(viewer: Viewer) -> str | None:
    """The agency code whose audit events the viewer may read; None for every agency's."""
    return None if oversees_network(viewer) else viewer.actor.agency
