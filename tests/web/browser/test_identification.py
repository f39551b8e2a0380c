"""Identification through the record pages: a victim tied to a series and marked identified
on its page moves the series to "victim identified"."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from tests.web.browser.records import fact, new_series, new_victim, tie
from tests.web.browser.site import ANALYST_A, Site


def test_identifying_the_victim_moves_its_series(
    site: Site, visit: Callable[[str, str], Page]
) -> None:
    page = visit(ANALYST_A, "/")
    victim_id = new_victim(page, site.url, "Child in the garden series")
    series_id = new_series(page, site.url, "Garden series")
    tie(page, "victim", "Child in the garden series")
    status_before = fact(page, "Status")
    tied = page.get_by_role("link", name="Child in the garden series").count()

    page.goto(site.at(f"/victims/{victim_id}"))
    page.get_by_role("form", name="Identified").get_by_role(
        "button", name="Mark identified"
    ).click()
    page.wait_for_load_state()
    victim_status = fact(page, "Status")

    page.goto(site.at(f"/series/{series_id}"))
    history = page.locator("#history-heading").locator("xpath=..").inner_text()

    assert status_before == "unidentified"
    assert tied == 1
    assert victim_status == "identified"
    assert fact(page, "Status") == "victim identified"
    assert "Child in the garden series" in history  # the move says why
