"""What a series is tied to: its media (one by one, by a list, or all confirmed matches of
one media at once), and its victims, offenders, locations and cases.

Only the series' own agency changes its links, and only to records its viewer may see; a
media or record it may not see is refused exactly as one that does not exist. An
assignment of any number of media is one history entry (its media ids listed, capped).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from vigil.cases.errors import IdentificationError
from vigil.cases.history import record_change
from vigil.cases.series import first_seen, owned_series, promote_series
from vigil.matching.links import verdict_column, with_reviews
from vigil.sharing.audit import Action
from vigil.sharing.policy import (
    NotVisibleError,
    Viewer,
    check_media,
    check_record,
    match_condition,
    media_condition,
)
from vigil.signals.base import hex_problem
from vigil.signals.registry import SHA256
from vigil.store.models import (
    CaseSeries,
    Match,
    Media,
    RecordType,
    SeriesLink,
    SeriesMedia,
    Victim,
    VictimStatus,
)

#: Media ids a history entry lists at most (its count says how many there were).
LISTED_MEDIA = 100
#: Media ids checked per query (well under every database's parameter limit).
_CHUNK = 500
#: The verdict under which a match ties two media together for ``assign_confirmed``.
CONFIRMED = "confirmed"
#: What a series links to besides media.
LINKABLE = (RecordType.VICTIM, RecordType.OFFENDER, RecordType.LOCATION, RecordType.CASE)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def media_id_of(session: Session, viewer: Viewer, text: str) -> int:
    """The id of the media ``text`` names (an id or a SHA-256), if the viewer may see it;
    NotVisibleError otherwise (hidden and missing alike), IdentificationError for text
    that is neither."""
    value = text.strip().lower()
    if value.isdecimal() and len(value) < 10:
        check_media(session, viewer, int(value))
        return int(value)
    if hex_problem(value, SHA256.hex_digits) is None:
        found = session.scalar(
            select(Media.id).where(Media.sha256 == value, media_condition(viewer, Media.id))
        )
        if found is None:
            raise NotVisibleError(f"no media {value}")
        return found
    raise IdentificationError(f"media: {text.strip()!r} is neither a media id nor a SHA-256")


def _check_visible_media(session: Session, viewer: Viewer, ids: Sequence[int]) -> None:
    """NotVisibleError naming the first of ``ids`` the viewer may not see (or is missing)."""
    for chunk in _chunks(ids):
        seen = set(
            session.scalars(
                select(Media.id).where(Media.id.in_(chunk), media_condition(viewer, Media.id))
            )
        )
        missing = next((ident for ident in chunk if ident not in seen), None)
        if missing is not None:
            raise NotVisibleError(f"no media with id {missing}")


def _media_detail(ids: Sequence[int]) -> dict[str, object]:
    shown = sorted(ids)
    return {"media": shown[:LISTED_MEDIA], "count": len(shown)}


def assign_media(
    session: Session, viewer: Viewer, series_id: int, media_ids: Sequence[int]
) -> list[int]:
    """Assign the media to the series (its owner only): the ids newly assigned.

    Every media must be visible to the viewer, else NotVisibleError naming the first that
    is not, and nothing is assigned. Media already in the series are left as they are.
    """
    found = owned_series(session, viewer, series_id)
    wanted = list(dict.fromkeys(media_ids))
    _check_visible_media(session, viewer, wanted)
    present: set[int] = set()
    for chunk in _chunks(wanted):
        present.update(
            session.scalars(
                select(SeriesMedia.media_id).where(
                    SeriesMedia.series_id == series_id, SeriesMedia.media_id.in_(chunk)
                )
            )
        )
    new = [ident for ident in wanted if ident not in present]
    if not new:
        return []
    by = viewer.actor.user
    session.add_all(
        SeriesMedia(series_id=series_id, media_id=ident, assigned_by=by) for ident in new
    )
    session.flush()
    first_seen(session, found)
    record_change(
        session,
        viewer,
        RecordType.SERIES,
        series_id,
        "media_assigned",
        _media_detail(new),
        Action.RECORD_LINK,
    )
    return new


def confirmed_matches(session: Session, viewer: Viewer, media_id: int) -> list[int]:
    """The media tied to ``media_id`` by a match the viewer may see and its agency confirmed."""
    rows = session.execute(
        with_reviews(select(Match.media_id, Match.other_media_id), viewer.agency_id).where(
            or_(Match.media_id == media_id, Match.other_media_id == media_id),
            Match.other_media_id.is_not(None),
            match_condition(viewer),
            verdict_column() == CONFIRMED,
        )
    )
    linked = {ident for pair in rows for ident in pair if ident is not None}
    linked.discard(media_id)
    return sorted(linked)


def assign_confirmed(session: Session, viewer: Viewer, series_id: int, media_id: int) -> list[int]:
    """Assign the media and every media its agency confirmed a match with to the series:
    the ids newly assigned (one history entry)."""
    owned_series(session, viewer, series_id)
    check_media(session, viewer, media_id)
    return assign_media(
        session, viewer, series_id, [media_id, *confirmed_matches(session, viewer, media_id)]
    )


def unassign_media(session: Session, viewer: Viewer, series_id: int, media_id: int) -> bool:
    """Take the media out of the series (its owner only): whether it was in it."""
    found = owned_series(session, viewer, series_id)
    check_media(session, viewer, media_id)
    removed = session.execute(
        delete(SeriesMedia).where(
            SeriesMedia.series_id == series_id, SeriesMedia.media_id == media_id
        ),
        execution_options={"synchronize_session": False},
    )
    if not getattr(removed, "rowcount", 0):
        return False
    first_seen(session, found)
    record_change(
        session,
        viewer,
        RecordType.SERIES,
        series_id,
        "media_unassigned",
        _media_detail([media_id]),
        Action.RECORD_UNLINK,
    )
    return True


def _linkable(record_type: RecordType) -> RecordType:
    kind = RecordType(record_type)
    if kind not in LINKABLE:
        choices = ", ".join(k.value for k in LINKABLE)
        raise IdentificationError(f"record: a series links to a {choices}, not a {kind.value}")
    return kind


def _existing(
    session: Session, series_id: int, kind: RecordType, record_id: int
) -> CaseSeries | SeriesLink | None:
    if kind is RecordType.CASE:
        return session.scalar(
            select(CaseSeries).where(
                CaseSeries.series_id == series_id, CaseSeries.case_id == record_id
            )
        )
    return session.scalar(
        select(SeriesLink).where(
            SeriesLink.series_id == series_id,
            SeriesLink.record_type == kind.value,
            SeriesLink.record_id == record_id,
        )
    )


def link_record(
    session: Session, viewer: Viewer, series_id: int, record_type: RecordType, record_id: int
) -> bool:
    """Tie the series (its owner's) to a victim, offender, location or case the viewer may
    see: whether the link is new. A victim already identified makes the series victim
    identified."""
    kind = _linkable(record_type)
    found = owned_series(session, viewer, series_id)
    check_record(session, viewer, kind, record_id)
    if _existing(session, series_id, kind, record_id) is not None:
        return False
    by = viewer.actor.user
    if kind is RecordType.CASE:
        session.add(CaseSeries(case_id=record_id, series_id=series_id, linked_by=by))
    else:
        session.add(
            SeriesLink(
                series_id=series_id, record_type=kind.value, record_id=record_id, linked_by=by
            )
        )
    session.flush()
    detail = {"record": kind.value, "id": record_id}
    record_change(
        session, viewer, RecordType.SERIES, found.id, "linked", detail, Action.RECORD_LINK
    )
    if kind is RecordType.VICTIM:
        victim = session.get_one(Victim, record_id)
        if VictimStatus(victim.status) is not VictimStatus.UNIDENTIFIED:
            promote_series(session, viewer, victim)
    return True


def unlink_record(
    session: Session, viewer: Viewer, series_id: int, record_type: RecordType, record_id: int
) -> bool:
    """Untie the series (its owner's) from a record the viewer may see: whether it was tied."""
    kind = _linkable(record_type)
    found = owned_series(session, viewer, series_id)
    check_record(session, viewer, kind, record_id)
    link = _existing(session, series_id, kind, record_id)
    if link is None:
        return False
    session.delete(link)
    session.flush()
    detail = {"record": kind.value, "id": record_id}
    record_change(
        session, viewer, RecordType.SERIES, found.id, "unlinked", detail, Action.RECORD_UNLINK
    )
    return True
