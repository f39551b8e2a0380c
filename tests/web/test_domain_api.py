"""The REST API of the domain: cases, seizures, banks, ingest runs, matches, the triage report,
hit notices and referrals, through the app with real tokens and sessions on both databases.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.imagegen import make_png
from tests.web.matrix_records import make_hit_notice
from tests.web.network import BASE_URL, ROBOT, ROLE_USERS, Network
from vigil.store.models import AuditEvent, Scope
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE
from vigil.web.config import WebConfig
from vigil.web.routes.ingest import wait_for_ingests

PICTURES = 3


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    """An evidence root holding ``phone/`` (three generated pictures) and a file beside it."""
    root = tmp_path / "evidence"
    phone = root / "phone"
    phone.mkdir(parents=True)
    for seed in range(PICTURES):
        make_png(phone / f"picture-{seed}.png", seed=seed + 11)
    (tmp_path / "outside").mkdir()
    return root


@pytest.fixture
def app(network: Network, evidence: Path) -> Any:
    served = create_app(network.store, WebConfig(evidence_root=evidence))
    yield served
    assert wait_for_ingests(served, 120)


def _client(app: Any, network: Network, username: str, scope: Scope = Scope.WRITE) -> TestClient:
    client = TestClient(app, base_url=BASE_URL)
    client.headers["Authorization"] = f"Bearer {network.token_for(username, [scope])[0]}"
    return client


def _browser(app: Any, network: Network, username: str) -> TestClient:
    secret, csrf = network.session_for(username)
    client = TestClient(app, base_url=BASE_URL)
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf
    return client


@dataclass(frozen=True)
class Event:
    user: str
    agency: str
    object: str
    details: dict[str, Any]


def _events(network: Network, action: str) -> list[Event]:
    with network.store.session() as session:
        found = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [Event(e.user_name, e.agency_code, e.object, json.loads(e.details)) for e in found]


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    detail: dict[str, Any] = response.json()["error"]
    assert detail["status"] == status
    return detail


def test_cases_and_seizures_as_the_caller_may_see_them(app: Any, network: Network) -> None:
    client = _client(app, network, ROBOT, Scope.READ)
    cases = client.get("/api/cases").json()
    ids = {case["id"] for case in cases["items"]}
    assert ids == {network.own.case_id, network.shared.case_id}
    assert cases["total"] == 2
    assert (
        client.get("/api/cases", params={"limit": 1, "offset": 1}).json()["items"][0]["id"] in ids
    )
    detail = client.get(f"/api/cases/{network.own.case_id}").json()
    assert [s["id"] for s in detail["seizures"]] == [network.own.seizure_id]

    hidden = _error(client.get(f"/api/cases/{network.restricted.case_id}"), 404)
    missing = _error(client.get("/api/cases/987654"), 404)
    assert hidden["message"].replace(str(network.restricted.case_id), "N") == missing[
        "message"
    ].replace("987654", "N")

    seizures = client.get("/api/seizures").json()
    assert {s["id"] for s in seizures["items"]} == {
        network.own.seizure_id,
        network.shared.seizure_id,
    }
    _error(client.get(f"/api/seizures/{network.restricted.seizure_id}"), 404)
    seizure = client.get(f"/api/seizures/{network.shared.seizure_id}").json()
    assert seizure["agency"] == "NCB-BR"
    assert seizure["summary"]["files"] == 0
    assert all(marker not in str(seizures) for marker in network.restricted_markers)


def test_reading_another_agencys_record_is_audited_once_per_read(
    app: Any, network: Network
) -> None:
    client = _client(app, network, ROBOT, Scope.READ)
    client.get(f"/api/seizures/{network.own.seizure_id}").raise_for_status()
    client.get(f"/api/cases/{network.own.case_id}").raise_for_status()
    assert _events(network, "record.view") == []
    client.get(f"/api/seizures/{network.shared.seizure_id}").raise_for_status()
    client.get(f"/api/cases/{network.shared.case_id}").raise_for_status()
    client.get(f"/api/banks/{network.shared.bank_id}").raise_for_status()
    viewed = _events(network, "record.view")
    assert [(e.user, e.agency, e.details["record"]) for e in viewed] == [
        (ROBOT, "NCB-FR", "seizure"),
        (ROBOT, "NCB-FR", "case"),
        (ROBOT, "NCB-FR", "bank"),
    ]
    assert all(e.details["owner"] == "NCB-BR" for e in viewed)
    # A refused read records nothing.
    client.get(f"/api/seizures/{network.restricted.seizure_id}")
    assert len(_events(network, "record.view")) == 3
    # A report of another agency's seizure is a view of it (and an export).
    client.get(f"/api/seizures/{network.shared.seizure_id}/report").raise_for_status()
    report_view = _events(network, "record.view")[-1]
    assert (report_view.details["record"], report_view.details["read"]) == ("seizure", "report")
    assert _events(network, "report.export")[-1].user == ROBOT


def test_sharing_is_set_by_the_owner_only(app: Any, network: Network) -> None:
    analyst = _browser(app, network, ROLE_USERS["analyst"])
    brazil = _client(app, network, "target-br", Scope.READ)
    path = f"/api/seizures/{network.own.seizure_id}"
    _error(brazil.get(path), 404)
    named = analyst.put(f"{path}/sharing", json={"level": "named", "agencies": ["NCB-BR"]})
    assert named.status_code == 200, named.text
    assert named.json()["named"] == ["NCB-BR"]
    assert brazil.get(path).status_code == 200
    # Not the owner: refused; bad requests name the field.
    refused = analyst.put(
        f"/api/seizures/{network.shared.seizure_id}/sharing", json={"level": "owner"}
    )
    _error(refused, 403)
    assert _error(analyst.put(f"{path}/sharing", json={"level": "named"}), 422)["field"] == (
        "agencies"
    )
    assert _error(analyst.put(f"{path}/sharing", json={"level": "some"}), 422)["field"] == "level"
    # A viewer may not change it at all.
    viewer = _browser(app, network, ROLE_USERS["viewer"])
    _error(viewer.put(f"{path}/sharing", json={"level": "owner"}), 403)
    assert _events(network, "share.change")[-1].details["named"] == ["NCB-BR"]
    # Cases and banks alike.
    for kind, ident in (("cases", network.own.case_id), ("banks", network.own.bank_id)):
        _error(brazil.get(f"/api/{kind}/{ident}"), 404)
        shared = analyst.put(f"/api/{kind}/{ident}/sharing", json={"level": "all"})
        assert shared.json()["level"] == "all", shared.text
        assert brazil.get(f"/api/{kind}/{ident}").status_code == 200


def _wait_for_run(client: TestClient, run_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run: dict[str, Any] = client.get(f"/api/ingest-runs/{run_id}").json()
        if run["status"] == "completed" or run["error"]:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not complete")


def test_ingest_under_the_evidence_root_then_bank_matches_and_report(
    app: Any, network: Network, evidence: Path
) -> None:
    client = _client(app, network, ROBOT)
    known = hashlib.md5((evidence / "phone" / "picture-0.png").read_bytes()).hexdigest()

    created = client.post("/api/banks", json={"name": "known-api", "source": "test"})
    assert created.status_code == 201, created.text
    bank_id = created.json()["id"]
    upload = client.post(
        f"/api/banks/{bank_id}/imports",
        files={"file": ("known.txt", f"# known\n{known}\n".encode(), "text/plain")},
    )
    assert upload.status_code == 201, upload.text
    assert upload.json() == {
        "bank": "known-api",
        "file_name": "known.txt",
        "format": "hashlist",
        "entries": 1,
    }

    started = client.post("/api/ingest-runs", json={"path": "phone", "case": "OP-API"})
    assert started.status_code == 202, started.text
    run = _wait_for_run(client, started.json()["run_id"])
    assert run["error"] is None
    assert (run["files_done"], run["files_total"]) == (PICTURES, PICTURES)
    assert run["summary"]["media_by_kind"] == {"image": PICTURES}
    assert (run["case"], run["seizure"]) == ("OP-API", "phone")

    seizure = next(s for s in client.get("/api/seizures").json()["items"] if s["case"] == "OP-API")
    matches = client.get(f"/api/seizures/{seizure['id']}/matches").json()
    assert [(m["path"], m["signal"]) for m in matches["items"]] == [("picture-0.png", "md5")]
    assert "known-api" in matches["items"][0]["target"]
    match_id = matches["items"][0]["match_id"]
    review = client.post(f"/api/matches/{match_id}/review", json={"verdict": "confirmed"})
    assert review.status_code == 200, review.text
    assert review.json()["reviewed_by"] == ROBOT
    confirmed = client.get(
        f"/api/seizures/{seizure['id']}/matches", params={"verdict": "confirmed"}
    ).json()
    assert confirmed["total"] == 1
    assert (
        client.get(f"/api/seizures/{seizure['id']}/matches", params={"verdict": "rejected"}).json()[
            "items"
        ]
        == []
    )

    report = client.get(f"/api/seizures/{seizure['id']}/report").json()
    assert report["classes"]["known_exact"] == 1
    assert report["classes"]["new"] == PICTURES - 1
    assert report["by_bank"] == {"known-api": 1}
    csv = client.get(f"/api/seizures/{seizure['id']}/report", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert "picture-1.png" in csv.text
    exports = _events(network, "report.export")
    assert [e.details["format"] for e in exports] == ["json", "csv"]


def test_ingest_paths_must_stay_under_the_evidence_root(app: Any, network: Network) -> None:
    client = _client(app, network, ROBOT)
    for path in ("../outside", "/etc", "phone/../../outside", "nowhere"):
        refused = client.post("/api/ingest-runs", json={"path": path, "case": "OP-X"})
        assert _error(refused, 422)["field"] == "path", path
    assert _error(client.post("/api/ingest-runs", json={"case": "OP-X"}), 422)["field"] == "path"
    viewer = _client(app, network, ROBOT, Scope.READ)
    _error(viewer.post("/api/ingest-runs", json={"path": "phone", "case": "OP-X"}), 403)
    assert _events(network, "ingest.start") == []


def test_no_evidence_root_means_no_ingest_through_the_api(network: Network) -> None:
    client = _client(create_app(network.store, WebConfig()), network, ROBOT)
    refused = client.post("/api/ingest-runs", json={"path": "phone", "case": "OP-X"})
    assert "evidence root" in _error(refused, 422)["message"]


def test_banks_create_import_export_delete(app: Any, network: Network) -> None:
    client = _client(app, network, ROBOT)
    bank_id = client.post("/api/banks", json={"name": "api-bank"}).json()["id"]
    assert _error(client.post("/api/banks", json={"name": "api-bank"}), 409)["field"] == "name"
    bad = client.post(
        f"/api/banks/{bank_id}/imports",
        files={"file": ("bad.txt", f"{'a' * 32}\nnot-a-hash\n".encode(), "text/plain")},
    )
    assert _error(bad, 422)["field"] == "file"
    assert client.get(f"/api/banks/{bank_id}").json()["entries"] == 0  # all or nothing
    good = "\n".join(f"{n:032x}" for n in range(1, 6)).encode()
    imported = client.post(
        f"/api/banks/{bank_id}/imports", files={"file": ("five.txt", good, "text/plain")}
    )
    assert imported.json()["entries"] == 5
    again = client.post(
        f"/api/banks/{bank_id}/imports", files={"file": ("five.txt", good, "text/plain")}
    )
    assert _error(again, 409)["field"] == "file"
    detail = client.get(f"/api/banks/{bank_id}").json()
    assert detail["entries"] == 5
    assert [i["file_name"] for i in detail["imports"]] == ["five.txt"]

    export = client.get(f"/api/banks/{bank_id}/export", params={"format": "hashlist"})
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    assert {f"{n:032x}" for n in range(1, 6)} <= set(export.text.split())
    assert _events(network, "bank.export")[-1].details == {"format": "hashlist", "entries": 5}
    assert (
        _error(client.get(f"/api/banks/{bank_id}/export", params={"format": "xml"}), 422)["field"]
        == "format"
    )

    names = [b["name"] for b in client.get("/api/banks").json()["items"]]
    assert "api-bank" in names
    assert all(marker not in names for marker in network.restricted_markers)
    # Another agency's banks: read, never changed.
    _error(client.delete(f"/api/banks/{network.shared.bank_id}"), 403)
    _error(client.delete(f"/api/banks/{network.restricted.bank_id}"), 404)
    assert client.delete(f"/api/banks/{bank_id}").json() == {"name": "api-bank", "entries": 5}
    _error(client.get(f"/api/banks/{bank_id}"), 404)


def test_an_upload_over_the_limit_is_refused(network: Network) -> None:
    app = create_app(network.store, WebConfig(max_upload_bytes=1000))
    client = _client(app, network, ROBOT)
    bank_id = client.post("/api/banks", json={"name": "small"}).json()["id"]
    big = ("\n".join(f"{n:032x}" for n in range(100))).encode()
    refused = client.post(
        f"/api/banks/{bank_id}/imports", files={"file": ("big.txt", big, "text/plain")}
    )
    assert refused.status_code == 413
    assert client.get(f"/api/banks/{bank_id}").json()["entries"] == 0


def test_hit_notices_are_the_recipients(app: Any, network: Network) -> None:
    mine = make_hit_notice(
        network.store, "NCB-FR", network.own.seizure_id, "NCB-BR", network.shared.seizure_id
    )
    theirs = make_hit_notice(
        network.store, "NCB-BR", network.shared.seizure_id, "NCB-FR", network.own.seizure_id
    )
    client = _client(app, network, ROBOT)
    listed = client.get("/api/hits").json()
    assert [n["reference"] for n in listed["items"]] == [mine]
    assert listed["items"][0]["counterpart"]["code"] == "NCB-BR"
    assert client.get("/api/hits", params={"unacknowledged": True}).json()["total"] == 1
    acknowledged = client.post(f"/api/hits/{mine.lower()}/acknowledge")
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["acknowledged_by"] == ROBOT
    assert client.get("/api/hits", params={"unacknowledged": True}).json()["total"] == 0
    _error(client.post(f"/api/hits/{theirs}/acknowledge"), 404)
    viewer = _client(app, network, ROBOT, Scope.READ)
    _error(viewer.post(f"/api/hits/{mine}/acknowledge"), 403)


def test_referral_life_cycle(app: Any, network: Network) -> None:
    france = _client(app, network, ROBOT)
    brazil = _client(app, network, "target-br")
    body = {
        "to": "NCB-BR",
        "priority": "urgent",
        "subject": "A child may be in danger",
        "body": "See the seizure.",
        "records": [{"type": "seizure", "id": network.own.seizure_id}],
    }
    sent = france.post("/api/referrals", json=body)
    assert sent.status_code == 201, sent.text
    reference = sent.json()["reference"]
    assert sent.json()["from"]["code"] == "NCB-FR"
    assert sent.json()["due_in_seconds"] <= 3600
    # The recipient now sees the referred seizure.
    assert brazil.get(f"/api/seizures/{network.own.seizure_id}").status_code == 200
    assert [r["reference"] for r in france.get("/api/referrals?box=outbox").json()["items"]] == [
        reference
    ]
    assert [r["reference"] for r in brazil.get("/api/referrals").json()["items"]] == [reference]
    assert brazil.get(f"/api/referrals/{reference}").json()["status"] == "sent"

    _error(france.post(f"/api/referrals/{reference}/acknowledge"), 403)  # not the recipient
    conflict = _error(brazil.post(f"/api/referrals/{reference}/progress"), 409)
    assert conflict["field"] == "status"
    assert brazil.post(f"/api/referrals/{reference}/acknowledge").json()["status"] == (
        "acknowledged"
    )
    assert brazil.post(f"/api/referrals/{reference}/progress").json()["status"] == "in_progress"
    closed = brazil.post(f"/api/referrals/{reference}/close", json={"outcome": "child rescued"})
    assert closed.json()["outcome"] == "child rescued"
    assert (
        _error(brazil.post(f"/api/referrals/{reference}/close", json={"outcome": "x"}), 409)[
            "field"
        ]
        == "status"
    )

    assert (
        _error(france.post("/api/referrals", json={**body, "subject": " "}), 422)["field"]
        == "subject"
    )
    _error(france.post("/api/referrals", json={**body, "to": "NCB-FR"}), 403)
    hidden = {**body, "records": [{"type": "seizure", "id": network.restricted.seizure_id}]}
    _error(france.post("/api/referrals", json=hidden), 404)
    _error(_client(app, network, "admin-cu", Scope.READ).get(f"/api/referrals/{reference}"), 404)


def test_overdue_referrals_are_for_supervisors(app: Any, network: Network) -> None:
    supervisor = _browser(app, network, ROLE_USERS["supervisor"])
    assert supervisor.get("/api/referrals/overdue").json()["items"] == []
    _error(_browser(app, network, ROLE_USERS["analyst"]).get("/api/referrals/overdue"), 403)


def test_an_export_of_a_bank_with_any_name_is_a_plain_download(app: Any, network: Network) -> None:
    client = _client(app, network, ROBOT)
    bank_id = client.post("/api/banks", json={"name": 'série "漢" 1'}).json()["id"]
    export = client.get(f"/api/banks/{bank_id}/export", params={"format": "vics"})
    assert export.status_code == 200, export.text
    assert export.headers["content-disposition"] == 'attachment; filename="s_rie_____1.json"'


def test_ingest_refusals_name_their_field(app: Any, network: Network) -> None:
    client = _client(app, network, ROBOT)
    for path in ("phone\x00", "phone/" + "x" * 300):
        refused = client.post("/api/ingest-runs", json={"path": path, "case": "OP-X"})
        assert _error(refused, 422)["field"] == "path", path
    blank = client.post("/api/ingest-runs", json={"path": "phone", "case": "  "})
    assert _error(blank, 422)["field"] == "case"
    named = client.post(
        "/api/ingest-runs", json={"path": "phone", "case": "OP-Y", "dissemination": "named"}
    )
    assert _error(named, 422)["field"] == "named"
    assert [s["case"] for s in client.get("/api/seizures").json()["items"]].count("OP-Y") == 0
