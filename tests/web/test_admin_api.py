"""Agencies, users, tokens and the audit trail through the API: who administers whom."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.network import BASE_URL, PASSWORD, ROLE_USERS, Network
from vigil.store.models import Scope
from vigil.web.app import create_app


def _client(network: Network, username: str, scopes: list[Scope]) -> TestClient:
    token, _ = network.token_for(username, scopes)
    return TestClient(
        create_app(network.store),
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {token}"},
    )


def test_an_ncb_admin_administers_its_own_agency_only(network: Network) -> None:
    admin = _client(network, ROLE_USERS["admin"], [Scope.ADMIN])
    listed = {user["username"] for user in admin.get("/api/users").json()}
    assert "target-fr" in listed
    assert "target-br" not in listed
    assert admin.patch("/api/users/target-fr", json={"roles": ["analyst"]}).status_code == 200
    # Another agency's user and one that does not exist are refused alike.
    other = admin.patch("/api/users/target-br", json={"active": False})
    missing = admin.patch("/api/users/nobody-at-all", json={"active": False})
    assert other.status_code == missing.status_code == 404
    assert admin.get("/api/users?agency=NCB-BR").status_code == 404
    new = {"username": "new-br", "display_name": "N", "roles": ["viewer"], "password": PASSWORD}
    assert admin.post("/api/users", json={**new, "agency": "NCB-BR"}).status_code == 404
    assert admin.patch("/api/agencies/NCB-BR", json={"contact": "x"}).status_code == 404
    assert admin.patch("/api/agencies/NCB-FR", json={"contact": "desk"}).json()["contact"] == "desk"
    agency = {"code": "NEW-UNIT", "name": "New", "kind": "specialised_unit", "country": "DE"}
    assert admin.post("/api/agencies", json=agency).status_code == 403


def test_the_central_unit_administers_every_agency(network: Network) -> None:
    central = _client(network, "admin-cu", [Scope.ADMIN])
    listed = {user["username"] for user in central.get("/api/users").json()}
    assert {"target-fr", "target-br", "target-x"} <= listed
    assert central.patch("/api/users/target-br", json={"active": False}).json()["active"] is False
    agency = {"code": "NEW-UNIT", "name": "New", "kind": "specialised_unit", "country": "DE"}
    made = central.post("/api/agencies", json=agency)
    assert made.status_code == 201
    assert made.json()["code"] == "NEW-UNIT"
    again = central.post("/api/agencies", json=agency)
    assert again.status_code == 422
    assert again.json()["error"]["field"] == "code"


def test_every_member_lists_agencies_and_their_contacts(network: Network) -> None:
    viewer = _client(network, ROLE_USERS["viewer"], [Scope.READ])
    agencies = {a["code"]: a for a in viewer.get("/api/agencies").json()}
    assert {"NCB-FR", "NCB-BR", "PARTNER-X", "CU"} <= set(agencies)
    assert agencies["NCB-FR"]["contact"] == "ncb@fr.example"


def test_ingest_runs_are_paginated_over_visible_runs_only(network: Network) -> None:
    viewer = _client(network, ROLE_USERS["viewer"], [Scope.READ])
    everything = viewer.get("/api/ingest-runs").json()
    ids = [run["id"] for run in everything["items"]]
    assert ids == sorted([network.own.run_id, network.shared.run_id], reverse=True)
    assert everything["total"] == 2
    second = viewer.get("/api/ingest-runs?limit=1&offset=1").json()
    assert [run["id"] for run in second["items"]] == ids[1:]
    assert (second["limit"], second["offset"], second["total"]) == (1, 1, 2)
    partner = _client(network, "partner-x", [Scope.READ])
    assert [run["id"] for run in partner.get("/api/ingest-runs").json()["items"]] == [
        network.partner.run_id
    ]


def test_audit_is_read_per_agency_and_verified(network: Network) -> None:
    auditor = _client(network, ROLE_USERS["auditor"], [Scope.ADMIN])
    admin = _client(network, ROLE_USERS["admin"], [Scope.ADMIN])
    admin.patch("/api/users/target-fr", json={"roles": ["supervisor"]})
    events = auditor.get("/api/audit", params={"object": "user:target-fr"}).json()
    assert [e["action"] for e in events["items"]][:1] == ["user.change"]
    assert all(e["agency"] == "NCB-FR" for e in events["items"])
    refused = auditor.get("/api/audit", params={"agency": "NCB-BR"})
    assert refused.status_code == 403
    assert refused.json()["error"]["field"] == "agency"
    verified = auditor.get("/api/audit/verify").json()
    assert verified["intact"] is True
    assert verified["events"] > 0
    assert admin.get("/api/audit").status_code == 403  # admins do not audit


def test_a_token_is_shown_once_and_revoked_by_its_owner_or_an_admin(network: Network) -> None:
    analyst = ROLE_USERS["analyst"]
    _, prefix = network.token_for(analyst, [Scope.READ])
    mine = _client(network, analyst, [Scope.READ])
    listed = mine.get("/api/tokens").json()
    assert prefix in {t["prefix"] for t in listed}
    assert all("token" not in t for t in listed)  # the secret is never listed
    viewer = _client(network, ROLE_USERS["viewer"], [Scope.READ])
    assert viewer.delete(f"/api/tokens/{prefix}").status_code == 404
    admin = _client(network, ROLE_USERS["admin"], [Scope.ADMIN])
    assert admin.delete(f"/api/tokens/{prefix}").json()["status"] == "revoked"
    _, foreign = network.token_for("target-br", [Scope.READ])
    assert admin.delete(f"/api/tokens/{foreign}").status_code == 404
