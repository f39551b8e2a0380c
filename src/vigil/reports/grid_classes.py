"""Which triage class each media of an ingest run is in, worked out in SQL for the whole run.

The triage report's classes and precedence (:mod:`vigil.reports.triage`) — known exactly,
known by near-duplicate, seen in other cases, held by another agency, new — as one query
over the run's media, so that the grid (:mod:`vigil.reports.grid`) never loads a
100,000-media run into Python. A media is "held by another agency" when the same file is in
a seizure, or its match in a bank, the viewer may not see (the report also follows
media-to-media links into hidden seizures).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, func, literal, select, union_all

from vigil.matching.links import verdict_column, with_reviews
from vigil.matching.review import COUNTED
from vigil.reports.triage import EXACT
from vigil.sharing.policy import Viewer, visible_bank_ids, visible_seizure_ids
from vigil.store.models import BankEntry, Match, Seizure, Sighting

#: The report's classes by precedence: a media is in the first that applies (its rank).
PRECEDENCE = ("known_exact", "known_near", "other_cases", "held_elsewhere", "new")


def run_media(run_id: int) -> Select[Any]:
    """The ids of the media seen in the run (a set for ``IN``)."""
    return select(Sighting.media_id).where(Sighting.ingest_run_id == run_id).correlate(None)


def counted(query: Any, viewer: Viewer) -> Any:
    """``query`` over Match kept to the matches the viewer's agency did not reject."""
    return with_reviews(query, viewer.agency_id).where(verdict_column().in_(COUNTED))


def _evidence(viewer: Viewer, run_id: int, case_id: int) -> Any:
    """(media_id, rank) rows: each reason a media of the run is in a class, rank by
    :data:`PRECEDENCE` (NULL: no reason)."""
    own = run_media(run_id)
    visible_banks = visible_bank_ids(viewer)
    # A bank entry the viewer sees, matched and not rejected: known exactly or nearly; an
    # entry of a hidden bank: held by another agency, whatever the verdict.
    banked = with_reviews(
        select(
            Match.media_id.label("media_id"),
            case(
                (BankEntry.bank_id.not_in(visible_banks), 3),
                (verdict_column().not_in(COUNTED), None),
                (Match.signal.in_(sorted(EXACT)), 0),
                else_=1,
            ).label("rank"),
        )
        .join(BankEntry, Match.bank_entry_id == BankEntry.id)
        .where(Match.media_id.in_(own)),
        viewer.agency_id,
    )
    elsewhere = Sighting.__table__.alias("elsewhere")
    other_seizure = Seizure.__table__.alias("other_seizure")
    visible_seizures = visible_seizure_ids(viewer)
    # The same file in another seizure: another case's the viewer sees, or a hidden one.
    same_file = (
        select(
            Sighting.media_id,
            case(
                (other_seizure.c.id.not_in(visible_seizures), 3),
                (other_seizure.c.case_id != case_id, 2),
                else_=None,
            ),
        )
        .join(elsewhere, elsewhere.c.media_id == Sighting.media_id)
        .join(other_seizure, other_seizure.c.id == elsewhere.c.seizure_id)
        .where(Sighting.ingest_run_id == run_id, elsewhere.c.seizure_id != Sighting.seizure_id)
    )

    def seen_in_other_case(media_id: Any) -> ColumnElement[bool]:
        """True where ``media_id`` was seen in a seizure of another case the viewer sees."""
        return (
            exists()
            .where(
                elsewhere.c.media_id == media_id,
                other_seizure.c.id == elsewhere.c.seizure_id,
                other_seizure.c.case_id != case_id,
                other_seizure.c.id.in_(visible_seizures),
            )
            .correlate_except(elsewhere, other_seizure)
        )

    # Driven from the run's matches (either side), never from the other seizures.
    linked = [
        counted(
            select(own_side, literal(2)).where(
                own_side.in_(own), other_side.is_not(None), seen_in_other_case(other_side)
            ),
            viewer,
        )
        for own_side, other_side in (
            (Match.media_id, Match.other_media_id),
            (Match.other_media_id, Match.media_id),
        )
    ]
    return union_all(banked, same_file, *linked).subquery("evidence")


def class_ranks(viewer: Viewer, run_id: int, case_id: int) -> Any:
    """(media_id, rank) of each media of the run with any evidence (the rest are new)."""
    evidence = _evidence(viewer, run_id, case_id)
    return (
        select(evidence.c.media_id, func.min(evidence.c.rank).label("rank"))
        .group_by(evidence.c.media_id)
        .subquery("ranks")
    )
