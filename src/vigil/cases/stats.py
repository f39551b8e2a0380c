"""Statistics of identification: victims identified and rescued, series open and
identified, offenders identified — in total, per country and per year — and media and
seizures per case.

Every count is of what the asking viewer may see (the policy's conditions are in every
query): two agencies asking get different numbers, and neither learns of the other's
restricted records by them.

What is counted: a victim is *identified* once its status is identified, rescued or
safeguarded (dated by ``identified_on``) and *rescued* once rescued or safeguarded (dated by
``rescued_on``); a series is *open* while unidentified and *identified* once its victim is
(both dated by the series' first sighting; its country is its owning agency's); an offender
is *identified* from identified on (dated by ``identified_on``). A record without a
country or a date is counted under ``unknown``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, extract, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vigil.sharing.policy import Viewer, case_condition, record_condition, seizure_condition
from vigil.store.models import (
    Agency,
    Case,
    Offender,
    OffenderStatus,
    RecordType,
    Seizure,
    Series,
    SeriesStatus,
    Sighting,
    Victim,
    VictimStatus,
)

#: How a count without a country or a year is filed.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class _Measure:
    name: str
    record: RecordType
    model: Any
    condition: ColumnElement[bool]
    country: InstrumentedAttribute[Any]
    dated: InstrumentedAttribute[Any]


_IDENTIFIED_VICTIM = [VictimStatus.IDENTIFIED, VictimStatus.RESCUED, VictimStatus.SAFEGUARDED]
_RESCUED_VICTIM = [VictimStatus.RESCUED, VictimStatus.SAFEGUARDED]
_IDENTIFIED_OFFENDER = [
    OffenderStatus.IDENTIFIED,
    OffenderStatus.ARRESTED,
    OffenderStatus.CONVICTED,
]

MEASURES = (
    _Measure(
        "victims_identified",
        RecordType.VICTIM,
        Victim,
        Victim.status.in_([s.value for s in _IDENTIFIED_VICTIM]),
        Victim.country,
        Victim.identified_on,
    ),
    _Measure(
        "victims_rescued",
        RecordType.VICTIM,
        Victim,
        Victim.status.in_([s.value for s in _RESCUED_VICTIM]),
        Victim.country,
        Victim.rescued_on,
    ),
    _Measure(
        "series_open",
        RecordType.SERIES,
        Series,
        Series.status == SeriesStatus.UNIDENTIFIED.value,
        Agency.country,
        Series.first_seen_at,
    ),
    _Measure(
        "series_identified",
        RecordType.SERIES,
        Series,
        Series.status == SeriesStatus.VICTIM_IDENTIFIED.value,
        Agency.country,
        Series.first_seen_at,
    ),
    _Measure(
        "offenders_identified",
        RecordType.OFFENDER,
        Offender,
        Offender.status.in_([s.value for s in _IDENTIFIED_OFFENDER]),
        Offender.country,
        Offender.identified_on,
    ),
)
MEASURE_NAMES = tuple(measure.name for measure in MEASURES)


@dataclass(frozen=True)
class CaseCounts:
    """How many seizures of a case, and distinct media in them, the viewer may see."""

    case_id: int
    reference: str
    agency: str
    seizures: int
    media: int


@dataclass(frozen=True)
class Statistics:
    """The counts a viewer may see: in total, by country, by year, and per case."""

    totals: dict[str, int]
    by_country: dict[str, dict[str, int]]
    by_year: dict[str, dict[str, int]]
    cases: list[CaseCounts]

    def to_json(self) -> dict[str, Any]:
        """The statistics as JSON values."""
        return {
            "totals": self.totals,
            "by_country": self.by_country,
            "by_year": self.by_year,
            "cases": [
                {
                    "case_id": c.case_id,
                    "reference": c.reference,
                    "agency": c.agency,
                    "seizures": c.seizures,
                    "media": c.media,
                }
                for c in self.cases
            ],
        }


def _grouped(
    session: Session,
    viewer: Viewer,
    measure: _Measure,
    key: ColumnElement[Any] | InstrumentedAttribute[Any],
) -> Counter[str]:
    """The measure's count by ``key`` (None counted as :data:`UNKNOWN`)."""
    query = (
        select(key, func.count())
        .select_from(measure.model)
        .join(Agency, Agency.id == measure.model.agency_id)
        .where(measure.condition, record_condition(viewer, measure.record))
        .group_by(key)
    )
    counts: Counter[str] = Counter()
    for value, count in session.execute(query):
        counts[UNKNOWN if value is None else str(value)] += count
    return counts


def _case_counts(session: Session, viewer: Viewer) -> list[CaseCounts]:
    rows = session.execute(
        select(
            Case.id,
            Case.reference,
            Agency.code,
            func.count(distinct(Seizure.id)),
            func.count(distinct(Sighting.media_id)),
        )
        .join(Agency, Agency.id == Case.agency_id)
        .outerjoin(Seizure, and_(Seizure.case_id == Case.id, seizure_condition(viewer)))
        .outerjoin(Sighting, Sighting.seizure_id == Seizure.id)
        .where(case_condition(viewer))
        .group_by(Case.id, Case.reference, Agency.code)
        .order_by(Case.reference, Agency.code)
    )
    return [CaseCounts(*row) for row in rows]


def _pivot(per_measure: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
    """``{measure: {key: n}}`` as ``{key: {measure: n}}``, every measure in every key."""
    keys = sorted({key for counts in per_measure.values() for key in counts})
    return {key: {name: per_measure[name][key] for name in MEASURE_NAMES} for key in keys}


def statistics(session: Session, viewer: Viewer) -> Statistics:
    """The counts of what the viewer may see (see the module's docstring)."""
    by_country = {m.name: _grouped(session, viewer, m, m.country) for m in MEASURES}
    totals = {name: sum(counts.values()) for name, counts in by_country.items()}
    by_year = {
        m.name: _grouped(session, viewer, m, extract("year", m.dated).label("year"))
        for m in MEASURES
    }
    return Statistics(totals, _pivot(by_country), _pivot(by_year), _case_counts(session, viewer))
