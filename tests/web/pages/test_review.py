"""Match review, the run's review queue and the media page: both sides as far as access
allows, the verdict the API records, and nothing of another agency's restricted records."""

from __future__ import annotations

import re

import pytest

from tests.web.network import ROLE_USERS, Network
from tests.web.pages.triage_world import TriageWorld, bank_match, browser, build_world


@pytest.fixture
def world(network: Network) -> TriageWorld:
    return build_world(network)


def _verdict(text: str) -> str:
    found = re.search(r'<dd id="verdict" class="verdict-(\w+)">(\w+)</dd>', text)
    assert found is not None
    return found.group(2)


def test_a_bank_match_shows_the_media_and_the_entry(network: Network, world: TriageWorld) -> None:
    page = browser(network).get(f"/matches/{world.exact_match}")
    assert page.status_code == 200
    text = page.text
    assert f'src="/media/{world.exact}/preview"' in text
    assert "DCIM/c-known.jpg" in text
    entry = re.search(r'<dl class="facts" id="entry">(.*?)</dl>', text, flags=re.S)
    assert entry is not None
    assert network.own.texts[3] in entry.group(1)  # the bank's name
    assert "<dd>1" in entry.group(1)  # its category
    assert _verdict(text) == "open"
    assert "data-media-page" in text


def test_a_media_match_shows_both_sides_and_where_they_were_seen(
    network: Network, world: TriageWorld
) -> None:
    text = browser(network).get(f"/matches/{world.media_match}").text
    assert "rotate90" in text
    assert "Downloads/f-linked.jpg" in text
    assert "shared/f.jpg" in text
    assert network.shared.texts[1] in text  # the other side's seizure (shared with all)
    sources = re.findall(r'<img[^>]* src="([^"]+)"', text)
    assert len(sources) == 2
    assert all(re.fullmatch(r"/media/\d+/preview", src) for src in sources)


def test_confirming_through_the_api_changes_the_verdict_shown(
    network: Network, world: TriageWorld
) -> None:
    client = browser(network)
    answer = client.post(f"/api/matches/{world.exact_match}/review", json={"verdict": "confirmed"})
    assert answer.status_code == 200
    assert _verdict(client.get(f"/matches/{world.exact_match}").text) == "confirmed"
    queue = client.get(f"/runs/{network.own.run_id}/matches").text
    row = re.search(rf'<tr data-match="{world.exact_match}">(.*?)</tr>', queue, flags=re.S)
    assert row is not None
    assert "verdict-confirmed" in row.group(1)


def test_the_review_goes_on_to_the_runs_next_open_match(
    network: Network, world: TriageWorld
) -> None:
    client = browser(network)
    run = network.own.run_id
    queue = client.get(f"/runs/{run}/matches").text
    order = [int(n) for n in re.findall(r'<tr data-match="(\d+)">', queue)]
    assert len(order) == 3
    assert f'href="/matches/{order[0]}?run={run}" id="start-review"' in queue
    page = client.get(f"/matches/{order[0]}?run={run}").text
    assert f'data-next="/matches/{order[1]}?run={run}"' in page
    client.post(f"/api/matches/{order[1]}/review", json={"verdict": "rejected"})
    page = client.get(f"/matches/{order[0]}?run={run}").text
    assert f'data-next="/matches/{order[2]}?run={run}"' in page


def test_restricted_matches_and_media_are_not_found(network: Network, world: TriageWorld) -> None:
    hidden_match = bank_match(network, world.held, network.restricted.bank_id, "md5", "1")
    client = browser(network)
    html = {"accept": "text/html"}
    for path in (
        f"/matches/{hidden_match}",
        f"/runs/{network.restricted.run_id}/matches",
        f"/media/{world.held + 1000}",
    ):
        page = client.get(path, headers=html)
        assert page.status_code == 404, path
        for marker in network.restricted_markers:
            assert marker not in page.text


def test_the_media_page_lists_matches_series_and_hashes(
    network: Network, world: TriageWorld
) -> None:
    client = browser(network)
    assigned = client.post(
        f"/api/series/{network.own.series_id}/media", json={"media": [world.held]}
    )
    assert assigned.status_code == 200
    text = client.get(f"/media/{world.held}").text
    assert f'href="/series/{network.own.series_id}"' in text
    assert network.own.texts[5] in text  # the series' name
    assert "Downloads/e-held.jpg" in text
    assert "secret/e.jpg" not in text  # seen in the restricted seizure too: not said
    for marker in network.restricted_markers:
        assert marker not in text
    exact = client.get(f"/media/{world.exact}").text
    assert f'href="/matches/{world.exact_match}"' in exact
    assert re.findall(r'<img[^>]* src="([^"]+)"', exact) == [f"/media/{world.exact}/preview"]
    assert f"/media/{world.exact}/reveal" in exact  # only as the reveal button's target


def test_a_media_or_match_is_referred_from_its_page(network: Network, world: TriageWorld) -> None:
    compose = f"/referrals/new?record_type=media&amp;record_id={world.exact}"
    assert compose in browser(network).get(f"/media/{world.exact}").text
    assert (
        "record_type=match&amp;record_id"
        in browser(network).get(f"/matches/{world.exact_match}").text
    )
    # The compose page takes the media as its record.
    form = browser(network).get(compose.replace("&amp;", "&"))
    assert form.status_code == 200
    assert f"media:{world.exact}" in form.text
    # A viewer may not refer: no link.
    viewer = browser(network, ROLE_USERS["viewer"]).get(f"/media/{world.exact}").text
    assert "/referrals/new" not in viewer
