"""Media and records tied to a series: all or nothing, visible only, one history entry a
batch, confirmed matches of a media, and links only to what the viewer may see."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.cases.world import world
from tests.sharing.records import add_media, add_seizure
from vigil.cases.history import history_of
from vigil.cases.links import (
    LISTED_MEDIA,
    assign_confirmed,
    assign_media,
    link_record,
    media_id_of,
    unassign_media,
    unlink_record,
)
from vigil.cases.series import create_series, series_detail
from vigil.cases.victims import create_victim
from vigil.matching.review import review_match
from vigil.sharing.policy import ForbiddenError, NotVisibleError
from vigil.store.db import Store
from vigil.store.models import AuditEvent, Level, Match, Media, RecordType, SeriesMedia


def test_a_list_with_one_hidden_media_assigns_nothing(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        mine = add_media(session, "a-one")
        theirs = add_media(session, "b-one")
        add_seizure(session, "A", "A-1", mine)
        add_seizure(session, "B", "B-1", theirs)
        series = create_series(session, w.a, "s")
        with pytest.raises(NotVisibleError, match=f"no media with id {theirs.id}$"):
            assign_media(session, w.a, series.id, [mine.id, theirs.id])
        with pytest.raises(NotVisibleError, match=r"no media with id 999999$"):
            assign_media(session, w.a, series.id, [mine.id, 999_999])
        assert session.scalar(select(func.count()).select_from(SeriesMedia)) == 0
        with pytest.raises(NotVisibleError, match=f"no media {theirs.sha256}"):
            media_id_of(session, w.a, theirs.sha256)
        assert media_id_of(session, w.a, mine.sha256.upper()) == mine.id


def test_a_batch_is_one_history_entry_and_first_seen_follows_the_media(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        media = [add_media(session, f"m{n}") for n in range(LISTED_MEDIA + 5)]
        for n, item in enumerate(media):
            item.first_seen_at = datetime(2020, 1, 1 + n % 28, tzinfo=UTC)
            add_seizure(session, "A", f"A-{n}", item)
        series = create_series(session, w.a, "s")
        ids = [m.id for m in media]
        assert assign_media(session, w.a, series.id, ids) == ids
        assert assign_media(session, w.a, series.id, ids) == []
        history = history_of(session, w.a, RecordType.SERIES, series.id)
        assert [c.action for c in history] == ["created", "media_assigned"]
        assert history[1].detail["count"] == len(ids)
        assert len(history[1].detail["media"]) == LISTED_MEDIA
        links = session.scalar(select(func.count()).where(AuditEvent.action == "record.link"))
        assert links == 1
        assert series.first_seen_at.replace(tzinfo=UTC) == datetime(2020, 1, 1, tzinfo=UTC)
        for item in media[::28]:  # every media first seen on the 1st
            assert unassign_media(session, w.a, series.id, item.id)
        assert series.first_seen_at.replace(tzinfo=UTC) == datetime(2020, 1, 2, tzinfo=UTC)
        assert not unassign_media(session, w.a, series.id, media[0].id)
        assert series_detail(session, w.a, series.id).media_total == len(ids) - 4


def test_confirmed_matches_of_a_media_are_assigned_together(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        first, second, third, rejected = (add_media(session, f"c{n}") for n in range(4))
        for n, item in enumerate((first, second, third, rejected)):
            add_seizure(session, "A", f"A-{n}", item)
        matches = [
            Match(media_id=first.id, target_key=f"media:{o.id}", other_media_id=o.id, signal="pdq")
            for o in (second, rejected)
        ]
        matches.append(
            Match(
                media_id=third.id,
                target_key=f"media:{first.id}",
                other_media_id=first.id,
                signal="pdq",
            )
        )
        session.add_all(matches)
        session.flush()
        review_match(session, w.a, matches[0].id, "confirmed")
        review_match(session, w.a, matches[1].id, "rejected")
        review_match(session, w.a, matches[2].id, "confirmed")
        series = create_series(session, w.a, "s")
        assigned = assign_confirmed(session, w.a, series.id, first.id)
        assert sorted(assigned) == sorted([first.id, second.id, third.id])
        history = history_of(session, w.a, RecordType.SERIES, series.id)
        assert [c.action for c in history] == ["created", "media_assigned"]


def test_links_need_both_records_visible_and_the_series_own(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        series = create_series(session, w.a, "s")
        victim = create_victim(session, w.a, "V-1")
        hidden = create_victim(session, w.b, "V-B")
        assert link_record(session, w.a, series.id, RecordType.VICTIM, victim.id)
        assert not link_record(session, w.a, series.id, RecordType.VICTIM, victim.id)
        with pytest.raises(NotVisibleError):
            link_record(session, w.a, series.id, RecordType.VICTIM, hidden.id)
        with pytest.raises(NotVisibleError):
            link_record(session, w.b, series.id, RecordType.VICTIM, hidden.id)
        shared = create_series(session, w.b, "theirs", level=Level.ALL)
        with pytest.raises(ForbiddenError):
            link_record(session, w.a, shared.id, RecordType.VICTIM, victim.id)
        shown = series_detail(session, w.a, series.id)
        assert [v.name for v in shown.victims] == ["V-1"]
        assert unlink_record(session, w.a, series.id, RecordType.VICTIM, victim.id)
        assert series_detail(session, w.a, series.id).victims == []
        actions = [c.action for c in history_of(session, w.a, RecordType.SERIES, series.id)]
        assert actions == ["created", "linked", "unlinked"]
        assert session.scalar(select(func.count()).select_from(Media)) == 0
