"""Triage verdicts: an agency marks media of one of its seizures not pertinent (or pertinent
again) from the triage grid, so that the grid leaves them out next time.

Only the seizure's own agency marks its media; one audit event per call, however many media
it marks.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing.audit import Action, record, seizure_object
from vigil.sharing.policy import (
    NotVisibleError,
    Permission,
    Viewer,
    check_owner,
    require,
    seizure_condition,
)
from vigil.store.models import Case, IngestRun, Seizure, Sighting, TriageMark, TriageVerdict

#: At most this many media in one call.
MARKS_MAX = 1000


class TriageMarkError(ValueError):
    """The marks asked for cannot be made as given (the message names the field)."""


def _seizure_of_run(session: Session, viewer: Viewer, run_id: int) -> Seizure:
    seizure = session.scalar(
        select(Seizure)
        .join(IngestRun, IngestRun.seizure_id == Seizure.id)
        .where(IngestRun.id == run_id, seizure_condition(viewer))
    )
    if seizure is None:
        raise NotVisibleError(f"run_id: no ingest run {run_id}")
    return seizure


def mark_media(
    session: Session,
    viewer: Viewer,
    run_id: int,
    media_ids: Sequence[int],
    verdict: TriageVerdict,
) -> int:
    """Set the viewer's agency's ``verdict`` on ``media_ids`` of the run's seizure; how many
    marks changed.

    NotVisibleError for a run the viewer may not see; ForbiddenError unless its agency owns
    the seizure; TriageMarkError for too many media, or media not in the seizure. No media:
    nothing to do (and nothing audited).
    """
    require(viewer, Permission.WRITE)
    seizure = _seizure_of_run(session, viewer, run_id)
    check_owner(viewer, seizure.agency_id, f"seizure {seizure.name}")
    wanted = sorted(set(media_ids))
    if not wanted:
        return 0
    if len(wanted) > MARKS_MAX:
        raise TriageMarkError(f"media: at most {MARKS_MAX} media at once, not {len(wanted)}")
    present = set(
        session.scalars(
            select(Sighting.media_id).where(
                Sighting.seizure_id == seizure.id, Sighting.media_id.in_(wanted)
            )
        )
    )
    missing = [media_id for media_id in wanted if media_id not in present]
    if missing:
        shown = ", ".join(str(media_id) for media_id in missing[:10])
        raise TriageMarkError(f"media: not in seizure {seizure.name}: {shown}")
    existing = {
        mark.media_id: mark
        for mark in session.scalars(
            select(TriageMark).where(
                TriageMark.seizure_id == seizure.id, TriageMark.media_id.in_(wanted)
            )
        )
    }
    changed = 0
    for media_id in wanted:
        mark = existing.get(media_id)
        if mark is None:
            session.add(
                TriageMark(
                    seizure_id=seizure.id,
                    media_id=media_id,
                    verdict=verdict.value,
                    by_user=viewer.actor.user,
                )
            )
            changed += 1
        elif mark.verdict != verdict.value:
            mark.verdict = verdict.value
            mark.by_user = viewer.actor.user
            changed += 1
    session.flush()
    case_reference = session.get_one(Case, seizure.case_id).reference
    details = {"verdict": verdict.value, "media": list(wanted), "changed": changed}
    record(
        session,
        Action.TRIAGE_MARK,
        seizure_object(case_reference, seizure.name),
        details,
        viewer.actor,
    )
    return changed
