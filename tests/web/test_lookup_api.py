"""The lookup API over HTTP: Vigil's shape, HMA's shapes, the token, the limit and the audit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from vigil.banks.catalog import create_bank
from vigil.config import Settings
from vigil.matching.lookup import KnownMatch, LookupAnswer
from vigil.sharing.accounts import create_user
from vigil.sharing.agencies import create_agency
from vigil.sharing.audit import Action
from vigil.sharing.tokens import create_token
from vigil.store.db import Store
from vigil.store.models import AgencyKind, AuditEvent, BankEntry, Role, Scope, utcnow
from vigil.web.config import WebConfig
from vigil.web.errors import install_error_handlers
from vigil.web.lookup import Lookup, LookupConfig, LookupOut, install_lookup, lookup_response

RNG = np.random.default_rng(3)
PASSWORD = "correct horse battery staple 7"


def _pdq() -> str:
    return RNG.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


@dataclass
class Served:
    client: TestClient
    lookup: Lookup
    token: str
    named: list[str]
    hidden: list[str]
    md5: str


def _app(store: Store, config: LookupConfig) -> tuple[FastAPI, Lookup]:
    app = FastAPI()
    app.state.store = store
    app.state.config = WebConfig()
    app.state.clock = utcnow
    install_error_handlers(app)
    return app, install_lookup(app, store, config)


@pytest.fixture
def served(store: Store) -> Iterator[Served]:
    named = [_pdq() for _ in range(3)]
    hidden = [_pdq() for _ in range(3)]
    md5 = "ab" * 16
    with store.session() as session:
        partner = create_agency(session, "PLATFORM", "A platform", AgencyKind.PARTNER)
        user = create_user(session, partner, "platform-bot", "Bot", [Role.VIEWER], PASSWORD)
        token = create_token(session, user, "lookups", [Scope.LOOKUP], utcnow()).secret
        shared = create_bank(session, "shared", dissemination="named", named=["PLATFORM"])
        own = create_bank(session, "police only", dissemination="all")
        session.add_all(
            BankEntry(bank_id=shared.id, pdq=h, md5=md5, category="2", entry_metadata={})
            for h in named
        )
        session.add_all(
            BankEntry(bank_id=own.id, pdq=h, series="Secret series", entry_metadata={})
            for h in hidden
        )
    app, lookup = _app(store, LookupConfig(rate=1000, burst=1000))
    lookup.refresh()
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield Served(client, lookup, token, named, hidden, md5)


def test_batch_single_and_file(served: Served) -> None:
    asked = [served.named[0], served.hidden[0], _pdq()]
    response = served.client.post("/api/lookup", json={"signal_type": "pdq", "hashes": asked})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["match"] for r in results] == [True, False, False]
    (match,) = results[0]["matches"]
    assert (match["bank"], match["category"], match["distance"]) == ("shared", "2", 0)
    assert match["reference"].startswith("vigil:entry:")
    single = served.client.get("/api/lookup", params={"signal_type": "md5", "hash": served.md5})
    assert [r["match"] for r in single.json()["results"]] == [True]
    file_text = f"# a list\n{served.named[1]}\n\n{served.hidden[1]}\n"
    from_file = served.client.post(
        "/api/lookup/file",
        data={"signal_type": "pdq"},
        files={"file": ("hashes.txt", file_text.encode(), "text/plain")},
    )
    assert [r["match"] for r in from_file.json()["results"]] == [True, False]
    for body in (response.text, single.text, from_file.text):
        assert "Secret series" not in body
        assert "police only" not in body


def test_errors_name_the_value_and_the_limit(served: Served) -> None:
    bad = served.client.post("/api/lookup", json={"signal_type": "pdq", "hashes": ["0" * 64, "zz"]})
    assert bad.status_code == 422
    assert "hashes[1]: not a PDQ hash" in bad.json()["error"]["message"]
    many = served.client.post(
        "/api/lookup", json={"signal_type": "pdq", "hashes": ["0" * 64] * 10_001}
    )
    assert many.status_code == 422
    assert "at most 10,000" in many.json()["error"]["message"]
    anonymous = served.client.get(
        "/api/lookup",
        params={"signal_type": "pdq", "hash": "0" * 64},
        headers={"Authorization": ""},
    )
    assert anonymous.status_code == 401


def test_hma_shapes(served: Served) -> None:
    raw = served.client.get(
        "/m/raw_lookup", params={"signal_type": "pdq", "signal": served.named[2]}
    )
    assert raw.status_code == 200
    (entry_id,) = raw.json()["matches"]
    assert isinstance(entry_id, int)
    with_distance = served.client.get(
        "/m/raw_lookup",
        params={"signal_type": "pdq", "signal": served.named[2], "include_distance": "true"},
    )
    assert with_distance.json() == {"matches": [{"bank_content_id": entry_id, "distance": "0"}]}
    by_bank = served.client.get(
        "/m/lookup", params={"signal_type": "pdq", "signal": served.named[2]}
    )
    assert by_bank.json() == {"shared": [{"bank_content_id": entry_id, "distance": "0"}]}
    other_bank = served.client.get(
        "/m/lookup", params={"signal_type": "pdq", "signal": served.named[2], "banks": "x"}
    )
    assert other_bank.json() == {}
    hidden = served.client.get(
        "/m/raw_lookup", params={"signal_type": "pdq", "signal": served.hidden[2]}
    )
    assert hidden.json() == {"matches": []}
    assert (
        served.client.get("/m/lookup", params={"url": "http://example.invalid/a.jpg"}).status_code
        == 403
    )


def test_rate_limit_and_audit(store: Store, served: Served) -> None:
    app, lookup = _app(store, LookupConfig(rate=1, burst=2))
    lookup.refresh()
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {served.token}"
        params = {"signal_type": "pdq", "hash": served.named[0]}
        codes = [client.get("/api/lookup", params=params).status_code for _ in range(3)]
        refused = client.get("/api/lookup", params=params)
    assert codes == [200, 200, 429]
    assert int(refused.headers["Retry-After"]) >= 1
    lookup.refresh()  # flushes the ledger
    with store.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == Action.LOOKUP.value)
        ).all()
    (event,) = events
    assert event.user_name == "platform-bot"
    assert '"requests":2' in event.details
    assert served.named[0] not in event.details


def test_the_app_serves_the_lookup_routes(store: Store, served: Served) -> None:
    from vigil.web.app import create_app

    app = create_app(store)
    app.state.lookup.refresh()
    with TestClient(app) as client:
        response = client.get(
            "/m/raw_lookup",
            params={"signal_type": "pdq", "signal": served.named[0]},
            headers={"Authorization": f"Bearer {served.token}"},
        )
    assert response.status_code == 200, response.text
    assert len(response.json()["matches"]) == 1


def test_settings_come_from_the_environment_and_bad_ones_are_named() -> None:
    from vigil.web.config import ConfigError

    config = LookupConfig.from_env({"VIGIL_LOOKUP_RATE": "5", "VIGIL_LOOKUP_BURST": "10"})
    assert (config.rate, config.burst, config.refresh_seconds) == (5.0, 10, 1.0)
    with pytest.raises(ConfigError, match="VIGIL_LOOKUP_RATE: 'soon' is not a number"):
        LookupConfig.from_env({"VIGIL_LOOKUP_RATE": "soon"})
    with pytest.raises(ConfigError, match="VIGIL_LOOKUP_REFRESH_SECONDS: '0' must be greater"):
        LookupConfig.from_env({"VIGIL_LOOKUP_REFRESH_SECONDS": "0"})


def test_serve_refuses_a_bad_lookup_setting_in_one_line(settings: Settings) -> None:
    from typer.testing import CliRunner

    from vigil.cli.main import app

    where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    result = CliRunner().invoke(app, ["serve", *where], env={"VIGIL_LOOKUP_BURST": "-1"})
    assert result.exit_code == 2
    assert result.stderr == "error: VIGIL_LOOKUP_BURST: '-1' must be greater than 0\n"


def test_a_serve_worker_fills_the_service_at_startup_and_audits_at_shutdown(
    store: Store, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigil.config import DATA_DIR_ENV, DATABASE_URL_ENV
    from vigil.web.app import serving_app

    monkeypatch.setenv(DATA_DIR_ENV, str(store.settings.data_dir))
    monkeypatch.setenv(DATABASE_URL_ENV, store.settings.database_url)
    app = serving_app()  # what each `vigil serve --workers N` process runs
    assert len(app.state.lookup.service) == 0
    with TestClient(app) as client:
        assert len(app.state.lookup.service) == 6  # every entry of both banks
        response = client.get(
            "/api/lookup",
            params={"signal_type": "pdq", "hash": served.named[1]},
            headers={"Authorization": f"Bearer {served.token}"},
        )
        assert response.json()["results"][0]["match"] is True
    with store.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == Action.LOOKUP.value)
        ).all()
    assert [event.user_name for event in events] == ["platform-bot"]


def test_answers_are_written_as_the_documented_shape_with_names_escaped() -> None:
    """The JSON is written by hand for speed: it must still be valid, match ``LookupOut``,
    and carry bank names and categories exactly, whatever characters they hold."""
    bank = 'Bank "A" \\ ünï\n</script>'
    answers = [
        LookupAnswer("ab" * 32, (KnownMatch(bank, 7, 'cat "1"', 3), KnownMatch("b", 9, None, 0))),
        LookupAnswer("cd" * 32, ()),
    ]

    response = lookup_response(" PDQ ", answers)

    parsed = LookupOut.model_validate_json(response.body)
    assert parsed.signal_type == "pdq"
    assert [(r.hash, r.match) for r in parsed.results] == [("ab" * 32, True), ("cd" * 32, False)]
    first, second = parsed.results[0].matches
    assert (first.bank, first.category, first.distance, first.reference) == (
        bank,
        'cat "1"',
        3,
        "vigil:entry:7",
    )
    assert (second.bank, second.category, second.reference) == ("b", None, "vigil:entry:9")
    assert parsed.results[1].matches == []
    assert response.media_type == "application/json"
