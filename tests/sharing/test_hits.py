"""Hit / no-hit between three agencies, on SQLite and PostgreSQL.

A (the NCB of France) holds, at owner level, a seizure with distinctive paths and a bank
with a series, a category and the hashes of its pictures. B (a specialised unit of Brazil,
the local agency here, whose NCB has a contact) ingests a seizure holding an exact copy and
an altered copy of two of A's pictures. B learns *that* A holds something and whom to
contact; A learns B's case reference; C (Germany) learns nothing. Nothing of A's content
reaches B through any output B receives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.imagegen import make_jpeg
from vigil.banks.catalog import create_bank
from vigil.banks.formats.categories import SCHEMES
from vigil.cli.main import app
from vigil.config import Settings
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.matching.matching import match_seizure
from vigil.reports.triage import build_report
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency, update_agency
from vigil.sharing.dissemination import set_level
from vigil.sharing.hits import (
    acknowledge,
    list_notices,
    notice_json,
    raise_for_bank,
    raise_hit_notices,
    routed_contact,
)
from vigil.sharing.policy import NotVisibleError, Viewer, resolve
from vigil.store.db import Store
from vigil.store.models import (
    AgencyKind,
    AuditEvent,
    BankEntry,
    HitNotice,
    Level,
    Media,
    RecordType,
    Seizure,
    Sighting,
)
from vigil.store.repo import DEFAULT_AGENCY_CODE

A = Actor("amelie", "NCB-FR")
B = Actor("bruno", DEFAULT_AGENCY_CODE)
C = Actor("clara", "UNIT-DE")
A_CONTACT = "Bureau central national Paris, duty desk +33 1 00 00 00 00"
B_NCB_CONTACT = "NCB Brasilia duty desk +55 61 0000 0000"
# What A holds and B must never learn.
A_CASE = "ZEPHYR-CASE-77"
A_SEIZURE = "zephyr-laptop"
A_FOLDER = "zephyr-private-album"
A_BANK = "zephyr-holdings"
A_SERIES = "ZEPHYR-SERIES-ALPHA"
A_CATEGORY = "1"
B_CASE = "OP-B-2026"
B_SEIZURE = "b-phone"

runner = CliRunner()


@dataclass(frozen=True)
class Holdings:
    """A's records, and the hashes of its pictures."""

    seizure_id: int
    bank_id: int | None
    hashes: list[str]


def _agencies(store: Store) -> None:
    with store.session() as session:
        create_agency(session, "NCB-FR", "NCB Paris", AgencyKind.NCB, "FR", A_CONTACT, actor=A)
        create_agency(session, "NCB-BR", "NCB Brasilia", AgencyKind.NCB, "BR", B_NCB_CONTACT)
        create_agency(session, "UNIT-DE", "BKA unit", AgencyKind.SPECIALISED_UNIT, "DE", "bka desk")
        create_agency(
            session, "CENTRAL", "Central unit", AgencyKind.CENTRAL_UNIT, None, "central desk"
        )
        update_agency(
            session,
            DEFAULT_AGENCY_CODE,
            name="Brazil CAC unit",
            kind=AgencyKind.SPECIALISED_UNIT,
            country="BR",
        )


def _a_pictures(folder: Path) -> None:
    album = folder / A_FOLDER
    album.mkdir(parents=True)
    for seed in (101, 102, 103):
        make_jpeg(album / f"zephyr-holder-only-{seed}.jpg", size=(320, 240), seed=seed)


def _b_pictures(folder: Path) -> None:
    """An exact copy of A's first picture, a re-encoded copy of its second, and a new one."""
    folder.mkdir()
    make_jpeg(folder / "b-01.jpg", size=(320, 240), seed=101)
    make_jpeg(folder / "b-02.jpg", size=(320, 240), seed=102, quality=60)
    make_jpeg(folder / "b-03.jpg", size=(320, 240), seed=909)


def _a_bank(session: Session, seizure_id: int) -> int:
    """A's bank: the exact hashes of its first picture, the PDQ of its second."""
    bank = create_bank(session, A_BANK, source="zephyr source", actor=A)
    media = session.scalars(
        select(Media)
        .join(Sighting, Sighting.media_id == Media.id)
        .where(Sighting.seizure_id == seizure_id)
        .order_by(Sighting.path)
    ).all()
    first, second = media[0], media[1]
    for entry in (
        BankEntry(md5=first.md5, sha256=first.sha256),
        BankEntry(pdq=second.pdq, pdq_quality=second.pdq_quality),
    ):
        entry.bank_id = bank.id
        entry.category = A_CATEGORY
        entry.series = A_SERIES
        session.add(entry)
    session.flush()
    return bank.id


def _holdings(store: Store, tmp_path: Path, with_bank: bool = True) -> Holdings:
    _agencies(store)
    _a_pictures(tmp_path / A_SEIZURE)
    outcome = ingest(
        store,
        IngestRequest(root=tmp_path / A_SEIZURE, case_reference=A_CASE, workers=1, actor=A),
    )
    with store.session() as session:
        bank_id = _a_bank(session, outcome.seizure_id) if with_bank else None
        media = session.scalars(
            select(Media)
            .join(Sighting, Sighting.media_id == Media.id)
            .where(Sighting.seizure_id == outcome.seizure_id)
        ).all()
        hashes = [h for m in media for h in (m.sha256, m.md5, m.sha1, m.pdq) if h]
    return Holdings(outcome.seizure_id, bank_id, hashes)


def _viewer(session: Session, actor: Actor) -> Viewer:
    return resolve(session, actor)


def _b_ingest(store: Store, tmp_path: Path) -> int:
    _b_pictures(tmp_path / B_SEIZURE)
    request = IngestRequest(root=tmp_path / B_SEIZURE, case_reference=B_CASE, workers=1, actor=B)
    return ingest(store, request).seizure_id


def test_each_side_learns_that_there_is_a_hit_and_whom_to_contact(
    store: Store, tmp_path: Path
) -> None:
    held = _holdings(store, tmp_path)
    b_seizure = _b_ingest(store, tmp_path)
    with store.session() as session:
        seeker = list_notices(session, _viewer(session, B))
        holder = list_notices(session, _viewer(session, A))
        # B touched two of A's records (its bank and its seizure) and learns only that A
        # holds something: one notice. A gets one mirror per record of its own.
        a_id = resolve(session, A).agency_id
        assert [n.counterpart_subject for n in seeker] == [f"agency:{a_id}"]
        assert {n.side for n in seeker} == {"seeker"}
        assert {n.side for n in holder} == {"holder"}
        assert sorted(n.subject for n in holder) == sorted(
            [f"bank:{held.bank_id}", f"seizure:{held.seizure_id}"]
        )
        assert {n.reference for n in seeker} == {n.reference for n in holder}
        assert len({n.reference for n in seeker}) == 1
        for notice in [notice_json(session, n) for n in seeker]:
            assert notice["counterpart"]["code"] == A.agency
            assert notice["counterpart"]["country"] == "FR"
            # A is an NCB: B contacts it directly.
            assert A_CONTACT in notice["contact"]
            assert notice["counterpart_reference"] is None
            assert notice["subject"] == {"type": "seizure", "case": B_CASE, "seizure": B_SEIZURE}
            assert "counterpart_subject" not in json.dumps(notice)
            assert notice["acknowledged"] is False
        mirrors = [notice_json(session, n) for n in holder]
        assert {m["counterpart"]["code"] for m in mirrors} == {DEFAULT_AGENCY_CODE}
        assert {m["counterpart_reference"] for m in mirrors} == {B_CASE}
        # B has no contact of its own: A is told to go through Brazil's NCB.
        assert all(B_NCB_CONTACT in m["contact"] for m in mirrors)
        assert sorted(json.dumps(m["subject"], sort_keys=True) for m in mirrors) == sorted(
            [
                json.dumps({"type": "bank", "bank": A_BANK}, sort_keys=True),
                json.dumps(
                    {"type": "seizure", "case": A_CASE, "seizure": A_SEIZURE}, sort_keys=True
                ),
            ]
        )
        assert list_notices(session, _viewer(session, C)) == []
        raised = session.scalars(select(AuditEvent).where(AuditEvent.action == "hit.raise")).all()
        assert [json.loads(e.details)["references"] for e in raised] == [
            sorted(n.reference for n in seeker)
        ]

        # B's report: those two pictures are held by another agency, never known by A's
        # series or bank, never new.
        report = build_report(session, session.get_one(Seizure, b_seizure), _viewer(session, B))
        assert report.classes["held_elsewhere"] == 2
        assert report.classes["new"] == 1
        assert report.series == []
        assert report.by_bank == {}
        assert report.by_category == {}

    # Matching and raising again adds nothing.
    with store.session() as session:
        match_seizure(session, b_seizure)
        assert raise_hit_notices(session, _viewer(session, B), b_seizure) == []
        assert session.scalar(select(func.count()).select_from(HitNotice)) == 3


def test_a_notice_is_acknowledged_only_by_its_recipient(store: Store, tmp_path: Path) -> None:
    _holdings(store, tmp_path)
    _b_ingest(store, tmp_path)
    with store.session() as session:
        reference = list_notices(session, _viewer(session, B))[0].reference
        unknown = "HIT-2026-00000000"
        with pytest.raises(NotVisibleError) as hidden:
            acknowledge(session, _viewer(session, C), reference)
        with pytest.raises(NotVisibleError) as absent:
            acknowledge(session, _viewer(session, C), unknown)
        assert str(hidden.value).replace(reference, "R") == str(absent.value).replace(unknown, "R")

        acknowledge(session, _viewer(session, B), reference.lower())
        still_open = list_notices(session, _viewer(session, B), unacknowledged_only=True)
        assert still_open == []
        # The holder's mirror is the holder's to acknowledge.
        assert reference in {n.reference for n in list_notices(session, _viewer(session, A), True)}
        acks = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "hit.acknowledge")
        ).all()
        assert [(e.user_name, e.object) for e in acks] == [(B.user, f"hit:{reference}")]


def test_a_bank_that_newly_holds_matched_media_raises_its_mirror(
    store: Store, tmp_path: Path
) -> None:
    held = _holdings(store, tmp_path, with_bank=False)
    b_seizure = _b_ingest(store, tmp_path)
    with store.session() as session:
        before = list_notices(session, _viewer(session, B))
        assert [n.counterpart_subject for n in before] == [
            f"agency:{resolve(session, A).agency_id}"
        ]
        bank_id = _a_bank(session, held.seizure_id)
        match_seizure(session, b_seizure)
    with store.session() as session:
        raised = raise_for_bank(session, bank_id, A)
        # B already knows that A holds something: only A's mirror for its bank is new, under
        # the reference B already has.
        assert [(n.side, n.subject, n.reference) for n in raised] == [
            ("holder", f"bank:{bank_id}", before[0].reference)
        ]
        assert raise_for_bank(session, bank_id, A) == []


def test_contact_goes_through_the_country_ncb_then_the_agency_then_the_central_unit(
    store: Store,
) -> None:
    with store.session() as session:
        unit = create_agency(session, "UNIT-PH", "PH unit", AgencyKind.SPECIALISED_UNIT, "PH")
        assert routed_contact(session, unit) is None
        create_agency(session, "CU", "Central unit", AgencyKind.CENTRAL_UNIT, None, "hub desk")
        assert routed_contact(session, unit) == "Central unit (CU): hub desk"
        update_agency(session, "UNIT-PH", contact="unit desk")
        assert routed_contact(session, unit) == "PH unit (UNIT-PH): unit desk"
        ncb = create_agency(session, "NCB-PH", "NCB Manila", AgencyKind.NCB, "PH")
        # An NCB without a contact is passed over.
        assert routed_contact(session, unit) == "PH unit (UNIT-PH): unit desk"
        update_agency(session, "NCB-PH", contact="manila desk")
        assert routed_contact(session, unit) == "NCB Manila (NCB-PH): manila desk"
        assert routed_contact(session, ncb) == "NCB Manila (NCB-PH): manila desk"


def _vigil(settings: Settings, *args: str) -> str:
    """Run a command as B's user; its standard output and error, which B reads."""
    result = runner.invoke(
        app,
        [*args, "--data-dir", str(settings.data_dir), "--database-url", settings.database_url],
        env={"VIGIL_USER": B.user},
    )
    assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
    return result.stdout + result.stderr


def test_nothing_of_what_a_holds_reaches_b(settings: Settings, tmp_path: Path) -> None:
    store = Store(settings)
    try:
        held = _holdings(store, tmp_path)
        with store.session() as session:
            a_paths = list(
                session.scalars(select(Sighting.path).where(Sighting.seizure_id == held.seizure_id))
            )
    finally:
        store.close()
    _b_pictures(tmp_path / B_SEIZURE)

    received = [
        _vigil(settings, "ingest", str(tmp_path / B_SEIZURE), "--case", B_CASE, "--workers", "1"),
        _vigil(settings, "match", "run", B_SEIZURE),
        _vigil(settings, "match", "list", B_SEIZURE, "--json"),
        _vigil(settings, "match", "list", B_SEIZURE),
        _vigil(settings, "hit", "list"),
    ]
    listed = _vigil(settings, "hit", "list", "--json")
    received.append(listed)
    notices = json.loads(listed)
    assert len(notices) == 1
    assert {n["counterpart"]["code"] for n in notices} == {A.agency}
    for fmt in ("json", "text", "csv", "html"):
        received.append(_vigil(settings, "report", B_SEIZURE, "--format", fmt))
    received.append(_vigil(settings, "hit", "ack", notices[0]["reference"]))
    received.append(_vigil(settings, "hit", "list", "--open", "--json"))
    assert json.loads(received[-1]) == []

    secrets = [A_CASE, A_SEIZURE, A_FOLDER, A_BANK, A_SERIES, "zephyr source"]
    secrets += [SCHEMES["VICS-US"].labels[A_CATEGORY], *a_paths, *held.hashes]
    assert len(held.hashes) >= 9
    assert len(a_paths) == 3
    everything = "\n".join(received)
    for secret in secrets:
        assert secret.lower() not in everything.lower(), secret
    # The outputs do say that another agency holds something, and whom to contact.
    assert A_CONTACT in everything

    # A's mirror names B's case; C may not acknowledge B's notice, told as for no notice.
    assert f"their reference: {B_CASE}" in _vigil(settings, "hit", "list", "--agency", A.agency)
    refused = runner.invoke(
        app,
        [
            "hit",
            "ack",
            notices[0]["reference"],
            "--agency",
            C.agency,
            "--data-dir",
            str(settings.data_dir),
            "--database-url",
            settings.database_url,
        ],
    )
    assert refused.exit_code == 2
    assert f"no notice {notices[0]['reference']!r}" in refused.stderr


def test_narrowing_a_level_tells_the_agencies_that_lose_sight_of_it(
    store: Store, tmp_path: Path
) -> None:
    held = _holdings(store, tmp_path, with_bank=False)
    with store.session() as session:
        set_level(session, _viewer(session, A), RecordType.SEIZURE, held.seizure_id, Level.ALL)
    b_seizure = _b_ingest(store, tmp_path)
    with store.session() as session:
        # B sees A's seizure: its copies are links, not hits.
        assert list_notices(session, _viewer(session, B)) == []
        set_level(session, _viewer(session, A), RecordType.SEIZURE, held.seizure_id, Level.OWNER)
    with store.session() as session:
        (seeker,) = list_notices(session, _viewer(session, B))
        assert (seeker.side, seeker.subject) == ("seeker", f"seizure:{b_seizure}")
        (mirror,) = list_notices(session, _viewer(session, A))
        assert (mirror.subject, mirror.reference) == (
            f"seizure:{held.seizure_id}",
            seeker.reference,
        )
        # Saying it again changes nothing.
        set_level(session, _viewer(session, A), RecordType.SEIZURE, held.seizure_id, Level.OWNER)
        assert session.scalar(select(func.count()).select_from(HitNotice)) == 2
