"""The offender and location pages: lists with their filter (own and shared, never another
agency's restricted record), a record with what is known, its series, media (blurred) and
history, and the owner's changes as forms."""

from __future__ import annotations

from tests.web.matrix_records import make_media
from tests.web.network import Network
from tests.web.pages.records_browser import as_fr, browser, history_actions
from vigil.cases import locations, offenders
from vigil.cases.history import history_of
from vigil.store.models import LocationKind, OffenderStatus, RecordType


def test_offender_list_filters_by_status(network: Network) -> None:
    reader = browser(network, "viewer")
    page = reader.get("/offenders")
    assert network.own.texts[7] in page.text
    assert f"NCB-BR/{network.shared.texts[7]}" in page.text
    assert network.restricted.texts[7] not in page.text
    arrested = reader.get("/offenders?status=arrested")
    assert network.own.texts[7] not in arrested.text
    assert '<option value="arrested" selected>' in arrested.text
    assert "<td>—</td>" in page.text  # no country: a dash, not "None"
    bad = reader.get("/offenders?status=jailed")
    assert bad.status_code == 422
    assert "status: &#39;jailed&#39; is not one of unknown, identified" in bad.text


def test_offender_edit_and_status_steps(network: Network) -> None:
    analyst = browser(network)
    made = analyst.post("/offenders", {"label": "O-page", "country": "fr"})
    offender_id = int(made.headers["location"].rsplit("/", 1)[1])
    assert analyst.post(f"/offenders/{offender_id}/edit", {"country": "DE"}).status_code == 303
    step = analyst.post(f"/offenders/{offender_id}/status", {"status": "arrested"})
    assert step.status_code == 303
    with as_fr(network) as (session, viewer):
        shown = offenders.offender_detail(session, viewer, offender_id)
        assert shown.status is OffenderStatus.ARRESTED
        assert shown.country == "DE"
        actions = [c.action for c in history_of(session, viewer, RecordType.OFFENDER, offender_id)]
        assert actions == ["created", "updated", "status"]
    back = analyst.post(f"/offenders/{offender_id}/status", {"status": "identified"})
    assert back.status_code == 409
    assert "is arrested and cannot become identified (a status never goes back)" in back.text
    page = analyst.get(f"/offenders/{offender_id}")
    assert "<dt>Status</dt><dd>arrested</dd>" in page.text
    assert history_actions(page.text) == 3
    hidden = analyst.get(f"/offenders/{network.restricted.offender_id}")
    assert hidden.status_code == 404
    assert (
        browser(network, "viewer")
        .post(f"/offenders/{offender_id}/status", {"status": "convicted"})
        .status_code
        == 403
    )


def test_location_list_page_media_and_changes(network: Network) -> None:
    analyst = browser(network)
    listing = analyst.get("/locations?kind=room")
    assert network.own.texts[8] in listing.text
    assert network.shared.texts[8] in listing.text
    assert network.restricted.texts[8] not in listing.text
    assert network.own.texts[8] not in analyst.get("/locations?kind=city").text
    location_id = network.own.location_id
    media_id = make_media(network.store, network.own.seizure_id)
    tied = analyst.post(f"/locations/{location_id}/media", {"media": f"{media_id}\n"})
    assert tied.status_code == 303
    moved = analyst.post(
        f"/locations/{location_id}/edit",
        {"description": "a kitchen", "kind": "building", "lat": "48.85", "lon": "2.35"},
    )
    assert moved.status_code == 303
    page = analyst.get(f"/locations/{location_id}")
    assert f'src="/media/{media_id}/preview"' in page.text
    assert "data-media-page" in page.text
    assert "<dt>Position</dt><dd>48.85, 2.35</dd>" in page.text
    assert history_actions(page.text) == 2
    with as_fr(network) as (session, viewer):
        shown = locations.location_detail(session, viewer, location_id)
        assert shown.kind is LocationKind.BUILDING
        assert shown.media == [media_id]
    half = analyst.post(f"/locations/{location_id}/edit", {"lat": "10"})
    assert half.status_code == 422
    assert "lon: give both lat and lon, or neither" in half.text
    out = analyst.post(f"/locations/{location_id}/media/{media_id}/unassign", {})
    assert out.status_code == 303
    with as_fr(network) as (session, viewer):
        assert locations.location_detail(session, viewer, location_id).media == []
    hidden = analyst.get(f"/locations/{network.restricted.location_id}")
    assert hidden.status_code == 404
    assert network.restricted.texts[8] not in hidden.text
