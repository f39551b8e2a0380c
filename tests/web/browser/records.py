"""Records the browser tests make through the pages themselves (the forms a user fills)."""

from __future__ import annotations

import re

from playwright.sync_api import Page


def record_id(page: Page, kind: str) -> int:
    """The id in the address of the record page ``page`` shows (``/<kind>/<id>``)."""
    found = re.search(rf"/{kind}/(\d+)$", page.url)
    assert found, f"not on a {kind} page: {page.url}"
    return int(found.group(1))


def new_series(page: Page, base_url: str, name: str) -> int:
    """Create a series through its form on ``page``; its id (the page shows it after)."""
    page.goto(base_url + "series/new")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Create the series").click()
    page.wait_for_url(re.compile(r"/series/\d+$"))
    return record_id(page, "series")


def new_victim(page: Page, base_url: str, label: str) -> int:
    """Create a victim through its form on ``page``; its id (the page shows it after)."""
    page.goto(base_url + "victims/new")
    page.get_by_label("Label").fill(label)
    page.get_by_role("button", name="Record the victim").click()
    page.wait_for_url(re.compile(r"/victims/\d+$"))
    return record_id(page, "victims")


def assign_media(page: Page, media_ids: list[int]) -> None:
    """Assign media to the series ``page`` shows, through its "Assign media" form."""
    form = page.get_by_role("form", name="Assign media")
    form.get_by_label("Media", exact=True).fill("\n".join(str(m) for m in media_ids))
    form.get_by_role("button", name="Assign").click()
    page.wait_for_load_state()


def tie(page: Page, kind: str, name: str) -> None:
    """Tie the record ``page`` shows to the ``kind`` record ``name`` (its "Tie" form)."""
    form = page.get_by_role("form", name="Tie to a record")
    form.get_by_label("Record", exact=True).select_option(kind)
    form.get_by_label("Name or number").fill(name)
    form.get_by_role("button", name="Tie").click()
    page.wait_for_load_state()


def fact(page: Page, name: str) -> str:
    """What the first facts list of ``page`` says for ``name`` (its <dt>)."""
    found = page.locator(
        f"xpath=//dl[contains(@class, 'facts')]/dt[normalize-space()='{name}']"
        "/following-sibling::dd[1]"
    )
    return found.first.inner_text()
