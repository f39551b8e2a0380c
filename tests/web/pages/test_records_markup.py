"""Every records page as the content policy and assistive technology need it: one heading
of level 1, no inline script, style or handler, and a label for every field."""

from __future__ import annotations

import re

import pytest

from tests.web.network import Network
from tests.web.pages.records_browser import browser

KINDS = ("cases", "series", "victims", "offenders", "locations", "missing")
MADE = ("series", "victims", "offenders", "locations", "missing")


def _pages(network: Network) -> list[str]:
    own = network.own
    ids = {
        "cases": own.case_id,
        "series": own.series_id,
        "victims": own.victim_id,
        "offenders": own.offender_id,
        "locations": own.location_id,
        "missing": own.missing_report_id,
    }
    return [
        *(f"/{kind}" for kind in KINDS),
        *(f"/{kind}/{ids[kind]}" for kind in KINDS),
        *(f"/{kind}/new" for kind in MADE),
    ]


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_records_pages_are_labelled_and_hold_no_inline_code(network: Network, role: str) -> None:
    client = browser(network, role)
    for url in _pages(network):
        page = client.get(url)
        if url.endswith("/new") and role == "viewer":
            assert page.status_code == 403, url  # a viewer makes nothing
            continue
        assert page.status_code == 200, url
        text = page.text
        assert text.count("<h1") == 1, url
        assert "<style" not in text, url
        assert " style=" not in text, url
        assert not re.search(r"\son[a-z]+=", text), url
        assert re.findall(r"<script([^>]*)>", text) == re.findall(
            r'<script( src="/static/[a-z-]+\.js" defer)>', text
        ), url
        fields = re.findall(
            r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', text
        )
        unlabelled = [ident for ident in fields if f'<label for="{ident}"' not in text]
        assert unlabelled == [], url
        assert len(fields) == len(
            re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")', text)
        ), url
