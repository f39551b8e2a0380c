"""Match review: one match with its two sides side by side (confirm / reject with a key, in
``static/review.js``, through the API's review route), a run's review queue, and the media
page the grid and the review link to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from vigil.matching.listing import MatchRow, seizure_matches
from vigil.matching.shown import match_shown, media_shown
from vigil.reports import runs as ingest_runs
from vigil.sharing.policy import NotVisibleError, Permission
from vigil.web.auth import Principal
from vigil.web.deps import reading
from vigil.web.pages.render import render
from vigil.web.pages.triage_query import read_offset
from vigil.web.routes.params import RecordId
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)


def review_queue(rows: list[MatchRow]) -> list[MatchRow]:
    """A run's matches once each (by the first path of its file), in the listing's order."""
    seen: set[int] = set()
    queue = []
    for row in rows:
        if row.match_id not in seen:
            seen.add(row.match_id)
            queue.append(row)
    return queue


def next_open(queue: list[MatchRow], current: int | None) -> int | None:
    """The next match of ``queue`` still open after ``current`` (from the start again when
    none is left after it), never ``current`` itself."""
    ids = [row.match_id for row in queue]
    start = ids.index(current) + 1 if current in ids else 0
    for row in queue[start:] + queue[:start]:
        if row.verdict == "open" and row.match_id != current:
            return row.match_id
    return None


@router.get("/matches/{match_id}", response_class=HTMLResponse)
def review_page(
    request: Request,
    match_id: RecordId,
    caller: Annotated[
        Principal, allow(Permission.READ, scopes=(), records={"match_id": PathRecord.MATCH})
    ],
) -> HTMLResponse:
    """The match, both sides, its verdict, and (reached from a run) the run's next open one."""
    run_id = read_offset(request.query_params.get("run")) or None
    following = None
    with reading(request) as session:
        shown = match_shown(session, caller.viewer, match_id)
        if run_id is not None:
            try:
                run = ingest_runs.run_detail(session, caller.viewer, run_id)
            except NotVisibleError:
                run_id = None
            else:
                queue = review_queue(seizure_matches(session, caller.viewer, run.seizure_id))
                following = next_open(queue, match_id)
    suffix = f"?run={run_id}" if run_id else ""
    return render(
        request,
        caller,
        "pages/review/match.html",
        {
            "match": shown,
            "run_id": run_id,
            "next_url": f"/matches/{following}{suffix}" if following else None,
            "queue_url": f"/runs/{run_id}/matches" if run_id else None,
        },
        section="dashboard",
    )


@router.get("/runs/{run_id}/matches", response_class=HTMLResponse)
def review_queue_page(
    request: Request,
    run_id: RecordId,
    caller: Annotated[
        Principal, allow(Permission.READ, scopes=(), records={"run_id": PathRecord.INGEST_RUN})
    ],
) -> HTMLResponse:
    """The run's matches with the agency's verdicts, each linked to its review."""
    with reading(request) as session:
        run = ingest_runs.run_detail(session, caller.viewer, run_id)
        queue = review_queue(seizure_matches(session, caller.viewer, run.seizure_id))
    first = next_open(queue, None)
    return render(
        request,
        caller,
        "pages/review/queue.html",
        {
            "run": run,
            "queue": queue,
            "open": sum(1 for row in queue if row.verdict == "open"),
            "first_url": f"/matches/{first}?run={run_id}" if first else None,
        },
        section="dashboard",
    )


@router.get("/media/{media_id}", response_class=HTMLResponse)
def media_page(
    request: Request,
    media_id: RecordId,
    caller: Annotated[
        Principal, allow(Permission.READ, scopes=(), records={"media_id": PathRecord.MEDIA})
    ],
) -> HTMLResponse:
    """A media: its preview, where it was seen, its hashes, matches and series."""
    with reading(request) as session:
        shown = media_shown(session, caller.viewer, media_id)
    return render(request, caller, "pages/review/media.html", {"media": shown})
