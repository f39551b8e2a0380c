"""Logging in, the dashboard, the CSRF guard and logging out, in a real browser: Debian's
Chromium driven by Playwright, against uvicorn on a loopback port (plain http: Chromium treats
127.0.0.1 as a secure context, so the Secure session cookie is kept)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.imagegen import make_jpeg
from tests.web.browser.site import serving
from tests.web.network import PASSWORD
from vigil.config import Settings, sqlite_url
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.sharing.accounts import create_user
from vigil.sharing.agencies import find_agency
from vigil.store.db import Store
from vigil.store.models import Role

USER = "inspector"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A store holding one ingest run and one user, served by uvicorn on a free local port."""
    data_dir = tmp_path / "data"
    store = Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    folder = tmp_path / "sd-card"
    folder.mkdir()
    for seed in range(2):
        make_jpeg(folder / f"{seed}.jpg", seed=seed)
    ingest(store, IngestRequest(root=folder, case_reference="OP-BROWSER", workers=1))
    with store.session() as session:
        create_user(session, find_agency(session, "LOCAL"), USER, "I", [Role.ANALYST], PASSWORD)
    with serving(store) as base_url:
        yield base_url
    store.close()


def test_login_status_csrf_and_logout_in_chromium(served: str, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(served)
    assert page.url == served + "login"  # the status page is behind the login

    page.get_by_label("Username").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(served)
    row = page.locator("#runs tbody tr")
    assert row.count() == 1
    cells = row.first.locator("td").all_inner_texts()
    cookie = next(c for c in context.cookies() if c["name"] == "vigil_session")

    # A request carrying the session cookie but not the CSRF token: refused.
    forged = context.request.post(
        served + "api/tokens", data={"name": "forged", "scopes": ["read"]}
    )
    forged_status = forged.status
    forged_field = forged.json()["error"]["field"]
    csrf = page.locator("#logout input[name=csrf_token]").get_attribute("value")
    assert csrf
    genuine = context.request.post(
        served + "api/tokens",
        data={"name": "genuine", "scopes": ["read"]},
        headers={"X-CSRF-Token": csrf},
    )
    genuine_status = genuine.status

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(served + "login")
    page.goto(served)
    after_logout = page.url
    replayed = context.request.get(
        served + "api/me", headers={"Cookie": f"vigil_session={cookie['value']}"}
    ).status
    context.close()

    assert cells[1:4] == ["OP-BROWSER", "sd-card", "completed"]
    assert cells[4] == "2 / 2 files"
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "Strict"
    assert (forged_status, forged_field) == (403, "csrf_token")
    assert genuine_status == 201
    assert after_logout == served + "login"
    assert replayed == 401  # the old cookie is dead on the server, not only in the browser
