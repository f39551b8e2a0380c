"""Offenders, locations, missing-child reports, statistics and the new case and seizure
fields through the API: validation as 422 naming the field, other agencies' restricted
records as 404, refused steps as 422, history per change."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.network import BASE_URL, ROLE_USERS, Network
from vigil.store.models import Role
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE


@pytest.fixture
def analyst(network: Network) -> TestClient:
    secret, csrf = network.session_for(ROLE_USERS[Role.ANALYST.value])
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf
    return client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_offender_life_through_the_api(analyst: TestClient, network: Network) -> None:
    created = _ok(analyst.post("/api/offenders", json={"label": "API-OFF", "country": "fr"}), 201)
    ident = created["id"]
    assert (created["status"], created["country"], created["agency"]) == ("unknown", "FR", "NCB-FR")
    bad = analyst.post("/api/offenders", json={"label": "API-OFF-2", "country": "QQ"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "country"
    _ok(analyst.patch(f"/api/offenders/{ident}", json={"status": "arrested", "on": "2026-01-02"}))
    back = analyst.patch(f"/api/offenders/{ident}", json={"status": "identified"})
    assert back.status_code == 422
    assert "allowed next: convicted" in back.json()["error"]["message"]
    history = _ok(analyst.get(f"/api/offenders/{ident}/history"))
    assert [h["action"] for h in history] == ["created", "status"]
    restricted = analyst.get(f"/api/offenders/{network.restricted.offender_id}")
    assert restricted.status_code == 404
    shared = _ok(analyst.get(f"/api/offenders/{network.shared.offender_id}"))
    assert shared["label"].startswith("NCB-BR/")
    listed = _ok(analyst.get("/api/offenders"))
    ids = {o["id"] for o in listed["items"]}
    assert ident in ids
    assert network.restricted.offender_id not in ids


def test_locations_and_their_media(analyst: TestClient, network: Network) -> None:
    bad = analyst.post("/api/locations", json={"description": "x", "kind": "room", "lat": 1.0})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "lon"
    ident = _ok(
        analyst.post(
            "/api/locations",
            json={"description": "Kitchen", "kind": "room", "lat": 1.5, "lon": 2.5},
        ),
        201,
    )["id"]
    hidden = analyst.post(f"/api/locations/{ident}/media", json={"media": [987654]})
    assert hidden.status_code == 404
    moved = _ok(analyst.patch(f"/api/locations/{ident}", json={"clear_position": True}))
    assert (moved["lat"], moved["lon"]) == (None, None)
    shared = network.shared.location_id
    assert analyst.patch(f"/api/locations/{shared}", json={"kind": "city"}).status_code == 403


def test_missing_reports_and_stats(analyst: TestClient, network: Network) -> None:
    body = {
        "reference": "YN-API-1",
        "country": "FR",
        "child_label": "Child API",
        "missing_since": "2025-05-01",
        "birth_year": 2014,
    }
    created = _ok(analyst.post("/api/missing-reports", json=body), 201)
    assert (created["dissemination"], created["seizure_id"]) == ("all", None)
    taken = analyst.post("/api/missing-reports", json=body)
    assert taken.status_code == 422
    assert taken.json()["error"]["message"] == "reference: 'YN-API-1' is taken; choose another"
    ident = created["id"]
    found = _ok(analyst.post(f"/api/missing-reports/{ident}/found", json={"on": "2025-06-01"}))
    assert (found["status"], found["found_on"]) == ("found", "2025-06-01")
    again = analyst.post(f"/api/missing-reports/{ident}/found", json={})
    assert again.status_code == 422
    restricted = network.restricted.missing_report_id
    assert analyst.get(f"/api/missing-reports/{restricted}").status_code == 404
    stats = _ok(analyst.get("/api/stats"))
    references = {c["reference"] for c in stats["cases"]}
    assert network.restricted.texts[0] not in references
    assert network.shared.texts[0] in references
    assert set(stats["totals"]) == {
        "victims_identified",
        "victims_rescued",
        "series_open",
        "series_identified",
        "offenders_identified",
    }


def test_case_and_seizure_fields(analyst: TestClient, network: Network) -> None:
    case_id = network.own.case_id
    closed = _ok(
        analyst.patch(
            f"/api/cases/{case_id}",
            json={"title": "Op API", "priority": "urgent", "status": "closed", "on": "2026-01-01"},
        )
    )
    assert (closed["title"], closed["priority"], closed["status"]) == ("Op API", "urgent", "closed")
    twice = analyst.patch(f"/api/cases/{case_id}", json={"status": "closed"})
    assert twice.status_code == 422
    assert "closed already" in twice.json()["error"]["message"]
    seizure_id = network.own.seizure_id
    seizure = _ok(
        analyst.patch(
            f"/api/seizures/{seizure_id}",
            json={"source": "Laptop", "seized_at": "2026-01-01T09:00:00Z"},
        )
    )
    assert (seizure["source"], seizure["seized_at"][:16]) == ("Laptop", "2026-01-01T09:00")
    assert _ok(analyst.get(f"/api/seizures/{seizure_id}"))["source"] == "Laptop"
    shared = network.shared.case_id
    assert analyst.patch(f"/api/cases/{shared}", json={"title": "x"}).status_code == 403
