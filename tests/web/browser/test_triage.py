"""A triage pass by keyboard on the demo run's grid: move with j / k, mark a file not
pertinent with n, assign one to a series with s; the status line says each act, the series'
page then lists the media, and the not-pertinent file is hidden from the grid."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from tests.web.browser.records import new_series
from tests.web.browser.site import ANALYST_A, Site


def current_media(page: Page) -> str:
    """The media id of the grid's current tile."""
    media = page.locator("#triage-grid .tile.current").get_attribute("data-media")
    assert media is not None
    return media


def test_a_triage_pass_by_keyboard(site: Site, visit: Callable[[str, str], Page]) -> None:
    page = visit(ANALYST_A, "/")
    series_id = new_series(page, site.url, "Keyboard triage series")

    page.goto(site.at(f"/runs/{site.run_id}"))
    tiles = page.locator("#triage-grid .tile")
    order = [tiles.nth(i).get_attribute("data-media") for i in range(3)]
    status = page.locator("#triage-status")
    page.get_by_label("Series for s").select_option(label="Keyboard triage series")
    tiles.first.focus()  # out of the list: keys now go to the grid

    page.keyboard.press("j")
    page.keyboard.press("j")
    second_next = current_media(page)
    page.keyboard.press("k")
    after_back = current_media(page)

    page.keyboard.press("n")  # the second file: not pertinent; on to the third
    status.filter(has_text="not pertinent").wait_for()
    not_pertinent = order[1]
    marked_says = status.inner_text()
    third = current_media(page)

    page.keyboard.press("s")  # the third file: to the series
    status.filter(has_text="Assigned").wait_for()
    assigned_says = status.inner_text()

    assert (second_next, after_back, third) == (order[2], order[1], order[2])
    assert marked_says.startswith("Marked file ")
    assert assigned_says.endswith("to series Keyboard triage series")

    page.goto(site.at(f"/series/{series_id}"))
    media_links = page.get_by_role("link", name=f"Media {third}", exact=True)
    assert media_links.count() == 1

    page.goto(site.at(f"/runs/{site.run_id}"))
    shown = page.locator("#triage-grid .tile").evaluate_all(
        "tiles => tiles.map(tile => tile.dataset.media)"
    )
    assert not_pertinent not in shown  # hidden from the grid from now on
    assert third in shown


def test_enter_opens_the_match_of_the_current_file(
    site: Site, visit: Callable[[str, str], Page]
) -> None:
    page = visit(ANALYST_A, f"/runs/{site.run_id}")
    matched = page.locator("#triage-grid .tile[data-open^='/matches/']").first
    target = matched.get_attribute("data-open")
    assert target is not None
    matched.focus()

    page.keyboard.press("Enter")
    page.wait_for_url(site.at(target))

    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith(f"Match {target.rsplit('/', 1)[1]}:")
    )
