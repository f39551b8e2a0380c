"""The dashboard: the agency's ingest runs, open alerts highest priority first, referrals
awaiting acknowledgement with the time left, hit notices; nothing of another agency's
restricted records."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.web.matrix_records import make_hit_notice, make_referral
from tests.web.network import Network
from tests.web.pages.triage_world import add_media, browser
from vigil.store.models import (
    ALERT_PRIORITY,
    Alert,
    AlertKind,
    IngestRun,
    RecordType,
    Referral,
    ReferralStatus,
    utcnow,
)
from vigil.web.pages.dashboard import time_left


def _alert(
    network: Network, seizure_id: int, run_id: int, kind: AlertKind, about: tuple[str, int]
) -> None:
    media_id = add_media(network, seizure_id, run_id, f"alerts/{kind.value}.jpg")
    with network.store.session() as session:
        session.add(
            Alert(
                seizure_id=seizure_id,
                kind=kind.value,
                priority=ALERT_PRIORITY[kind],
                media_id=media_id,
                counterpart_type=about[0],
                counterpart_id=about[1],
                evidence_key="pdq",
                evidence={"signal": "pdq", "path": f"alerts/{kind.value}.jpg", "files": 1},
            )
        )


def test_alerts_are_listed_highest_priority_first(network: Network) -> None:
    own, restricted = network.own, network.restricted
    series = (RecordType.SERIES.value, own.series_id)
    # Raised in the reverse order of their priority.
    _alert(network, own.seizure_id, own.run_id, AlertKind.CROSS_CASE, ("seizure", own.seizure_id))
    _alert(network, own.seizure_id, own.run_id, AlertKind.KNOWN_SERIES, series)
    _alert(network, own.seizure_id, own.run_id, AlertKind.ALREADY_IDENTIFIED, series)
    missing = (RecordType.MISSING_REPORT.value, own.missing_report_id)
    _alert(network, own.seizure_id, own.run_id, AlertKind.MISSING_CHILD, missing)
    hidden = (RecordType.SERIES.value, restricted.series_id)
    _alert(network, restricted.seizure_id, restricted.run_id, AlertKind.MISSING_CHILD, hidden)
    page = browser(network).get("/")
    assert page.status_code == 200
    kinds = re.findall(r'<tr class="alert-row" data-kind="(\w+)">', page.text)
    assert kinds == ["missing_child", "already_identified", "known_series", "cross_case"]
    assert f'href="/missing/{own.missing_report_id}"' in page.text
    assert f'href="/series/{own.series_id}"' in page.text
    for marker in network.restricted_markers:
        assert marker not in page.text


def test_runs_link_to_their_triage_page_and_running_ones_are_marked(network: Network) -> None:
    with network.store.session() as session:
        running = IngestRun(
            seizure_id=network.own.seizure_id,
            root_path="/evidence/more",
            status="running",
            pdq_mode="standard",
            workers=1,
        )
        session.add(running)
        session.flush()
        running_id = running.id
    text = browser(network).get("/").text
    assert f'<tr data-run="{running_id}" data-status="running" data-live>' in text
    rows = re.findall(r'<tr data-run="(\d+)" data-status="(\w+)"', text)
    assert (str(running_id), "running") in rows
    assert f'<tr data-run="{network.own.run_id}" data-status="completed">' in text
    assert (str(network.shared.run_id), "completed") in rows
    assert str(network.restricted.run_id) not in [run for run, _ in rows]
    assert f'href="/runs/{network.own.run_id}"' in text
    assert 'src="/static/dashboard.js"' in text
    for marker in network.restricted_markers:
        assert marker not in text


def test_referrals_awaiting_acknowledgement_show_the_time_left(network: Network) -> None:
    br, fr = network.agencies["br"], network.agencies["fr"]
    waiting = make_referral(network.store, br, fr, ReferralStatus.SENT)
    late = make_referral(network.store, br, fr, ReferralStatus.SENT)
    done = make_referral(network.store, br, fr, ReferralStatus.ACKNOWLEDGED)
    outgoing = make_referral(network.store, fr, br, ReferralStatus.SENT)
    with network.store.session() as session:
        overdue = session.query(Referral).filter_by(reference=late).one()
        overdue.due_at = utcnow() - timedelta(hours=5, minutes=1)
    text = browser(network).get("/").text
    listed = re.findall(r'<a href="/referrals/([\w-]+)">', text)
    assert listed == [late, waiting]  # the most urgent first
    assert done not in text
    assert outgoing not in text
    assert re.search(rf'<tr class="overdue">\s*<td><a href="/referrals/{late}">', text)
    assert "overdue by 5 h" in text
    assert re.search(r"6 d 23 h left|7 d 0 h left", text)


def test_hit_notices_name_whom_to_contact(network: Network) -> None:
    own, restricted = network.own, network.restricted
    fr, br = network.agencies["fr"], network.agencies["br"]
    reference = make_hit_notice(network.store, fr, own.seizure_id, br, restricted.seizure_id)
    theirs = make_hit_notice(network.store, br, restricted.seizure_id, fr, own.seizure_id)
    text = browser(network).get("/").text
    row = re.search(rf"<tr>\s*<td>{reference}</td>(.*?)</tr>", text, flags=re.S)
    assert row is not None
    assert "the central unit" in row.group(1)
    assert br in row.group(1)
    assert theirs not in text
    for marker in network.restricted_markers:
        assert marker not in text


def test_time_left_in_words() -> None:
    assert time_left(2 * 86_400 + 3 * 3_600 + 59) == "2 d 3 h left"
    assert time_left(-(5 * 3_600 + 120)) == "overdue by 5 h 2 min"
    assert time_left(600) == "10 min left"
