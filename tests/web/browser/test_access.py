"""A viewer of DEMO-B cannot reach DEMO-A's restricted pages by typing their addresses: each
answers the same "not found" page as a record that does not exist, naming nothing of A's."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from tests.web.browser.records import new_series, new_victim
from tests.web.browser.site import ANALYST_A, CASE, SEIZURE, VIEWER_B, Site

SERIES = "Series only DEMO-A may see"
VICTIM = "Victim only DEMO-A may see"
MISSING = 987654321


def shown(page: Page, path: str, site: Site) -> tuple[int, str, str, str]:
    """Open ``path``: the status, the heading, the main text and the whole document."""
    response = page.goto(site.at(path))
    assert response is not None
    main = page.locator("main").inner_text()
    return response.status, page.locator("h1").inner_text(), main, page.content()


def test_a_viewer_of_b_cannot_open_as_restricted_pages(
    site: Site, visit: Callable[[str, str], Page]
) -> None:
    owner = visit(ANALYST_A, "/")
    series_id = new_series(owner, site.url, SERIES)
    victim_id = new_victim(owner, site.url, VICTIM)
    match_id = site.run_matches()[0]
    restricted = {
        "series": series_id,
        "victims": victim_id,
        "runs": site.run_id,
        "media": site.matched_media(match_id),
        "matches": match_id,
        "cases": site.case_id(),
    }
    owner_sees = shown(owner, f"/series/{series_id}", site)

    viewer = visit(VIEWER_B, "/")
    for kind, ident in restricted.items():
        status, heading, text, document = shown(viewer, f"/{kind}/{ident}", site)
        _, missing_heading, missing_text, _ = shown(viewer, f"/{kind}/{MISSING}", site)
        assert status == 404, f"/{kind}/{ident} answered {status}"
        assert heading == missing_heading, kind
        assert text.replace(str(ident), "#") == missing_text.replace(str(MISSING), "#"), kind
        for name in (SERIES, VICTIM, CASE, SEIZURE, "DEMO-A"):
            assert name not in document, f"/{kind}/{ident} shows {name!r}"
    assert owner_sees[0] == 200
    assert SERIES in owner_sees[1]
