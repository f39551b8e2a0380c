"""A small network for the web tests: three agencies, a user per role, records of each
dissemination, and ways in (a browser session, a token) for any of those users.

- ``NCB-FR`` (an NCB): the callers' own agency; one user per role, a target user, and
  ``robot`` (every role) whose tokens the matrix uses. Its case, seizure, run and bank:
  level owner.
- ``NCB-BR`` (another NCB): a case, seizure, run and bank shared with every member (level
  all) and a restricted set (level owner) whose names and paths are
  :attr:`Network.restricted_markers`.
- ``PARTNER-X`` (a partner): one user, and records of its own.
- ``CU`` (the central unit): one admin.

Records are added with the ORM (not the domain functions): their names then appear in no
audit event, so an auditor's listing may never show them either.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from vigil.banks.catalog import DEFAULT_CATEGORY_SCHEME
from vigil.sharing.accounts import create_user, find_user
from vigil.sharing.agencies import create_agency, find_agency
from vigil.sharing.errors import AccountError
from vigil.sharing.tokens import create_token
from vigil.store.db import Store
from vigil.store.models import (
    Agency,
    AgencyKind,
    Bank,
    Case,
    IngestRun,
    Level,
    Location,
    MissingChildReport,
    Offender,
    Role,
    Scope,
    Seizure,
    Series,
    Victim,
    utcnow,
)
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE, start_session
from vigil.web.config import WebConfig

PASSWORD = "correct horse battery staple"
ROLE_USERS = {role.value: f"{role.value}-fr" for role in Role}
PARTNER_USER = "partner-x"
ROBOT = "robot-fr"


@dataclass(frozen=True)
class Records:
    """One agency's case, seizure, ingest run, bank, series, victim, offender, location and
    missing-child report (ids), and the names they show."""

    case_id: int
    seizure_id: int
    run_id: int
    bank_id: int
    series_id: int
    victim_id: int
    offender_id: int
    location_id: int
    missing_report_id: int
    texts: tuple[str, ...]


@dataclass
class Network:
    """The network's agencies, users and records (ids), in ``store``."""

    store: Store
    own: Records
    shared: Records
    restricted: Records
    partner: Records
    agencies: dict[str, str] = field(default_factory=dict)
    #: A user of each agency that admins may change (agency code -> username).
    targets: dict[str, str] = field(default_factory=dict)

    @property
    def restricted_markers(self) -> tuple[str, ...]:
        """What only NCB-BR may see: none of it may reach anyone else."""
        return self.restricted.texts

    def session_for(
        self, username: str, config: WebConfig | None = None, now: datetime | None = None
    ) -> tuple[str, str]:
        """A fresh browser session of ``username``: the cookie's secret and its CSRF token."""
        with self.store.session() as session:
            user = find_user(session, username)
            secret, row = start_session(
                session, user, "127.0.0.1", now or utcnow(), config or WebConfig()
            )
            return secret, row.csrf_token

    def token_for(self, username: str, scopes: list[Scope]) -> tuple[str, str]:
        """A fresh API token of ``username``: the presented token and its prefix."""
        with self.store.session() as session:
            issued = create_token(session, find_user(session, username), "test", scopes, utcnow())
            return issued.secret, issued.token.prefix


def _records(session: Session, agency: Agency, label: str, level: Level) -> Records:
    tag = secrets.token_hex(4)
    case = Case(agency_id=agency.id, reference=f"{label}-CASE-{tag}", dissemination=level.value)
    session.add(case)
    session.flush()
    seizure = Seizure(
        case_id=case.id, agency_id=agency.id, name=f"{label}-phone-{tag}", dissemination=level.value
    )
    session.add(seizure)
    session.flush()
    run = IngestRun(
        seizure_id=seizure.id,
        root_path=f"/evidence/{label}-{tag}",
        status="completed",
        pdq_mode="standard",
        workers=1,
    )
    session.add(run)
    bank = Bank(
        name=f"{label}-bank-{tag}",
        agency_id=agency.id,
        source=f"{label}-source-{tag}",
        dissemination=level.value,
        category_scheme=DEFAULT_CATEGORY_SCHEME,
    )
    session.add(bank)
    owned = {"agency_id": agency.id, "dissemination": level.value}
    series = Series(name=f"{label}-series-{tag}", **owned)
    victim = Victim(label=f"{label}-victim-{tag}", **owned)
    offender = Offender(label=f"{label}-offender-{tag}", **owned)
    location = Location(description=f"{label}-location-{tag}", kind="room", **owned)
    missing = MissingChildReport(
        reference=f"{label}-MISSING-{tag}",
        country=agency.country or "FR",
        child_label=f"{label}-child-{tag}",
        missing_since=date(2026, 1, 1),
        **owned,
    )
    session.add_all([series, victim, offender, location, missing])
    session.flush()
    texts = (
        case.reference,
        seizure.name,
        run.root_path,
        bank.name,
        str(bank.source),
        series.name,
        victim.label,
        offender.label,
        location.description,
        missing.reference,
        missing.child_label,
    )
    return Records(
        case.id,
        seizure.id,
        run.id,
        bank.id,
        series.id,
        victim.id,
        offender.id,
        location.id,
        missing.id,
        texts,
    )


def _user(session: Session, agency: Agency, username: str, roles: list[Role]) -> None:
    create_user(session, agency, username, username.title(), roles, PASSWORD)


def build_network(store: Store) -> Network:
    """Create the network described in the module's docstring."""
    with store.session() as session:
        fr = create_agency(session, "NCB-FR", "NCB Paris", AgencyKind.NCB, "FR", "ncb@fr.example")
        br = create_agency(session, "NCB-BR", "NCB Brasilia", AgencyKind.NCB, "BR")
        partner = create_agency(session, "PARTNER-X", "Hotline X", AgencyKind.PARTNER)
        central = create_agency(session, "CU", "Central unit", AgencyKind.CENTRAL_UNIT)
        for role, username in ROLE_USERS.items():
            _user(session, fr, username, [Role(role)])
        _user(session, fr, ROBOT, list(Role))
        _user(session, fr, "target-fr", [Role.VIEWER])
        _user(session, br, "target-br", [Role.ANALYST])
        _user(session, partner, PARTNER_USER, [Role.VIEWER])
        _user(session, partner, "target-x", [Role.VIEWER])
        _user(session, central, "admin-cu", [Role.ADMIN, Role.AUDITOR])
        network = Network(
            store=store,
            own=_records(session, fr, "OWN", Level.OWNER),
            shared=_records(session, br, "SHARED", Level.ALL),
            restricted=_records(session, br, "RESTRICTED", Level.OWNER),
            partner=_records(session, partner, "PARTNERS", Level.OWNER),
            agencies={"fr": fr.code, "br": br.code, "partner": partner.code, "cu": central.code},
            targets={fr.code: "target-fr", br.code: "target-br", partner.code: "target-x"},
        )
    return network


BASE_URL = "https://testserver"


def logged_in(
    app: FastAPI, store: Store, username: str = "reader", roles: tuple[Role, ...] = (Role.VIEWER,)
) -> TestClient:
    """A client logged in (by browser session, CSRF header set) as a user of the local
    agency with ``roles``, created if need be."""
    with store.session() as session:
        try:
            user = find_user(session, username)
        except AccountError:
            user = create_user(
                session, find_agency(session, "LOCAL"), username, "Reader", roles, PASSWORD
            )
        secret, row = start_session(session, user, "127.0.0.1", utcnow(), WebConfig())
        csrf = row.csrf_token
    client = TestClient(app, base_url=BASE_URL)
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf
    return client
