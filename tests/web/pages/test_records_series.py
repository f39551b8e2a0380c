"""The series pages: the list (own and shared, never another agency's restricted series),
a series with its facts, blurred media, links and history, and its owner's changes made
through forms — each read back through the domain and found in the history."""

from __future__ import annotations

import re

from tests.web.matrix_records import make_media
from tests.web.network import Network
from tests.web.pages.records_browser import as_fr, browser, history_actions
from vigil.cases import series as domain
from vigil.cases.history import history_of
from vigil.store.models import RecordType, SeriesLink, SeriesStatus


def _names(network: Network) -> tuple[str, str, str]:
    own, shared, restricted = (
        records.texts[5] for records in (network.own, network.shared, network.restricted)
    )
    return own, shared, restricted


def test_the_list_shows_own_and_shared_series_only(network: Network) -> None:
    own, shared, restricted = _names(network)
    page = browser(network, "viewer").get("/series")
    assert page.status_code == 200
    assert own in page.text
    assert f"NCB-BR/{shared}" in page.text
    assert restricted not in page.text
    assert 'href="/series/new"' not in page.text  # a viewer makes no series


def test_a_new_series_from_its_form(network: Network) -> None:
    analyst = browser(network)
    form = analyst.get("/series/new")
    assert 'name="csrf_token"' in form.text
    made = analyst.post("/series", {"name": "page series", "description": "from a form"})
    assert made.status_code == 303
    series_id = int(made.headers["location"].rsplit("/", 1)[1])
    with as_fr(network) as (session, viewer):
        assert domain.series_shown(session, viewer, series_id).description == "from a form"
    again = analyst.post("/series", {"name": "page series"})
    assert again.status_code == 422
    assert "already has a series &#39;page series&#39;" in again.text
    assert 'value="page series"' in again.text  # the form keeps what was typed


def test_a_series_page_shows_facts_blurred_media_links_and_history(network: Network) -> None:
    analyst = browser(network)
    series_id = network.own.series_id
    media_id = make_media(network.store, network.own.seizure_id)
    assigned = analyst.post(f"/series/{series_id}/media", {"media": f"\n{media_id}\n"})
    assert assigned.status_code == 303
    assert assigned.headers["location"] == f"/series/{series_id}"
    linked = analyst.post(
        f"/series/{series_id}/links", {"kind": "victim", "record": network.own.texts[6]}
    )
    assert linked.status_code == 303
    page = analyst.get(f"/series/{series_id}")
    assert page.status_code == 200
    assert '<dl class="facts records-facts">' in page.text
    assert network.own.texts[5] in page.text
    assert f'src="/media/{media_id}/preview"' in page.text
    sources = re.findall(r'<img[^>]* src="([^"]+)"', page.text)
    assert sources == [f"/media/{media_id}/preview"]  # never a clear image
    assert f"/media/{media_id}/reveal" in page.text  # only behind the reveal button
    assert f'href="/media/{media_id}"' in page.text
    assert "data-media-page" in page.text
    assert f'href="/victims/{network.own.victim_id}"' in page.text
    assert "analyst-fr" in page.text  # who tied the victim (the link's evidence)
    assert history_actions(page.text) == 2  # media assigned, victim linked
    assert f"/referrals/new?record_type=series&amp;record_id={series_id}" in page.text


def test_a_restricted_series_is_not_found(network: Network) -> None:
    page = browser(network).get(f"/series/{network.restricted.series_id}")
    missing = browser(network).get("/series/999999")
    assert page.status_code == missing.status_code == 404
    assert network.restricted.texts[5] not in page.text
    assert "Not found" in page.text


def test_edit_moves_forward_and_a_step_back_shows_the_domain_refusal(network: Network) -> None:
    analyst = browser(network)
    series_id = network.own.series_id
    done = analyst.post(
        f"/series/{series_id}/edit",
        # A browser sends a textarea's line breaks as CR LF.
        {"description": "seen abroad\r\nin 2025", "status": "victim_identified"},
    )
    assert done.status_code == 303
    with as_fr(network) as (session, viewer):
        shown = domain.series_shown(session, viewer, series_id)
        assert shown.status is SeriesStatus.VICTIM_IDENTIFIED
        assert shown.description == "seen abroad\nin 2025"
        actions = [c.action for c in history_of(session, viewer, RecordType.SERIES, series_id)]
        assert actions == ["description", "status"]
    back = analyst.post(f"/series/{series_id}/edit", {"status": "unidentified"})
    assert back.status_code == 409
    assert "a status never goes back" in back.text
    assert 'id="edit-error"' in back.text
    # A description of two lines is shown and edited as two lines, not as an escape.
    assert "<dd>seen abroad&#10;in 2025</dd>" in back.text
    assert ">seen abroad&#10;in 2025</textarea>" in back.text


def test_media_lines_are_all_or_nothing_and_the_bad_line_is_named(network: Network) -> None:
    analyst = browser(network)
    series_id = network.own.series_id
    media_id = make_media(network.store, network.own.seizure_id)
    refused = analyst.post(f"/series/{series_id}/media", {"media": f"{media_id}\r\nnot-a-hash"})
    assert refused.status_code == 422
    assert "media, line 2: media: &#39;not-a-hash&#39; is neither" in refused.text
    assert f"{media_id}&#10;not-a-hash</textarea>" in refused.text  # kept, to be corrected
    hidden = make_media(network.store, network.restricted.seizure_id)
    refused = analyst.post(f"/series/{series_id}/media", {"media": f"{media_id}\n{hidden}"})
    assert f"media, line 2: no media with id {hidden}" in refused.text
    with as_fr(network) as (session, viewer):
        assert domain.series_detail(session, viewer, series_id).media_total == 0
    taken = analyst.post(f"/series/{series_id}/media", {"media": media_id})
    assert taken.status_code == 303
    out = analyst.post(f"/series/{series_id}/media/{media_id}/unassign", {})
    assert out.status_code == 303
    with as_fr(network) as (session, viewer):
        assert domain.series_detail(session, viewer, series_id).media_total == 0
        actions = [c.action for c in history_of(session, viewer, RecordType.SERIES, series_id)]
        assert actions == ["media_assigned", "media_unassigned"]


def test_sharing_is_the_owners_and_a_viewer_or_a_missing_token_is_refused(
    network: Network,
) -> None:
    series_id = network.own.series_id
    analyst = browser(network)
    shared = analyst.post(f"/series/{series_id}/sharing", {"level": "named", "agencies": "NCB-BR"})
    assert shared.status_code == 303
    page = analyst.get(f"/series/{series_id}")
    assert "Named agencies</dt><dd>NCB-BR" in page.text
    assert 'id="sharing-level"' in page.text
    other = analyst.post(f"/series/{network.shared.series_id}/sharing", {"level": "owner"})
    assert other.status_code == 403
    assert 'id="sharing-level"' not in analyst.get(f"/series/{network.shared.series_id}").text
    viewer = browser(network, "viewer")
    assert viewer.post(f"/series/{series_id}/edit", {"description": "x"}).status_code == 403
    assert 'id="actions-heading"' not in viewer.get(f"/series/{series_id}").text
    no_token = analyst.post(f"/series/{series_id}/edit", {"description": "x"}, csrf=False)
    assert no_token.status_code == 403
    assert "csrf_token: missing or wrong" in no_token.text
    with as_fr(network) as (session, viewer_fr):
        assert domain.series_shown(session, viewer_fr, series_id).description is None


def test_a_link_to_a_hidden_record_is_not_shown(network: Network) -> None:
    shared, restricted = network.shared, network.restricted
    with network.store.session() as session:
        # NCB-BR ties its shared series to its restricted victim, and its restricted series
        # to its shared victim: NCB-FR sees neither tie's hidden end.
        session.add_all(
            [
                SeriesLink(
                    series_id=shared.series_id,
                    record_type="victim",
                    record_id=restricted.victim_id,
                    linked_by="target-br",
                ),
                SeriesLink(
                    series_id=restricted.series_id,
                    record_type="victim",
                    record_id=shared.victim_id,
                    linked_by="target-br",
                ),
            ]
        )
    analyst = browser(network)
    series_page = analyst.get(f"/series/{shared.series_id}")
    assert series_page.status_code == 200
    assert restricted.texts[6] not in series_page.text
    assert "victims, offenders, locations and cases tied to this series: none" in (
        series_page.text.lower()
    )
    victim_page = analyst.get(f"/victims/{shared.victim_id}")
    assert victim_page.status_code == 200
    assert restricted.texts[5] not in victim_page.text
    assert "Series tied to this victim: none that you may see" in victim_page.text


def test_the_list_filters_by_status(network: Network) -> None:
    analyst = browser(network)
    name = network.own.texts[5]
    analyst.post(f"/series/{network.own.series_id}/edit", {"status": "closed"})
    closed = analyst.get("/series?status=closed")
    assert name in closed.text
    assert network.shared.texts[5] not in closed.text
    assert '<option value="closed" selected>' in closed.text
    assert name not in analyst.get("/series?status=unidentified").text
