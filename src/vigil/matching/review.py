"""An agency's verdict on a match: confirmed, rejected, or open again.

Verdicts are per agency: one agency's rejection changes its own reports, never another's.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing.policy import Permission, Viewer, check_match, require
from vigil.store.models import MatchReview, utcnow

VERDICTS = ("open", "confirmed", "rejected")
#: The verdicts under which a match counts: a rejected one counts nowhere.
COUNTED = ("open", "confirmed")


class ReviewError(Exception):
    """The review cannot be recorded; the message says why."""


def review_match(
    session: Session, viewer: Viewer, match_id: int, verdict: str, note: str | None = None
) -> MatchReview:
    """Record the viewer's verdict on the match ``match_id``, for the viewer's agency.

    NotVisibleError for a match that does not exist or that the viewer may not see;
    ForbiddenError without the permission to write.
    """
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    reviewer = viewer.actor.user.strip()
    if not reviewer:
        raise ReviewError("a review needs the reviewer's name")
    require(viewer, Permission.WRITE)
    check_match(session, viewer, match_id)
    review = session.scalar(
        select(MatchReview).where(
            MatchReview.match_id == match_id, MatchReview.agency_id == viewer.agency_id
        )
    )
    if review is None:
        review = MatchReview(match_id=match_id, agency_id=viewer.agency_id)
        session.add(review)
    review.verdict = verdict
    review.reviewed_by = reviewer
    review.note = note
    review.reviewed_at = utcnow()
    session.flush()
    return review
