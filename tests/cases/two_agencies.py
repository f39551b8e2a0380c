"""Two agencies of the network for identification tests: A (NCB-AA, France) and B (NCB-BB,
Brazil), and a viewer acting for each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.policy import Viewer, resolve
from vigil.store.db import Store
from vigil.store.models import AgencyKind, AuditEvent

A = "NCB-AA"
B = "NCB-BB"


def add_agencies(store: Store) -> None:
    """Create A and B."""
    with store.session() as session:
        create_agency(session, A, "NCB Paris", AgencyKind.NCB, "FR")
        create_agency(session, B, "NCB Brasilia", AgencyKind.NCB, "BR")


def viewer(session: Session, code: str) -> Viewer:
    """An officer of agency ``code`` at the terminal (every role)."""
    return resolve(session, Actor(f"officer-{code.lower()}", code))


@contextmanager
def acting(store: Store, code: str) -> Iterator[tuple[Session, Viewer]]:
    """A committed session and the viewer of agency ``code``."""
    with store.session() as session:
        yield session, viewer(session, code)


def audit_actions(session: Session, obj: str) -> list[str]:
    """The audit trail's actions on ``obj`` (e.g. ``offender:3``), oldest first."""
    return list(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.object == obj).order_by(AuditEvent.seq)
        )
    )
