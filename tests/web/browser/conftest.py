"""Fixtures of the browser tests: one demo site and one Chromium for the whole run, and a
logged-in browser context per user (logged in once, through the form)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.sharing.hashing import CHEAP
from tests.web.browser.chromium import TIMEOUT_MS, VIEWPORT, launch, logged_in, require_chromium
from tests.web.browser.site import Site, build_demo, served
from vigil.sharing import passwords


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo, built as ``make run`` builds it, served on a free loopback port."""
    require_chromium()  # no point building the demo for tests that cannot run
    folder: Path = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", CHEAP)
        settings = build_demo(folder)
    with served(settings) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium shared by every browser test."""
    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def _sessions(browser: Browser, site: Site) -> Iterator[dict[str, BrowserContext]]:
    opened: dict[str, BrowserContext] = {}
    yield opened
    for context in opened.values():
        context.close()


@pytest.fixture(scope="session")
def as_user(
    browser: Browser, site: Site, _sessions: dict[str, BrowserContext]
) -> Callable[[str], BrowserContext]:
    """``as_user(name)``: a browser context logged in as ``name``, the same one all
    run long (logged in through the form the first time). Pages opened in it are the
    caller's to close."""

    def context_of(username: str) -> BrowserContext:
        if username not in _sessions:
            _sessions[username] = logged_in(browser, site.url, username)
        return _sessions[username]

    return context_of


@pytest.fixture
def fresh_context(browser: Browser) -> Iterator[BrowserContext]:
    """A browser context of its own, closed after the test (no one logged in)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def visit(
    site: Site, as_user: Callable[[str], BrowserContext]
) -> Iterator[Callable[[str, str], Page]]:
    """``visit(username, path)``: a new tab of that user's context at ``path`` (loaded);
    every tab opened so is closed after the test."""
    pages: list[Page] = []

    def opened(username: str, path: str) -> Page:
        page = as_user(username).new_page()
        pages.append(page)
        page.goto(site.at(path))
        return page

    yield opened
    for page in pages:
        page.close()
