"""Logging in and out: server-side sessions, the CSRF guard, throttling, API tokens."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.network import BASE_URL, PASSWORD, ROLE_USERS, Network
from vigil.sharing.accounts import find_user, set_active
from vigil.sharing.audit import Action, AuditQuery, find_events
from vigil.store.models import Scope, WebSession
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE, TokenCache
from vigil.web.config import WebConfig

ANALYST = ROLE_USERS["analyst"]
ADMIN = ROLE_USERS["admin"]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; the session cookie's value."""
    response = client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    return str(response.cookies[SESSION_COOKIE])


def csrf_of(network: Network, secret: str) -> str:
    """The CSRF token of the session whose cookie holds ``secret``."""
    digest = hashlib.sha256(secret.encode()).hexdigest()
    with network.store.session() as session:
        row = session.scalar(select(WebSession).where(WebSession.secret_sha256 == digest))
        assert row is not None
        return row.csrf_token


def test_login_sets_a_strict_cookie_and_the_session_opens_the_api(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    response = client.post(
        "/login", data={"username": ANALYST, "password": PASSWORD}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"]
    for flag in ("HttpOnly", "SameSite=strict", "Secure", "Path=/"):
        assert flag.lower() in cookie.lower(), flag
    secret = response.cookies[SESSION_COOKIE]
    me = client.get("/api/me").json()
    assert (me["username"], me["agency"], me["via"]) == (ANALYST, "NCB-FR", "session")
    # Only the secret's hash is stored.
    with network.store.session() as session:
        stored = session.scalars(select(WebSession.secret_sha256)).all()
    assert secret not in stored
    assert len(stored) == 1
    with network.store.session() as session:
        events = find_events(session, AuditQuery(action=Action.LOGIN, user=ANALYST))
    assert len(events) == 1


def test_wrong_password_is_refused_on_the_form_with_401(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    response = client.post("/login", data={"username": ANALYST, "password": "wrong guess!!"})
    assert response.status_code == 401
    assert "wrong username or password" in response.text
    assert SESSION_COOKIE not in response.cookies
    assert client.get("/api/me").status_code == 401


def test_a_state_change_by_cookie_needs_the_csrf_token(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    secret = login(client, ANALYST)
    body = {"name": "mine", "scopes": ["read"]}
    refused = client.post("/api/tokens", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["field"] == "csrf_token"
    wrong = client.post("/api/tokens", json=body, headers={CSRF_HEADER: "x" * 43})
    assert wrong.status_code == 403
    made = client.post("/api/tokens", json=body, headers={CSRF_HEADER: csrf_of(network, secret)})
    assert made.status_code == 201
    token = made.json()["token"]
    # A token needs no CSRF token (no browser sends it by itself), but may not make tokens.
    bare = TestClient(create_app(network.store), base_url=BASE_URL)
    auth = {"Authorization": f"Bearer {token}"}
    assert bare.get("/api/me", headers=auth).json()["via"] == "token"
    assert bare.post("/api/tokens", json=body, headers=auth).status_code == 403
    # The form field works as well as the header, for the logout form.
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    out = client.post(
        "/logout", data={"csrf_token": csrf_of(network, secret)}, follow_redirects=False
    )
    assert out.status_code == 303


def test_logout_ends_the_session_on_the_server(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    secret = login(client, ANALYST)
    response = client.post(
        "/logout", headers={CSRF_HEADER: csrf_of(network, secret)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    # The old cookie, presented again (as a copy of it would be), is refused.
    replay = TestClient(create_app(network.store), base_url=BASE_URL)
    replay.cookies.set(SESSION_COOKIE, secret)
    assert replay.get("/api/me").status_code == 401
    page = replay.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login")
    with network.store.session() as session:
        assert find_events(session, AuditQuery(action=Action.LOGOUT, user=ANALYST))


def test_deactivating_a_user_ends_their_sessions(network: Network) -> None:
    app = create_app(network.store)
    analyst = TestClient(app, base_url=BASE_URL)
    login(analyst, ANALYST)
    assert analyst.get("/api/me").status_code == 200
    admin = TestClient(app, base_url=BASE_URL)
    admin_secret = login(admin, ADMIN)
    response = admin.patch(
        "/api/users/" + ANALYST,
        json={"active": False},
        headers={CSRF_HEADER: csrf_of(network, admin_secret)},
    )
    assert response.status_code == 200, response.text
    assert analyst.get("/api/me").status_code == 401
    with network.store.session() as session:
        user = find_user(session, ANALYST)
        ended = session.scalars(select(WebSession.ended_at).where(WebSession.user_id == user.id))
        assert all(moment is not None for moment in ended)


def test_a_user_deactivated_elsewhere_is_refused_at_once(network: Network) -> None:
    # By the CLI, which knows nothing of browser sessions: the session ends when next used.
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    login(client, ANALYST)
    with network.store.session() as session:
        set_active(session, ANALYST, False)
    assert client.get("/api/me").status_code == 401


def test_sessions_end_when_idle_and_at_their_lifetime(network: Network) -> None:
    clock = Clock()
    config = WebConfig(session_lifetime=timedelta(hours=2), session_idle=timedelta(minutes=30))
    app = create_app(network.store, config, clock)
    client = TestClient(app, base_url=BASE_URL)
    login(client, ANALYST)
    for _ in range(4):  # used every 25 minutes: never idle, until the lifetime ends
        clock.now += timedelta(minutes=25)
        assert client.get("/api/me").status_code == 200
    clock.now += timedelta(minutes=25)
    assert client.get("/api/me").status_code == 401

    login(client, ANALYST)
    clock.now += timedelta(minutes=31)
    assert client.get("/api/me").status_code == 401


def test_repeated_failures_are_answered_429_with_retry_after(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    statuses = [
        client.post("/login", data={"username": ANALYST, "password": "not it at all"}).status_code
        for _ in range(6)
    ]
    assert statuses[:4] == [401] * 4
    assert statuses[5] == 429
    locked = client.post("/login", data={"username": ANALYST, "password": PASSWORD})
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 5 * 60
    assert "too many failed attempts" in locked.text


def test_tokens_are_refused_when_revoked_or_scoped_out(network: Network) -> None:
    # Without the token cache; how long a cached token outlives its revocation:
    # tests/web/test_token_cache.py.
    client = TestClient(create_app(network.store, token_cache=TokenCache(0)), base_url=BASE_URL)
    token, prefix = network.token_for(ADMIN, [Scope.READ])
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/agencies", headers=auth).status_code == 200
    # The admin's role allows users, the token's scope does not.
    assert client.get("/api/users", headers=auth).status_code == 403
    assert client.delete(f"/api/tokens/{prefix}", headers=auth).status_code == 200
    refused = client.get("/api/agencies", headers=auth)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert client.get("/api/me", headers={"Authorization": "Basic eDp5"}).status_code == 401


def test_a_revocation_through_this_server_is_immediate_despite_the_token_cache(
    network: Network,
) -> None:
    client = TestClient(create_app(network.store, token_cache=TokenCache(3600)), base_url=BASE_URL)
    token, prefix = network.token_for(ADMIN, [Scope.READ])
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/agencies", headers=auth).status_code == 200  # now remembered
    assert client.delete(f"/api/tokens/{prefix}", headers=auth).status_code == 200
    assert client.get("/api/agencies", headers=auth).status_code == 401


def test_a_post_from_another_site_is_refused(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    form = {"username": ANALYST, "password": PASSWORD}
    # Another site's login form would log the victim into the attacker's account.
    forged = client.post("/login", data=form, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    assert forged.json()["error"]["field"] == "origin"
    assert SESSION_COOKIE not in forged.cookies
    secret = login(client, ANALYST)
    csrf = {CSRF_HEADER: csrf_of(network, secret)}
    body = {"name": "mine", "scopes": ["read"]}
    cross = client.post("/api/tokens", json=body, headers={**csrf, "Sec-Fetch-Site": "same-site"})
    assert cross.status_code == 403
    same = client.post("/api/tokens", json=body, headers={**csrf, "Origin": BASE_URL})
    assert same.status_code == 201


def test_logging_in_again_ends_the_session_held_before(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    first = login(client, ANALYST)
    second = login(client, ANALYST)
    assert first != second
    replay = TestClient(create_app(network.store), base_url=BASE_URL)
    replay.cookies.set(SESSION_COOKIE, first)
    assert replay.get("/api/me").status_code == 401
    assert client.get("/api/me").status_code == 200
