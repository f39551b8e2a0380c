"""The referral pages: inbox and outbox with due times, composing from a record, the
recipient's acts, and who may see and act on a referral."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.web.network import BASE_URL, ROLE_USERS, Network
from vigil.sharing import policy
from vigil.sharing.actor import Actor
from vigil.sharing.referrals import find_referral, send_referral
from vigil.store.models import Priority, RecordType, ReferralStatus, Role
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment


def _browser(network: Network, clock: Clock, username: str) -> TestClient:
    secret, csrf = network.session_for(username, now=clock.moment)
    client = TestClient(
        create_app(network.store, clock=clock), base_url=BASE_URL, follow_redirects=False
    )
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf
    client.headers["Accept"] = "text/html"
    return client


def _send(
    network: Network,
    sender: str,
    to: str,
    priority: Priority,
    subject: str,
    records: list[tuple[RecordType, int]] | None = None,
) -> str:
    """A referral sent by ``sender`` (an agency code) at START; its reference."""
    with network.store.session() as session:
        actor = Actor(f"officer-{sender.lower()}", sender, frozenset({Role.ANALYST}))
        viewer = policy.resolve(session, actor)
        referral = send_referral(
            session, viewer, to, priority, subject, "text", records or [], now=START
        )
        return referral.reference


def _row(page: str, reference: str) -> str:
    found = re.search(rf'<tr[^>]*data-reference="{reference}".*?</tr>', page, re.S)
    assert found, f"{reference} not listed"
    return found.group(0)


def test_inbox_and_outbox_list_the_agencys_referrals_with_their_due_times(
    network: Network,
) -> None:
    clock = Clock()
    urgent = _send(network, "NCB-BR", "NCB-FR", Priority.URGENT, "Boy seen in stream")
    routine = _send(network, "NCB-BR", "NCB-FR", Priority.ROUTINE, "Routine follow-up")
    sent = _send(network, "NCB-FR", "NCB-BR", Priority.HIGH, "Our question to Brasilia")
    elsewhere = _send(network, "NCB-BR", "CU", Priority.HIGH, "Between others")
    clock.moment = START + timedelta(hours=2)
    analyst = _browser(network, clock, ROLE_USERS["analyst"])

    inbox = analyst.get("/referrals").text
    assert inbox.index(urgent) < inbox.index(routine)  # urgent first
    late = _row(inbox, urgent)
    assert "overdue by 1 h" in late
    assert 'class="overdue"' in late
    on_time = _row(inbox, routine)
    assert "in 6 d 22 h" in on_time
    assert 'class="overdue"' not in on_time
    assert "NCB-BR" in late
    assert sent not in inbox
    assert elsewhere not in inbox

    outbox = analyst.get("/referrals?box=out").text
    assert "in 22 h" in _row(outbox, sent)
    assert urgent not in outbox
    assert elsewhere not in outbox

    filtered = analyst.get("/referrals?status=closed").text
    assert urgent not in filtered
    assert routine not in filtered


def test_supervisors_see_the_overdue_list(network: Network) -> None:
    clock = Clock()
    urgent = _send(network, "NCB-BR", "NCB-FR", Priority.URGENT, "Late one")
    clock.moment = START + timedelta(hours=3)
    supervisor = _browser(network, clock, ROLE_USERS["supervisor"]).get("/referrals").text
    assert "Overdue for acknowledgement" in supervisor
    overdue = supervisor[supervisor.index('id="overdue"') :]
    assert urgent in overdue
    assert "overdue by 2 h" in overdue
    analyst = _browser(network, clock, ROLE_USERS["analyst"]).get("/referrals").text
    assert "Overdue for acknowledgement" not in analyst


def test_composing_from_a_record_refers_it_and_the_recipient_sees_it(network: Network) -> None:
    clock = Clock()
    series = network.own.series_id
    series_name = network.own.texts[5]
    analyst = _browser(network, clock, ROLE_USERS["analyst"])
    form = analyst.get(f"/referrals/new?record_type=series&record_id={series}")
    assert form.status_code == 200
    assert f"series:{series}</textarea>" in form.text
    assert '<option value="NCB-BR">' in form.text
    assert "PARTNER-X" not in form.text

    recipient = _browser(network, clock, "target-br")
    assert recipient.get(f"/api/series/{series}").status_code == 404

    sent = analyst.post(
        "/referrals",
        data={
            "to": "NCB-BR",
            "priority": "urgent",
            "subject": "Series seen again",
            "body": "Please look at it.",
            "records": f"series:{series}",
        },
    )
    assert sent.status_code == 303
    reference = sent.headers["location"].rsplit("/", 1)[1]
    page = analyst.get(sent.headers["location"]).text
    assert f'href="/series/{series}"' in page
    assert "Series seen again" in page

    assert f">{series_name}</a>" in page  # the record called by its name
    inbox = recipient.get("/referrals").text
    assert reference in inbox
    assert "Series seen again" in inbox
    assert recipient.get(f"/api/series/{series}").json()["name"].endswith(series_name)
    assert f'href="/series/{series}"' in recipient.get(f"/referrals/{reference}").text


def test_a_refused_referral_shows_the_form_again_with_the_reason(network: Network) -> None:
    analyst = _browser(network, Clock(), ROLE_USERS["analyst"])
    fields = {"to": "NCB-BR", "priority": "high", "subject": "S", "body": "B", "records": ""}
    empty = analyst.post("/referrals", data={**fields, "subject": "  "})
    assert empty.status_code == 422
    assert 'id="subject-error"' in empty.text
    assert "subject: empty" in empty.text
    assert ">B</textarea>" in empty.text  # what was written is kept
    hidden = analyst.post(
        "/referrals", data={**fields, "records": f"series:{network.restricted.series_id}"}
    )
    assert hidden.status_code == 422
    assert 'id="records-error"' in hidden.text
    assert network.restricted.texts[5] not in hidden.text
    bad = analyst.post("/referrals", data={**fields, "records": "series 7"})
    assert "line 1" in bad.text
    assert 'id="records-error"' in bad.text
    own = analyst.post("/referrals", data={**fields, "to": "NCB-FR"})
    assert 'id="to-error"' in own.text
    assert "another agency" in own.text


def test_the_recipient_acknowledges_progresses_and_closes_with_an_outcome(
    network: Network,
) -> None:
    clock = Clock()
    reference = _send(network, "NCB-BR", "NCB-FR", Priority.HIGH, "Act on this")
    analyst = _browser(network, clock, ROLE_USERS["analyst"])

    page = analyst.get(f"/referrals/{reference}").text
    assert f"/referrals/{reference}/acknowledge" in page
    assert f"/referrals/{reference}/close" not in page  # acknowledge first

    def status() -> ReferralStatus:
        with network.store.session() as session:
            viewer = policy.resolve(session, Actor("x", "NCB-FR", frozenset({Role.VIEWER})))
            return ReferralStatus(find_referral(session, viewer, reference).status)

    clock.moment = START + timedelta(minutes=5)
    acked = analyst.post(f"/referrals/{reference}/acknowledge")
    assert acked.status_code == 303
    assert acked.headers["location"] == f"/referrals/{reference}"
    assert status() is ReferralStatus.ACKNOWLEDGED
    assert analyst.post(f"/referrals/{reference}/progress").status_code == 303
    assert status() is ReferralStatus.IN_PROGRESS
    again = analyst.post(f"/referrals/{reference}/acknowledge")
    assert again.status_code == 409
    assert "cannot go back" in again.text
    closed = analyst.post(f"/referrals/{reference}/close", data={"outcome": "child rescued"})
    assert closed.status_code == 303
    assert status() is ReferralStatus.CLOSED
    page = analyst.get(f"/referrals/{reference}").text
    assert "child rescued" in page
    assert "Closed" in page
    assert f"/referrals/{reference}/close" not in page

    # The sender sees the outcome but has nothing to act on.
    sender = _browser(network, clock, "target-br").get(f"/referrals/{reference}").text
    assert "child rescued" in sender
    assert "/acknowledge" not in sender


def test_a_viewer_may_not_act_and_others_referrals_are_not_found(network: Network) -> None:
    clock = Clock()
    mine = _send(network, "NCB-BR", "NCB-FR", Priority.HIGH, "For Paris")
    others = _send(network, "NCB-BR", "CU", Priority.HIGH, "Not for Paris")
    viewer = _browser(network, clock, ROLE_USERS["viewer"])
    page = viewer.get(f"/referrals/{mine}")
    assert page.status_code == 200
    assert "/acknowledge" not in page.text
    assert viewer.post(f"/referrals/{mine}/acknowledge").status_code == 403
    assert viewer.post(f"/referrals/{mine}/close", data={"outcome": "x"}).status_code == 403
    assert viewer.get("/referrals/new").status_code == 403
    assert viewer.post("/referrals", data={"to": "NCB-BR"}).status_code == 403
    missing = viewer.get("/referrals/REF-2026-999999")
    hidden = viewer.get(f"/referrals/{others}")
    assert hidden.status_code == missing.status_code == 404
    assert "Not for Paris" not in hidden.text
    analyst = _browser(network, clock, ROLE_USERS["analyst"])
    assert analyst.post(f"/referrals/{others}/acknowledge").status_code == 404
