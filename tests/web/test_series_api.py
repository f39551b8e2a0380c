"""Series and victims through the API: made, linked, the victim identified (its series
follow), refusals with their reason, and another agency's record answered as missing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.network import BASE_URL, ROLE_USERS, Network
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE


def _client(network: Network) -> TestClient:
    secret, csrf = network.session_for(ROLE_USERS["analyst"])
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf
    return client


def test_a_series_and_its_victim_through_the_api(network: Network) -> None:
    client = _client(network)
    made = client.post("/api/series", json={"name": "api series", "level": "all"})
    assert made.status_code == 201, made.text
    series_id = made.json()["id"]
    again = client.post("/api/series", json={"name": "api series"})
    assert again.status_code == 422
    assert "already has a series 'api series'" in again.json()["error"]["message"]
    victim = client.post("/api/victims", json={"label": "api victim", "country": "BR"})
    victim_id = victim.json()["id"]
    linked = client.post(f"/api/series/{series_id}/links", json={"victim": victim_id})
    assert linked.json() == {"changed": True}
    identified = client.post(
        f"/api/victims/{victim_id}/identify", json={"on": "2026-01-05", "by": "NCB-BR"}
    )
    assert identified.status_code == 200, identified.text
    assert identified.json()["identified_by"] == "NCB-BR"
    detail = client.get(f"/api/series/{series_id}").json()
    assert detail["status"] == "victim_identified"
    assert detail["victims"] == [{"id": victim_id, "name": "api victim"}]
    assert [c["action"] for c in detail["history"]] == ["created", "linked", "status"]
    back = client.patch(f"/api/series/{series_id}", json={"status": "unidentified"})
    assert back.status_code == 409
    assert "never goes back" in back.json()["error"]["message"]
    assert back.json()["error"]["field"] == "status"
    history = client.get(f"/api/victims/{victim_id}/history").json()
    assert [c["detail"].get("to") for c in history] == [None, "identified"]


def test_hidden_and_missing_records_are_answered_alike(network: Network) -> None:
    client = _client(network)
    hidden = client.get(f"/api/series/{network.restricted.series_id}")
    missing = client.get("/api/series/999999")
    assert hidden.status_code == missing.status_code == 404
    own = network.own.series_id
    refused = client.post(f"/api/series/{own}/media", json={"media": [999_999]})
    assert refused.status_code == 404
    assert refused.json()["error"]["message"] == "no media with id 999999"
    link = client.post(f"/api/series/{own}/links", json={"victim": network.restricted.victim_id})
    assert link.status_code == 404
    both = client.post(f"/api/series/{own}/links", json={"victim": 1, "case": 1})
    assert both.status_code == 422
    shared = client.patch(f"/api/victims/{network.shared.victim_id}", json={"sex": "male"})
    assert shared.status_code == 403
