"""An investigator's verdict on a match: confirmed, rejected, or open again."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.store.models import Match, utcnow

VERDICTS = ("open", "confirmed", "rejected")
#: The verdicts under which a match counts: a rejected one counts nowhere.
COUNTED = ("open", "confirmed")


class ReviewError(Exception):
    """The review cannot be recorded; the message says why."""


def review_match(
    session: Session, match_id: int, verdict: str, *, reviewer: str, note: str | None = None
) -> Match:
    """Record ``reviewer``'s verdict on the match ``match_id``."""
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    if not reviewer.strip():
        raise ReviewError("a review needs the reviewer's name")
    match = session.get(Match, match_id)
    if match is None:
        raise ReviewError(f"no match with id {match_id}")
    match.verdict = verdict
    match.reviewed_by = reviewer.strip()
    match.review_note = note
    match.reviewed_at = utcnow()
    session.flush()
    return match
