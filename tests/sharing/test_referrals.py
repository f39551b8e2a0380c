"""Referrals between agencies on SQLite and PostgreSQL, with an injected clock: due times by
priority, the overdue list, the life cycle and its refusals, who may see and act on a
referral, what referring makes visible, the audit trail, and the commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.sharing.records import add_media, add_seizure
from vigil.cli.main import app
from vigil.config import Settings
from vigil.sharing import policy
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.audit_chain import verify_chain
from vigil.sharing.referral_terms import DUE_ENV, DueTimes, ReferralError, parse_duration
from vigil.sharing.referrals import (
    ReferralStateError,
    acknowledge_referral,
    close_referral,
    find_referral,
    inbox,
    outbox,
    overdue,
    progress_referral,
    referral_json,
    send_referral,
)
from vigil.store.db import Store
from vigil.store.models import (
    AgencyKind,
    AuditEvent,
    Match,
    Priority,
    RecordType,
    Referral,
    Role,
    Seizure,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DEFAULTS = DueTimes()


@dataclass
class World:
    """Agencies A, B (NCBs), C (a unit), HQ (the central unit), P (a partner); A's records."""

    seizure: int
    case: int
    media: int
    b_media: int
    match: int


def viewer(session: Session, code: str, *roles: Role) -> policy.Viewer:
    actor = Actor(f"officer-{code.lower()}", code)
    if roles:
        actor = Actor(actor.user, code, frozenset(roles))
    return policy.resolve(session, actor)


def build_world(session: Session) -> World:
    admin = Actor("admin")
    for code, kind, country in (
        ("A", AgencyKind.NCB, "FR"),
        ("B", AgencyKind.NCB, "DE"),
        ("C", AgencyKind.SPECIALISED_UNIT, "IT"),
        ("HQ", AgencyKind.CENTRAL_UNIT, None),
        ("P", AgencyKind.PARTNER, None),
    ):
        create_agency(session, code, f"Agency {code}", kind, country, actor=admin)
    a_media = add_media(session, "a-picture")
    b_media = add_media(session, "b-picture")
    seizure = add_seizure(session, "A", "A-OP-1", a_media).id
    add_seizure(session, "B", "B-OP-1", b_media)
    match = Match(
        media_id=b_media.id,
        target_key=f"media:{a_media.id}",
        other_media_id=a_media.id,
        signal="pdq",
        distance=6,
    )
    session.add(match)
    session.flush()
    case_id = session.get_one(Seizure, seizure).case_id
    return World(seizure, case_id, a_media.id, b_media.id, match.id)


@pytest.fixture
def world(store: Store) -> World:
    with store.session() as session:
        return build_world(session)


def send(
    session: Session,
    priority: Priority = Priority.URGENT,
    records: list[tuple[RecordType, int]] | None = None,
    now: datetime = T0,
    due_times: DueTimes = DEFAULTS,
    sender: str = "A",
    to: str = "B",
) -> str:
    referral = send_referral(
        session,
        viewer(session, sender),
        to,
        priority,
        "Boy missing since May; material linked to darknet user",
        "See the seizure.\nContact the duty desk.",
        records or [],
        now=now,
        due_times=due_times,
    )
    return referral.reference


# --- due times and the overdue list ----------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "allowed"),
    [
        (Priority.URGENT, timedelta(hours=1)),
        (Priority.HIGH, timedelta(hours=24)),
        (Priority.ROUTINE, timedelta(days=7)),
    ],
)
def test_due_time_and_overdue_list_by_priority(
    store: Store, world: World, priority: Priority, allowed: timedelta
) -> None:
    with store.session() as session:
        reference = send(session, priority)
    with store.session() as session:
        b_chief = viewer(session, "B", Role.SUPERVISOR)
        referral = find_referral(session, b_chief, reference)
        shown = referral_json(referral, session, now=T0)
        assert shown["due_at"] == (T0 + allowed).isoformat()
        assert shown["due_in_seconds"] == allowed.total_seconds()
        assert shown["overdue"] is False
        just_before = T0 + allowed - timedelta(seconds=1)
        assert overdue(session, b_chief, just_before) == []
        late = T0 + allowed + timedelta(seconds=1)
        assert [r.reference for r in overdue(session, b_chief, late)] == [reference]
        shown_late = referral_json(referral, session, now=late)
        assert shown_late["overdue"] is True
        assert shown_late["due_in_seconds"] == -1
    with store.session() as session:
        acknowledge_referral(session, viewer(session, "B"), reference, now=late)
    with store.session() as session:
        b_chief = viewer(session, "B", Role.SUPERVISOR)
        assert overdue(session, b_chief, late + timedelta(days=30)) == []
        shown_acked = referral_json(find_referral(session, b_chief, reference), session, now=late)
        assert shown_acked["overdue"] is False
        assert shown_acked["due_in_seconds"] is None
        assert shown_acked["acknowledged_by"] == "officer-b"


def test_overdue_list_is_the_recipients_and_the_central_units(store: Store, world: World) -> None:
    with store.session() as session:
        to_b = send(session, Priority.URGENT, to="B")
        to_c = send(session, Priority.HIGH, to="C", now=T0 - timedelta(days=2))
    later = T0 + timedelta(hours=2)
    with store.session() as session:

        def late(code: str) -> list[str]:
            chief = viewer(session, code, Role.SUPERVISOR)
            return [r.reference for r in overdue(session, chief, later)]

        assert late("B") == [to_b]
        assert late("C") == [to_c]
        assert late("A") == []  # the sender's own supervisor oversees its inbox only
        assert late("HQ") == [to_c, to_b]  # most overdue first
        with pytest.raises(policy.ForbiddenError, match="supervise"):
            overdue(session, viewer(session, "B", Role.ANALYST), later)


def test_configured_due_times(store: Store, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    configured = DueTimes.from_env(
        {DUE_ENV[Priority.URGENT]: "90m", DUE_ENV[Priority.HIGH]: "7200"}
    )
    assert configured == DueTimes(timedelta(minutes=90), timedelta(hours=2), timedelta(days=7))
    assert parse_duration("3d", "x") == timedelta(days=3)
    assert parse_duration(" 2H ", "x") == timedelta(hours=2)
    for bad in ("soon", "0", "-5", "2w", "1.5h", ""):
        with pytest.raises(ReferralError) as refused:
            DueTimes.from_env({DUE_ENV[Priority.ROUTINE]: bad or "  x"})
        assert str(refused.value).startswith("VIGIL_REFERRAL_DUE_ROUTINE: ")
        assert repr(bad or "  x") in str(refused.value)
    # send_referral reads the environment when no due times are given.
    monkeypatch.setenv(DUE_ENV[Priority.URGENT], "15m")
    with store.session() as session:
        referral = send_referral(
            session, viewer(session, "A"), "B", Priority.URGENT, "s", "b", [], now=T0
        )
        assert (
            referral_json(referral, session, now=T0)["due_at"]
            == (T0 + timedelta(minutes=15)).isoformat()
        )


# --- the life cycle ------------------------------------------------------------------------


def test_life_cycle_and_its_refusals(store: Store, world: World) -> None:
    with store.session() as session:
        reference = send(session)
    assert reference == f"REF-{T0.year}-000001"
    steps = [
        (progress_referral, "has not been acknowledged yet: acknowledge it first"),
        (acknowledge_referral, None),
        (acknowledge_referral, "is already acknowledged"),
        (progress_referral, None),
        (acknowledge_referral, "is in_progress: it cannot go back to acknowledged"),
        (progress_referral, "is already in_progress"),
    ]
    for number, (act, refusal) in enumerate(steps, start=1):
        with store.session() as session:
            b = viewer(session, "B")
            if refusal is None:
                act(session, b, reference, now=T0 + timedelta(minutes=number))
            else:
                with pytest.raises(ReferralStateError) as refused:
                    act(session, b, reference, now=T0)
                assert str(refused.value) == f"referral {reference} {refusal}"
    with store.session() as session:
        b = viewer(session, "B")
        with pytest.raises(ReferralError, match="outcome: empty"):
            close_referral(session, b, reference, "  \n ")
        closed = close_referral(session, b, reference, "child rescued", now=T0 + timedelta(hours=5))
        assert closed.status == "closed"
    with store.session() as session:
        b = viewer(session, "B")
        shown = referral_json(find_referral(session, b, reference), session)
        assert shown["status"] == "closed"
        assert shown["outcome"] == "child rescued"
        assert shown["closed_at"] == (T0 + timedelta(hours=5)).isoformat()
        assert shown["acknowledged_at"] == (T0 + timedelta(minutes=2)).isoformat()
        for act in (acknowledge_referral, progress_referral):
            with pytest.raises(ReferralStateError, match="is closed; a closed referral does not"):
                act(session, b, reference)
        with pytest.raises(ReferralStateError, match="is closed"):
            close_referral(session, b, reference, "again")


def test_an_acknowledged_referral_may_close_but_a_sent_one_may_not(
    store: Store, world: World
) -> None:
    with store.session() as session:
        reference = send(session, Priority.ROUTINE)
    with (
        store.session() as session,
        pytest.raises(ReferralStateError, match="acknowledge it first"),
    ):
        close_referral(session, viewer(session, "B"), reference, "no further action")
    with store.session() as session:
        acknowledge_referral(session, viewer(session, "B"), reference)
        close_referral(session, viewer(session, "B"), reference, "no further action")
    with store.session() as session:
        assert find_referral(session, viewer(session, "A"), reference).status == "closed"


def test_only_the_recipient_acts_and_others_cannot_find_it(store: Store, world: World) -> None:
    with store.session() as session:
        reference = send(session)
    with store.session() as session:
        for act in (acknowledge_referral, progress_referral):
            with pytest.raises(policy.ForbiddenError, match="addressed to another agency"):
                act(session, viewer(session, "A"), reference)
        with pytest.raises(policy.ForbiddenError, match="refer"):
            acknowledge_referral(session, viewer(session, "B", Role.VIEWER), reference)
        unknown = f"REF-{T0.year}-999999"
        with pytest.raises(policy.NotVisibleError) as not_there:
            find_referral(session, viewer(session, "B"), unknown)
        for code in ("C", "HQ"):
            with pytest.raises(policy.NotVisibleError) as hidden:
                find_referral(session, viewer(session, code), reference)
            assert str(hidden.value) == str(not_there.value).replace(unknown, reference)
            with pytest.raises(policy.NotVisibleError) as hidden_act:
                acknowledge_referral(session, viewer(session, code), reference)
            assert str(hidden_act.value) == str(hidden.value)
            assert inbox(session, viewer(session, code)) == []
        assert [r.reference for r in inbox(session, viewer(session, "B"))] == [reference]
        assert [r.reference for r in outbox(session, viewer(session, "A"))] == [reference]
        assert inbox(session, viewer(session, "A")) == []
        assert outbox(session, viewer(session, "B")) == []
        # A reference is found whatever its case.
        assert find_referral(session, viewer(session, "B"), reference.lower()).id is not None


# --- what referring makes visible ------------------------------------------------------------


def test_referring_a_seizure_makes_it_visible_to_the_recipient_only(
    store: Store, world: World
) -> None:
    with store.session() as session:
        for code in ("B", "C"):
            with pytest.raises(policy.NotVisibleError):
                policy.check_seizure(session, viewer(session, code), world.seizure)
        send(session, records=[(RecordType.SEIZURE, world.seizure)])
    with store.session() as session:
        policy.check_seizure(session, viewer(session, "B"), world.seizure)
        policy.check_media(session, viewer(session, "B"), world.media)
        with pytest.raises(policy.NotVisibleError):
            policy.check_seizure(session, viewer(session, "C"), world.seizure)
        with pytest.raises(policy.NotVisibleError):
            policy.check_media(session, viewer(session, "C"), world.media)
        with pytest.raises(policy.NotVisibleError):
            policy.check_case(session, viewer(session, "B"), world.case)


def test_referring_a_case_or_a_match_extends_what_they_need(store: Store, world: World) -> None:
    with store.session() as session:
        send(session, records=[(RecordType.CASE, world.case)], to="C")
        # B sees its own side of the match; A sees its own: both see the match once A's
        # seizure is visible to B, so B refers the match (and its sides) to C instead.
        with pytest.raises(policy.NotVisibleError):
            policy.check_match(session, viewer(session, "B"), world.match)
        send(session, records=[(RecordType.MEDIA, world.media)], to="B")
    with store.session() as session:
        c = viewer(session, "C")
        policy.check_case(session, c, world.case)
        policy.check_seizure(session, c, world.seizure)  # through the referred case
        policy.check_match(session, viewer(session, "B"), world.match)
        send(session, records=[(RecordType.MATCH, world.match)], sender="B", to="HQ")
    with store.session() as session:
        hq = viewer(session, "HQ")
        policy.check_match(session, hq, world.match)
        policy.check_media(session, hq, world.media)
        policy.check_media(session, hq, world.b_media)


def test_a_record_the_sender_may_not_see_is_refused_like_an_unknown_one(
    store: Store, world: World
) -> None:
    with store.session() as session:
        with pytest.raises(policy.NotVisibleError) as hidden:
            send(session, records=[(RecordType.SEIZURE, world.seizure)], sender="B", to="C")
        with pytest.raises(policy.NotVisibleError) as unknown:
            send(session, records=[(RecordType.SEIZURE, 9999)], sender="B", to="C")
        assert str(hidden.value) == str(unknown.value).replace("9999", str(world.seizure))
        with pytest.raises(ReferralError, match="a bank cannot be referred"):
            send(session, records=[(RecordType.BANK, 1)])
    with store.session() as session:
        assert session.scalars(select(Referral)).all() == []


@pytest.mark.parametrize(
    ("subject", "body", "to", "message"),
    [
        ("  ", "b", "B", "subject: empty"),
        ("x" * 301, "b", "B", "subject: 301 characters, at most 300"),
        ("bell\x07", "b", "B", "subject: control character U+0007 at character 5"),
        ("s", "a\u202eb", "B", "body: control character U+202E at character 2"),
        ("s", "line\nline\ttab", "P", "to: P is a partner"),
        ("s", "b", "A", "must go to another agency"),
        ("s", "b", "NOPE", "agency: no agency 'NOPE'"),
    ],
)
def test_refused_values(
    store: Store, world: World, subject: str, body: str, to: str, message: str
) -> None:
    with store.session() as session:
        with pytest.raises((ReferralError, policy.ForbiddenError, ValueError)) as refused:
            send_referral(session, viewer(session, "A"), to, Priority.HIGH, subject, body, [])
        assert message in str(refused.value)
        assert "\n" not in str(refused.value)
        with pytest.raises(policy.ForbiddenError, match="refer"):
            send_referral(
                session, viewer(session, "A", Role.VIEWER), "B", Priority.HIGH, "s", "b", []
            )


# --- the audit trail -------------------------------------------------------------------------


def test_every_act_is_audited(store: Store, world: World) -> None:
    with store.session() as session:
        reference = send(session, records=[(RecordType.SEIZURE, world.seizure)])
    late = T0 + timedelta(hours=3)
    with store.session() as session:
        b = viewer(session, "B")
        acknowledge_referral(session, b, reference, now=late)
        progress_referral(session, b, reference, now=late + timedelta(minutes=1))
        close_referral(session, b, reference, "child rescued", now=late + timedelta(minutes=2))
    with store.session() as session:
        assert verify_chain(session).intact
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object == f"referral:{reference}")
            .order_by(AuditEvent.seq)
        ).all()
        assert [(e.action, e.user_name, e.agency_code) for e in events] == [
            ("referral.send", "officer-a", "A"),
            ("referral.acknowledge", "officer-b", "B"),
            ("referral.progress", "officer-b", "B"),
            ("referral.close", "officer-b", "B"),
        ]
        sent = json.loads(events[0].details)
        assert sent["to"] == "B"
        assert sent["priority"] == "urgent"
        assert sent["records"] == [f"seizure:{world.seizure}"]
        assert json.loads(events[1].details) == {"late": True}
        assert json.loads(events[3].details) == {"outcome": "child rescued"}
        assert events[1].occurred_at.startswith("2026-03-01T12:00:00")


# --- the commands ----------------------------------------------------------------------------


def test_referral_commands(settings: Settings) -> None:
    runner = CliRunner()
    opened = Store(settings)
    with opened.session() as session:
        build_world(session)
    opened.close()

    def vigil(agency: str, *args: str) -> tuple[int, str, str]:
        where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
        result = runner.invoke(
            app, ["referral", *args, "--agency", agency, *where], env={"VIGIL_USER": "tester"}
        )
        return result.exit_code, result.stdout, result.stderr

    code, stdout, stderr = vigil(
        "A",
        *("send", "--to", "b", "--priority", "urgent", "--subject", "Missing boy"),
        *("--body", "Linked material.", "--seizure", "A-OP-1/phone"),
    )
    assert code == 0, stderr
    assert "referral REF-" in stdout
    reference = stdout.split()[1]

    code, stdout, _ = vigil("B", "list", "--inbox", "--json")
    assert code == 0
    listed = json.loads(stdout)
    assert [r["reference"] for r in listed["inbox"]] == [reference]
    assert listed["inbox"][0]["records"] == [{"type": "seizure", "id": 1}]
    assert listed["inbox"][0]["from"]["code"] == "A"
    assert "outbox" not in listed

    hidden = vigil("C", "show", reference)
    unknown = vigil("C", "show", "REF-2000-000999")
    assert hidden[0] == unknown[0] == 2
    assert hidden[2].replace(reference, "?") == unknown[2].replace("REF-2000-000999", "?")
    assert hidden[2].count("\n") == 1

    refused = vigil("A", "ack", reference)
    assert refused[0] == 2
    assert "addressed to another agency" in refused[2]
    assert vigil("B", "ack", reference)[:2] == (0, f"referral {reference} acknowledged\n")
    assert vigil("B", "progress", reference)[:2] == (0, f"referral {reference} in progress\n")
    refused = vigil("B", "ack", reference)
    assert refused[0] == 2
    assert "cannot go back to acknowledged" in refused[2]
    refused = vigil("B", "close", reference, "--outcome", " ")
    assert refused[0] == 2
    assert "outcome: empty" in refused[2]
    assert vigil("B", "close", reference, "--outcome", "child rescued")[0] == 0

    code, stdout, _ = vigil("A", "show", reference, "--json")
    assert code == 0
    assert json.loads(stdout)["status"] == "closed"
    assert json.loads(stdout)["outcome"] == "child rescued"
    code, stdout, _ = vigil("HQ", "overdue", "--json")
    assert (code, json.loads(stdout)) == (0, [])
    assert vigil("A", "send", "--to", "B", "--priority", "soon", "--subject", "s", "--body", "b")[
        2
    ].startswith("error: priority: 'soon' is not a priority")
