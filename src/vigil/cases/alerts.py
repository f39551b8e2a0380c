"""Alerts on a seizure: what its agency must look at first, each naming its evidence.

Four kinds, by priority (``AlertKind``): the seizure's media match the reference media of a
child reported missing; they belong to (or match) a series whose victim is already
identified, saying by which agency and when; a series whose victim is not yet identified;
the same file, camera (body serial) or place (GPS within ``VIGIL_ALERT_GPS_METRES``) appears
in another case. Matches the seizure's agency rejected raise nothing. What each kind looks
for is in :mod:`vigil.cases.alert_facts`.

An alert is stored only when the seizure's own agency may see the record it is about;
otherwise both agencies get a hit notice instead (``vigil.sharing.hits``), and nothing of
the record — name, count, path or category — reaches the seizure's agency. Who sees a
stored alert is the policy's ``alert_condition``.

Raising is idempotent (the table is unique on seizure, kind, media, record and evidence
key). Raising on the reference seizure of a missing-child report also raises on every
seizure its media touch, and a cross-case link is raised from both sides, each as that
seizure's agency sees it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.alert_facts import Finding, describe, findings_of, touched_seizures
from vigil.cases.names import label_of
from vigil.sharing.actor import Actor
from vigil.sharing.audit import Action, record, seizure_object
from vigil.sharing.clock import as_utc
from vigil.sharing.hits import raise_record_hits
from vigil.sharing.policy import (
    NotVisibleError,
    Permission,
    Viewer,
    alert_condition,
    check_owner,
    check_seizure,
    require,
    resolve,
    visible_ids,
)
from vigil.sharing.records import case_shown
from vigil.store.models import (
    ALERT_PRIORITY,
    Agency,
    Alert,
    AlertKind,
    Case,
    MissingChildReport,
    RecordType,
    Seizure,
    Series,
    utcnow,
)

# What a record an alert is about is called in the hit notice to its holder.
_SUBJECT = {
    RecordType.SERIES: "series",
    RecordType.MISSING_REPORT: "missing",
    RecordType.SEIZURE: "seizure",
}
_MODELS: dict[RecordType, Any] = {
    RecordType.SERIES: Series,
    RecordType.MISSING_REPORT: MissingChildReport,
    RecordType.SEIZURE: Seizure,
}
KIND_LABELS = {
    AlertKind.MISSING_CHILD: "possible missing child",
    AlertKind.ALREADY_IDENTIFIED: "already identified",
    AlertKind.KNOWN_SERIES: "known series, victim not yet identified",
    AlertKind.CROSS_CASE: "cross-case",
}


def _visible(session: Session, viewer: Viewer, about: RecordType, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    model = _MODELS[about]
    return set(session.scalars(visible_ids(viewer, about).where(model.id.in_(sorted(ids)))))


def _settle(
    session: Session, seizure: Seizure, findings: list[Finding], actor: Actor, notify: bool
) -> list[Alert]:
    """Store the findings whose record the seizure's agency may see as alerts (new ones;
    known ones get their evidence brought up to date); the rest become hit notices when
    ``notify`` (a mirror of a hit already notified is not notified again)."""
    owner = session.get_one(Agency, seizure.agency_id)
    # As hits are decided (sharing.hits): by what the seizure's own agency may see.
    viewer = resolve(session, Actor(actor.user, owner.code))
    seen = {
        about: _visible(session, viewer, about, {f.about_id for f in findings if f.about is about})
        for about in _SUBJECT
    }
    hidden = [f for f in findings if f.about_id not in seen[f.about]]
    holdings = [(f.holder_agency_id, f"{_SUBJECT[f.about]}:{f.about_id}") for f in hidden]
    if notify:
        raise_record_hits(session, seizure.id, holdings, actor)
    shown = [f for f in findings if f.about_id in seen[f.about]]
    describe(session, seizure, shown)
    stored = {
        (a.kind, a.media_id, a.counterpart_type, a.counterpart_id, a.evidence_key): a
        for a in session.scalars(select(Alert).where(Alert.seizure_id == seizure.id))
    }
    created = []
    for finding in shown:
        kind, about = finding.kind.value, finding.about.value
        key = (kind, finding.media_id, about, finding.about_id, finding.key)
        known = stored.get(key)
        if known is not None:
            if known.evidence != finding.evidence:
                known.evidence = finding.evidence
            continue
        stored[key] = alert = Alert(
            seizure_id=seizure.id,
            kind=kind,
            priority=ALERT_PRIORITY[finding.kind],
            media_id=finding.media_id,
            counterpart_type=about,
            counterpart_id=finding.about_id,
            evidence_key=finding.key,
            evidence=finding.evidence,
        )
        created.append(alert)
    session.add_all(created)
    session.flush()
    return created


def _raise_on(
    session: Session,
    seizure: Seizure,
    actor: Actor,
    kinds: Collection[AlertKind],
    notify: bool = True,
) -> tuple[list[Alert], list[Finding]]:
    findings = findings_of(session, seizure, kinds)
    return _settle(session, seizure, findings, actor, notify), findings


def raise_alerts(session: Session, viewer: Viewer, seizure_id: int) -> list[Alert]:
    """Raise every alert of the seizure, as its own agency may see them; the alerts new on
    it (none when all were raised before).

    NotVisibleError unless the viewer may see the seizure; ForbiddenError without WRITE.
    A record its agency may not see gives a hit notice to both sides instead. When the
    seizure holds a missing-child report's reference media, the seizures they touch get
    their missing-child alerts; a cross-case link is raised on the other seizure too.
    One audit event per call that raised anything.
    """
    require(viewer, Permission.WRITE)
    check_seizure(session, viewer, seizure_id)
    seizure = session.get_one(Seizure, seizure_id)
    actor = viewer.actor
    created, findings = _raise_on(session, seizure, actor, tuple(AlertKind))
    elsewhere: list[Alert] = []
    for other in sorted({f.about_id for f in findings if f.kind is AlertKind.CROSS_CASE}):
        # The other side of a link just found: a hidden one is the hit notified above.
        cross = (AlertKind.CROSS_CASE,)
        mirror = session.get_one(Seizure, other)
        elsewhere += _raise_on(session, mirror, actor, cross, notify=False)[0]
    reference = select(MissingChildReport.id).where(MissingChildReport.seizure_id == seizure_id)
    if session.scalar(reference.limit(1)) is not None:
        for other_seizure in touched_seizures(session, seizure_id):
            missing = (AlertKind.MISSING_CHILD,)
            elsewhere += _raise_on(session, other_seizure, actor, missing)[0]
    if created or elsewhere:
        record(
            session,
            Action.ALERT_RAISE,
            seizure_object(seizure.case.reference, seizure.name),
            {
                "alerts": sorted(alert.id for alert in created),
                "kinds": sorted({alert.kind for alert in created}),
                "on_other_seizures": len(elsewhere),
            },
            actor,
        )
    return created


@dataclass(frozen=True)
class AlertView:
    """An alert as a viewer who may see it is told of it."""

    id: int
    kind: AlertKind
    priority: int
    seizure_id: int
    case: str
    seizure: str
    about_type: RecordType
    about_id: int
    #: The record it is about, as the viewer names it (a series, a report, a seizure).
    about: str
    evidence: dict[str, Any]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @property
    def label(self) -> str:
        """The kind in words."""
        return KIND_LABELS[self.kind]

    def headline(self) -> str:
        """One line: what the alert says, about which record."""
        e = self.evidence
        if self.kind is AlertKind.MISSING_CHILD:
            return f"{self.label}: matches reference media of report {self.about}"
        if self.kind is AlertKind.ALREADY_IDENTIFIED:
            by = e.get("identified_by") or "an agency"
            on = f" on {e['identified_on']}" if e.get("identified_on") else ""
            return f"{self.label}: series {self.about}, victim identified by {by}{on}"
        if self.kind is AlertKind.KNOWN_SERIES:
            return f"{self.label}: series {self.about}"
        signal = e.get("signal")
        if signal == "camera":
            what = f"the same camera ({e.get('make')} {e.get('model')}, serial {e.get('serial')})"
        elif signal == "gps":
            what = f"pictures taken {e.get('metres')} m apart"
        else:
            what = "the same file"
        return f"{self.label}: {what} in seizure {self.about}"

    def evidence_line(self) -> str:
        """One line: which file (and how many), which signal, how close."""
        e = self.evidence
        parts = [f"{e.get('path', '')}", f"({e.get('files', 1)} files)", f"{e.get('signal')}"]
        if e.get("distance") is not None and e.get("signal") not in ("sha256", "gps"):
            parts.append(f"distance {e['distance']}")
        if e.get("variant"):
            parts.append(f"variant {e['variant']}")
        if e.get("share") is not None:
            parts.append(f"share {e['share']}")
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "label": self.label,
            "priority": self.priority,
            "seizure_id": self.seizure_id,
            "case": self.case,
            "seizure": self.seizure,
            "about": {"type": self.about_type.value, "id": self.about_id, "name": self.about},
            "headline": self.headline(),
            "evidence": self.evidence,
            "created_at": as_utc(self.created_at).isoformat(),
            "acknowledged": self.acknowledged_at is not None,
            "acknowledged_at": (
                None if self.acknowledged_at is None else as_utc(self.acknowledged_at).isoformat()
            ),
            "acknowledged_by": self.acknowledged_by,
        }


def _names(session: Session, viewer: Viewer, alerts: Sequence[Alert]) -> dict[tuple[str, int], str]:
    """What each alert is about, as the viewer names it (it may see every one of them)."""
    wanted: dict[RecordType, set[int]] = {about: set() for about in _SUBJECT}
    for alert in alerts:
        wanted[RecordType(alert.counterpart_type)].add(alert.counterpart_id)
    names: dict[tuple[str, int], str] = {}
    series = session.execute(
        select(Series.id, Agency.code, Series.agency_id, Series.name)
        .join(Agency, Agency.id == Series.agency_id)
        .where(Series.id.in_(sorted(wanted[RecordType.SERIES])))
    )
    for ident, code, agency_id, name in series:
        names[(RecordType.SERIES.value, ident)] = label_of(viewer, code, agency_id, name)
    reports = session.execute(
        select(MissingChildReport).where(
            MissingChildReport.id.in_(sorted(wanted[RecordType.MISSING_REPORT]))
        )
    ).scalars()
    for report in reports:
        names[(RecordType.MISSING_REPORT.value, report.id)] = (
            f"{report.reference} ({report.child_label}, missing since {report.missing_since})"
        )
    for ident, (case, name) in _seizures(session, viewer, wanted[RecordType.SEIZURE]).items():
        names[(RecordType.SEIZURE.value, ident)] = f"{case}/{name}"
    return names


def _seizures(session: Session, viewer: Viewer, ids: Collection[int]) -> dict[int, tuple[str, str]]:
    """(case as the viewer is told of it, seizure name) of each seizure."""
    rows = session.execute(
        select(Seizure.id, case_shown(viewer), Seizure.name)
        .join(Case, Case.id == Seizure.case_id)
        .where(Seizure.id.in_(sorted(ids)))
    )
    return {ident: (case, name) for ident, case, name in rows}


def _views(session: Session, viewer: Viewer, alerts: Sequence[Alert]) -> list[AlertView]:
    names = _names(session, viewer, alerts)
    seizures = _seizures(session, viewer, {a.seizure_id for a in alerts})
    views = []
    for alert in alerts:
        case, seizure = seizures[alert.seizure_id]
        views.append(
            AlertView(
                id=alert.id,
                kind=AlertKind(alert.kind),
                priority=alert.priority,
                seizure_id=alert.seizure_id,
                case=case,
                seizure=seizure,
                about_type=RecordType(alert.counterpart_type),
                about_id=alert.counterpart_id,
                about=names.get((alert.counterpart_type, alert.counterpart_id), ""),
                evidence=dict(alert.evidence),
                created_at=alert.created_at,
                acknowledged_at=alert.acknowledged_at,
                acknowledged_by=alert.acknowledged_by,
            )
        )
    return views


def list_alerts(
    session: Session,
    viewer: Viewer,
    seizure_id: int | None = None,
    *,
    kind: AlertKind | None = None,
    unacknowledged_only: bool = False,
) -> list[AlertView]:
    """The alerts the viewer may see (of one seizure when given), highest priority first,
    then oldest first. NotVisibleError when the viewer may not see that seizure."""
    require(viewer, Permission.READ)
    query = select(Alert).where(alert_condition(viewer))
    if seizure_id is not None:
        check_seizure(session, viewer, seizure_id)
        query = query.where(Alert.seizure_id == seizure_id)
    if kind is not None:
        query = query.where(Alert.kind == kind.value)
    if unacknowledged_only:
        query = query.where(Alert.acknowledged_at.is_(None))
    alerts = session.scalars(query.order_by(Alert.priority, Alert.created_at, Alert.id)).all()
    return _views(session, viewer, alerts)


def _find_alert(session: Session, viewer: Viewer, alert_id: int) -> Alert:
    """The alert if the viewer may see it; NotVisibleError alike when it does not exist."""
    alert = session.scalar(select(Alert).where(Alert.id == alert_id, alert_condition(viewer)))
    if alert is None:
        raise NotVisibleError(f"alert: no alert with id {alert_id}")
    return alert


def get_alert(session: Session, viewer: Viewer, alert_id: int) -> AlertView:
    """One alert the viewer may see; NotVisibleError otherwise."""
    require(viewer, Permission.READ)
    return _views(session, viewer, [_find_alert(session, viewer, alert_id)])[0]


def acknowledge_alert(session: Session, viewer: Viewer, alert_id: int) -> AlertView:
    """Mark the alert acknowledged (once; again changes nothing) and record it. Only the
    seizure's own agency may: ForbiddenError for another that sees it, NotVisibleError
    for one that does not."""
    require(viewer, Permission.WRITE)
    alert = _find_alert(session, viewer, alert_id)
    seizure = session.get_one(Seizure, alert.seizure_id)
    check_owner(viewer, seizure.agency_id, f"alert {alert_id}'s seizure")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by = viewer.actor.user
        session.flush()
        record(
            session,
            Action.ALERT_ACKNOWLEDGE,
            f"alert:{alert.id}",
            {"kind": alert.kind, "seizure": seizure_object(seizure.case.reference, seizure.name)},
            viewer.actor,
        )
    return _views(session, viewer, [alert])[0]
