"""What the authorization matrix needs to call the records pages' routes (see __init__):
the form of each post, the owner-only ones (as their API twins in the matrix), and new
victims and offenders for the workflow's steps, which a record takes once."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from tests.web.matrix_body import Body, MakeRecord
from vigil.store.db import Store
from vigil.store.models import Agency, Level, Offender, Victim, VictimStatus


def _victim(status: VictimStatus) -> MakeRecord:
    def make(store: Store, owner: str, level: Level) -> int:
        with store.session() as session:
            agency_id = session.scalars(select(Agency.id).where(Agency.code == owner)).one()
            victim = Victim(
                label=f"matrix-victim-{secrets.token_hex(4)}",
                agency_id=agency_id,
                dissemination=level.value,
                status=status.value,
                identified_on=None if status is VictimStatus.UNIDENTIFIED else date(2026, 1, 1),
            )
            session.add(victim)
            session.flush()
            return victim.id

    return make


def _offender(store: Store, owner: str, level: Level) -> int:
    with store.session() as session:
        agency_id = session.scalars(select(Agency.id).where(Agency.code == owner)).one()
        offender = Offender(
            label=f"matrix-offender-{secrets.token_hex(4)}",
            agency_id=agency_id,
            dissemination=level.value,
        )
        session.add(offender)
        session.flush()
        return offender.id


OWNER = {"level": "owner"}

BODIES: dict[tuple[str, str], Callable[[int], Body]] = {
    ("POST", "/series"): lambda n: Body(form={"name": f"page series {n}"}),
    ("POST", "/series/{series_id}/edit"): lambda n: Body(form={"description": f"page {n}"}),
    ("POST", "/series/{series_id}/media"): lambda n: Body(form={"media": ""}),
    # NCB-FR's own victim is the network's first (tests/web/network.py makes it first).
    ("POST", "/series/{series_id}/links"): lambda n: Body(form={"kind": "victim", "record": "#1"}),
    ("POST", "/series/{series_id}/sharing"): lambda n: Body(form=OWNER),
    ("POST", "/victims"): lambda n: Body(form={"label": f"page victim {n}"}),
    ("POST", "/victims/{victim_id}/edit"): lambda n: Body(form={"age_band": "6-9"}),
    ("POST", "/victims/{victim_id}/identify"): lambda n: Body(form={"on": "2026-01-02"}),
    ("POST", "/victims/{victim_id}/rescue"): lambda n: Body(form={"on": "2026-01-03"}),
    ("POST", "/victims/{victim_id}/safeguard"): lambda n: Body(form={}),
    ("POST", "/victims/{victim_id}/sharing"): lambda n: Body(form=OWNER),
    ("POST", "/offenders"): lambda n: Body(form={"label": f"page-offender-{n}"}),
    ("POST", "/offenders/{offender_id}/edit"): lambda n: Body(form={"country": "DE"}),
    ("POST", "/offenders/{offender_id}/status"): lambda n: Body(form={"status": "identified"}),
    ("POST", "/offenders/{offender_id}/sharing"): lambda n: Body(form=OWNER),
    ("POST", "/locations"): lambda n: Body(form={"description": f"page {n}", "kind": "room"}),
    ("POST", "/locations/{location_id}/edit"): lambda n: Body(form={"kind": "building"}),
    ("POST", "/locations/{location_id}/media"): lambda n: Body(form={"media": ""}),
    ("POST", "/locations/{location_id}/sharing"): lambda n: Body(form=OWNER),
    ("POST", "/missing"): lambda n: Body(
        form={
            "reference": f"PAGE-YN-{n}",
            "country": "FR",
            "child_label": "page child",
            "missing_since": "2025-01-01",
        }
    ),
    ("POST", "/missing/{report_id}/edit"): lambda n: Body(form={"last_seen_place": "x"}),
    ("POST", "/missing/{report_id}/found"): lambda n: Body(form={}),
    ("POST", "/missing/{report_id}/sharing"): lambda n: Body(form=OWNER),
    ("POST", "/cases/{case_id}/edit"): lambda n: Body(form={"title": f"page {n}"}),
    # NCB-FR's own series is the network's first: tied to any case the caller may see.
    ("POST", "/cases/{case_id}/series"): lambda n: Body(form={"series": "#1"}),
    ("POST", "/cases/{case_id}/sharing"): lambda n: Body(form=OWNER),
}
NO_BODY: set[tuple[str, str]] = {
    ("POST", "/series/{series_id}/media/{media_id}/unassign"),
    ("POST", "/locations/{location_id}/media/{media_id}/unassign"),
}
#: Every change of a record but tying one's own series to a case the caller may see.
OWNER_ONLY: set[tuple[str, str]] = {
    *(key for key in BODIES if "{" in key[1] and key[1] != "/cases/{case_id}/series"),
    *NO_BODY,
}
QUERIES: dict[tuple[str, str], dict[str, str]] = {}
REFUSED_BY_DESIGN: dict[tuple[str, str], int] = {}
FRESH: dict[str, MakeRecord] = {
    "/victims/{victim_id}/identify": _victim(VictimStatus.UNIDENTIFIED),
    "/victims/{victim_id}/rescue": _victim(VictimStatus.UNIDENTIFIED),
    "/victims/{victim_id}/safeguard": _victim(VictimStatus.IDENTIFIED),
    "/offenders/{offender_id}/status": _offender,
}
