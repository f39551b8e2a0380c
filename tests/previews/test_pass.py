"""The preview pass over an ingested seizure: its order, resuming, failures and the vault."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from tests.imagegen import make_jpeg
from vigil.banks.catalog import create_bank
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.previews import making
from vigil.previews.making import make_previews, vault_of
from vigil.previews.queue import (
    PreviewTask,
    Urgency,
    failed_previews,
    preview_counts,
    preview_queue,
)
from vigil.previews.vault import PreviewVault
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.store.db import Store
from vigil.store.models import (
    AgencyKind,
    Alert,
    AlertKind,
    BankEntry,
    Match,
    Media,
    Preview,
    PreviewState,
    Sighting,
)

ACTOR = Actor("amelie", "NCB-FR")
NAMES = ("known.jpg", "missing-child.jpg", "near-duplicate.jpg", "new.jpg")


def _seizure(store: Store, tmp_path: Path) -> tuple[int, dict[str, int]]:
    """An ingested seizure of four pictures, and each picture's media id by file name."""
    with store.session() as session:
        create_agency(session, ACTOR.agency, "NCB France", AgencyKind.NCB, "FR", "desk")
    folder = tmp_path / "phone"
    folder.mkdir()
    for seed, name in enumerate(NAMES):
        make_jpeg(folder / name, size=(320, 240), seed=seed)
    request = IngestRequest(root=folder, case_reference="OP-1", workers=1, actor=ACTOR)
    seizure_id = ingest(store, request).seizure_id
    with store.session() as session:
        media = dict(
            session.execute(
                select(Sighting.path, Sighting.media_id).where(Sighting.seizure_id == seizure_id)
            ).all()
        )
    return seizure_id, {name: int(media[name]) for name in NAMES}


def _mark(store: Store, seizure_id: int, media: dict[str, int]) -> None:
    """A missing-child alert, a PDQ match and an exact bank match on three of the pictures."""
    with store.session() as session:
        bank = create_bank(session, "known", actor=ACTOR)
        entry = BankEntry(bank_id=bank.id, md5="0" * 32)
        session.add(entry)
        session.flush()
        session.add_all(
            [
                Alert(
                    seizure_id=seizure_id,
                    kind=AlertKind.MISSING_CHILD.value,
                    priority=1,
                    media_id=media["missing-child.jpg"],
                    counterpart_type="missing_report",
                    counterpart_id=1,
                    evidence_key="pdq",
                ),
                Match(
                    media_id=media["near-duplicate.jpg"],
                    target_key=f"media:{media['new.jpg']}",
                    other_media_id=media["new.jpg"],
                    signal="pdq",
                    distance=8,
                ),
                Match(
                    media_id=media["known.jpg"],
                    target_key=f"bank_entry:{entry.id}",
                    bank_entry_id=entry.id,
                    signal="md5",
                ),
            ]
        )


def _made(store: Store) -> set[int]:
    with store.session() as session:
        return set(
            session.scalars(
                select(Preview.media_id).where(Preview.state == PreviewState.MADE.value)
            )
        )


def test_media_that_need_eyes_come_first(store: Store, tmp_path: Path) -> None:
    seizure_id, media = _seizure(store, tmp_path)
    with store.session() as session:
        # Before any match or alert, everything is new, in the order of arrival.
        assert {task.urgency for task in preview_queue(session, seizure_id)} == {Urgency.NEW}
    _mark(store, seizure_id, media)
    with store.session() as session:
        queue = preview_queue(session, seizure_id)
    assert [task.media_id for task in queue] == [
        media["missing-child.jpg"],
        media["new.jpg"],
        media["near-duplicate.jpg"],
        media["known.jpg"],
    ]
    assert [task.urgency for task in queue] == list(Urgency)
    assert queue[0].path == str(tmp_path.resolve() / "phone" / "missing-child.jpg")


def test_an_interrupted_pass_resumes_with_what_it_had_not_made(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seizure_id, media = _seizure(store, tmp_path)
    _mark(store, seizure_id, media)
    real = making.make_one
    calls: list[int] = []

    def interrupted_at_the_third(task: PreviewTask) -> making.Made:
        calls.append(task.media_id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(making, "make_one", interrupted_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        make_previews(store, seizure_id)
    # The two most urgent were made and recorded before the interruption.
    assert _made(store) == {media["missing-child.jpg"], media["new.jpg"]}
    monkeypatch.setattr(making, "make_one", real)
    seen: list[tuple[int, int]] = []
    outcome = make_previews(
        store, seizure_id, progress=lambda done, total: seen.append((done, total))
    )
    assert (outcome.made, outcome.failed, outcome.total) == (2, 0, 4)
    assert seen[0] == (2, 4)
    assert seen[-1] == (4, 4)
    assert _made(store) == set(media.values())
    # A third pass has nothing left to do.
    assert make_previews(store, seizure_id).made == 0


def test_a_file_that_does_not_decode_is_recorded_and_the_rest_made(
    store: Store, tmp_path: Path
) -> None:
    seizure_id, media = _seizure(store, tmp_path)
    # The file changed on disk since the ingest: no longer a picture.
    (tmp_path / "phone" / "new.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"not a picture" * 50)
    outcome = make_previews(store, seizure_id)
    assert (outcome.made, outcome.failed) == (3, 1)
    with store.session() as session:
        failed = session.get_one(Preview, media["new.jpg"])
        counts = preview_counts(session, seizure_id)
        errors = failed_previews(session, seizure_id)
    assert failed.state == PreviewState.FAILED.value
    assert failed.error
    assert (counts.made, counts.failed, counts.missing) == (3, 1, 0)
    assert len(errors) == 1
    assert errors[0].startswith("new.jpg: ")
    assert _made(store) == set(media.values()) - {media["new.jpg"]}


def test_the_vault_holds_encrypted_clear_and_blurred_previews(store: Store, tmp_path: Path) -> None:
    seizure_id, media = _seizure(store, tmp_path)
    make_previews(store, seizure_id)
    vault: PreviewVault = vault_of(store)
    with store.session() as session:
        sha256 = session.get_one(Media, media["new.jpg"]).sha256
    for kind in ("thumb", "blur"):
        stored = vault.path(sha256, kind).read_bytes()
        assert not stored.startswith(b"\xff\xd8")  # not a JPEG on disk
        with pytest.raises(UnidentifiedImageError):
            Image.open(vault.path(sha256, kind))
    clear, blurred = vault.get(sha256, "thumb"), vault.get(sha256, "blur")
    assert clear is not None
    assert blurred is not None
    with Image.open(io.BytesIO(clear)) as shown:
        assert (shown.format, shown.mode, shown.size) == ("JPEG", "RGB", (256, 192))
    with Image.open(io.BytesIO(blurred)) as shown:
        assert (shown.format, shown.mode, shown.size) == ("JPEG", "L", (256, 192))


def test_several_workers_make_the_same_previews(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seizure_id, media = _seizure(store, tmp_path)
    folder = tmp_path / "phone"
    for seed in range(20):
        make_jpeg(folder / f"more-{seed:02}.jpg", size=(200, 150), seed=100 + seed)
    monkeypatch.setattr(making, "_POOL_FROM", 8)  # a pool even for this small seizure
    pooled: list[int] = []
    real = making._pooled

    def spied(tasks: Sequence[PreviewTask], workers: int) -> Iterator[making.Made]:
        pooled.append(workers)
        return real(tasks, workers)

    monkeypatch.setattr(making, "_pooled", spied)
    ingest(store, IngestRequest(root=folder, case_reference="OP-1", workers=1, actor=ACTOR))
    outcome = make_previews(store, seizure_id, workers=2)
    assert (outcome.made, outcome.failed, outcome.total) == (24, 0, 24)
    assert pooled == [2]
    assert media["new.jpg"] in _made(store)
