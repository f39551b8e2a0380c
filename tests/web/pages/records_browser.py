"""A browser for the records pages' tests: a user's session (the CSRF token sent as the
form's field, as the pages' forms do), HTML asked for, redirects not followed; and the
network's user who acts for NCB-FR in the domain, to read records back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from tests.web.network import BASE_URL, ROLE_USERS, Network
from vigil.sharing import policy
from vigil.sharing.actor import Actor
from vigil.store.models import Role
from vigil.web.app import create_app
from vigil.web.auth import SESSION_COOKIE


@dataclass
class Browser:
    """A logged-in browser: ``get`` a page, ``post`` a form (with its CSRF field)."""

    client: TestClient
    csrf: str

    def get(self, url: str) -> Response:
        return self.client.get(url)

    def post(self, url: str, form: dict[str, Any], csrf: bool = True) -> Response:
        data = {**form, "csrf_token": self.csrf} if csrf else form
        return self.client.post(url, data=data)


def browser(network: Network, role: str = "analyst") -> Browser:
    """A browser of NCB-FR's user of ``role``."""
    secret, csrf = network.session_for(ROLE_USERS[role])
    client = TestClient(create_app(network.store), base_url=BASE_URL, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers["Accept"] = "text/html"
    return Browser(client, csrf)


@contextmanager
def as_fr(network: Network) -> Iterator[tuple[Session, policy.Viewer]]:
    """A session and NCB-FR's analyst, to read back what a page changed."""
    with network.store.session() as session:
        actor = Actor(ROLE_USERS["analyst"], "NCB-FR", frozenset({Role.ANALYST}))
        yield session, policy.resolve(session, actor)


def history_actions(page: str) -> int:
    """How many rows the page's history table has (a crude count of its dated rows)."""
    history = page.split('id="history-heading"', 1)[1]
    return history.count("<tr><td><time")
