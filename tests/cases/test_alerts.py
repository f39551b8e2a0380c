"""Alerts raised on seizures, through the real ingest pipeline, on SQLite and PostgreSQL.

Agency A (France) holds a seizure whose pictures it filed in a series; agency B (Germany)
later seizes altered copies of them (resized, mirrored, letterboxed, recompressed). B is
alerted that the series is known (and whether its victim is identified, by whom and when)
when A shares the series, and gets a hit notice, never the series, when A does not. A
missing-child report's reference photo found in a seizure, before or after the report's
reference media are ingested, raises the missing-child alert; the same camera or a nearby
position in another case raises a cross-case alert.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from tests.imagegen import ExifSpec, encode, make_exif, make_image
from vigil.banks.catalog import create_bank
from vigil.cases.alerts import acknowledge_alert, list_alerts, raise_alerts
from vigil.cases.capture import GPS_METRES_ENV, camera_key, gps_metres
from vigil.cases.errors import IdentificationError
from vigil.cli.main import app
from vigil.config import Settings
from vigil.ingest.pipeline import IngestOutcome, IngestRequest, ingest
from vigil.matching.matching import match_seizure
from vigil.matching.review import review_match
from vigil.reports.render import render
from vigil.reports.triage import build_report
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.hits import list_notices
from vigil.sharing.policy import ForbiddenError, NotVisibleError, Viewer, resolve
from vigil.store.db import Store
from vigil.store.models import (
    Agency,
    AgencyKind,
    Alert,
    AlertKind,
    AuditEvent,
    BankEntry,
    Level,
    Match,
    Media,
    MediaCapture,
    MissingChildReport,
    RecordType,
    Seizure,
    Series,
    SeriesLink,
    SeriesMedia,
    SeriesStatus,
    Sighting,
    Victim,
    VictimStatus,
)
from vigil.store.repo import case_by_reference, seizure_by_name

A = Actor("amelie", "NCB-FR")
B = Actor("bruno", "NCB-DE")
C = Actor("clara", "NCB-IT")
SERIES_NAME = "ORCHARD-SERIES-SECRET"
SIZE = (320, 240)
ORIGINALS = (11, 12, 13)


def _agencies(store: Store) -> None:
    with store.session() as session:
        for actor, country in ((A, "FR"), (B, "DE"), (C, "IT")):
            create_agency(
                session, actor.agency, f"NCB {country}", AgencyKind.NCB, country, f"desk {country}"
            )


def _viewer(session: Session, actor: Actor) -> Viewer:
    return resolve(session, actor)


def _save(image: Image.Image, path: Path, quality: int = 92, exif: ExifSpec | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    params = {"exif": _exif(exif)} if exif else {}
    encode(image.convert("RGB"), "JPEG", path, quality=quality, **params)


def _exif(spec: ExifSpec) -> Image.Exif:
    return make_exif(spec)


def _letterboxed(image: Image.Image) -> Image.Image:
    framed = Image.new("RGB", (image.width, image.height + 120), (0, 0, 0))
    framed.paste(image, (0, 60))
    return framed


def _altered(folder: Path) -> None:
    """Resized, mirrored, letterboxed and recompressed copies of A's originals, and a new one."""
    first, second, third = (make_image(size=SIZE, seed=seed) for seed in ORIGINALS)
    _save(first.resize((480, 360)), folder / "copy-resized.jpg")
    _save(ImageOps.mirror(second), folder / "copy-mirrored.jpg")
    _save(_letterboxed(third), folder / "copy-letterboxed.jpg")
    _save(first, folder / "copy-recompressed.jpg", quality=55)
    _save(make_image(size=SIZE, seed=999), folder / "unrelated.jpg")


def _ingest(
    store: Store,
    folder: Path,
    case: str,
    actor: Actor,
    level: Level = Level.OWNER,
    named: tuple[str, ...] = (),
) -> IngestOutcome:
    request = IngestRequest(
        root=folder, case_reference=case, workers=1, actor=actor, dissemination=level, named=named
    )
    return ingest(store, request)


def _a_series(
    store: Store,
    tmp_path: Path,
    level: Level,
    victim: VictimStatus | None = VictimStatus.IDENTIFIED,
) -> int:
    """A's seizure of the originals, all filed in its series (with a linked victim)."""
    folder = tmp_path / "a-originals"
    for seed in ORIGINALS:
        _save(make_image(size=SIZE, seed=seed), folder / f"a-original-{seed}.jpg")
    seizure_id = _ingest(store, folder, "A-CASE", A).seizure_id
    with store.session() as session:
        agency_id = _viewer(session, A).agency_id
        series = Series(name=SERIES_NAME, agency_id=agency_id, dissemination=level.value)
        session.add(series)
        session.flush()
        media = session.scalars(select(Sighting.media_id).where(Sighting.seizure_id == seizure_id))
        session.add_all(
            SeriesMedia(series_id=series.id, media_id=m, assigned_by="a") for m in media
        )
        if victim is not None:
            identified = victim is not VictimStatus.UNIDENTIFIED
            child = Victim(
                label="ORCHARD-CHILD",
                agency_id=agency_id,
                status=victim.value,
                identified_by_agency_id=agency_id if identified else None,
                identified_on=date(2025, 3, 14) if identified else None,
            )
            session.add(child)
            session.flush()
            session.add(
                SeriesLink(
                    series_id=series.id,
                    record_type=RecordType.VICTIM.value,
                    record_id=child.id,
                    linked_by="a",
                )
            )
        return series.id


def _b_altered(store: Store, tmp_path: Path) -> int:
    _altered(tmp_path / "b-phone")
    return _ingest(store, tmp_path / "b-phone", "B-CASE", B).seizure_id


def test_an_identified_series_raises_already_identified_naming_the_agency(
    store: Store, tmp_path: Path
) -> None:
    _agencies(store)
    series_id = _a_series(store, tmp_path, Level.ALL)
    b_seizure = _b_altered(store, tmp_path)
    with store.session() as session:
        alerts = list_alerts(session, _viewer(session, B), b_seizure)
        assert {a.kind for a in alerts} == {AlertKind.ALREADY_IDENTIFIED}
        assert {a.about_id for a in alerts} == {series_id}
        assert all(a.about == f"NCB-FR/{SERIES_NAME}" for a in alerts)
        evidence = {a.evidence["signal"]: a.evidence for a in alerts}
        assert set(evidence) == {"pdq"}
        pdq = evidence["pdq"]
        assert pdq["identified_by"] == "NCB-FR"
        assert pdq["identified_on"] == "2025-03-14"
        # Every altered copy is named: the resized, mirrored, letterboxed, recompressed.
        assert sorted(pdq["paths"]) == [
            "copy-letterboxed.jpg",
            "copy-mirrored.jpg",
            "copy-recompressed.jpg",
            "copy-resized.jpg",
        ]
        assert pdq["files"] == 4
        assert pdq["distance"] <= 31
        # A variant was needed for the mirrored and letterboxed copies.
        variants = set(
            session.scalars(
                select(Match.variant).where(Match.signal == "pdq", Match.variant.is_not(None))
            )
        )
        assert variants - {"original"}
        assert "victim identified by NCB-FR on 2025-03-14" in alerts[0].headline()
        report = build_report(session, session.get_one(Seizure, b_seizure), _viewer(session, B))
        text = render(report, "text")
        assert "Alerts (1)" in text
        assert "already identified" in text
        shown = {fmt: render(report, fmt) for fmt in ("json", "csv", "html")}
        assert json.loads(shown["json"])["alerts"][0]["kind"] == "already_identified"
        assert "already_identified,2," in shown["csv"]
        assert 'data-kind="already_identified"' in shown["html"]
        assert all(SERIES_NAME in output for output in [text, *shown.values()])


def test_an_unidentified_victim_raises_known_series(store: Store, tmp_path: Path) -> None:
    _agencies(store)
    _a_series(store, tmp_path, Level.ALL, victim=VictimStatus.UNIDENTIFIED)
    b_seizure = _b_altered(store, tmp_path)
    with store.session() as session:
        alerts = list_alerts(session, _viewer(session, B), b_seizure)
        assert [a.kind for a in alerts] == [AlertKind.KNOWN_SERIES]
        assert "identified_by" not in alerts[0].evidence


def test_a_hidden_series_gives_a_hit_notice_and_no_alert(store: Store, tmp_path: Path) -> None:
    _agencies(store)
    series_id = _a_series(store, tmp_path, Level.OWNER)
    b_seizure = _b_altered(store, tmp_path)
    with store.session() as session:
        b = _viewer(session, B)
        assert list_alerts(session, b, b_seizure) == []
        assert session.scalar(select(func.count()).select_from(Alert)) == 0
        holder = list_notices(session, _viewer(session, A))
        assert f"series:{series_id}" in {n.subject for n in holder}
        seeker = list_notices(session, b)
        assert {n.side for n in seeker} == {"seeker"}
        report = build_report(session, session.get_one(Seizure, b_seizure), b)
        for fmt in ("text", "json", "csv", "html"):
            assert SERIES_NAME not in render(report, fmt)
        assert report.alerts == []


def test_raising_twice_adds_nothing_and_is_audited_once(store: Store, tmp_path: Path) -> None:
    _agencies(store)
    _a_series(store, tmp_path, Level.ALL)
    b_seizure = _b_altered(store, tmp_path)
    with store.session() as session:
        before = session.scalar(select(func.count()).select_from(Alert))
        assert raise_alerts(session, _viewer(session, B), b_seizure) == []
        assert session.scalar(select(func.count()).select_from(Alert)) == before
        raised = session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.raise")).all()
        assert len(raised) == 1
        assert json.loads(raised[0].details)["kinds"] == ["already_identified"]


def test_matches_rejected_by_the_seizures_agency_raise_nothing(
    store: Store, tmp_path: Path
) -> None:
    _agencies(store)
    a_folder = tmp_path / "a-originals"
    for seed in ORIGINALS:
        _save(make_image(size=SIZE, seed=seed), a_folder / f"a-original-{seed}.jpg")
    a_seizure = _ingest(store, a_folder, "A-CASE", A, Level.ALL).seizure_id
    b_seizure = _b_altered(store, tmp_path)
    with store.session() as session:
        b = _viewer(session, B)
        assert list_alerts(session, b, b_seizure) == []
        for match_id in session.scalars(select(Match.id)):
            review_match(session, b, match_id, "rejected")
        series = Series(
            name=SERIES_NAME, agency_id=_viewer(session, A).agency_id, dissemination="all"
        )
        session.add(series)
        session.flush()
        media = session.scalars(select(Sighting.media_id).where(Sighting.seizure_id == a_seizure))
        session.add_all(
            SeriesMedia(series_id=series.id, media_id=m, assigned_by="a") for m in media
        )
        session.flush()
        assert raise_alerts(session, b, b_seizure) == []
        # A's own verdicts are its own: its seizure is alerted through the same matches.
        assert raise_alerts(session, _viewer(session, A), a_seizure) != []


def _gps(lat: float, lon: float, serial: str | None = None) -> ExifSpec:
    spec: ExifSpec = {"Make": "Acme", "Model": "Snap 5", "GPSLatitude": lat, "GPSLongitude": lon}
    if serial:
        spec["BodySerialNumber"] = serial
    return spec


@pytest.mark.parametrize(("metres", "linked"), [(None, True), ("30", False)])
def test_nearby_positions_and_one_camera_link_two_cases(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, metres: str | None, linked: bool
) -> None:
    if metres is not None:
        monkeypatch.setenv(GPS_METRES_ENV, metres)
    _agencies(store)
    # About 56 m apart (0.0005 degrees of latitude); the camera serials differ.
    _save(
        make_image(size=SIZE, seed=41),
        tmp_path / "one" / "garden.jpg",
        exif=_gps(48.8566, 2.3522, "SN-1"),
    )
    _save(
        make_image(size=SIZE, seed=42),
        tmp_path / "two" / "street.jpg",
        exif=_gps(48.8571, 2.3522, "SN-2"),
    )
    _save(
        make_image(size=SIZE, seed=43),
        tmp_path / "two" / "far.jpg",
        exif=_gps(-33.86, 151.2, "SN-1"),
    )
    first = _ingest(store, tmp_path / "one", "CASE-ONE", A).seizure_id
    second = _ingest(store, tmp_path / "two", "CASE-TWO", A).seizure_id
    with store.session() as session:
        a = _viewer(session, A)
        alerts = list_alerts(session, a, second)
        by_signal = {x.evidence["signal"]: x for x in alerts}
        assert all(x.kind is AlertKind.CROSS_CASE and x.about_id == first for x in alerts)
        # The same camera body, whatever the distance.
        camera = by_signal["camera"]
        assert camera.evidence["serial"] == "SN-1"
        assert camera.evidence["path"] == "far.jpg"
        if linked:
            near = by_signal["gps"]
            assert 50 < near.evidence["metres"] < 60
            assert near.evidence["path"] == "street.jpg"
        else:
            assert "gps" not in by_signal
        # Raised from both sides: the first seizure learns of the second.
        mirrored = {x.evidence["signal"] for x in list_alerts(session, a, first)}
        assert mirrored == ({"camera", "gps"} if linked else {"camera"})
        cameras = session.scalars(select(MediaCapture.camera).order_by(MediaCapture.camera)).all()
        keys = [camera_key("Acme", "Snap 5", serial) for serial in ("SN-1", "SN-1", "SN-2")]
        assert cameras == keys == ["Acme|Snap 5|SN-1", "Acme|Snap 5|SN-1", "Acme|Snap 5|SN-2"]


def _report(store: Store, reporter: Actor, reference: str) -> tuple[int, str, str]:
    """A missing-child report with its reference seizure (made first, as cases.missing
    does); its id, the reference case and seizure names."""
    case_reference = f"MISSING-{reference}"
    with store.session() as session:
        agency = session.scalars(select(Agency).where(Agency.code == reporter.agency)).one()
        case = case_by_reference(session, agency, case_reference)
        case.dissemination = Level.ALL.value
        seizure = seizure_by_name(session, case, "reference")
        seizure.dissemination = Level.ALL.value
        report = MissingChildReport(
            reference=reference,
            agency_id=agency.id,
            dissemination=Level.ALL.value,
            country=agency.country or "FR",
            child_label="MEADOW-CHILD",
            missing_since=date(2026, 1, 5),
            seizure_id=seizure.id,
        )
        session.add(report)
        session.flush()
        return report.id, case_reference, "reference"


def _reference_photo(folder: Path) -> None:
    _save(make_image(size=SIZE, seed=77), folder / "school-photo.jpg")


def _found_copy(folder: Path) -> None:
    """The reference photo, recompressed and resized, among other pictures."""
    _save(make_image(size=SIZE, seed=77).resize((400, 300)), folder / "img-0042.jpg", quality=60)
    _save(make_image(size=SIZE, seed=78), folder / "img-0043.jpg")


@pytest.mark.parametrize("reference_first", [True, False])
def test_a_missing_childs_reference_photo_raises_the_missing_child_alert(
    store: Store, tmp_path: Path, reference_first: bool
) -> None:
    _agencies(store)
    report_id, case, name = _report(store, A, "YN-2026-001")
    _reference_photo(tmp_path / "reference")
    _found_copy(tmp_path / "b-laptop")
    if reference_first:
        _ingest(store, tmp_path / "reference", case, A)
    b_seizure = _ingest(store, tmp_path / "b-laptop", "B-CASE", B).seizure_id
    if not reference_first:
        outcome = ingest(
            store,
            IngestRequest(
                root=tmp_path / "reference",
                case_reference=case,
                seizure_name=name,
                workers=1,
                actor=A,
            ),
        )
        # Never on the reference seizure about its own report.
        assert outcome.alerts == ()
    with store.session() as session:
        alerts = list_alerts(session, _viewer(session, B), b_seizure)
        assert [a.kind for a in alerts] == [AlertKind.MISSING_CHILD]
        alert = alerts[0]
        assert alert.about_id == report_id
        assert alert.evidence["path"] == "img-0042.jpg"
        assert alert.evidence["signal"] == "pdq"
        assert "YN-2026-001" in alert.headline()
        ref_seizure = session.scalars(
            select(MissingChildReport.seizure_id).where(MissingChildReport.id == report_id)
        ).one()
        assert list_alerts(session, _viewer(session, A), ref_seizure) == []


def test_alerts_come_highest_priority_first(store: Store, tmp_path: Path) -> None:
    _agencies(store)
    _, ref_case, ref_name = _report(store, A, "YN-2026-002")
    _reference_photo(tmp_path / "reference")
    request = IngestRequest(
        root=tmp_path / "reference",
        case_reference=ref_case,
        seizure_name=ref_name,
        workers=1,
        actor=A,
    )
    ingest(store, request)
    _a_series(store, tmp_path, Level.ALL)
    # B's earlier seizure in another case holds one file that the later one holds too.
    _save(make_image(size=SIZE, seed=500), tmp_path / "b-old" / "shared.jpg")
    _ingest(store, tmp_path / "b-old", "B-OLD", B)
    folder = tmp_path / "b-phone"
    _altered(folder)
    _found_copy(folder)
    _save(make_image(size=SIZE, seed=500), folder / "shared.jpg")
    outcome = _ingest(store, folder, "B-CASE", B)
    kinds = [a.kind for a in outcome.alerts]
    assert kinds == [
        AlertKind.MISSING_CHILD,
        AlertKind.ALREADY_IDENTIFIED,
        AlertKind.CROSS_CASE,
    ]
    assert [a.priority for a in outcome.alerts] == [1, 2, 4]
    with store.session() as session:
        b = _viewer(session, B)
        listed = list_alerts(session, b, kind=AlertKind.CROSS_CASE)
        assert [a.evidence["path"] for a in listed if a.seizure_id == outcome.seizure_id] == [
            "shared.jpg"
        ]


def test_only_the_seizures_agency_acknowledges(store: Store, tmp_path: Path) -> None:
    _agencies(store)
    _a_series(store, tmp_path, Level.ALL)
    _altered(tmp_path / "b-phone")
    folder = tmp_path / "b-phone"
    b_seizure = _ingest(store, folder, "B-CASE", B, Level.NAMED, (A.agency,)).seizure_id
    with store.session() as session:
        alert_id = list_alerts(session, _viewer(session, B), b_seizure)[0].id
        # A sees the seizure B shares with it and its own series, so the alert; it may not
        # act on it.
        assert [a.id for a in list_alerts(session, _viewer(session, A), b_seizure)] == [alert_id]
        with pytest.raises(ForbiddenError):
            acknowledge_alert(session, _viewer(session, A), alert_id)
        with pytest.raises(NotVisibleError) as hidden:
            acknowledge_alert(session, _viewer(session, C), alert_id)
        with pytest.raises(NotVisibleError) as absent:
            acknowledge_alert(session, _viewer(session, B), 999_999)
        assert str(hidden.value).replace(str(alert_id), "N") == str(absent.value).replace(
            "999999", "N"
        )
        done = acknowledge_alert(session, _viewer(session, B), alert_id)
        assert done.acknowledged_by == B.user
        assert list_alerts(session, _viewer(session, B), unacknowledged_only=True) == []
        acknowledge_alert(session, _viewer(session, B), alert_id)
        acks = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "alert.acknowledge")
        ).all()
        assert [(e.user_name, e.object) for e in acks] == [(B.user, f"alert:{alert_id}")]


runner = CliRunner()


def _vigil(settings: Settings, *args: str) -> Result:
    database = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    return runner.invoke(app, [*args, *database], env={"VIGIL_USER": "cli-user"})


def test_the_cli_ingests_lists_raises_and_acknowledges(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    _agencies(store)
    _a_series(store, tmp_path, Level.ALL)
    _altered(tmp_path / "b-phone")
    ingested = _vigil(
        settings,
        "ingest",
        str(tmp_path / "b-phone"),
        "--case",
        "B-CASE",
        "--workers",
        "1",
        "--agency",
        B.agency,
    )
    assert ingested.exit_code == 0, ingested.output
    said = " ".join(ingested.output.split())  # the terminal wraps long lines
    assert "Alerts (1), highest priority first" in said
    assert "victim identified by NCB-FR on 2025-03-14" in said

    listed = _vigil(settings, "alert", "list", "B-CASE/b-phone", "--json", "--agency", B.agency)
    assert listed.exit_code == 0, listed.output
    alerts = json.loads(listed.output)
    assert [a["kind"] for a in alerts] == ["already_identified"]
    assert alerts[0]["about"]["name"] == f"NCB-FR/{SERIES_NAME}"

    again = _vigil(settings, "alert", "raise", "B-CASE/b-phone", "--agency", B.agency)
    assert again.exit_code == 0, again.output
    assert "0 new alerts" in again.output
    assert "copy-resized.jpg" in again.output

    # C may not see B's seizure: told as if it did not exist, in one line.
    hidden = _vigil(settings, "alert", "ack", str(alerts[0]["id"]), "--agency", C.agency)
    assert hidden.exit_code == 2
    assert "no alert with id" in hidden.output
    wrong = _vigil(settings, "alert", "list", "--kind", "urgent", "--agency", B.agency)
    assert wrong.exit_code == 2
    assert "missing_child, already_identified, known_series, cross_case" in wrong.output
    bad = _vigil(settings, "alert", "list", "b-phone", "--agency", B.agency)
    assert bad.exit_code == 2
    assert "CASE/SEIZURE" in bad.output

    done = _vigil(settings, "alert", "ack", str(alerts[0]["id"]), "--agency", B.agency)
    assert done.exit_code == 0, done.output
    left = _vigil(settings, "alert", "list", "--open", "--agency", B.agency)
    assert "no alerts" in left.output


def test_the_gps_distance_is_read_from_the_environment() -> None:
    assert gps_metres({}) == 100.0
    assert gps_metres({GPS_METRES_ENV: " 250 "}) == 250.0
    for text in ("near", "0", "-5", "nan"):
        with pytest.raises(IdentificationError, match=GPS_METRES_ENV):
            gps_metres({GPS_METRES_ENV: text})


def test_a_bank_entrys_series_name_resolves_to_its_agencys_series(
    store: Store, tmp_path: Path
) -> None:
    _agencies(store)
    picture = make_image(size=SIZE, seed=21)
    _save(picture, tmp_path / "b-disk" / "found.jpg")
    with store.session() as session:
        bank = create_bank(session, "A-HASHES", dissemination=Level.ALL, actor=A)
        # The same name in another agency's series must not be taken for A's.
        for owner, status in ((A, SeriesStatus.VICTIM_IDENTIFIED), (C, SeriesStatus.UNIDENTIFIED)):
            agency_id = _viewer(session, owner).agency_id
            session.add(
                Series(name=SERIES_NAME, agency_id=agency_id, dissemination="all", status=status)
            )
        session.flush()
    b_seizure = _ingest(store, tmp_path / "b-disk", "B-CASE", B).seizure_id
    with store.session() as session:
        md5 = session.scalars(
            select(Media.md5).join(Sighting).where(Sighting.seizure_id == b_seizure)
        ).one()
        session.add(BankEntry(bank_id=bank.id, md5=md5, series=SERIES_NAME, category="1"))
        session.flush()
        match_seizure(session, b_seizure)
        raise_alerts(session, _viewer(session, B), b_seizure)
        alerts = list_alerts(session, _viewer(session, B), b_seizure)
        assert [(a.kind, a.about) for a in alerts] == [
            (AlertKind.ALREADY_IDENTIFIED, f"NCB-FR/{SERIES_NAME}")
        ]
        assert alerts[0].evidence["signal"] == "md5"
        assert alerts[0].evidence["path"] == "found.jpg"
        # The series says its victim is identified; no victim record says by whom.
        assert alerts[0].evidence["identified_by"] is None
