"""Which cases, seizures, banks, series, victims, offenders, locations, missing-child
reports, media, matches and hit notices a viewer may see: SQL conditions for listings, and
yes / no for one record."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Session

from vigil.sharing.policy.viewers import (
    ColumnLike,
    ForbiddenError,
    NotVisibleError,
    Viewer,
)
from vigil.store.models import (
    Bank,
    BankEntry,
    Case,
    GrantReason,
    HitNotice,
    Level,
    Location,
    Match,
    Media,
    MissingChildReport,
    Offender,
    RecordType,
    Seizure,
    Series,
    SeriesMedia,
    ShareGrant,
    Sighting,
    Victim,
)

# --- visibility as SQL conditions -------------------------------------------------------


def granted_ids(viewer: Viewer, record: RecordType, reasons: Iterable[GrantReason]) -> Select[int]:
    """Ids of ``record`` rows granted to the viewer's agency for one of ``reasons``."""
    return (
        select(ShareGrant.record_id)
        .where(
            ShareGrant.agency_id == viewer.agency_id,
            ShareGrant.record_type == record.value,
            ShareGrant.reason.in_([reason.value for reason in reasons]),
        )
        .correlate(None)
    )


def _owned_record(
    viewer: Viewer,
    record: RecordType,
    owner: ColumnLike,
    level: ColumnLike,
    ident: ColumnLike,
) -> ColumnElement[bool]:
    """The rule for an owned record with a level (see the module's docstring)."""
    member_level = false() if viewer.is_partner else level == Level.ALL.value
    return or_(
        owner == viewer.agency_id,
        member_level,
        and_(
            level == Level.NAMED.value, ident.in_(granted_ids(viewer, record, [GrantReason.NAMED]))
        ),
        ident.in_(granted_ids(viewer, record, [GrantReason.REFERRAL])),
    )


def case_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the cases (rows of ``Case``) the viewer may see."""
    return _owned_record(viewer, RecordType.CASE, Case.agency_id, Case.dissemination, Case.id)


def seizure_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the seizures (rows of ``Seizure``) the viewer may see."""
    return or_(
        _owned_record(
            viewer, RecordType.SEIZURE, Seizure.agency_id, Seizure.dissemination, Seizure.id
        ),
        Seizure.case_id.in_(granted_ids(viewer, RecordType.CASE, [GrantReason.REFERRAL])),
    )


def bank_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the banks (rows of ``Bank``) the viewer may see; their entries follow them."""
    return _owned_record(viewer, RecordType.BANK, Bank.agency_id, Bank.dissemination, Bank.id)


def series_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the series (rows of ``Series``) the viewer may see."""
    return _owned_record(
        viewer, RecordType.SERIES, Series.agency_id, Series.dissemination, Series.id
    )


def victim_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the victims (rows of ``Victim``) the viewer may see."""
    return _owned_record(
        viewer, RecordType.VICTIM, Victim.agency_id, Victim.dissemination, Victim.id
    )


def offender_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the offenders (rows of ``Offender``) the viewer may see."""
    return _owned_record(
        viewer, RecordType.OFFENDER, Offender.agency_id, Offender.dissemination, Offender.id
    )


def location_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the locations (rows of ``Location``) the viewer may see."""
    return _owned_record(
        viewer, RecordType.LOCATION, Location.agency_id, Location.dissemination, Location.id
    )


def missing_report_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the missing-child reports (rows of ``MissingChildReport``) the viewer may see."""
    return _owned_record(
        viewer,
        RecordType.MISSING_REPORT,
        MissingChildReport.agency_id,
        MissingChildReport.dissemination,
        MissingChildReport.id,
    )


def visible_series_ids(viewer: Viewer) -> Select[int]:
    """Ids of the series the viewer may see."""
    return select(Series.id).where(series_condition(viewer)).correlate(None)


def visible_seizure_ids(viewer: Viewer) -> Select[int]:
    """Ids of the seizures the viewer may see."""
    # A set on its own: never correlated to a query that also reads seizures.
    return select(Seizure.id).where(seizure_condition(viewer)).correlate(None)


def visible_bank_ids(viewer: Viewer) -> Select[int]:
    """Ids of the banks the viewer may see."""
    return select(Bank.id).where(bank_condition(viewer)).correlate(None)


def visible_media_ids(viewer: Viewer) -> CompoundSelect[int]:
    """Ids of the media the viewer may see: seen in a visible seizure, in a visible series,
    or referred."""
    seen = select(Sighting.media_id).where(Sighting.seizure_id.in_(visible_seizure_ids(viewer)))
    in_series = select(SeriesMedia.media_id).where(
        SeriesMedia.series_id.in_(visible_series_ids(viewer))
    )
    return seen.union(in_series, granted_ids(viewer, RecordType.MEDIA, [GrantReason.REFERRAL]))


def media_condition(viewer: Viewer, media_id: ColumnLike) -> ColumnElement[bool]:
    """True where ``media_id`` (a column or value) is a media the viewer may see."""
    seen = (
        exists()
        .where(Sighting.media_id == media_id, Sighting.seizure_id.in_(visible_seizure_ids(viewer)))
        .correlate_except(Sighting)
    )
    in_series = (
        exists()
        .where(
            SeriesMedia.media_id == media_id,
            SeriesMedia.series_id.in_(visible_series_ids(viewer)),
        )
        .correlate_except(SeriesMedia)
    )
    return or_(
        seen,
        in_series,
        media_id.in_(granted_ids(viewer, RecordType.MEDIA, [GrantReason.REFERRAL])),
    )


def match_target_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the matches (rows of ``Match``) whose *target* side the viewer may see.

    The target is a bank entry (seen through its bank) or other media.
    """
    entry_visible = (
        exists()
        .where(BankEntry.id == Match.bank_entry_id, BankEntry.bank_id.in_(visible_bank_ids(viewer)))
        .correlate_except(BankEntry)
    )
    return or_(
        and_(Match.bank_entry_id.is_not(None), entry_visible),
        and_(Match.other_media_id.is_not(None), media_condition(viewer, Match.other_media_id)),
    )


def match_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the matches the viewer may see: both sides visible, or the match referred."""
    return or_(
        and_(media_condition(viewer, Match.media_id), match_target_condition(viewer)),
        Match.id.in_(granted_ids(viewer, RecordType.MATCH, [GrantReason.REFERRAL])),
    )


def hit_notice_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the hit notices (rows of ``HitNotice``) addressed to the viewer's agency.

    A notice is its recipient's alone: the counterpart has its own mirror of it.
    """
    return HitNotice.agency_id == viewer.agency_id


# --- one record ----------------------------------------------------------------------


def _check_visible(session: Session, query: Select[int], what: str) -> None:
    if session.scalar(query.limit(1)) is None:
        raise NotVisibleError(f"no {what}")


def check_case(session: Session, viewer: Viewer, case_id: int) -> None:
    """NotVisibleError unless the case exists and the viewer may see it."""
    _check_visible(
        session,
        select(Case.id).where(Case.id == case_id, case_condition(viewer)),
        f"case with id {case_id}",
    )


def check_seizure(session: Session, viewer: Viewer, seizure_id: int) -> None:
    """NotVisibleError unless the seizure exists and the viewer may see it."""
    _check_visible(
        session,
        select(Seizure.id).where(Seizure.id == seizure_id, seizure_condition(viewer)),
        f"seizure with id {seizure_id}",
    )


def check_bank(session: Session, viewer: Viewer, bank_id: int) -> None:
    """NotVisibleError unless the bank exists and the viewer may see it."""
    _check_visible(
        session,
        select(Bank.id).where(Bank.id == bank_id, bank_condition(viewer)),
        f"bank with id {bank_id}",
    )


@functools.lru_cache(maxsize=256)
def _media_check(viewer: Viewer) -> Select[int]:
    """The query of :func:`check_media` for ``viewer``, its media id a parameter: built once
    per viewer, since a page of previews asks it once per picture and building it cost
    more than running it."""
    return (
        select(Media.id)
        .where(Media.id == bindparam("media_id"), media_condition(viewer, Media.id))
        .limit(1)
    )


def check_media(session: Session, viewer: Viewer, media_id: int) -> None:
    """NotVisibleError unless the media exists and the viewer may see it."""
    if session.scalar(_media_check(viewer), {"media_id": media_id}) is None:
        raise NotVisibleError(f"no media with id {media_id}")


def check_match(session: Session, viewer: Viewer, match_id: int) -> None:
    """NotVisibleError unless the match exists and the viewer may see it."""
    _check_visible(
        session,
        select(Match.id).where(Match.id == match_id, match_condition(viewer)),
        f"match with id {match_id}",
    )


def owns(viewer: Viewer, owner_agency_id: int) -> bool:
    """Whether the viewer's agency owns the record (of several of one name, its own first)."""
    return owner_agency_id == viewer.agency_id


def owned_condition(viewer: Viewer, owner_agency_id: ColumnLike) -> ColumnElement[bool]:
    """True where ``owner_agency_id`` (a column) is the viewer's agency: its own records,
    e.g. the names a new bank of its must not repeat."""
    return owner_agency_id == viewer.agency_id


def check_owner(viewer: Viewer, owner_agency_id: int, what: str) -> None:
    """ForbiddenError unless the viewer's agency owns the record (to change it or share it)."""
    if owner_agency_id != viewer.agency_id:
        raise ForbiddenError(f"{what} belongs to another agency: only its owner may change it")
