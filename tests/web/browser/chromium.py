"""Debian's Chromium under Playwright: where it is, how it is started, and logging in."""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize

from tests.web.network import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The smallest screen the pages are made for.
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
#: How long an action or a wait may take (Playwright's default, 30 s, hides a failure long).
TIMEOUT_MS = 5000


def require_chromium() -> str:
    """Chromium's path; the test skips without it, and fails on CI (a broken set-up there)."""
    if shutil.which(CHROMIUM):
        return CHROMIUM
    missing = f"{CHROMIUM} not installed (Debian package chromium; make system-deps)"
    if os.environ.get("CI") == "true":
        pytest.fail(missing)
    pytest.skip(missing)


def launch(playwright: Playwright) -> Browser:
    """A headless Chromium with nothing running in the background."""
    return playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Fill and send the login form on ``page`` (it stays on the login page when refused)."""
    page.goto(base_url + "login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def logged_in(browser: Browser, base_url: str, username: str) -> BrowserContext:
    """A new browser context (its own cookies) where ``username`` has logged in."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, base_url, username)
    page.wait_for_url(base_url)
    page.close()
    return context
