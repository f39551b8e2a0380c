"""Confirming a match from its review page with the c key: the verdict is recorded for the
agency and shown, with the reviewer, when the page is opened again."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page

from tests.web.browser.site import ANALYST_A, Site


def test_c_confirms_a_match(site: Site, visit: Callable[[str, str], Page]) -> None:
    match_id = site.run_matches()[-1]
    page = visit(ANALYST_A, f"/matches/{match_id}")
    before = page.locator("#verdict").inner_text()

    with page.expect_response(re.compile(rf"/api/matches/{match_id}/review$")) as recorded:
        page.keyboard.press("c")
    status = recorded.value.status
    page.wait_for_load_state()

    page.goto(site.at(f"/matches/{match_id}"))
    facts = page.locator("#verdict").locator("xpath=..").inner_text()

    assert before != "confirmed"
    assert status in (200, 201)
    assert page.locator("#verdict").inner_text() == "confirmed"
    assert "reviewed by" in facts
    assert ANALYST_A in facts
