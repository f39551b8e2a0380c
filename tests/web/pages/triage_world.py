"""Media of NCB-FR's run for the triage and review page tests, added with the ORM: one of
each triage class, a video, one with capture facts, and matches to read and review."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi.testclient import TestClient

from tests.web.network import BASE_URL, ROLE_USERS, Network
from vigil.store.models import BankEntry, Match, Media, MediaCapture, Sighting
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE


@dataclass(frozen=True)
class TriageWorld:
    """The media ids of the own run, by what they are."""

    new_picture: int
    new_video: int
    exact: int
    near: int
    held: int
    linked: int
    #: The exact bank match, and the match between ``near``'s sibling and ``linked``.
    exact_match: int
    media_match: int


def add_media(
    network: Network, seizure_id: int, run_id: int, path: str, kind: str = "image"
) -> int:
    """A media seen in the seizure at ``path``; its id."""
    digest = secrets.token_hex(32)
    with network.store.session() as session:
        media = Media(
            sha256=digest,
            sha1=digest[:40],
            md5=digest[:32],
            size=10,
            kind=kind,
            format="jpeg" if kind == "image" else "mp4",
            mime="image/jpeg" if kind == "image" else "video/mp4",
        )
        session.add(media)
        session.flush()
        sight(network, media.id, seizure_id, run_id, path, session)
        return media.id


def sight(
    network: Network, media_id: int, seizure_id: int, run_id: int, path: str, session: object = None
) -> None:
    """Record that ``media_id`` was seen in the seizure at ``path``."""
    row = Sighting(
        media_id=media_id,
        seizure_id=seizure_id,
        ingest_run_id=run_id,
        path=path,
        path_raw=path.encode(),
        size=10,
        mtime=0.0,
    )
    if session is not None:
        session.add(row)  # type: ignore[attr-defined]
        return
    with network.store.session() as own:
        own.add(row)


def bank_match(network: Network, media_id: int, bank_id: int, signal: str, category: str) -> int:
    """A match of ``media_id`` to a new entry of the bank; the match's id."""
    with network.store.session() as session:
        entry = BankEntry(bank_id=bank_id, md5=secrets.token_hex(16), category=category)
        session.add(entry)
        session.flush()
        match = Match(
            media_id=media_id,
            target_key=f"bank_entry:{entry.id}",
            bank_entry_id=entry.id,
            signal=signal,
            distance=0 if signal == "md5" else 12,
            variant=None if signal == "md5" else "original",
        )
        session.add(match)
        session.flush()
        return match.id


def build_world(network: Network) -> TriageWorld:
    """The own run's media (see the module's docstring)."""
    own, restricted, shared = network.own, network.restricted, network.shared
    new_picture = add_media(network, own.seizure_id, own.run_id, "DCIM/a-new.jpg")
    new_video = add_media(network, own.seizure_id, own.run_id, "Movies/b-clip.mp4", "video")
    exact = add_media(network, own.seizure_id, own.run_id, "DCIM/c-known.jpg")
    near = add_media(network, own.seizure_id, own.run_id, "Downloads/d-near.jpg")
    held = add_media(network, own.seizure_id, own.run_id, "Downloads/e-held.jpg")
    sight(network, held, restricted.seizure_id, restricted.run_id, "secret/e.jpg")
    linked = add_media(network, own.seizure_id, own.run_id, "Downloads/f-linked.jpg")
    other = add_media(network, shared.seizure_id, shared.run_id, "shared/f.jpg")
    exact_match = bank_match(network, exact, own.bank_id, "md5", "1")
    bank_match(network, near, own.bank_id, "pdq", "2")
    with network.store.session() as session:
        match = Match(
            media_id=linked,
            target_key=f"media:{other}",
            other_media_id=other,
            signal="pdq",
            distance=7,
            variant="rotate90",
        )
        session.add(match)
        session.add(
            MediaCapture(
                media_id=new_picture, camera="Canon|EOS 5D|4242", taken_at="2025-06-01T10:00:00"
            )
        )
        session.flush()
        media_match = match.id
    return TriageWorld(new_picture, new_video, exact, near, held, linked, exact_match, media_match)


def browser(network: Network, username: str = ROLE_USERS["analyst"]) -> TestClient:
    """A client with ``username``'s browser session (cookie and CSRF header)."""
    secret, csrf = network.session_for(username)
    client = TestClient(create_app(network.store), base_url=BASE_URL)
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf
    return client
