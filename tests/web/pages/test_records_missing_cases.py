"""The missing-child report and case pages: lists (own and shared, never another agency's
restricted record), a record with what is known, its series and history, and the owner's
changes as forms; the reference media said to be the command line's."""

from __future__ import annotations

from datetime import date

from tests.web.network import Network
from tests.web.pages.records_browser import as_fr, browser, history_actions
from vigil.cases import missing
from vigil.cases.history import history_of
from vigil.sharing import records
from vigil.store.models import CaseStatus, MissingStatus, Priority, RecordType


def test_missing_reports_list_new_and_found(network: Network) -> None:
    analyst = browser(network)
    listing = analyst.get("/missing")
    assert network.own.texts[9] in listing.text
    assert network.shared.texts[9] in listing.text
    assert network.restricted.texts[9] not in listing.text
    made = analyst.post(
        "/missing",
        {
            "reference": "YN-PAGE",
            "country": "FR",
            "child_label": "Léa",
            "missing_since": "2025-03-01",
        },
    )
    assert made.status_code == 303
    report_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = analyst.get(f"/missing/{report_id}")
    assert "vigil missing add-media YN-PAGE FOLDER" in page.text
    assert "<dt>Child</dt><dd>Léa</dd>" in page.text
    assert "<dt>Missing since</dt><dd>2025-03-01</dd>" in page.text
    edited = analyst.post(
        f"/missing/{report_id}/edit",
        {"child_label": "Léa M.", "birth_year": "2015", "last_seen_place": "Lyon station"},
    )
    assert edited.status_code == 303
    with as_fr(network) as (session, viewer):
        shown = missing.report_detail(session, viewer, report_id)
        assert (shown.child_label, shown.birth_year) == ("Léa M.", 2015)
        assert shown.last_seen_place == "Lyon station"
    old_birth = analyst.post(f"/missing/{report_id}/edit", {"birth_year": "1800"})
    assert old_birth.status_code == 422
    assert "born: 1800 is not a plausible year of birth" in old_birth.text
    early = analyst.post(f"/missing/{report_id}/found", {"on": "2025-01-01"})
    assert early.status_code == 422
    assert "on: 2025-01-01 is before the child went missing (2025-03-01)" in early.text
    assert analyst.post(f"/missing/{report_id}/found", {"on": "2025-04-01"}).status_code == 303
    again = analyst.post(f"/missing/{report_id}/found", {})
    assert again.status_code == 409
    assert "found is final" in again.text
    with as_fr(network) as (session, viewer):
        shown = missing.report_detail(session, viewer, report_id)
        assert shown.status is MissingStatus.FOUND
        assert shown.found_on == date(2025, 4, 1)
    assert history_actions(analyst.get(f"/missing/{report_id}").text) == 3
    taken = analyst.post(
        "/missing",
        {
            "reference": "YN-PAGE",
            "country": "FR",
            "child_label": "x",
            "missing_since": "2025-03-01",
        },
    )
    assert "reference: &#39;YN-PAGE&#39; is taken" in taken.text
    hidden = analyst.get(f"/missing/{network.restricted.missing_report_id}")
    assert hidden.status_code == 404


def test_a_case_page_its_changes_and_its_series(network: Network) -> None:
    analyst = browser(network)
    listing = analyst.get("/cases")
    assert network.own.texts[0] in listing.text
    assert network.shared.texts[0] in listing.text
    assert network.restricted.texts[0] not in listing.text
    assert 'href="/cases/new"' not in listing.text  # ingests make cases
    case_id = network.own.case_id
    edited = analyst.post(
        f"/cases/{case_id}/edit",
        {"title": "Operation page", "priority": "urgent", "status": "closed", "on": "2026-02-01"},
    )
    assert edited.status_code == 303
    tied = analyst.post(f"/cases/{case_id}/series", {"series": network.own.texts[5]})
    assert tied.status_code == 303
    page = analyst.get(f"/cases/{case_id}")
    assert "<dt>Title</dt><dd>Operation page</dd>" in page.text
    assert network.own.texts[1] in page.text  # its seizure
    assert f'<a href="/series/{network.own.series_id}">' in page.text
    assert history_actions(page.text) == 2  # updated, status
    with as_fr(network) as (session, viewer):
        shown = records.case_detail(session, viewer, case_id).case
        assert shown.status is CaseStatus.CLOSED
        assert shown.priority is Priority.URGENT
        actions = [c.action for c in history_of(session, viewer, RecordType.CASE, case_id)]
        assert actions == ["updated", "status"]
    same = analyst.post(f"/cases/{case_id}/edit", {"title": "Operation page", "status": "closed"})
    assert same.status_code == 303  # the form shows the case whole: nothing changes
    unknown = analyst.post(f"/cases/{case_id}/series", {"series": "no such series"})
    assert unknown.status_code == 422
    assert "no series &#39;no such series&#39;" in unknown.text
    huge = analyst.post(f"/cases/{case_id}/series", {"series": "#99999999999"})
    assert huge.status_code == 422
    assert "no series with id 99999999999" in huge.text


def test_a_shared_case_takes_own_series_but_not_changes(network: Network) -> None:
    analyst = browser(network)
    shared = network.shared.case_id
    page = analyst.get(f"/cases/{shared}")
    assert page.status_code == 200
    assert 'id="actions-heading"' not in page.text
    assert analyst.post(f"/cases/{shared}/edit", {"title": "mine"}).status_code == 403
    tied = analyst.post(f"/cases/{shared}/series", {"series": f"#{network.own.series_id}"})
    assert tied.status_code == 303
    assert f'<a href="/series/{network.own.series_id}">' in analyst.get(f"/cases/{shared}").text
    hidden = analyst.get(f"/cases/{network.restricted.case_id}")
    assert hidden.status_code == 404
    assert network.restricted.texts[0] not in hidden.text
