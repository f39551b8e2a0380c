"""The authorization matrix, generated from the app's route table.

Every route x every caller (each role of an NCB, a partner's user, nobody, a token of each
scope) x the data its path names (the caller's own, another agency's shared with all
members, another agency's restricted): a call the route's rule allows succeeds, any other
is refused with 401, 403 or 404, and no response ever carries the restricted record's
names or paths. A route added later is covered as soon as it declares its rule; the test
names what it lacks (a rule, a fixture for a kind of record, a request body).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web import matrix_areas
from tests.web.matrix_body import Body
from tests.web.matrix_records import (
    make_alert,
    make_bank,
    make_hit_notice,
    make_match,
    make_media,
    make_referral,
)
from tests.web.network import PARTNER_USER, PASSWORD, ROBOT, ROLE_USERS, Network
from vigil.sharing.policy import permissions_of
from vigil.store.db import Store
from vigil.store.models import (
    Agency,
    AgencyKind,
    Level,
    MissingChildReport,
    ReferralStatus,
    Role,
    Scope,
)
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE
from vigil.web.config import WebConfig
from vigil.web.routes.ingest import wait_for_ingests
from vigil.web.rules import (
    MissingRuleError,
    PathRecord,
    Rule,
    allow,
    check_rules,
    routes_without_rule,
    served_routes,
)

BASE_URL = "https://testserver"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class Data(StrEnum):
    """Whose record a path names, relative to the caller."""

    OWN = "own"
    SHARED = "shared"
    RESTRICTED = "restricted"


@dataclass(frozen=True)
class Caller:
    """One column of the matrix: a user by browser session or token, or nobody."""

    name: str
    username: str | None = None
    scope: Scope | None = None

    @property
    def partner(self) -> bool:
        return self.username == PARTNER_USER

    @property
    def agency(self) -> str:
        return "PARTNER-X" if self.partner else "NCB-FR"

    def roles(self) -> frozenset[Role]:
        if self.username == ROBOT:
            return frozenset(Role)
        if self.partner:
            return frozenset({Role.VIEWER})
        return frozenset({Role(self.name)})


CALLERS = [
    Caller("anonymous"),
    *(Caller(role, username) for role, username in ROLE_USERS.items()),
    Caller("partner", PARTNER_USER),
    *(Caller(f"token:{scope.value}", ROBOT, scope) for scope in Scope),
]


def expected_refusals(
    rule: Rule, caller: Caller, data: Data | None, owner_only: bool = False
) -> set[int] | None:
    """The statuses the call may be refused with; None when it must succeed.

    ``owner_only``: the route changes its record, which only the owner may do.
    """
    if rule.public:
        return None
    if caller.username is None:
        return {401}
    if caller.scope is not None and caller.scope not in rule.scopes:
        return {403}
    kind = AgencyKind.PARTNER if caller.partner else AgencyKind.NCB
    scopes = [caller.scope] if caller.scope else None
    if not rule.permissions <= permissions_of(caller.roles(), kind, scopes):
        return {403}
    if rule.network_wide:  # no caller of the matrix is in the central unit
        return {403}
    # Partners are not members: level "all" does not reach them.
    if data is Data.RESTRICTED or (data is Data.SHARED and (caller.partner or owner_only)):
        return {403, 404}
    return None


#: Records with an owner and a level: the attribute of tests.web.network.Records naming one.
OWNED_RECORDS = {
    PathRecord.INGEST_RUN: "run_id",
    PathRecord.CASE: "case_id",
    PathRecord.SEIZURE: "seizure_id",
    PathRecord.BANK: "bank_id",
    PathRecord.SERIES: "series_id",
    PathRecord.VICTIM: "victim_id",
    PathRecord.OFFENDER: "offender_id",
    PathRecord.LOCATION: "location_id",
    PathRecord.MISSING_REPORT: "missing_report_id",
}


class Matrix:
    """Fills paths and bodies for one caller and kind of data."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.counter = itertools.count()
        self.cached: dict[tuple[PathRecord, str, Data], str] = {}

    def records_of(self, caller: Caller, data: Data) -> Any:
        net = self.network
        if data is Data.SHARED:
            return net.shared
        if data is Data.RESTRICTED:
            return net.restricted
        return net.partner if caller.partner else net.own

    def made(self, kind: PathRecord, caller: Caller, data: Data, make: Callable[[], str]) -> str:
        """A record made once per kind, owner and data (``make`` makes it)."""
        key = (kind, caller.agency if data is Data.OWN else "NCB-BR", data)
        if key not in self.cached:
            self.cached[key] = make()
        return self.cached[key]

    def path_value(
        self, kind: PathRecord, caller: Caller, data: Data, route: str = ""
    ) -> str | None:
        """The value naming a record of ``kind`` for the route at ``route``; None when the
        kind has no such data."""
        net = self.network
        if kind is PathRecord.BANK and data is Data.OWN:
            # A bank of its own each time: a call may delete it.
            return str(make_bank(net.store, caller.agency, Level.OWNER))
        if kind is PathRecord.MATCH:
            seizure = self.records_of(caller, data).seizure_id
            return self.made(kind, caller, data, lambda: str(make_match(net.store, seizure)))
        if kind is PathRecord.MEDIA:
            seizure = self.records_of(caller, data).seizure_id
            return self.made(kind, caller, data, lambda: str(make_media(net.store, seizure)))
        if kind is PathRecord.ALERT:
            # On the seizure, about the seizure itself: seen exactly where the seizure is.
            seizure = self.records_of(caller, data).seizure_id
            return self.made(kind, caller, data, lambda: make_alert(net.store, seizure))
        fresh = matrix_areas.FRESH.get(route)
        if fresh is not None and kind in OWNED_RECORDS:
            # A new one each call: the route takes a step of the workflow once.
            owner = caller.agency if data is Data.OWN else "NCB-BR"
            level = Level.ALL if data is Data.SHARED else Level.OWNER
            return str(fresh(net.store, owner, level))
        if kind is PathRecord.MISSING_REPORT and route.endswith("/found"):
            # A new one each call: found is final.
            owner = caller.agency if data is Data.OWN else "NCB-BR"
            level = Level.ALL if data is Data.SHARED else Level.OWNER
            return str(make_missing_report(net.store, owner, level))
        attribute = OWNED_RECORDS.get(kind)
        if attribute is not None:
            return str(getattr(self.records_of(caller, data), attribute))
        if data is Data.SHARED:
            return None  # agencies, users and tokens have no dissemination level
        agency = "NCB-BR" if data is Data.RESTRICTED else caller.agency
        if kind is PathRecord.AGENCY:
            return agency
        if kind is PathRecord.USER:
            return net.targets[agency]
        if kind is PathRecord.TOKEN:
            owner = "target-br" if data is Data.RESTRICTED else caller.username or ROBOT
            return net.token_for(owner, [Scope.READ])[1]
        if kind is PathRecord.REFERRAL:
            # A new one each call, in the status the act needs (acts move it on).
            acted = route.endswith(("/progress", "/close"))
            status = ReferralStatus.ACKNOWLEDGED if acted else ReferralStatus.SENT
            if data is Data.RESTRICTED:
                return make_referral(net.store, "NCB-BR", "CU", status)
            if caller.partner:  # partners receive none: the partner's own is one it sent
                return make_referral(net.store, "PARTNER-X", "NCB-FR", status)
            return make_referral(net.store, "NCB-BR", caller.agency, status)
        if kind is PathRecord.HIT_NOTICE:
            mine = self.records_of(caller, data).seizure_id
            other = net.own.seizure_id if data is Data.RESTRICTED else net.restricted.seizure_id
            counterpart = "NCB-FR" if data is Data.RESTRICTED else "NCB-BR"
            return self.made(
                kind,
                caller,
                data,
                lambda: make_hit_notice(net.store, agency, mine, counterpart, other),
            )
        raise LookupError(
            f"no matrix fixture for records of kind {kind.value!r}: add one to "
            "Matrix.path_value in tests/web/test_authorization_matrix.py"
        )

    def body(self, method: str, path: str) -> Body | None:
        """The request body of an unsafe call."""
        factory = BODIES.get((method, path))
        if factory is None:
            if method == "DELETE" or (method, path) in NO_BODY:
                return None
            raise LookupError(
                f"no request body for {method} {path}: add one to BODIES in "
                "tests/web/test_authorization_matrix.py"
            )
        return factory(next(self.counter))


MD5 = "0" * 32
PDQ = "f" * 64

#: Query parameters a GET route requires (the same for every caller).
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/lookup"): {"signal_type": "md5", "hash": MD5},
    ("GET", "/m/raw_lookup"): {"signal_type": "pdq", "signal": PDQ},
    ("GET", "/m/lookup"): {"signal_type": "pdq", "signal": PDQ},
    ("GET", "/api/banks/{bank_id}/export"): {"format": "hashlist"},
}

#: Routes that change their record, which only its owner may do: another agency's record
#: shared with all members is refused too.
OWNER_ONLY = {
    ("PUT", "/api/cases/{case_id}/sharing"),
    ("PUT", "/api/seizures/{seizure_id}/sharing"),
    ("PUT", "/api/banks/{bank_id}/sharing"),
    ("POST", "/api/banks/{bank_id}/imports"),
    ("DELETE", "/api/banks/{bank_id}"),
    ("POST", "/api/alerts/{alert_id}/acknowledge"),
    ("PATCH", "/api/series/{series_id}"),
    ("POST", "/api/series/{series_id}/media"),
    ("DELETE", "/api/series/{series_id}/media/{media_id}"),
    ("POST", "/api/series/{series_id}/links"),
    ("PUT", "/api/series/{series_id}/sharing"),
    ("PATCH", "/api/victims/{victim_id}"),
    ("POST", "/api/victims/{victim_id}/identify"),
    ("POST", "/api/victims/{victim_id}/rescue"),
    ("POST", "/api/victims/{victim_id}/safeguard"),
    ("PUT", "/api/victims/{victim_id}/sharing"),
    ("PATCH", "/api/cases/{case_id}"),
    ("PATCH", "/api/seizures/{seizure_id}"),
    ("PATCH", "/api/offenders/{offender_id}"),
    ("PUT", "/api/offenders/{offender_id}/sharing"),
    ("PATCH", "/api/locations/{location_id}"),
    ("POST", "/api/locations/{location_id}/media"),
    ("PUT", "/api/locations/{location_id}/sharing"),
    ("PATCH", "/api/missing-reports/{report_id}"),
    ("POST", "/api/missing-reports/{report_id}/found"),
    ("PUT", "/api/missing-reports/{report_id}/sharing"),
}

#: The folder under the matrix's evidence root that ``POST /api/ingest-runs`` ingests.
INGEST_FOLDER = "matrix-folder"

#: Routes that refuse every caller their rule admits, by design (and with what).
REFUSED_BY_DESIGN: dict[tuple[str, str], int] = {
    # HMA's content lookup: Vigil hashes no uploaded content for partners.
    ("POST", "/m/lookup"): 403,
    # Proposals are computed, not stored: the matrix cannot name one, and a proposal the
    # seizure's evidence does not give is answered as one that does not exist.
    ("POST", "/api/seizures/{seizure_id}/suggestions/{proposal_id}/accept"): 404,
}

#: Request bodies of the unsafe routes; ``n`` makes names unique.
BODIES: dict[tuple[str, str], Callable[[int], Body]] = {
    ("POST", "/login"): lambda n: Body(
        form={"username": ROLE_USERS["viewer"], "password": PASSWORD}
    ),
    ("POST", "/api/agencies"): lambda n: Body(
        {"code": f"NEW-{n}", "name": "A new unit", "kind": "specialised_unit", "country": "DE"},
    ),
    ("PATCH", "/api/agencies/{code}"): lambda n: Body({"contact": f"desk {n}"}),
    ("POST", "/api/users"): lambda n: Body(
        {
            "username": f"new-user-{n}",
            "display_name": "New User",
            "roles": ["viewer"],
            "password": PASSWORD,
        },
    ),
    ("PATCH", "/api/users/{username}"): lambda n: Body({"roles": ["viewer"]}),
    ("POST", "/api/tokens"): lambda n: Body({"name": f"matrix {n}", "scopes": ["read"]}),
    ("POST", "/api/lookup"): lambda n: Body({"signal_type": "md5", "hashes": [MD5]}),
    ("POST", "/api/lookup/file"): lambda n: Body(
        form={"signal_type": "md5"}, files={"file": ("hashes.txt", MD5.encode(), "text/plain")}
    ),
    ("POST", "/api/ingest-runs"): lambda n: Body({"path": INGEST_FOLDER, "case": f"MATRIX-{n}"}),
    ("PUT", "/api/cases/{case_id}/sharing"): lambda n: Body({"level": "owner"}),
    ("PUT", "/api/seizures/{seizure_id}/sharing"): lambda n: Body({"level": "owner"}),
    ("PUT", "/api/banks/{bank_id}/sharing"): lambda n: Body({"level": "owner"}),
    ("POST", "/api/banks"): lambda n: Body({"name": f"matrix-new-bank-{n}"}),
    ("POST", "/api/banks/{bank_id}/imports"): lambda n: Body(
        form={}, files={"file": ("hashes.txt", f"{n + 1:032x}\n".encode(), "text/plain")}
    ),
    ("POST", "/api/matches/{match_id}/review"): lambda n: Body({"verdict": "confirmed"}),
    ("POST", "/api/referrals"): lambda n: Body(
        {"to": "NCB-BR", "priority": "routine", "subject": f"matrix {n}", "body": "text"}
    ),
    ("POST", "/api/referrals/{reference}/close"): lambda n: Body({"outcome": "closed"}),
    ("POST", "/api/series"): lambda n: Body({"name": f"matrix series {n}"}),
    ("PATCH", "/api/series/{series_id}"): lambda n: Body({"description": f"matrix {n}"}),
    ("POST", "/api/series/{series_id}/media"): lambda n: Body({"media": []}),
    # NCB-FR's own victim is the network's first (tests/web/network.py makes it first).
    ("POST", "/api/series/{series_id}/links"): lambda n: Body({"victim": 1}),
    ("PUT", "/api/series/{series_id}/sharing"): lambda n: Body({"level": "owner"}),
    ("POST", "/api/victims"): lambda n: Body({"label": f"matrix victim {n}"}),
    ("PATCH", "/api/victims/{victim_id}"): lambda n: Body({"age_band": "6-9"}),
    ("POST", "/api/victims/{victim_id}/identify"): lambda n: Body({"on": "2026-01-02"}),
    ("POST", "/api/victims/{victim_id}/rescue"): lambda n: Body({"on": "2026-01-03"}),
    ("POST", "/api/victims/{victim_id}/safeguard"): lambda n: Body({}),
    ("PUT", "/api/victims/{victim_id}/sharing"): lambda n: Body({"level": "owner"}),
    ("PATCH", "/api/cases/{case_id}"): lambda n: Body({"title": f"matrix {n}"}),
    ("PATCH", "/api/seizures/{seizure_id}"): lambda n: Body({"source": f"matrix {n}"}),
    ("POST", "/api/offenders"): lambda n: Body({"label": f"matrix-offender-{n}"}),
    ("PATCH", "/api/offenders/{offender_id}"): lambda n: Body({"country": "DE"}),
    ("PUT", "/api/offenders/{offender_id}/sharing"): lambda n: Body({"level": "owner"}),
    ("POST", "/api/locations"): lambda n: Body({"description": f"matrix {n}", "kind": "room"}),
    ("PATCH", "/api/locations/{location_id}"): lambda n: Body({"kind": "building"}),
    ("POST", "/api/locations/{location_id}/media"): lambda n: Body({"media": []}),
    ("PUT", "/api/locations/{location_id}/sharing"): lambda n: Body({"level": "owner"}),
    ("POST", "/api/missing-reports"): lambda n: Body(
        {
            "reference": f"MATRIX-YN-{n}",
            "country": "FR",
            "child_label": "matrix child",
            "missing_since": "2025-01-01",
        }
    ),
    ("PATCH", "/api/missing-reports/{report_id}"): lambda n: Body({"last_seen_place": "x"}),
    ("POST", "/api/missing-reports/{report_id}/found"): lambda n: Body({}),
    ("PUT", "/api/missing-reports/{report_id}/sharing"): lambda n: Body({"level": "owner"}),
    ("POST", "/api/seizures/{seizure_id}/suggestions/{proposal_id}/accept"): lambda n: Body(
        {"new_series": f"matrix suggestion {n}"}
    ),
}
NO_BODY = {
    ("POST", "/logout"),
    ("POST", "/m/lookup"),
    ("POST", "/api/hits/{reference}/acknowledge"),
    ("POST", "/api/alerts/{alert_id}/acknowledge"),
    ("POST", "/api/seizures/{seizure_id}/alerts"),
    ("POST", "/api/referrals/{reference}/acknowledge"),
    ("POST", "/api/referrals/{reference}/progress"),
}

# The pages' own entries, one module per area (tests/web/matrix_areas).
BODIES.update(matrix_areas.BODIES)
NO_BODY |= matrix_areas.NO_BODY
OWNER_ONLY |= matrix_areas.OWNER_ONLY
QUERIES.update(matrix_areas.QUERIES)
REFUSED_BY_DESIGN.update(matrix_areas.REFUSED_BY_DESIGN)


def make_missing_report(store: Store, owner: str, level: Level) -> int:
    """A missing-child report of ``owner`` at ``level``, status missing; its id."""
    with store.session() as session:
        agency = session.scalars(select(Agency).where(Agency.code == owner)).one()
        report = MissingChildReport(
            reference=f"MATRIX-FOUND-{secrets.token_hex(4)}",
            agency_id=agency.id,
            dissemination=level.value,
            country="FR",
            child_label="matrix child",
            missing_since=date(2025, 1, 1),
        )
        session.add(report)
        session.flush()
        return report.id


def _headers(network: Network, caller: Caller, method: str) -> dict[str, str]:
    if caller.username is None:
        return {}
    if caller.scope is not None:
        return {"Authorization": f"Bearer {network.token_for(caller.username, [caller.scope])[0]}"}
    secret, csrf = network.session_for(caller.username)
    headers = {"Cookie": f"{SESSION_COOKIE}={secret}"}
    if method in UNSAFE:
        headers[CSRF_HEADER] = csrf
    return headers


def run_matrix(app: FastAPI, network: Network, only: str | None = None) -> tuple[list[str], int]:
    """Every call of the matrix (of the route at path ``only``, when given): the failures
    (one line each) and how many calls were made."""
    client = TestClient(app, base_url=BASE_URL, follow_redirects=False)
    matrix = Matrix(network)
    failures: list[str] = []
    calls = 0
    for served in served_routes(app.routes):
        if served.exempt or (only is not None and served.path != only):
            continue
        rule = served.rule
        if rule is None:
            failures.append(f"{served}: no access rule")
            continue
        for method in sorted(served.methods - {"HEAD"}):
            kinds = [None] if not rule.records else list(Data)
            for caller, data in itertools.product(CALLERS, kinds):
                label = f"{method} {served.path} as {caller.name} on {data or 'no'} data"
                try:
                    path = served.path
                    skip = False
                    for name, kind in rule.records.items():
                        value = matrix.path_value(kind, caller, data or Data.OWN, served.path)
                        if value is None:
                            skip = True
                            break
                        path = path.replace("{" + name + "}", value)
                    if skip:
                        continue
                    body = matrix.body(method, served.path) if method in UNSAFE else None
                except LookupError as exc:
                    failures.append(f"{label}: {exc}")
                    continue
                kwargs: dict[str, Any] = {
                    "headers": _headers(network, caller, method),
                    "params": QUERIES.get((method, served.path)),
                }
                if body is not None:
                    kwargs.update(body.kwargs())
                client.cookies.clear()  # a login's cookie must not make the next caller
                response = client.request(method, path, **kwargs)
                calls += 1
                owner_only = (method, served.path) in OWNER_ONLY
                refusals = expected_refusals(rule, caller, data, owner_only)
                by_design = REFUSED_BY_DESIGN.get((method, served.path))
                if refusals is None and by_design is not None:
                    refusals = {by_design}
                status = response.status_code
                if refusals is None and not 200 <= status < 400:
                    failures.append(
                        f"{label}: expected success, got {status} {response.text[:200]}"
                    )
                elif refusals is not None and status not in refusals:
                    failures.append(f"{label}: expected {sorted(refusals)}, got {status}")
                leaked = [m for m in network.restricted_markers if m in response.text]
                if leaked:
                    failures.append(f"{label}: the response shows restricted {leaked}")
                if status >= 400 and "error" not in response.json():
                    failures.append(f"{label}: error without the JSON error shape")
    return failures, calls


def test_every_route_declares_a_rule(store: Store) -> None:
    assert routes_without_rule(create_app(store)) == []


def test_a_route_without_a_rule_is_refused(store: Store) -> None:
    app = create_app(store)

    @app.get("/api/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    @app.post("/api/ruled")
    def ruled(caller: Any = allow()) -> dict[str, str]:  # noqa: B008 - the rule under test
        return {}

    assert routes_without_rule(app) == ["GET /api/forgotten"]
    with pytest.raises(MissingRuleError, match="GET /api/forgotten"):
        check_rules(app)


def test_authorization_matrix(network: Network, tmp_path: Path) -> None:
    (tmp_path / INGEST_FOLDER).mkdir()
    app = create_app(network.store, WebConfig(evidence_root=tmp_path))
    failures, calls = run_matrix(app, network)
    assert wait_for_ingests(app, 120), "an ingest the matrix started is still running"
    assert not failures, f"{len(failures)} of {calls} calls failed:\n" + "\n".join(failures)
    # Every route was called: the matrix cannot pass by calling nothing.
    routes = [r for r in served_routes(app.routes) if not r.exempt]
    assert calls >= len(routes) * len(CALLERS)


def test_the_matrix_catches_a_route_that_forgets_its_permission(network: Network) -> None:
    app = create_app(network.store)

    # A listing that declares READ but shows every run, restricted ones included.
    @app.get("/api/leaky")
    def leaky(caller: Any = allow()) -> list[str]:  # noqa: B008 - the mistake under test
        return list(network.restricted_markers)

    failures, calls = run_matrix(app, network, only="/api/leaky")
    assert calls == len(CALLERS)
    assert any("/api/leaky" in line and "restricted" in line for line in failures)
