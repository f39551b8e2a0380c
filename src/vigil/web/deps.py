"""What routes use besides their caller: database sessions and the clock.

Reads go through a read-only session with a time limit; writes through an ordinary one,
committed before the response is sent. Both are opened in the route's own body (one thread
from start to end, as SQLite connections want).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session

from vigil.store.db import Store
from vigil.web.config import WebConfig


def store_of(request: Request) -> Store:
    """The store the app serves."""
    store: Store = request.app.state.store
    return store


def config_of(request: Request) -> WebConfig:
    """The web settings the app runs with."""
    config: WebConfig = request.app.state.config
    return config


def now(request: Request) -> datetime:
    """The app's clock (injected by tests)."""
    moment: datetime = request.app.state.clock()
    return moment


def reading(request: Request) -> AbstractContextManager[Session]:
    """A read-only session, each statement stopped after the configured time limit."""
    return store_of(request).read_session(config_of(request).read_timeout_seconds)


def writing(request: Request) -> AbstractContextManager[Session]:
    """A session that commits on success and rolls back on error."""
    return store_of(request).session()
