"""Series: made, listed and shown only to whom their level allows, the workflow forward
only, and a bank's series names made Series."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cases.world import World, world
from tests.sharing.records import add_media, add_seizure
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.cases.history import history_of
from vigil.cases.links import assign_media
from vigil.cases.series import (
    create_series,
    list_series,
    series_detail,
    series_from_banks,
    update_series,
)
from vigil.sharing.dissemination import sharing_of
from vigil.sharing.policy import ForbiddenError, NotVisibleError, grant
from vigil.store.db import Store
from vigil.store.models import (
    AuditEvent,
    Bank,
    BankEntry,
    GrantReason,
    Level,
    RecordType,
    Series,
    SeriesStatus,
)


def _events(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


def test_a_series_is_seen_by_its_agency_and_whom_it_is_shared_with(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        hidden = create_series(session, w.a, "hidden one")
        shared = create_series(session, w.a, "shared one", level=Level.NAMED, agencies=["B"])
        assert [s.name for s in list_series(session, w.a, 10, 0).items] == [
            "hidden one",
            "shared one",
        ]
        seen_by_b = list_series(session, w.b, 10, 0)
        assert [s.name for s in seen_by_b.items] == ["A/shared one"]
        assert seen_by_b.total == 1
        assert list_series(session, w.c, 10, 0).total == 0
        assert series_detail(session, w.b, shared.id).series.name == "A/shared one"
        with pytest.raises(NotVisibleError) as hidden_error:
            series_detail(session, w.b, hidden.id)
        with pytest.raises(NotVisibleError) as missing_error:
            series_detail(session, w.b, 999_999)
        assert str(hidden_error.value).replace(str(hidden.id), "N") == str(
            missing_error.value
        ).replace("999999", "N")


def test_a_name_is_unique_within_its_agency_only(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        first = create_series(session, w.a, "Blue room")
        with pytest.raises(
            IdentificationError, match=f"already has a series 'Blue room' \\(id {first.id}"
        ):
            create_series(session, w.a, " Blue room ")
        create_series(session, w.b, "Blue room")
        with pytest.raises(IdentificationError, match="name: control character"):
            create_series(session, w.a, "bad\u202ename")


def test_the_detail_shows_only_media_and_links_the_viewer_may_see(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        mine = add_media(session, "a-one")
        add_seizure(session, "A", "A-1", mine)
        series = create_series(session, w.a, "kitchen", level=Level.ALL)
        assert assign_media(session, w.a, series.id, [mine.id]) == [mine.id]
        shown = series_detail(session, w.a, series.id)
        assert shown.media_total == 1
        assert [m.sha256 for m in shown.media] == [mine.sha256]
        # B sees the series (level all), and the media through the series' membership.
        assert series_detail(session, w.b, series.id).media_total == 1
        history = [c.action for c in shown.history]
        assert history == ["created", "media_assigned"]


def test_the_status_moves_forward_only(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        series = create_series(session, w.a, "garden")
        update_series(session, w.a, series.id, status=SeriesStatus.VICTIM_IDENTIFIED)
        with pytest.raises(WorkflowError) as refused:
            update_series(session, w.a, series.id, status=SeriesStatus.UNIDENTIFIED)
        message = str(refused.value)
        assert "never goes back" in message
        assert "allowed next: closed" in message
        update_series(session, w.a, series.id, status=SeriesStatus.CLOSED, description="done")
        with pytest.raises(WorkflowError, match="allowed next: none"):
            update_series(session, w.a, series.id, status=SeriesStatus.VICTIM_IDENTIFIED)
        changes = [
            (c.action, c.detail.get("to"))
            for c in history_of(session, w.a, RecordType.SERIES, series.id)
        ]
        assert changes == [
            ("created", None),
            ("status", "victim_identified"),
            ("description", "done"),
            ("status", "closed"),
        ]
        assert _events(session, "record.create") == 1
        assert _events(session, "record.change") == 3


def test_only_the_owner_changes_a_series(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        series = create_series(session, w.a, "shared", level=Level.ALL)
        with pytest.raises(ForbiddenError):
            update_series(session, w.b, series.id, description="mine now")
        with pytest.raises(ForbiddenError):
            update_series(session, w.a_viewer_only, series.id, description="read only")


def _bank(session: Session, w: World, level: Level) -> Bank:
    bank = Bank(
        name="vics-import", agency_id=w.a.agency_id, dissemination="owner", category_scheme="vics"
    )
    session.add(bank)
    session.flush()
    if level is Level.NAMED:
        grant(session, RecordType.BANK, bank.id, w.b.agency_id, GrantReason.NAMED, "tester")
    bank.dissemination = level.value
    for n, name in enumerate(["Series Alpha", "Series Beta", "Series Alpha", None, "  "]):
        session.add(BankEntry(bank_id=bank.id, sha256=f"{n:064x}", series=name))
    session.flush()
    return bank


def test_a_banks_series_names_become_series_at_its_level(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        bank = _bank(session, w, Level.NAMED)
        made = series_from_banks(session, w.a, bank.id)
        assert sorted(s.name for s in made) == ["Series Alpha", "Series Beta"]
        again = series_from_banks(session, w.a, bank.id)
        assert sorted(s.id for s in again) == sorted(s.id for s in made)
        assert session.scalar(select(func.count()).select_from(Series)) == 2
        sharing = sharing_of(session, w.a, RecordType.SERIES, made[0].id)
        assert (sharing.level, sharing.named) == (Level.NAMED, ["B"])
        assert [s.name for s in list_series(session, w.b, 10, 0).items] == [
            "A/Series Alpha",
            "A/Series Beta",
        ]
        assert list_series(session, w.c, 10, 0).total == 0
        with pytest.raises(ForbiddenError):
            series_from_banks(session, w.b, bank.id)
