"""Agencies for identification tests: A and B (NCBs), C (a specialised unit), and a
read-only user of A; made on a session (:func:`world`) or in a store (:func:`add_agencies`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing import policy
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.store.db import Store
from vigil.store.models import AgencyKind, AuditEvent, Role

A = "A"
B = "B"


@dataclass(frozen=True)
class World:
    """The viewers of agencies A, B and C, and a viewer of A who may only read."""

    a: policy.Viewer
    b: policy.Viewer
    c: policy.Viewer
    a_viewer_only: policy.Viewer


def viewer(session: Session, code: str, roles: frozenset[Role] | None = None) -> policy.Viewer:
    """The tester acting for agency ``code`` (every terminal role unless ``roles``)."""
    actor = Actor("tester", code) if roles is None else Actor("tester", code, roles)
    return policy.resolve(session, actor)


def world(session: Session) -> World:
    """Create agencies A, B and C; their viewers."""
    for code, kind, country in (
        (A, AgencyKind.NCB, "FR"),
        (B, AgencyKind.NCB, "DE"),
        ("C", AgencyKind.SPECIALISED_UNIT, "DE"),
    ):
        create_agency(session, code, f"Agency {code}", kind, country, actor=Actor("admin"))
    return World(
        viewer(session, A),
        viewer(session, B),
        viewer(session, "C"),
        viewer(session, A, frozenset({Role.VIEWER})),
    )


def add_agencies(store: Store) -> None:
    """Create agencies A, B and C in ``store``."""
    with store.session() as session:
        world(session)


@contextmanager
def acting(store: Store, code: str) -> Iterator[tuple[Session, policy.Viewer]]:
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
