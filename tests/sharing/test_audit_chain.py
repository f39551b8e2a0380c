"""The audit trail on SQLite and PostgreSQL: chained, append-only, and every tampering with
its rows (edit, delete, reorder, insert, truncate) named at the first event it touched."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.sharing.audit_tamper import INSERT, forged, renumber, seed, tamper
from vigil.sharing.actor import Actor
from vigil.sharing.audit import (
    GENESIS_HASH,
    Action,
    ChainHead,
    event_digest,
    newest_event,
    record,
)
from vigil.sharing.audit_chain import Verification, verify_chain
from vigil.store.db import Store
from vigil.store.models import AuditEvent, AuditHead


def verify(store: Store, kept: ChainHead | None = None) -> Verification:
    with store.session() as session:
        return verify_chain(session, kept)


def test_events_chain_and_verify(store: Store) -> None:
    events = seed(store, 4)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.event_hash for e in events[:-1]]
    with store.session() as session:
        stored = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        # What came back from the database hashes to what was hashed before it went in.
        assert [event_digest(e) for e in stored] == [e.event_hash for e in events]
        assert json.loads(stored[2].details) == {"n": 2}
        assert stored[0].occurred_at.endswith("Z")
        assert len(stored[0].occurred_at) == 27
        assert newest_event(session) == ChainHead(4, events[-1].event_hash)
        head = session.execute(select(AuditHead.seq, AuditHead.event_hash)).one()
        assert tuple(head) == (4, events[-1].event_hash)
    result = verify(store)
    assert result.intact, result.problem
    assert (result.events, result.head) == (4, ChainHead(4, events[-1].event_hash))


def test_an_empty_trail_verifies(store: Store) -> None:
    result = verify(store, ChainHead(0, GENESIS_HASH))
    assert result.intact, result.problem
    assert (result.events, result.head) == (0, ChainHead(0, GENESIS_HASH))


def test_actions_are_a_closed_set(store: Store) -> None:
    with store.session() as session, pytest.raises(ValueError, match="not a valid Action"):
        record(session, "bank.shred", "bank:x", None, Actor("ana"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET user_name = 'mallory' WHERE seq = 2",
        "DELETE FROM audit_event WHERE seq = 2",
        "DELETE FROM audit_head",
        "UPDATE audit_head SET seq = 1",
        "UPDATE audit_head SET event_hash = 'x'",
    ],
)
def test_the_database_refuses_changes(store: Store, statement: str) -> None:
    seed(store, 3)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(statement))
    assert verify(store).intact


Tampering = Callable[[Store, list[AuditEvent]], None]


def edit(store: Store, events: list[AuditEvent]) -> None:
    tamper(store, "UPDATE audit_event SET user_name = 'mallory' WHERE seq = 3")


def edit_and_rehash(store: Store, events: list[AuditEvent]) -> None:
    event = events[2]
    event.details = '{"n":99}'
    tamper(
        store,
        "UPDATE audit_event SET details = :details, event_hash = :hash WHERE seq = 3",
        details=event.details,
        hash=event_digest(event),
    )


def delete(store: Store, events: list[AuditEvent]) -> None:
    tamper(store, "DELETE FROM audit_event WHERE seq = 3")


def delete_first(store: Store, events: list[AuditEvent]) -> None:
    tamper(store, "DELETE FROM audit_event WHERE seq = 1")


def delete_and_renumber(store: Store, events: list[AuditEvent]) -> None:
    tamper(store, "DELETE FROM audit_event WHERE seq = 3")
    renumber(store, [(4, 3), (5, 4), (6, 5)])


def swap(store: Store, events: list[AuditEvent]) -> None:
    renumber(store, [(3, -1), (4, 3), (-1, 4)])


def move_later(store: Store, events: list[AuditEvent]) -> None:
    renumber(store, [(3, -1), (4, 3), (5, 4), (-1, 5)])


def insert(store: Store, events: list[AuditEvent]) -> None:
    renumber(store, [(6, 7), (5, 6), (4, 5), (3, 4)])
    tamper(store, INSERT, **forged(3, events[1].event_hash))


def insert_and_rehash_the_rest(store: Store, events: list[AuditEvent]) -> None:
    # The attacker also recomputes the moved events' hashes for their new numbers.
    renumber(store, [(6, 7), (5, 6), (4, 5), (3, 4)])
    tamper(store, INSERT, **forged(3, events[1].event_hash))
    for old in events[2:]:
        tamper(
            store,
            "UPDATE audit_event SET event_hash = :hash WHERE seq = :seq",
            hash=event_digest(old, old.seq + 1),
            seq=old.seq + 1,
        )


def append_forged_badly(store: Store, events: list[AuditEvent]) -> None:
    row = forged(7, events[-1].event_hash)
    tamper(store, INSERT, **{**row, "event_hash": "f" * 64})


def truncate_behind_the_head(store: Store, events: list[AuditEvent]) -> None:
    tamper(store, "DELETE FROM audit_event WHERE seq > 4")


@pytest.mark.parametrize(
    ("tampering", "bad_event", "words"),
    [
        (edit, 3, "event 3 was altered"),
        (edit_and_rehash, 3, "chain breaks between events 3 and 4"),
        (delete, 3, "event 3 removed"),
        (delete_first, 1, "event 1 removed"),
        (delete_and_renumber, 3, "event 3 removed: event 3 is the former event 4"),
        (swap, 3, "event 3 is the former event 4: events were reordered"),
        (move_later, 3, "event 3 is the former event 4: events were reordered"),
        (insert, 3, "event 3 inserted: event 4 is the former event 3"),
        (insert_and_rehash_the_rest, 3, "event 3 inserted: event 4 follows event 2"),
        (append_forged_badly, 7, "event 7 was altered"),
        (truncate_behind_the_head, 5, "events 5 to 6 missing: cut off the end"),
    ],
)
def test_tampering_is_named_at_the_first_bad_event(
    store: Store, tampering: Tampering, bad_event: int, words: str
) -> None:
    events = seed(store)
    assert verify(store).intact
    tampering(store, events)
    result = verify(store)
    assert not result.intact
    assert result.bad_event == bad_event, result.problem
    assert words in (result.problem or "")
    assert "\n" not in (result.problem or "")


def test_truncation_with_the_head_moved_back_is_caught_only_with_a_kept_head(
    store: Store,
) -> None:
    events = seed(store)
    kept = ChainHead(6, events[-1].event_hash)
    tamper(
        store,
        "DELETE FROM audit_event WHERE seq > 4",
        "UPDATE audit_head SET seq = 4, event_hash = :hash",
        hash=events[3].event_hash,
    )
    assert verify(store).intact
    result = verify(store, kept)
    assert result.bad_event == 5
    assert "events 5 to 6 missing: cut off the end" in (result.problem or "")
    assert "the head you kept is event 6" in (result.problem or "")


def test_a_kept_head_must_match_its_event(store: Store) -> None:
    events = seed(store)
    assert verify(store, ChainHead(4, events[3].event_hash)).intact
    result = verify(store, ChainHead(4, events[2].event_hash))
    assert result.bad_event == 4
    assert "event 4 does not match the head you kept" in (result.problem or "")


def test_a_deleted_head_row_is_reported_then_rebuilt_by_the_next_append(store: Store) -> None:
    seed(store, 3)
    tamper(store, "DELETE FROM audit_head")
    assert "audit_head" in (verify(store).problem or "")
    with store.session() as session:
        event = record(session, Action.LOGIN, "user:ana", None, Actor("ana"))
    assert event.seq == 4
    assert verify(store).intact
