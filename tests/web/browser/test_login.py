"""Logging in through the form: the right password reaches the dashboard, a wrong one is
refused with the form's message and no session."""

from __future__ import annotations

from playwright.sync_api import BrowserContext

from tests.web.browser.chromium import log_in
from tests.web.browser.site import ANALYST_A, Site


def test_log_in_reaches_the_dashboard_of_ones_agency(
    site: Site, fresh_context: BrowserContext
) -> None:
    page = fresh_context.new_page()
    page.goto(site.url)
    assert page.url == site.at("/login")  # everything is behind the login

    log_in(page, site.url, ANALYST_A)

    assert page.url == site.url
    assert page.locator("#logout .who").inner_text() == f"{ANALYST_A} (DEMO-A)"
    assert "DEMO-1" in page.locator("main").inner_text()  # the agency's demo ingest is listed


def test_a_wrong_password_is_refused(site: Site, fresh_context: BrowserContext) -> None:
    page = fresh_context.new_page()
    log_in(page, site.url, ANALYST_A, "not the password at all")

    assert page.url == site.at("/login")
    assert page.get_by_role("alert").inner_text() != ""
    assert not [c for c in fresh_context.cookies() if c["name"] == "vigil_session"]
    page.goto(site.url)
    assert page.url == site.at("/login")
