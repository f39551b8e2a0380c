"""The identification scenario of issue 11, end to end through the CLI and the API, on
SQLite and PostgreSQL.

NCB-FR (A) ingests a seizure, makes a series of its pictures and identifies the series'
victim. UNIT-BR (B) later ingests altered copies (resized, mirrored, letterboxed) of those
pictures: when A shares the series, B's alerts say *already identified* and name A; when A
does not, B gets a hit notice and nothing of the series. NCB-DE (C) reports a missing child
whose reference photo reappears, recompressed and resized, in a third seizure: *possible
missing child*. Two seizures of different cases with pictures of one camera body, taken
a few tens of metres apart, are linked with that evidence: *cross-case*.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageOps
from typer.testing import CliRunner

from tests.imagegen import ExifSpec, encode, make_exif, make_image
from vigil.cli.main import app
from vigil.config import Settings
from vigil.demo.samples import load_sample_photo
from vigil.sharing.accounts import create_user, find_user
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency, find_agency
from vigil.store.db import Store
from vigil.store.models import AgencyKind, Role, utcnow
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE, start_session
from vigil.web.config import WebConfig

A, B, C = "NCB-FR", "UNIT-BR", "NCB-DE"
SERIES = "ALPHA-GARDEN-SERIES"
VICTIM = "VICTIM-ALPHA-7"
IDENTIFIED_ON = "2026-03-14"
SERIES_PHOTOS = ("astronaut", "coffee", "chelsea")
MISSING = "YELLOW-2026-0042"
CHILD = "CHILD-KESTREL"
CAMERA: ExifSpec = {"Make": "Acme Optics", "Model": "Pocket 12", "BodySerialNumber": "AO12-99-4417"}
# Two spots in Lyon about 45 m apart, and one about 5 km away.
NEAR_1, NEAR_2, FAR = (45.76400, 4.83570), (45.76430, 4.83605), (45.80900, 4.83570)

runner = CliRunner()


def _vigil(settings: Settings, agency: str, *args: str) -> str:
    """Run a command acting for ``agency``; its standard output (it must succeed)."""
    result = runner.invoke(
        app,
        [
            *args,
            "--agency",
            agency,
            "--data-dir",
            str(settings.data_dir),
            "--database-url",
            settings.database_url,
        ],
        env={"VIGIL_USER": f"user-{agency.lower()}"},
    )
    assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
    return result.stdout


def _alerts(settings: Settings, agency: str, seizure: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = json.loads(
        _vigil(settings, agency, "alert", "list", seizure, "--json")
    )
    return listed


def _save(picture: Image.Image, path: Path, quality: int = 90, **params: Any) -> str:
    """Write ``picture`` as a JPEG; its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = encode(picture.convert("RGB"), "JPEG", quality=quality, **params)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _letterboxed(picture: Image.Image) -> Image.Image:
    return ImageOps.expand(picture, border=(0, picture.height // 5), fill=(0, 0, 0))


def _half(picture: Image.Image) -> Image.Image:
    return picture.resize((picture.width // 2, picture.height // 2), Image.Resampling.LANCZOS)


def _network(settings: Settings) -> None:
    store = Store(settings)
    try:
        with store.session() as session:
            admin = Actor("admin")
            create_agency(
                session, A, "NCB Paris", AgencyKind.NCB, "FR", "ncb@fr.example", actor=admin
            )
            create_agency(
                session,
                B,
                "Brazil CAC unit",
                AgencyKind.SPECIALISED_UNIT,
                "BR",
                "cac@br.example",
                actor=admin,
            )
            create_agency(
                session, C, "NCB Wiesbaden", AgencyKind.NCB, "DE", "ncb@de.example", actor=admin
            )
    finally:
        store.close()


def _a_identifies(settings: Settings, tmp_path: Path, shared: bool) -> list[str]:
    """A's seizure, series and identified victim; the SHA-256 of the series' pictures."""
    folder = tmp_path / "a-laptop"
    hashes = [_save(load_sample_photo(n), folder / f"{n}.jpg") for n in SERIES_PHOTOS]
    _save(make_image(size=(400, 300), seed=71), folder / "other.jpg")
    _vigil(settings, A, "ingest", str(folder), "--case", "OP-A-2026", "--workers", "1")
    level = ["--level", "all"] if shared else []
    _vigil(settings, A, "series", "create", SERIES, "--description", "garden, summer", *level)
    media = [arg for digest in hashes for arg in ("--media", digest)]
    _vigil(settings, A, "series", "assign", SERIES, *media)
    _vigil(settings, A, "victim", "create", VICTIM, "--sex", "female", "--age-band", "6-9")
    _vigil(settings, A, "series", "link", SERIES, "--victim", VICTIM)
    _vigil(settings, A, "victim", "identify", VICTIM, "--on", IDENTIFIED_ON)
    return hashes


def _b_ingests_altered_copies(settings: Settings, tmp_path: Path) -> str:
    """B's seizure: a resized, a mirrored and a letterboxed copy, and a new picture."""
    folder = tmp_path / "b-phone"
    astronaut, coffee, chelsea = (load_sample_photo(n) for n in SERIES_PHOTOS)
    _save(_half(astronaut), folder / "DCIM" / "resized.jpg", quality=80)
    _save(ImageOps.mirror(coffee), folder / "DCIM" / "mirrored.jpg")
    _save(_letterboxed(chelsea), folder / "DCIM" / "letterboxed.jpg")
    _save(make_image(size=(400, 300), seed=505), folder / "DCIM" / "new.jpg")
    return _vigil(settings, B, "ingest", str(folder), "--case", "OP-B-2026", "--workers", "1")


def _login(store: Store, agency: str, username: str) -> TestClient:
    """A client logged in as a new analyst of ``agency``."""
    with store.session() as session:
        create_user(
            session, find_agency(session, agency), username, username, [Role.ANALYST], "x" * 16
        )
        secret, row = start_session(
            session, find_user(session, username), "127.0.0.1", utcnow(), WebConfig()
        )
        csrf = row.csrf_token
    client = TestClient(create_app(store), base_url="https://testserver")
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf
    return client


@pytest.mark.parametrize("shared", [True, False], ids=["series-shared", "series-restricted"])
def test_an_identified_series_reaches_the_next_seizure(
    settings: Settings, tmp_path: Path, shared: bool
) -> None:
    _network(settings)
    _a_identifies(settings, tmp_path, shared)
    summary = _b_ingests_altered_copies(settings, tmp_path)
    alerts = _alerts(settings, B, "OP-B-2026/b-phone")
    identified = [a for a in alerts if a["kind"] == "already_identified"]
    if shared:
        # Each altered copy is named with its evidence; A and the date are named.
        paths = {p for a in identified for p in a["evidence"].get("paths", [])}
        assert {"DCIM/resized.jpg", "DCIM/mirrored.jpg", "DCIM/letterboxed.jpg"} <= paths, alerts
        for alert in identified:
            assert alert["evidence"]["identified_by"] == A
            assert alert["evidence"]["identified_on"] == IDENTIFIED_ON
            assert alert["evidence"]["signal"] in ("pdq", "sha256")
        assert "already identified" in summary.lower() or SERIES in summary
        assert [a["priority"] for a in alerts] == sorted(a["priority"] for a in alerts)
    else:
        assert identified == []
        assert [a for a in alerts if a["kind"] == "known_series"] == []
        notices = json.loads(_vigil(settings, B, "hit", "list", "--json"))
        assert {n["counterpart"]["code"] for n in notices} == {A}
        # Nothing of the series reaches B: not its name, not its victim.
        seen = summary + json.dumps(alerts) + json.dumps(notices)
        seen += _vigil(settings, B, "report", "OP-B-2026/b-phone", "--format", "text")
        seen += _vigil(settings, B, "series", "list", "--json")
        seen += _vigil(settings, B, "victim", "list", "--json")
        assert SERIES not in seen
        assert VICTIM not in seen
        # A's mirror names A's own series, which B's seizure touched.
        mirrors = json.loads(_vigil(settings, A, "hit", "list", "--json"))
        assert {"type": "series", "series": SERIES} in [n["subject"] for n in mirrors]
        assert f"series {SERIES}" in _vigil(settings, A, "hit", "list")

    store = Store(settings)
    try:
        client = _login(store, B, "bruno")
        api_alerts = client.get("/api/alerts").json()["items"]
        assert {a["id"] for a in api_alerts} >= {a["id"] for a in alerts}
        listed = client.get("/api/series").json()["items"]
        assert (SERIES in json.dumps(listed)) is shared
        if not shared:
            assert all(a["kind"] != "already_identified" for a in api_alerts)
    finally:
        store.close()


def test_a_missing_childs_photo_raises_the_alert(settings: Settings, tmp_path: Path) -> None:
    _network(settings)
    rocket = load_sample_photo("rocket")
    _save(rocket, tmp_path / "reference" / "kestrel.jpg", quality=92)
    _vigil(
        settings,
        C,
        "missing",
        "create",
        MISSING,
        "--country",
        "DE",
        "--child",
        CHILD,
        "--missing-since",
        "2026-02-01",
        "--born",
        "2016",
    )
    _vigil(settings, C, "missing", "add-media", MISSING, str(tmp_path / "reference"))

    third = tmp_path / "third-seizure"
    _save(_half(rocket), third / "Downloads" / "img_0413.jpg", quality=40)
    _save(make_image(size=(400, 300), seed=9), third / "Downloads" / "img_0414.jpg")
    ingested = _vigil(
        settings, A, "ingest", str(third), "--case", "OP-C-2026", "--workers", "1", "--json"
    )
    assert [a["kind"] for a in json.loads(ingested)["alerts"]] == ["missing_child"]

    alerts = _alerts(settings, A, "OP-C-2026/third-seizure")
    assert alerts, "no alerts"
    assert alerts[0]["kind"] == "missing_child", alerts
    missing = [a for a in alerts if a["kind"] == "missing_child"]
    assert len(missing) == 1
    assert missing[0]["about"]["name"].startswith(MISSING)
    assert missing[0]["evidence"]["signal"] in ("pdq", "sha256")
    assert missing[0]["evidence"]["paths"] == ["Downloads/img_0413.jpg"]

    # Once the child is found, a new seizure with the photo raises nothing.
    _vigil(settings, C, "missing", "found", MISSING, "--on", "2026-11-30")
    fourth = tmp_path / "fourth-seizure"
    _save(_half(rocket), fourth / "a.jpg", quality=50)
    _vigil(settings, A, "ingest", str(fourth), "--case", "OP-D-2026", "--workers", "1")
    assert [
        a for a in _alerts(settings, A, "OP-D-2026/fourth-seizure") if a["kind"] == "missing_child"
    ] == []


def _camera_photo(path: Path, seed: int, place: tuple[float, float], taken: str) -> None:
    exif: ExifSpec = {
        **CAMERA,
        "DateTimeOriginal": taken,
        "GPSLatitude": place[0],
        "GPSLongitude": place[1],
    }
    _save(make_image(size=(320, 240), seed=seed), path, exif=make_exif(exif))


def test_one_camera_and_one_place_link_two_cases(settings: Settings, tmp_path: Path) -> None:
    _network(settings)
    _camera_photo(tmp_path / "cam-1" / "IMG_0001.jpg", 11, NEAR_1, "2026:05:01 10:00:00")
    _vigil(settings, A, "ingest", str(tmp_path / "cam-1"), "--case", "OP-CAM-1", "--workers", "1")
    _camera_photo(tmp_path / "cam-2" / "IMG_0907.jpg", 12, NEAR_2, "2026:07:09 18:30:00")
    _camera_photo(tmp_path / "cam-2" / "IMG_0908.jpg", 13, FAR, "2026:07:09 18:35:00")
    _vigil(settings, A, "ingest", str(tmp_path / "cam-2"), "--case", "OP-CAM-2", "--workers", "1")

    alerts = _alerts(settings, A, "OP-CAM-2/cam-2")
    cross = [a for a in alerts if a["kind"] == "cross_case"]
    camera = [a for a in cross if a["evidence"]["signal"] == "camera"]
    gps = [a for a in cross if a["evidence"]["signal"] == "gps"]
    assert camera
    assert camera[0]["evidence"]["serial"] == CAMERA["BodySerialNumber"]
    assert len(gps) == 1, cross
    assert gps[0]["evidence"]["paths"] == ["IMG_0907.jpg"]
    assert 30 < gps[0]["evidence"]["metres"] < 60
    assert all(a["about"]["name"].endswith("cam-1") for a in cross)
