"""A referral between two agencies, in two browser contexts at once: DEMO-A refers a series
to DEMO-B from the series' page, DEMO-B finds it in its inbox and acknowledges it (and may
now open the series), and DEMO-A's outbox then shows it acknowledged."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page

from tests.web.browser.records import fact, new_series
from tests.web.browser.site import ANALYST_A, ANALYST_B, Site

SUBJECT = "Series from the demo phone: same room as your case?"


def row_of(page: Page, reference: str) -> str:
    """The text of the row of ``reference`` in the referrals table on ``page``."""
    return page.locator(f"tr[data-reference='{reference}']").inner_text()


def test_a_referral_sent_by_one_agency_and_acknowledged_by_another(
    site: Site, visit: Callable[[str, str], Page]
) -> None:
    sender = visit(ANALYST_A, "/")
    series_id = new_series(sender, site.url, "Series referred to DEMO-B")
    sender.get_by_role("link", name="Refer this record").click()
    sender.get_by_label("To agency").select_option("DEMO-B")
    sender.get_by_label("Subject").fill(SUBJECT)
    sender.get_by_label("Text").fill("The wallpaper matches photographs of your case.")
    records = sender.get_by_label("Records").input_value()
    sender.get_by_role("button", name="Send referral").click()
    sender.wait_for_url(re.compile(r"/referrals/[^/?]+$"))
    reference = sender.url.rsplit("/", 1)[1]
    sent_status = fact(sender, "Status")

    recipient = visit(ANALYST_B, "/referrals?box=in")
    in_inbox = row_of(recipient, reference)
    recipient.get_by_role("link", name=reference).click()
    recipient.get_by_role("button", name="Acknowledge").click()
    recipient.wait_for_load_state()
    acknowledged = fact(recipient, "Status")
    history = recipient.locator("ol.history").inner_text()
    recipient.locator(f"ul.records a[href='/series/{series_id}']").click()
    recipient.wait_for_url(site.at(f"/series/{series_id}"))
    series_heading = recipient.get_by_role("heading", level=1).inner_text()

    sender.goto(site.at("/referrals?box=out"))
    in_outbox = row_of(sender, reference)

    assert records == f"series:{series_id}"
    assert "awaiting" in sent_status.lower() or "sent" in sent_status.lower()
    assert SUBJECT in in_inbox
    assert "DEMO-A" in in_inbox
    assert acknowledged.lower() == "acknowledged"
    assert f"acknowledged by {ANALYST_B}" in history
    assert series_heading == "Series DEMO-A/Series referred to DEMO-B"  # another agency's
    assert SUBJECT in in_outbox
    assert "acknowledged" in in_outbox.lower()
