"""The administration pages: agencies, users and roles, API tokens (the secret shown once),
sharing levels, and the audit log with its filters and the chain's verification."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.sharing.audit_tamper import tamper
from tests.web.network import BASE_URL, PASSWORD, ROLE_USERS, Network
from vigil.sharing.accounts import find_user
from vigil.sharing.tokens import verify_token
from vigil.store.models import Scope, utcnow
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE


def _browser(network: Network, username: str) -> TestClient:
    secret, csrf = network.session_for(username)
    client = TestClient(create_app(network.store), base_url=BASE_URL, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf
    client.headers["Accept"] = "text/html"
    return client


def _row(page: str, attribute: str, value: str) -> str:
    found = re.search(rf'<tr[^>]*{attribute}="{re.escape(value)}".*?</tr>', page, re.S)
    assert found, f"no row {attribute}={value}"
    return found.group(0)


def _roles(network: Network, username: str) -> list[str]:
    with network.store.session() as session:
        return sorted(find_user(session, username).roles)


def test_an_admin_lists_adds_and_changes_the_users_of_their_agency(network: Network) -> None:
    admin = _browser(network, ROLE_USERS["admin"])
    listed = admin.get("/admin/users").text
    assert "target-fr" in listed
    assert "target-br" not in listed

    made = admin.post(
        "/admin/users",
        data={
            "username": "marie.d",
            "display_name": "Marie D.",
            "roles": ["analyst", "viewer"],
            "password": PASSWORD,
        },
    )
    assert made.status_code == 303
    assert made.headers["location"] == "/admin/users/marie.d"
    assert _roles(network, "marie.d") == ["analyst", "viewer"]
    assert "NCB-FR" in admin.get("/admin/users/marie.d").text

    assert (
        admin.post("/admin/users/marie.d/roles", data={"roles": ["supervisor"]}).status_code == 303
    )
    assert _roles(network, "marie.d") == ["supervisor"]
    none = admin.post("/admin/users/marie.d/roles", data={})
    assert none.status_code == 422
    assert 'id="role-error"' in none.text
    assert _roles(network, "marie.d") == ["supervisor"]

    assert admin.post("/admin/users/marie.d/active", data={"active": "false"}).status_code == 303
    assert "no (deactivated)" in _row(admin.get("/admin/users").text, "data-user", "marie.d")
    assert admin.post("/admin/users/marie.d/active", data={"active": "true"}).status_code == 303
    assert "yes" in _row(admin.get("/admin/users").text, "data-user", "marie.d")


def test_a_refused_user_shows_the_form_again_with_the_reason(network: Network) -> None:
    admin = _browser(network, ROLE_USERS["admin"])
    fields = {"username": "target-fr", "display_name": "X", "roles": ["viewer"]}
    taken = admin.post("/admin/users", data={**fields, "password": PASSWORD})
    assert taken.status_code == 422
    assert 'id="username-error"' in taken.text
    assert "is taken" in taken.text
    weak = admin.post("/admin/users", data={**fields, "username": "new-one", "password": "x"})
    assert 'id="password-error"' in weak.text


def test_another_agencys_users_and_agencies_are_not_found(network: Network) -> None:
    admin = _browser(network, ROLE_USERS["admin"])
    other = admin.get("/admin/users/target-br")
    missing = admin.get("/admin/users/nobody-at-all")
    assert other.status_code == missing.status_code == 404
    assert admin.post("/admin/users/target-br/active", data={"active": "false"}).status_code == 404
    assert admin.get("/admin/agencies/NCB-BR").status_code == 404
    # Adding an agency is the central unit's.
    home = admin.get("/admin").text
    assert "NCB-BR" in home
    assert 'action="/admin/agencies"' not in home
    new = {"code": "NEW-UNIT", "name": "New", "kind": "specialised_unit", "country": "DE"}
    assert admin.post("/admin/agencies", data=new).status_code == 403


def test_an_admin_changes_their_agency_and_the_central_unit_adds_one(network: Network) -> None:
    admin = _browser(network, ROLE_USERS["admin"])
    form = {"name": "NCB Paris", "kind": "ncb", "country": "FR", "contact": "desk 24/7"}
    assert admin.post("/admin/agencies/NCB-FR", data=form).status_code == 303
    assert "desk 24/7" in _row(admin.get("/admin").text, "data-agency", "NCB-FR")
    wrong = admin.post("/admin/agencies/NCB-FR", data={**form, "country": "XX"})
    assert wrong.status_code == 422
    assert 'id="country-error"' in wrong.text

    central = _browser(network, "admin-cu")
    assert 'action="/admin/agencies"' in central.get("/admin").text
    new = {"code": "NEW-UNIT", "name": "New unit", "kind": "specialised_unit", "country": "DE"}
    made = central.post("/admin/agencies", data=new)
    assert made.status_code == 303
    assert made.headers["location"] == "/admin/agencies/NEW-UNIT"
    assert "New unit" in _row(central.get("/admin").text, "data-agency", "NEW-UNIT")
    again = central.post("/admin/agencies", data=new)
    assert again.status_code == 422
    assert 'id="code-error"' in again.text


def test_non_admins_are_refused_the_administration(network: Network) -> None:
    for role in ("viewer", "analyst", "supervisor", "auditor"):
        client = _browser(network, ROLE_USERS[role])
        assert client.get("/admin").status_code == 403
        assert client.get("/admin/users").status_code == 403
        assert client.get("/admin/sharing").status_code == 403
        made = client.post("/admin/users", data={"username": "x1", "roles": ["viewer"]})
        assert made.status_code == 403


def test_a_token_is_made_its_secret_shown_once_and_revoked(network: Network) -> None:
    viewer = _browser(network, ROLE_USERS["viewer"])
    made = viewer.post(
        "/tokens", data={"name": "nightly export", "scopes": ["read"], "lifetime_days": "30"}
    )
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    secret = re.search(r'<p class="secret" id="secret">(vigil_[0-9a-f]{12}_\S+)</p>', made.text)
    assert secret
    presented = secret.group(1)
    with network.store.session() as session:
        assert verify_token(session, presented, utcnow()).user.username == ROLE_USERS["viewer"]
    prefix = presented.split("_")[1]

    listed = viewer.get("/tokens").text
    row = _row(listed, "data-token", prefix)
    assert "nightly export" in row
    assert "active" in row
    assert presented not in listed  # never again

    refused = viewer.post("/tokens", data={"name": "no scope"})
    assert refused.status_code == 422
    assert 'id="scope-error"' in refused.text

    revoked = viewer.post(f"/tokens/{prefix}/revoke")
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/tokens"
    assert "revoked" in _row(viewer.get("/tokens").text, "data-token", prefix)
    assert (
        viewer.get("/api/me", headers={"Authorization": f"Bearer {presented}"}).status_code == 401
    )


def test_an_admin_revokes_a_token_of_their_agency_only(network: Network) -> None:
    _, mine = network.token_for("target-fr", [Scope.READ])
    _, theirs = network.token_for("target-br", [Scope.READ])
    admin = _browser(network, ROLE_USERS["admin"])
    assert mine in admin.get("/admin/users/target-fr").text
    revoked = admin.post(f"/tokens/{mine}/revoke")
    assert revoked.headers["location"] == "/admin/users/target-fr"
    assert "revoked" in _row(admin.get("/admin/users/target-fr").text, "data-token", mine)
    assert admin.post(f"/tokens/{theirs}/revoke").status_code == 404
    viewer = _browser(network, ROLE_USERS["viewer"])
    assert viewer.post(f"/tokens/{mine}/revoke").status_code == 404


def test_the_sharing_page_lists_the_agencys_records_by_level(network: Network) -> None:
    admin = _browser(network, ROLE_USERS["admin"])
    page = admin.get("/admin/sharing?kind=series").text
    counts = _row(page, "data-kind", "series")
    assert re.search(r'level=owner"[^>]*>1</a>', counts)
    assert f'href="/series/{network.own.series_id}"' in page
    assert network.own.texts[5] in page
    for text in (*network.shared.texts, *network.restricted.texts):
        assert text not in page
    shared = admin.get("/admin/sharing?kind=series&level=all").text
    assert network.own.texts[5] not in shared


def _login_events(network: Network) -> None:
    """Logins of the viewer and the analyst, and one failed login of the analyst."""
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    for username in (ROLE_USERS["viewer"], ROLE_USERS["analyst"]):
        client.post("/login", data={"username": username, "password": PASSWORD})
    client.post("/login", data={"username": ROLE_USERS["analyst"], "password": "wrong"})


def test_the_audit_log_filters_by_user_and_action(network: Network) -> None:
    _login_events(network)
    auditor = _browser(network, ROLE_USERS["auditor"])
    page = auditor.get(f"/admin/audit?user={ROLE_USERS['viewer']}&action=login")
    assert page.status_code == 200
    users = set(re.findall(r'<td class="user">([^<]+)</td>', page.text))
    actions = set(re.findall(r'<td class="action">([^<]+)</td>', page.text))
    assert users == {ROLE_USERS["viewer"]}
    assert actions == {"login"}
    failed = auditor.get("/admin/audit?action=login.failed").text
    assert set(re.findall(r'<td class="action">([^<]+)</td>', failed)) == {"login.failed"}
    assert set(re.findall(r'<td class="user">([^<]+)</td>', failed)) == {ROLE_USERS["analyst"]}
    # Another agency's events are not the auditor's to read.
    other = auditor.get("/admin/audit?agency=NCB-BR")
    assert other.status_code == 422
    assert 'id="agency-error"' in other.text
    assert "target-br" not in other.text
    assert _browser(network, ROLE_USERS["admin"]).get("/admin/audit").status_code == 403


def test_verify_reports_an_intact_chain_then_the_first_altered_event(network: Network) -> None:
    auditor = _browser(network, ROLE_USERS["auditor"])
    intact = auditor.post("/admin/audit/verify")
    assert intact.status_code == 200
    assert "The chain is intact" in intact.text
    head = re.search(r'<dd class="head-seq">(\d+)</dd>', intact.text)
    assert head
    assert int(head.group(1)) > 3
    assert re.search(r'<code class="head-hash">[0-9a-f]{64}</code>', intact.text)

    tamper(network.store, "UPDATE audit_event SET user_name = 'mallory' WHERE seq = 3")
    broken = auditor.post("/admin/audit/verify")
    assert "The chain is broken at event 3" in broken.text
    assert "event 3" in re.search(r'<p class="problem">([^<]+)</p>', broken.text).group(1)
    assert _browser(network, ROLE_USERS["viewer"]).post("/admin/audit/verify").status_code == 403
