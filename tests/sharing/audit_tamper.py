"""Acting as an attacker with database access on the audit trail: triggers off, rows changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from vigil.sharing.actor import Actor
from vigil.sharing.audit import Action, event_digest, record
from vigil.store.db import Store
from vigil.store.models import AuditEvent

_SQLITE_TRIGGERS = (
    "audit_event_no_update",
    "audit_event_no_delete",
    "audit_head_no_delete",
    "audit_head_forward",
)
_POSTGRES_TRIGGERS = (
    ("audit_event_append_only", "audit_event"),
    ("audit_event_no_truncate", "audit_event"),
    ("audit_head_no_delete", "audit_head"),
    ("audit_head_no_truncate", "audit_head"),
    ("audit_head_forward", "audit_head"),
)


def seed(store: Store, count: int = 6) -> list[AuditEvent]:
    """``count`` events, each in its own transaction, as the application writes them."""
    events = []
    for number in range(count):
        with store.session() as session:
            actor = Actor(f"user{number % 2}", "LOCAL")
            events.append(
                record(session, Action.BANK_CREATE, f"bank:b{number}", {"n": number}, actor)
            )
    return events


def drop_triggers(connection: Connection) -> None:
    """What someone with the database owner's rights can do first."""
    if connection.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    else:
        for name, table in _POSTGRES_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))


def tamper(store: Store, *statements: str, **params: Any) -> None:
    """Run ``statements`` on the audit tables with the triggers dropped, in one transaction."""
    with store.engine.begin() as connection:
        drop_triggers(connection)
        for statement in statements:
            connection.execute(text(statement), params)


def renumber(store: Store, moves: list[tuple[int, int]]) -> None:
    """Give events new numbers, one at a time and in the order given (keys stay unique)."""
    tamper(
        store,
        *(f"UPDATE audit_event SET seq = {new} WHERE seq = {old}" for old, new in moves),
    )


def forged(seq: int, prev_hash: str) -> dict[str, Any]:
    """A well-formed event that was never recorded: its hash computed as the code does."""
    event = AuditEvent(
        seq=seq,
        occurred_at="2026-01-01T00:00:00.000000Z",
        user_name="mallory",
        agency_code="LOCAL",
        action=Action.BANK_DELETE.value,
        object="bank:b1",
        details="{}",
        prev_hash=prev_hash,
    )
    event.event_hash = event_digest(event)
    return {
        column: getattr(event, column)
        for column in (
            "seq",
            "occurred_at",
            "user_name",
            "agency_code",
            "action",
            "object",
            "details",
            "prev_hash",
            "event_hash",
        )
    }


INSERT = (
    "INSERT INTO audit_event (seq, occurred_at, user_name, agency_code, action, object, details,"
    " prev_hash, event_hash) VALUES (:seq, :occurred_at, :user_name, :agency_code, :action,"
    " :object, :details, :prev_hash, :event_hash)"
)
