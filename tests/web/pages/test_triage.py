"""The ingest run / triage page: headline and chart, the grid new first, its filters and
paging, triage marks, and what another agency's restricted run shows (nothing)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.web.network import ROLE_USERS, Network
from tests.web.pages.triage_world import TriageWorld, add_media, browser, build_world
from vigil.store.models import AuditEvent, TriageMark


@pytest.fixture
def world(network: Network) -> TriageWorld:
    return build_world(network)


def _grid_ids(text: str) -> list[int]:
    return [
        int(found) for found in re.findall(r'<li class="tile[^"]*"[^>]*data-media="(\d+)"', text)
    ]


def test_the_grid_lists_new_media_first_and_known_last(
    network: Network, world: TriageWorld
) -> None:
    page = browser(network).get(f"/runs/{network.own.run_id}")
    assert page.status_code == 200
    ids = _grid_ids(page.text)
    assert ids == [
        world.new_picture,
        world.new_video,
        world.near,
        world.linked,
        world.held,
        world.exact,
    ]
    assert "data-media-page" in page.text
    assert 'id="triage-series"' in page.text
    assert f'<option value="{network.own.series_id}"' in page.text


def test_the_headline_chart_counts_each_class(network: Network, world: TriageWorld) -> None:
    page = browser(network).get(f"/runs/{network.own.run_id}").text
    counts = dict(
        re.findall(r'<tr data-class="(\w+)"><td>[^<]*</td><td class="num">(\d+)</td>', page)
    )
    assert counts == {
        "new": "2",
        "known_near": "1",
        "other_cases": "1",
        "held_elsewhere": "1",
        "known_exact": "1",
    }
    assert '<svg class="chart"' in page
    assert re.search(r'<rect class="bar bar-new"[^>]* width="110"', page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=video", ["new_video"]),
        ("kind=image&has_match=no", ["new_picture", "held"]),
        ("has_match=yes", ["near", "linked", "exact"]),
        ("category=2", ["near"]),
        ("camera=eos", ["new_picture"]),
        ("taken_from=2025-06-01&taken_to=2025-06-01", ["new_picture"]),
        ("taken_from=2025-06-02", []),
        ("folder=Downloads/", ["near", "linked", "held"]),
    ],
)
def test_each_filter_narrows_the_grid(
    network: Network, world: TriageWorld, query: str, expected: list[str]
) -> None:
    page = browser(network).get(f"/runs/{network.own.run_id}?{query}")
    assert page.status_code == 200
    assert _grid_ids(page.text) == [getattr(world, name) for name in expected]


def test_a_bad_date_is_named_next_to_its_field(network: Network, world: TriageWorld) -> None:
    page = browser(network).get(f"/runs/{network.own.run_id}?taken_from=yesterday")
    assert "taken_from: not a date (YYYY-MM-DD): &#39;yesterday&#39;" in page.text
    assert len(_grid_ids(page.text)) == 6


def test_the_grid_pages_by_200(network: Network) -> None:
    own = network.own
    ids = [add_media(network, own.seizure_id, own.run_id, f"bulk/{n:03}.jpg") for n in range(205)]
    client = browser(network)
    first = client.get(f"/runs/{own.run_id}?folder=bulk/")
    assert _grid_ids(first.text) == ids[:200]
    assert "1\u2013200 of 205" in first.text
    assert f'href="/runs/{own.run_id}?folder=bulk%2F&amp;offset=200"' in first.text
    second = client.get(f"/runs/{own.run_id}?folder=bulk%2F&offset=200")
    assert _grid_ids(second.text) == ids[200:]


def test_marked_not_pertinent_media_leave_the_grid(network: Network, world: TriageWorld) -> None:
    client = browser(network)
    marks = f"/runs/{network.own.run_id}/marks"
    answer = client.post(marks, json={"media": [world.new_picture], "verdict": "not_pertinent"})
    assert answer.status_code == 200
    assert answer.json() == {"changed": 1, "verdict": "not_pertinent", "media": [world.new_picture]}
    grid = _grid_ids(client.get(f"/runs/{network.own.run_id}").text)
    assert world.new_picture not in grid
    shown = client.get(f"/runs/{network.own.run_id}?hidden=show").text
    assert world.new_picture in _grid_ids(shown)
    assert "not pertinent" in shown
    with network.store.session() as session:
        mark = session.scalars(select(TriageMark)).one()
        assert (mark.media_id, mark.verdict, mark.by_user) == (
            world.new_picture,
            "not_pertinent",
            ROLE_USERS["analyst"],
        )
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "triage.mark")).all()
        assert len(events) == 1
    # Pertinent again: back in the grid.
    form = {"media": str(world.new_picture), "verdict": "pertinent"}
    again = client.post(marks, data=form, follow_redirects=False)
    assert again.status_code == 303
    assert world.new_picture in _grid_ids(client.get(f"/runs/{network.own.run_id}").text)


def test_marks_refuse_a_bad_verdict_and_foreign_media(network: Network, world: TriageWorld) -> None:
    client = browser(network)
    marks = f"/runs/{network.own.run_id}/marks"
    bad = client.post(marks, json={"media": [world.new_picture], "verdict": "maybe"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "verdict"
    assert "maybe" in bad.json()["error"]["message"]
    foreign = client.post(marks, json={"media": [world.held + 1000], "verdict": "pertinent"})
    assert foreign.status_code == 422
    assert foreign.json()["error"]["field"] == "media"


def test_only_the_seizures_owner_marks(network: Network, world: TriageWorld) -> None:
    client = browser(network)
    shared = client.post(
        f"/runs/{network.shared.run_id}/marks",
        json={"media": [world.new_picture], "verdict": "pertinent"},
    )
    assert shared.status_code == 403
    hidden = client.post(
        f"/runs/{network.restricted.run_id}/marks",
        json={"media": [world.held], "verdict": "pertinent"},
    )
    assert hidden.status_code == 404
    viewer = browser(network, ROLE_USERS["viewer"])
    refused = viewer.post(
        f"/runs/{network.own.run_id}/marks",
        json={"media": [world.new_picture], "verdict": "pertinent"},
    )
    assert refused.status_code == 403
    with network.store.session() as session:
        assert session.scalars(select(TriageMark)).all() == []


def test_a_restricted_run_is_not_found(network: Network, world: TriageWorld) -> None:
    page = browser(network).get(
        f"/runs/{network.restricted.run_id}", headers={"accept": "text/html"}
    )
    assert page.status_code == 404
    for marker in network.restricted_markers:
        assert marker not in page.text


def test_the_grid_never_links_a_clear_image(network: Network, world: TriageWorld) -> None:
    page = browser(network).get(f"/runs/{network.own.run_id}").text
    sources = re.findall(r'<img[^>]* src="([^"]+)"', page)
    assert len(sources) == 6
    assert all(re.fullmatch(r"/media/\d+/preview", src) for src in sources)
    # The restricted seizure's path of the held media is not shown.
    assert "secret/e.jpg" not in page
