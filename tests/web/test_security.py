"""Security headers on every response, body limits, and the one JSON shape of errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi.testclient import TestClient

from tests.web.network import BASE_URL, PASSWORD, ROLE_USERS, Network
from vigil.sharing.policy import Permission
from vigil.store.db import QueryTimeoutError
from vigil.store.models import Scope
from vigil.web.app import create_app
from vigil.web.auth import SESSION_COOKIE, Principal
from vigil.web.config import WebConfig
from vigil.web.rules import allow
from vigil.web.security import CONTENT_SECURITY_POLICY
from vigil.web.templating import STATIC_DIR

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _assert_secure(response: object, cacheable: bool = False) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name
    assert (headers.get("cache-control") == "no-store") is not cacheable


def test_the_policy_forbids_inline_script_and_framing() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_headers_on_pages_api_errors_and_static(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    token, _ = network.token_for(ROLE_USERS["viewer"], [Scope.READ])
    auth = {"Authorization": f"Bearer {token}"}
    _assert_secure(client.get("/login"))
    _assert_secure(client.get("/api/ingest-runs", headers=auth))
    _assert_secure(client.get("/", headers=auth))
    missing = client.get(f"/api/ingest-runs/{10**9}", headers=auth)
    assert missing.status_code == 404
    _assert_secure(missing)
    _assert_secure(client.get("/api/me"))  # 401
    _assert_secure(client.get("/static/vigil.css"), cacheable=True)
    assert client.get("/static/../app.py").status_code == 404


def test_no_inline_script_or_style_on_the_pages(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    secret, _ = network.session_for(ROLE_USERS["viewer"])
    for page in (
        client.get("/login"),
        client.get("/", headers={"Cookie": f"{SESSION_COOKIE}={secret}"}),
    ):
        assert page.status_code == 200
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", page.text, flags=re.S)
        assert scripts, "the pages load their behaviour from /static"
        assert all(body.strip() == "" for body in scripts)
        assert re.findall(r"<script([^>]*)>", page.text) == re.findall(
            r'<script( src="/static/[a-z-]+\.js" defer)>', page.text
        )
        assert "<style" not in page.text
        assert " style=" not in page.text
        assert "onclick" not in page.text.lower()


def test_hsts_only_over_tls(network: Network) -> None:
    plain = TestClient(create_app(network.store, WebConfig()), base_url="http://testserver")
    assert "strict-transport-security" not in plain.get("/login").headers
    tls = TestClient(create_app(network.store, WebConfig()), base_url="https://testserver")
    assert "max-age=" in tls.get("/login").headers["strict-transport-security"]
    proxied = TestClient(
        create_app(network.store, WebConfig(behind_tls=True)), base_url="http://testserver"
    )
    assert "strict-transport-security" in proxied.get("/login").headers


def test_bodies_over_the_limit_are_refused_with_413(network: Network) -> None:
    config = WebConfig(max_body_bytes=2000, max_upload_bytes=5000)
    client = TestClient(create_app(network.store, config), base_url=BASE_URL)
    token, _ = network.token_for(ROLE_USERS["admin"], [Scope.ADMIN])
    auth = {"Authorization": f"Bearer {token}"}
    big = {"username": "x" * 3000, "display_name": "X", "roles": ["viewer"], "password": PASSWORD}
    response = client.post("/api/users", json=big, headers=auth)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    _assert_secure(response)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"username": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    streamed = client.post(
        "/api/users", content=chunks(), headers={**auth, "content-type": "application/json"}
    )
    assert streamed.status_code == 413
    # An upload may be larger than a body, up to its own limit.
    upload = client.post(
        "/login",
        files={"f": ("a.txt", b"z" * 3000, "text/plain")},
        data={"username": "nobody", "password": "x" * 12},
    )
    assert upload.status_code == 401
    too_big = client.post("/login", files={"f": ("a.txt", b"z" * 6000, "text/plain")})
    assert too_big.status_code == 413


def test_errors_name_the_field(network: Network) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    token, _ = network.token_for(ROLE_USERS["admin"], [Scope.ADMIN])
    auth = {"Authorization": f"Bearer {token}"}
    bad_role = client.post(
        "/api/users",
        json={"username": "zed", "display_name": "Zed", "roles": ["chief"], "password": PASSWORD},
        headers=auth,
    )
    assert bad_role.status_code == 422
    assert bad_role.json()["error"]["field"] == "roles.0"
    weak = client.post(
        "/api/users",
        json={"username": "zed", "display_name": "Zed", "roles": ["viewer"], "password": "short"},
        headers=auth,
    )
    assert weak.status_code == 422
    error = weak.json()["error"]
    assert error["field"] == "password"
    assert "short" not in error["message"]
    reader, _ = network.token_for(ROLE_USERS["viewer"], [Scope.READ])
    paging = client.get("/api/ingest-runs?limit=0", headers={"Authorization": f"Bearer {reader}"})
    assert paging.status_code == 422
    assert paging.json()["error"]["field"] == "limit"


def test_a_read_past_its_time_limit_is_a_503(network: Network) -> None:
    app = create_app(network.store)

    @app.get("/api/slow")
    def slow(caller: Annotated[Principal, allow(Permission.READ)]) -> None:
        raise QueryTimeoutError("query stopped after its time limit of 10 s")

    token, _ = network.token_for(ROLE_USERS["viewer"], [Scope.READ])
    response = TestClient(app, base_url=BASE_URL).get(
        "/api/slow", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 503
    assert "time limit" in response.json()["error"]["message"]


def test_an_unexpected_error_shows_no_trace(network: Network) -> None:
    app = create_app(network.store)

    @app.get("/api/broken")
    def broken(caller: Annotated[Principal, allow(Permission.READ)]) -> None:
        raise RuntimeError("secret internals /srv/vigil/app.py line 12")

    token, _ = network.token_for(ROLE_USERS["viewer"], [Scope.READ])
    client = TestClient(app, base_url=BASE_URL, raise_server_exceptions=False)
    response = client.get("/api/broken", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    assert "internals" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["error"]["code"] == "internal"


@pytest.mark.parametrize("path", ["/api/ingest-runs/{restricted}", "/api/ingest-runs/999999"])
def test_hidden_and_missing_runs_are_told_alike(network: Network, path: str) -> None:
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    token, _ = network.token_for(ROLE_USERS["viewer"], [Scope.READ])
    url = path.format(restricted=network.restricted.run_id)
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    number = url.rsplit("/", 1)[1]
    assert response.json()["error"]["message"] == f"run_id: no ingest run {number}"


def test_the_static_folder_holds_only_styles_and_scripts() -> None:
    # No route serves media: the one folder served as files is the pages' own.
    served = [path for path in STATIC_DIR.rglob("*") if path.is_file()]
    assert served
    assert {path.suffix for path in served} <= {".css", ".js"}
