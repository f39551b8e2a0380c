"""The alerts API, on both databases: raising on demand, listings by priority with their
filters, one alert, acknowledging; an alert about a record the seizure's agency may not see
is a hit notice and never shows that record."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.sharing.records import add_media
from tests.web.network import BASE_URL, ROLE_USERS, Network
from vigil.store.models import (
    AuditEvent,
    HitNotice,
    IngestRun,
    Scope,
    SeriesMedia,
    Sighting,
)
from vigil.web.app import create_app

ANALYST = ROLE_USERS["analyst"]
VIEWER = ROLE_USERS["viewer"]


def _client(app: Any, network: Network, username: str, scope: Scope = Scope.WRITE) -> TestClient:
    client = TestClient(app, base_url=BASE_URL)
    client.headers["Authorization"] = f"Bearer {network.token_for(username, [scope])[0]}"
    return client


def _in_series(network: Network, seizure_id: int, series_id: int, tag: str) -> None:
    """A picture of the seizure (``TAG.jpg``) that belongs to the series."""
    with network.store.session() as session:
        media = add_media(session, tag)
        run_id = session.scalars(
            select(IngestRun.id).where(IngestRun.seizure_id == seizure_id).limit(1)
        ).one()
        path = f"{tag}.jpg"
        session.add(
            Sighting(
                media_id=media.id,
                seizure_id=seizure_id,
                ingest_run_id=run_id,
                path=path,
                path_raw=path.encode(),
                size=1,
                mtime=0.0,
            )
        )
        session.add(SeriesMedia(series_id=series_id, media_id=media.id, assigned_by="test"))


@pytest.fixture
def alerted(network: Network) -> Network:
    """NCB-FR's seizure holds a picture of NCB-BR's shared series and one of its restricted
    series."""
    own = network.own.seizure_id
    _in_series(network, own, network.shared.series_id, "fr-shared-copy")
    _in_series(network, own, network.restricted.series_id, "fr-restricted-copy")
    return network


def test_raise_list_and_acknowledge(alerted: Network) -> None:
    network = alerted
    app = create_app(network.store)
    analyst = _client(app, network, ANALYST)
    seizure = network.own.seizure_id

    raised = analyst.post(f"/api/seizures/{seizure}/alerts")
    assert raised.status_code == 200, raised.text
    items = raised.json()["items"]
    assert [a["about"]["id"] for a in items] == [network.shared.series_id]
    alert = items[0]
    assert alert["kind"] == "known_series"
    assert alert["priority"] == 3
    assert alert["evidence"]["path"] == "fr-shared-copy.jpg"
    assert alert["evidence"]["signal"] == "sha256"
    # The restricted series: a hit notice to both sides, nothing of it in any response.
    with network.store.session() as session:
        subjects = set(session.scalars(select(HitNotice.subject)))
    assert f"series:{network.restricted.series_id}" in subjects
    again = analyst.post(f"/api/seizures/{seizure}/alerts")
    assert again.json()["items"] == items

    listings = [
        analyst.get("/api/alerts"),
        analyst.get("/api/alerts", params={"kind": "known_series", "unacknowledged": True}),
        analyst.get(f"/api/seizures/{seizure}/alerts"),
        analyst.get(f"/api/alerts/{alert['id']}"),
    ]
    for response in [raised, again, *listings]:
        assert response.status_code == 200, response.text
        assert not [m for m in network.restricted_markers if m in response.text]
        assert "fr-restricted-copy" not in response.text
    assert [a["id"] for a in listings[0].json()["items"]] == [alert["id"]]
    assert listings[0].json()["total"] == 1
    assert analyst.get("/api/alerts", params={"kind": "missing_child"}).json()["items"] == []
    assert analyst.get("/api/alerts", params={"kind": "nonsense"}).status_code == 422

    # Reading is not acting: a viewer may list but not acknowledge.
    viewer = _client(app, network, VIEWER, Scope.READ)
    assert viewer.get("/api/alerts").json()["total"] == 1
    assert viewer.post(f"/api/alerts/{alert['id']}/acknowledge").status_code == 403

    done = analyst.post(f"/api/alerts/{alert['id']}/acknowledge")
    assert done.status_code == 200, done.text
    assert done.json()["acknowledged"] is True
    assert done.json()["acknowledged_by"] == ANALYST
    listed = analyst.get("/api/alerts", params={"unacknowledged": True})
    assert listed.json()["items"] == []
    with network.store.session() as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("alert.%"))
                .order_by(AuditEvent.seq)
            )
        )
    assert actions == ["alert.raise", "alert.acknowledge"]


def test_another_agencys_alert_is_not_found(alerted: Network) -> None:
    network = alerted
    app = create_app(network.store)
    analyst = _client(app, network, ANALYST)
    restricted = network.restricted.seizure_id
    assert analyst.get(f"/api/seizures/{restricted}/alerts").status_code == 404
    assert analyst.post(f"/api/seizures/{restricted}/alerts").status_code == 404
    assert analyst.get("/api/alerts/987654").status_code == 404
    assert analyst.post("/api/alerts/987654/acknowledge").status_code == 404
