"""Every page Vigil serves works offline: nothing is loaded from another host."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute

from tests.imagegen import make_jpeg
from tests.web.network import logged_in
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.store.db import Store
from vigil.web.app import create_app
from vigil.web.rules import served_routes

#: A reference that makes a browser fetch from elsewhere: src/href/action, CSS url() or
#: @import, or a script module import, pointing at an absolute or protocol-relative URL.
OUTSIDE = re.compile(
    r"""(?:(?:src|href|action)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?|from\s+["'])"""
    r"""(?:https?:)?//""",
    re.IGNORECASE,
)


def test_no_page_references_an_outside_host(store: Store, tmp_path: Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    make_jpeg(card / "a.jpg", seed=1)
    ingest(store, IngestRequest(root=card, case_reference="OP-OFF", workers=1))
    app = create_app(store)
    client = logged_in(app, store)
    pages = [
        served.path
        for served in served_routes(app.routes)
        if isinstance(served.route, APIRoute)
        and "GET" in served.methods
        and "{" not in served.path
        and not served.path.startswith(("/m/", "/api/lookup"))  # these need a hash to ask
    ]
    # The interactive API pages load Swagger UI and ReDoc from a CDN: they are off.
    for off in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(off).status_code == 404, off
    assert client.get("/openapi.json").json()["info"]["title"] == "Vigil"
    assert "/" in pages
    for path in [*pages, "/openapi.json"]:
        response = client.get(path)
        # The reader may not administer or audit: those answer a JSON refusal.
        assert response.status_code in (200, 403), path
        assert not OUTSIDE.search(response.text), (path, OUTSIDE.search(response.text))


def test_outside_pattern_catches_a_cdn_script() -> None:
    swagger = '<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js">'
    assert OUTSIDE.search(swagger)
    assert OUTSIDE.search("<link href='//fonts.example/x.css'>")
    assert not OUTSIDE.search('<a href="/api/ingest-runs">')


def test_status_page_shows_control_characters_escaped(store: Store, tmp_path: Path) -> None:
    card = tmp_path / "phone\u202egpj.exe"
    card.mkdir()
    make_jpeg(card / "a.jpg", seed=1)
    ingest(store, IngestRequest(root=card, case_reference="OP-\u2066BIDI", workers=1))
    app = create_app(store)
    page = logged_in(app, store).get("/").text
    assert "\u202e" not in page
    assert "\u2066" not in page
    assert "phone\\u202egpj.exe" in page
    assert "OP-\\u2066BIDI" in page
