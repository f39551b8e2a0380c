"""The preview routes (blurred by default, clear on an audited and counted reveal, nothing of
another agency's restricted media) and the exposure counter (heartbeat, my days, the
supervisor's aggregate of the agency only)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from tests.imagegen import encode, make_image, make_jpeg
from tests.web.matrix_records import make_media
from tests.web.network import BASE_URL, ROLE_USERS, Network
from tests.web.pages.triage_world import browser
from vigil.previews.exposure import add_seconds, agency_days
from vigil.previews.make import blurred
from vigil.previews.making import vault_of
from vigil.sharing.actor import Actor
from vigil.sharing.policy import resolve
from vigil.store.models import AuditEvent, ExposureDay, Media, Preview, PreviewState, User
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE
from vigil.web.config import WebConfig
from vigil.web.pages.previews import PENDING_HEADER
from vigil.web.routes.ingest import wait_for_ingests

ANALYST = ROLE_USERS["analyst"]
SUPERVISOR = ROLE_USERS["supervisor"]


def _with_preview(network: Network, seizure_id: int, seed: int = 1) -> tuple[int, bytes]:
    """A media of the seizure whose preview is made: its id and its clear JPEG."""
    media_id = make_media(network.store, seizure_id)
    clear = encode(make_image(size=(256, 192), seed=seed), "JPEG", quality=90)
    with network.store.session() as session:
        sha256 = session.get_one(Media, media_id).sha256
        session.add(Preview(media_id=media_id, kind="thumb", state=PreviewState.MADE.value))
    vault = vault_of(network.store)
    vault.put(sha256, "thumb", clear)
    vault.put(sha256, "blur", blurred(clear))
    return media_id, clear


def _user_id(network: Network, username: str) -> int:
    with network.store.session() as session:
        found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


def test_the_preview_is_the_blurred_greyscale_one_never_the_clear(network: Network) -> None:
    media_id, clear = _with_preview(network, network.own.seizure_id)
    answer = browser(network).get(f"/media/{media_id}/preview")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert PENDING_HEADER not in answer.headers
    assert answer.headers["cache-control"] == "no-store"
    assert answer.content != clear
    with network.store.session() as session:
        sha256 = session.get_one(Media, media_id).sha256
    assert answer.content == vault_of(network.store).get(sha256, "blur")
    with Image.open(io.BytesIO(answer.content)) as shown:
        assert shown.mode == "L"


def test_a_media_without_a_preview_shows_the_placeholder(network: Network) -> None:
    media_id = make_media(network.store, network.own.seizure_id)
    answer = browser(network).get(f"/media/{media_id}/preview")
    assert answer.status_code == 200
    assert answer.headers[PENDING_HEADER] == "pending"
    with Image.open(io.BytesIO(answer.content)) as shown:
        assert shown.format == "JPEG"
        assert shown.getextrema() == (200, 200)  # one plain grey, nothing drawn
    # Nothing to reveal yet: refused, and neither audited nor counted.
    refused = browser(network).post(f"/media/{media_id}/reveal")
    assert refused.status_code == 409
    assert "no preview is made yet" in refused.json()["error"]["message"]
    with network.store.session() as session:
        assert session.scalar(select(ExposureDay)) is None


def test_a_reveal_answers_the_clear_preview_audited_and_counted(network: Network) -> None:
    media_id, clear = _with_preview(network, network.own.seizure_id)
    client = browser(network)
    first = client.post(f"/media/{media_id}/reveal")
    assert first.status_code == 200, first.text
    assert first.content == clear
    assert first.headers["cache-control"] == "no-store"
    assert client.post(f"/media/{media_id}/reveal").content == clear
    with network.store.session() as session:
        sha256 = session.get_one(Media, media_id).sha256
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "preview.reveal")
        ).all()
        day = session.scalar(
            select(ExposureDay).where(ExposureDay.user_id == _user_id(network, ANALYST))
        )
    assert [(e.user_name, e.object) for e in events] == [(ANALYST, f"media:{sha256}")] * 2
    assert day is not None
    assert (day.reveals, day.media_seconds) == (2, 0)
    # The reveal needs the CSRF token like every post of a browser session.
    client.headers.pop("X-CSRF-Token")
    assert client.post(f"/media/{media_id}/reveal").status_code == 403


def test_another_agencys_restricted_media_is_404_on_both_routes(network: Network) -> None:
    hidden, _ = _with_preview(network, network.restricted.seizure_id)
    shared, clear = _with_preview(network, network.shared.seizure_id, seed=2)
    client = browser(network)
    for answer in (
        client.get(f"/media/{hidden}/preview"),
        client.post(f"/media/{hidden}/reveal"),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"]["message"] == f"no media with id {hidden}"
    # Exactly as for media that do not exist.
    assert (
        client.get("/media/999999/preview").json()["error"]["message"] == "no media with id 999999"
    )
    assert client.get(f"/media/{shared}/preview").status_code == 200
    assert client.post(f"/media/{shared}/reveal").content == clear


def test_the_heartbeat_counts_seconds_and_refuses_0_and_61(network: Network) -> None:
    client = browser(network)
    assert client.post("/api/me/exposure", json={"seconds": 30}).status_code == 200
    answer = client.post("/api/me/exposure", json={"seconds": 15})
    today = datetime.now(UTC).date().isoformat()
    assert answer.json() == {"days": [{"day": today, "reveals": 0, "seconds": 45}]}
    for wrong in (0, 61, "30"):
        refused = client.post("/api/me/exposure", json={"seconds": wrong})
        assert refused.status_code == 422
    assert client.get("/api/me/exposure").json()["days"] == [
        {"day": today, "reveals": 0, "seconds": 45}
    ]
    page = client.get("/me/exposure")
    assert page.status_code == 200
    assert f'<time datetime="{today}">' in page.text
    assert 'id="my-exposure"' in page.text
    assert 'id="agency-exposure"' not in page.text  # an analyst does not supervise


def test_the_supervisor_sees_the_agency_in_aggregate_and_only_it(network: Network) -> None:
    today = datetime.now(UTC).date()
    with network.store.session() as session:
        for username, agency, seconds in (
            (ANALYST, "NCB-FR", 600),
            (ROLE_USERS["viewer"], "NCB-FR", 180),
            ("target-br", "NCB-BR", 3000),
        ):
            viewer = resolve(session, Actor(username, agency))
            add_seconds(session, viewer, _user_id(network, username), today, 60)
            for _ in range(seconds // 60 - 1):
                add_seconds(session, viewer, _user_id(network, username), today, 60)
        supervisor = resolve(session, Actor(SUPERVISOR, "NCB-FR"))
        days = agency_days(session, supervisor, today)
    assert [(d.users, d.reveals, d.seconds, d.most_seconds) for d in days] == [(2, 0, 780, 600)]
    page = browser(network, SUPERVISOR).get("/me/exposure").text
    assert 'id="agency-exposure"' in page
    row = '<td class="num">2</td><td class="num">0</td><td class="num">13</td>'
    assert row + '<td class="num">10</td>' in page
    assert ANALYST not in page  # an aggregate: no names


def test_a_web_ingest_makes_the_previews_and_its_run_shows_them(
    network: Network, tmp_path: Path
) -> None:
    folder = tmp_path / "phone"
    folder.mkdir()
    for seed in range(3):
        make_jpeg(folder / f"{seed}.jpg", size=(200, 150), seed=seed)
    app = create_app(network.store, WebConfig(evidence_root=tmp_path))
    secret, csrf = network.session_for(ANALYST)
    client = TestClient(app, base_url=BASE_URL)
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf
    started = client.post("/api/ingest-runs", json={"path": "phone", "case": "OP-WEB"})
    assert started.status_code == 202, started.text
    assert wait_for_ingests(app, 120)
    run = client.get(f"/api/ingest-runs/{started.json()['run_id']}").json()
    assert run["status"] == "completed"
    assert (run["previews_done"], run["previews_total"]) == (3, 3)
    assert run["previews_running"] is False
    assert run["previews_error"] is None
    with network.store.session() as session:
        made = session.scalars(select(Preview.state)).all()
    assert made == [PreviewState.MADE.value] * 3
