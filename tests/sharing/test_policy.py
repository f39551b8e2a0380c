"""The one policy: what each agency may see of cases, seizures, banks, media and matches.

Records are written directly (as ingest and imports store them) so that each rule is tried
on its own: owner, ``all``, ``named``, referral, partners, and media seen only through a
seizure. Every check asks the policy both ways: the SQL conditions that filter listings and
the yes / no for one record, which must agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.sharing.records import add_media, add_seizure
from vigil.sharing import policy
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.store.db import Store
from vigil.store.models import (
    AgencyKind,
    Bank,
    BankEntry,
    GrantReason,
    Level,
    Match,
    RecordType,
    Role,
    Scope,
    Seizure,
    Sighting,
)


@dataclass
class World:
    """Agencies A (owner), B and C (members), P (a partner), and what A holds."""

    seizure: int
    case: int
    bank: int
    entry: int
    media: int
    own_b_media: int
    match_bank: int
    match_media: int


def _viewer(session: Session, code: str, roles: frozenset[Role] | None = None) -> policy.Viewer:
    actor = Actor("tester", code) if roles is None else Actor("tester", code, roles)
    return policy.resolve(session, actor)


def _world(session: Session) -> World:
    for code, kind, country in (
        ("A", AgencyKind.NCB, "FR"),
        ("B", AgencyKind.NCB, "DE"),
        ("C", AgencyKind.SPECIALISED_UNIT, "DE"),
        ("P", AgencyKind.PARTNER, None),
    ):
        create_agency(session, code, f"Agency {code}", kind, country, actor=Actor("admin"))
    a = _viewer(session, "A")
    a_media = add_media(session, "a-picture")
    b_media = add_media(session, "b-picture")
    seizure = add_seizure(session, "A", "A-OP-1", a_media)
    add_seizure(session, "B", "B-OP-1", b_media)
    bank = Bank(
        name="a-bank",
        agency_id=a.agency_id,
        dissemination=Level.OWNER.value,
        category_scheme="vics",
    )
    session.add(bank)
    session.flush()
    entry = BankEntry(bank_id=bank.id, sha256="ab" * 32, category="1")
    session.add(entry)
    session.flush()
    # B's picture matched A's bank entry, and A's picture.
    to_bank = Match(
        media_id=b_media.id,
        target_key=f"bank_entry:{entry.id}",
        bank_entry_id=entry.id,
        signal="pdq",
        distance=4,
    )
    to_media = Match(
        media_id=b_media.id,
        target_key=f"media:{a_media.id}",
        other_media_id=a_media.id,
        signal="pdq",
        distance=6,
    )
    session.add_all([to_bank, to_media])
    session.flush()
    return World(
        seizure.id,
        seizure.case_id,
        bank.id,
        entry.id,
        a_media.id,
        b_media.id,
        to_bank.id,
        to_media.id,
    )


def _sees(session: Session, viewer: policy.Viewer, world: World) -> dict[str, bool]:
    """What the viewer sees of A's records, asked one record at a time and as listings."""
    singles = {
        "case": (policy.check_case, world.case),
        "seizure": (policy.check_seizure, world.seizure),
        "bank": (policy.check_bank, world.bank),
        "media": (policy.check_media, world.media),
        "match_bank": (policy.check_match, world.match_bank),
        "match_media": (policy.check_match, world.match_media),
    }
    seen: dict[str, bool] = {}
    for name, (check, ident) in singles.items():
        try:
            check(session, viewer, ident)
            seen[name] = True
        except policy.NotVisibleError:
            seen[name] = False
    listed = {
        "seizure": world.seizure in set(session.scalars(policy.visible_seizure_ids(viewer))),
        "bank": world.bank in set(session.scalars(policy.visible_bank_ids(viewer))),
        "media": world.media in set(session.scalars(policy.visible_media_ids(viewer))),
        "match_bank": world.match_bank
        in set(session.scalars(select(Match.id).where(policy.match_condition(viewer)))),
    }
    for name, value in listed.items():
        assert value == seen[name], f"{name}: listing and single check disagree"
    return seen


def _seen(seen: dict[str, bool]) -> set[str]:
    return {name for name, visible in seen.items() if visible}


def _set_level(session: Session, world: World, level: Level) -> None:
    session.get_one(Seizure, world.seizure).dissemination = level.value
    session.get_one(Seizure, world.seizure).case.dissemination = level.value
    session.get_one(Bank, world.bank).dissemination = level.value
    session.flush()


def test_owner_level_is_seen_by_its_owner_alone(store: Store) -> None:
    with store.session() as session:
        world = _world(session)
        # A cannot see B's picture: the matches found from B's side are B's, not A's.
        assert _seen(_sees(session, _viewer(session, "A"), world)) == {
            "case",
            "seizure",
            "bank",
            "media",
        }
        assert _seen(_sees(session, _viewer(session, "B"), world)) == set()


def test_all_members_level_reaches_members_but_not_partners(store: Store) -> None:
    with store.session() as session:
        world = _world(session)
        _set_level(session, world, Level.ALL)
        assert all(_sees(session, _viewer(session, "B"), world).values())
        assert _sees(session, _viewer(session, "C"), world)["seizure"]
        assert not any(_sees(session, _viewer(session, "P"), world).values())


def test_named_level_reaches_the_named_agencies_only(store: Store) -> None:
    with store.session() as session:
        world = _world(session)
        b = _viewer(session, "B")
        for record, ident in ((RecordType.SEIZURE, world.seizure), (RecordType.BANK, world.bank)):
            policy.grant(session, record, ident, b.agency_id, GrantReason.NAMED, "A's analyst")
        # Named while the level is still "owner": the grant waits for the level.
        assert not _sees(session, b, world)["seizure"]
        _set_level(session, world, Level.NAMED)
        # The case was not named; B's own match to A's picture now has both sides visible.
        assert _seen(_sees(session, b, world)) == {
            "seizure",
            "bank",
            "media",
            "match_bank",
            "match_media",
        }
        assert not any(_sees(session, _viewer(session, "C"), world).values())


def test_a_referral_extends_visibility_whatever_the_level(store: Store) -> None:
    with store.session() as session:
        world = _world(session)
        c = _viewer(session, "C")
        policy.grant(session, RecordType.CASE, world.case, c.agency_id, GrantReason.REFERRAL, "A")
        # Referring a case reaches its seizures, and so the media seen in them.
        assert _seen(_sees(session, c, world)) == {"case", "seizure", "media"}
        assert not _sees(session, _viewer(session, "B"), world)["seizure"]


def test_a_partner_sees_what_is_named_to_it(store: Store) -> None:
    with store.session() as session:
        world = _world(session)
        partner = _viewer(session, "P")
        policy.grant(
            session, RecordType.BANK, world.bank, partner.agency_id, GrantReason.NAMED, "A"
        )
        _set_level(session, world, Level.NAMED)
        assert _seen(_sees(session, partner, world)) == {"bank"}


def test_hidden_hits_name_the_holder_not_the_content(store: Store) -> None:
    with store.session() as session:
        world = _world(session)
        b = _viewer(session, "B")
        b_seizure = session.scalar(
            select(Sighting.seizure_id).where(Sighting.media_id == world.own_b_media)
        )
        assert b_seizure is not None
        a_id = _viewer(session, "A").agency_id
        hits = policy.hidden_hits(session, b, b_seizure)
        assert {(h.media_id, h.holder_agency_id, h.subject) for h in hits} == {
            (world.own_b_media, a_id, f"bank:{world.bank}"),
            (world.own_b_media, a_id, f"seizure:{world.seizure}"),
        }
        _set_level(session, world, Level.ALL)
        assert policy.hidden_hits(session, b, b_seizure) == []


def test_roles_and_scopes_grant_permissions(store: Store) -> None:
    with store.session() as session:
        _world(session)
        viewer = _viewer(session, "A", frozenset({Role.VIEWER}))
        assert viewer.can(policy.Permission.READ)
        with pytest.raises(policy.ForbiddenError, match="may not write"):
            policy.require(viewer, policy.Permission.WRITE)
        auditor = _viewer(session, "A", frozenset({Role.AUDITOR}))
        assert auditor.permissions == frozenset({policy.Permission.AUDIT})
        partner = _viewer(session, "P", frozenset({Role.ADMIN}))
        assert partner.permissions == policy.PARTNER_PERMISSIONS
        token = policy.resolve(
            session, Actor("t", "A", frozenset({Role.ANALYST}), frozenset({Scope.READ}))
        )
        assert token.permissions == frozenset({policy.Permission.READ})
        with pytest.raises(policy.NotVisibleError, match="no agency"):
            policy.resolve(session, Actor("t", "NOPE"))
