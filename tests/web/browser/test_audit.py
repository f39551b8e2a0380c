"""The audit log's "Verify chain" button: an auditor checks the whole chain from the page."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from tests.web.browser.site import AUDITOR_A, Site


def test_verify_chain_reports_an_intact_chain(
    site: Site, visit: Callable[[str, str], Page]
) -> None:
    page = visit(AUDITOR_A, "/admin/audit")
    newest_shown = int(page.locator("table.audit tbody tr").first.get_attribute("data-seq") or 0)

    page.get_by_role("button", name="Verify chain").click()
    page.wait_for_url(site.at("/admin/audit/verify"))
    said = page.get_by_role("status").inner_text()
    head = int(page.locator(".head-seq").inner_text())

    assert said.startswith("The chain is intact:")
    assert head >= newest_shown > 0  # every event up to the newest one listed was checked
