"""The victim pages: the list (own and shared, never another agency's restricted victim),
a victim with what is known, its series and history, and the identification workflow as
forms — forward only, a step back shown with the domain's reason."""

from __future__ import annotations

from datetime import date

from tests.web.matrix_records import make_media
from tests.web.network import Network
from tests.web.pages.records_browser import as_fr, browser, history_actions
from vigil.cases import victims as domain
from vigil.cases.history import history_of
from vigil.store.models import AgeBand, RecordType, VictimStatus


def test_the_list_shows_own_and_shared_victims_only(network: Network) -> None:
    page = browser(network, "viewer").get("/victims")
    assert page.status_code == 200
    assert network.own.texts[6] in page.text
    assert f"NCB-BR/{network.shared.texts[6]}" in page.text
    assert network.restricted.texts[6] not in page.text


def test_a_new_victim_and_its_page(network: Network) -> None:
    analyst = browser(network)
    made = analyst.post("/victims", {"label": "V-page", "sex": "female", "age_band": "6-9"})
    assert made.status_code == 303
    victim_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = analyst.get(f"/victims/{victim_id}")
    assert "<dt>Age</dt><dd>6-9</dd>" in page.text
    assert "<dt>Sex</dt><dd>female</dd>" in page.text
    assert history_actions(page.text) == 1
    assert f"record_type=victim&amp;record_id={victim_id}" in page.text
    blank = analyst.post("/victims", {"label": "  "})
    assert blank.status_code == 422
    assert "label: must not be empty" in blank.text


def test_the_victims_series_and_their_media_are_shown_with_who_tied_them(network: Network) -> None:
    analyst = browser(network)
    series_id = network.own.series_id
    analyst.post(f"/series/{series_id}/links", {"kind": "victim", "record": network.own.texts[6]})
    media_id = make_media(network.store, network.own.seizure_id)
    analyst.post(f"/series/{series_id}/media", {"media": str(media_id)})
    page = analyst.get(f"/victims/{network.own.victim_id}")
    assert f'<a href="/series/{series_id}">{network.own.texts[5]}</a>' in page.text
    assert "<td>analyst-fr</td>" in page.text
    # Its media are its series': blurred previews, on a media page.
    assert f'src="/media/{media_id}/preview"' in page.text
    assert "data-media-page" in page.text
    assert "1 of 1 media shown" in page.text


def test_identify_rescue_and_a_step_back_refused(network: Network) -> None:
    analyst = browser(network)
    victim_id = network.own.victim_id
    assert analyst.post(f"/victims/{victim_id}/edit", {"age_band": "10-13"}).status_code == 303
    identified = analyst.post(f"/victims/{victim_id}/identify", {"on": "2026-01-05"})
    assert identified.status_code == 303
    rescued = analyst.post(f"/victims/{victim_id}/rescue", {"on": "2026-01-06"})
    assert rescued.status_code == 303
    with as_fr(network) as (session, viewer):
        shown = domain.victim_shown(session, viewer, victim_id)
        assert shown.status is VictimStatus.RESCUED
        assert shown.age_band is AgeBand.PRETEEN
        assert shown.identified_on == date(2026, 1, 5)
        assert shown.identified_by == "NCB-FR"
        changes = history_of(session, viewer, RecordType.VICTIM, victim_id)
        assert [c.detail.get("to") for c in changes if c.action == "status"] == [
            "identified",
            "rescued",
        ]
    back = analyst.post(f"/victims/{victim_id}/identify", {})
    assert back.status_code == 409
    assert "is rescued and cannot become identified (a status never goes back)" in back.text
    assert 'id="identify-error"' in back.text
    future = analyst.post(f"/victims/{victim_id}/safeguard", {"on": "2999-01-01"})
    assert future.status_code == 422
    assert "on: 2999-01-01 is in the future" in future.text
    assert analyst.post(f"/victims/{victim_id}/safeguard", {"on": "2026-01-07"}).status_code == 303
    with as_fr(network) as (session, viewer):
        assert domain.victim_shown(session, viewer, victim_id).status is VictimStatus.SAFEGUARDED
    assert "<dt>Status</dt><dd>safeguarded</dd>" in analyst.get(f"/victims/{victim_id}").text


def test_a_restricted_victim_and_refused_callers(network: Network) -> None:
    hidden = browser(network).get(f"/victims/{network.restricted.victim_id}")
    assert hidden.status_code == 404
    assert network.restricted.texts[6] not in hidden.text
    victim_id = network.own.victim_id
    viewer = browser(network, "viewer")
    assert viewer.post(f"/victims/{victim_id}/identify", {}).status_code == 403
    assert (
        browser(network).post(f"/victims/{victim_id}/identify", {}, csrf=False).status_code == 403
    )
    shared = browser(network).post(f"/victims/{network.shared.victim_id}/identify", {})
    assert shared.status_code == 403
    assert "belongs to another agency" in shared.text
    with as_fr(network) as (session, viewer_fr):
        assert (
            domain.victim_shown(session, viewer_fr, victim_id).status is VictimStatus.UNIDENTIFIED
        )


def test_the_list_filters_by_status(network: Network) -> None:
    analyst = browser(network)
    label = network.own.texts[6]
    assert label in analyst.get("/victims?status=unidentified").text
    analyst.post(f"/victims/{network.own.victim_id}/identify", {})
    identified = analyst.get("/victims?status=identified")
    assert label in identified.text
    assert network.shared.texts[6] not in identified.text  # still unidentified
    assert label not in analyst.get("/victims?status=unidentified").text
