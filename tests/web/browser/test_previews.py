"""No clear image reaches the browser before a reveal: every image the investigators' pages
load is the server's blurred greyscale preview, byte for byte the vault's; a reveal is its own
request, answered with the clear preview, and found in the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from playwright.sync_api import APIResponse, BrowserContext, Page, Request, Response, Route

from tests.web.browser.images import colour_spread, is_greyscale
from tests.web.browser.records import assign_media, new_series
from tests.web.browser.site import ANALYST_A, AUDITOR_A, Site

PREVIEW = re.compile(r"/media/(\d+)/preview$")
#: A colour spread no greyscale picture reaches (see images.colour_spread).
COLOURFUL = 40


def load_all(page: Page, url: str) -> None:
    """Open ``url`` and scroll to its end, so that lazy previews load too."""
    page.goto(url)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")


def todays_reveals(page: Page) -> int:
    """The previews revealed today (UTC) as the exposure page shows them (0 when no row)."""
    today = page.locator(
        f"#my-exposure tr:has(time[datetime='{datetime.now(UTC).date().isoformat()}'])"
    )
    if today.count() == 0:
        return 0
    return int(today.locator("td").nth(1).inner_text())


def test_pages_load_only_blurred_greyscale_previews(
    site: Site, as_user: Callable[[str], BrowserContext]
) -> None:
    images: list[tuple[str, bytes]] = []
    not_images: list[str] = []
    requested: list[str] = []

    def received(response: Response) -> None:
        kind = response.headers.get("content-type", "")
        if kind.startswith("image/"):
            images.append((response.url, response.body()))
        elif PREVIEW.search(response.url):
            not_images.append(f"{response.url}: {response.status} {kind}")

    def sent(request: Request) -> None:
        requested.append(request.url)

    page = as_user(ANALYST_A).new_page()
    page.on("response", received)
    page.on("request", sent)
    try:
        match_id = site.run_matches()[0]
        for path in ("/", f"/runs/{site.run_id}", f"/matches/{match_id}"):
            load_all(page, site.at(path))
        media_path = str(page.locator("#side-media a").get_attribute("href"))
        load_all(page, site.at(media_path))
        media_id = int(media_path.rsplit("/", 1)[1])
        new_series(page, site.url, "Series seen blurred")
        assign_media(page, [media_id])
        load_all(page, page.url)
    finally:
        page.close()

    assert not_images == []
    previews = [(url, body) for url, body in images if PREVIEW.search(url)]
    assert len(previews) >= 5, f"only {len(previews)} previews were loaded"
    assert [url for url, body in images if not is_greyscale(body)] == []
    for url, body in previews:
        found = PREVIEW.search(url)
        assert found
        clear, blurred = site.stored_previews(int(found.group(1)))
        assert body == blurred, f"{url} is not the vault's blurred preview"
        assert body != clear
    assert [url for url in requested if "/reveal" in url] == []


def test_a_reveal_fetches_the_clear_preview_and_is_audited(
    site: Site, visit: Callable[[str, str], Page]
) -> None:
    exposure = visit(ANALYST_A, "/me/exposure")
    reveals_before = todays_reveals(exposure)
    page = visit(ANALYST_A, f"/runs/{site.run_id}")
    tiles = page.locator("#triage-grid .tile")
    shown = [int(str(m)) for m in tiles.evaluate_all("ts => ts.map(t => t.dataset.media)")]
    # A file whose clear preview has colour: its reveal cannot pass for a blurred one.
    coloured = [
        (media, stored)
        for media in shown
        if (stored := site.stored_previews(media)[0]) is not None
        and colour_spread(stored) > COLOURFUL
    ]
    assert coloured, "no file on the grid has a coloured preview in the vault (none made?)"
    media_id, clear = coloured[0]
    tile = page.locator(f"#triage-grid .tile[data-media='{media_id}']")
    answers: list[APIResponse] = []

    def passed_on(route: Route) -> None:
        # The server's answer, kept and handed to the page unchanged (Chromium does not
        # keep the body of a response the page read into a blob).
        answers.append(route.fetch())
        route.fulfill(response=answers[-1])

    page.route(re.compile(rf"/media/{media_id}/reveal$"), passed_on)
    with page.expect_request(re.compile(rf"/media/{media_id}/reveal$")) as revealing:
        tile.get_by_role("button", name=re.compile("^Reveal")).click()
    tile.locator("img[src^='blob:']").wait_for()
    body = answers[0].body()

    assert revealing.value.method == "POST"
    assert answers[0].status == 200
    assert answers[0].headers["content-type"] == "image/jpeg"
    assert body == clear
    assert colour_spread(body) > COLOURFUL
    assert len(answers) == 1

    exposure.reload()
    assert todays_reveals(exposure) == reveals_before + 1  # counted in the user's exposure

    audit = visit(AUDITOR_A, "/admin/audit")
    action = audit.get_by_label("Action")
    reveal_action = next(
        value
        for value in action.locator("option").evaluate_all("os => os.map(o => o.value)")
        if "reveal" in value
    )
    action.select_option(reveal_action)
    audit.get_by_role("button", name="Show").click()
    audit.wait_for_url(re.compile(r"action="))
    rows = audit.locator("table.audit tbody tr")
    texts = rows.all_inner_texts()
    assert any(ANALYST_A in text and str(media_id) in text for text in texts), texts
