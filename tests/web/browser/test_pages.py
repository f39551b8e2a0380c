"""Every main page as its user first sees it: answered, one heading, no serious or critical
axe-core violation, and a 1366x768 screenshot kept in the output folder for people to look at.

The records the pages show (a series with media, a victim tied to it, a referral from DEMO-A
to DEMO-B) are made once for the module through the pages' own forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import BrowserContext

from tests.web.browser.axe import blocking_violations
from tests.web.browser.records import assign_media, new_series, new_victim, tie
from tests.web.browser.shots import screenshot
from tests.web.browser.site import ANALYST_A, ANALYST_B, AUDITOR_A, Site


@dataclass(frozen=True)
class Showcase:
    """What the pages show: the records made for them."""

    series_id: int
    victim_id: int
    match_id: int
    media_id: int
    referral: str


@pytest.fixture(scope="module")
def showcase(site: Site, as_user: Callable[[str], BrowserContext]) -> Showcase:
    page = as_user(ANALYST_A).new_page()
    try:
        match_id = site.run_matches()[0]
        media_id = site.matched_media(match_id)
        victim_id = new_victim(page, site.url, "Showcase victim")
        series_id = new_series(page, site.url, "Showcase series")
        assign_media(page, [media_id])
        tie(page, "victim", "Showcase victim")
        page.get_by_role("link", name="Refer this record").click()
        page.get_by_label("To agency").select_option("DEMO-B")
        page.get_by_label("Subject").fill("Showcase referral")
        page.get_by_label("Text").fill("Please look at this series.")
        page.get_by_role("button", name="Send referral").click()
        page.wait_for_url(re.compile(r"/referrals/[^/?]+$"))
        reference = page.url.rsplit("/", 1)[1]
    finally:
        page.close()
    return Showcase(series_id, victim_id, match_id, media_id, reference)


def main_pages(site: Site, shown: Showcase) -> dict[str, tuple[str, str]]:
    """Each main page's name and who opens it where."""
    return {
        "dashboard": (ANALYST_A, "/"),
        "triage": (ANALYST_A, f"/runs/{site.run_id}"),
        "review": (ANALYST_A, f"/matches/{shown.match_id}"),
        "media": (ANALYST_A, f"/media/{shown.media_id}"),
        "series": (ANALYST_A, f"/series/{shown.series_id}"),
        "victim": (ANALYST_A, f"/victims/{shown.victim_id}"),
        "case": (ANALYST_A, f"/cases/{site.case_id()}"),
        "missing": (ANALYST_A, "/missing"),
        "referrals-inbox": (ANALYST_B, "/referrals?box=in"),
        "referral": (ANALYST_B, f"/referrals/{shown.referral}"),
        "admin": (AUDITOR_A, "/admin"),
        "audit": (AUDITOR_A, "/admin/audit"),
        "exposure": (ANALYST_A, "/me/exposure"),
    }


PAGES = (
    "dashboard",
    "triage",
    "review",
    "media",
    "series",
    "victim",
    "case",
    "missing",
    "referrals-inbox",
    "referral",
    "admin",
    "audit",
    "exposure",
)


@pytest.mark.parametrize("name", PAGES)
def test_main_page_is_accessible_and_captured(
    name: str,
    site: Site,
    showcase: Showcase,
    as_user: Callable[[str], BrowserContext],
) -> None:
    username, path = main_pages(site, showcase)[name]
    page = as_user(username).new_page()
    try:
        response = page.goto(site.at(path))
        page.wait_for_load_state("networkidle")
        saved = screenshot(page, name)
        headings = page.locator("h1").all_inner_texts()
        found = blocking_violations(page)
    finally:
        page.close()

    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    assert len(headings) == 1, f"{path} has headings {headings}"
    assert saved.stat().st_size > 0
    assert found == "", f"axe-core on {path}:\n{found}"


def test_axe_reports_what_it_should(as_user: Callable[[str], BrowserContext]) -> None:
    """The check above would see a violation: an unlabelled field, an image without text, and
    a key letter white on white (which axe alone leaves "incomplete")."""
    page = as_user(ANALYST_A).new_page()
    try:
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
            '<input id="x"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
            '<p><button style="color: #fff; background: #234">Go <kbd style="background: #fff">'
            "g</kbd></button></p></main></body></html>"
        )
        found = blocking_violations(page)
    finally:
        page.close()
    assert "label" in found
    assert "image-alt" in found
    assert "color-contrast" in found
