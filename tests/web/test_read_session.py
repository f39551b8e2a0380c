"""Reads of the web and API: read-only, and stopped after their time limit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from vigil.store.db import QueryTimeoutError, Store
from vigil.store.models import Agency

# Counts far enough to take many seconds on either database.
SLOW = text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000000) "
    "SELECT count(*) FROM n"
)


def test_a_read_session_refuses_writes(store: Store) -> None:
    with store.read_session(5) as session:
        session.add(Agency(code="SNEAK", name="Sneak", kind="ncb", country="FR"))
        with pytest.raises(DBAPIError):
            session.flush()
    with store.session() as session:
        assert session.scalar(select(Agency.id).where(Agency.code == "SNEAK")) is None


def test_a_read_past_its_time_limit_is_stopped(store: Store) -> None:
    with (
        pytest.raises(QueryTimeoutError, match=r"time limit of 0\.2 s"),
        store.read_session(0.2) as session,
    ):
        session.execute(SLOW).scalar()


def test_the_connection_is_itself_again_after_a_read_session(store: Store) -> None:
    with pytest.raises(QueryTimeoutError), store.read_session(0.2) as session:
        session.execute(SLOW).scalar()
    # The pool hands the same connection back: it writes, and is not stopped any more.
    with store.session() as session:
        session.add(Agency(code="AFTER", name="After", kind="ncb", country="DE"))
    with store.read_session(30) as session:
        assert (session.scalar(select(func.count()).select_from(Agency)) or 0) >= 1
        assert session.execute(text("SELECT 1")).scalar() == 1
