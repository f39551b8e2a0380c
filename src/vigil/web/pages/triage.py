"""The ingest run / triage page: the run's headline numbers and chart, then the grid of its
media that need eyes (new first, filtered, 200 a page) worked through with the keyboard
(``static/triage.js``); and the triage marks the grid's ``n`` / ``p`` keys post."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError

from vigil.cases.series import list_series
from vigil.cases.triage import MARKS_MAX, TriageMarkError, mark_media
from vigil.reports import runs as ingest_runs
from vigil.reports.grid import GRID_ORDER, PAGE_SIZE, grid_categories, triage_grid
from vigil.reports.triage import CLASS_LABELS
from vigil.sharing.policy import Permission
from vigil.store.models import TriageVerdict
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ApiError
from vigil.web.pages.render import back_to, render
from vigil.web.pages.triage_query import read_filters, read_offset
from vigil.web.routes.params import RecordId
from vigil.web.routes.refusals import refused
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

_RUN = {"run_id": PathRecord.INGEST_RUN}
#: The series the assign key offers (the agency's own come first in the API's order).
SERIES_OFFERED = 500
#: The headline chart's geometry (SVG user units).
_CHART_LABEL = 190
_CHART_BAR = 330
_CHART_ROW = 24


@dataclass(frozen=True)
class Bar:
    """One class in the headline chart."""

    name: str
    label: str
    count: int
    share: float
    width: int
    y: int


def chart_bars(classes: dict[str, int]) -> list[Bar]:
    """The bars of the headline chart: one per class, as wide as its share of the media."""
    total = sum(classes.values())
    bars = []
    for row, name in enumerate(GRID_ORDER):
        count = classes.get(name, 0)
        share = 100.0 * count / total if total else 0.0
        width = math.ceil(_CHART_BAR * count / total) if total else 0
        bars.append(Bar(name, CLASS_LABELS[name], count, share, width, row * _CHART_ROW))
    return bars


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def triage_page(
    request: Request,
    run_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, scopes=(), records=_RUN)],
) -> HTMLResponse:
    """The run's headline numbers and chart, and one page of its triage grid."""
    form = read_filters(request.query_params)
    offset = read_offset(request.query_params.get("offset"))
    with reading(request) as session:
        run = ingest_runs.run_detail(session, caller.viewer, run_id)
        grid = triage_grid(session, caller.viewer, run_id, form.filters, offset, PAGE_SIZE)
        categories = grid_categories(session, caller.viewer, run_id)
        series = list_series(session, caller.viewer, SERIES_OFFERED, 0).items
    base = f"/runs/{run_id}"
    query = form.query()
    return render(
        request,
        caller,
        "pages/triage/run.html",
        {
            "run": run,
            "bars": chart_bars(grid.classes),
            "chart_height": _CHART_ROW * len(GRID_ORDER),
            "chart_label": _CHART_LABEL,
            "tiles": grid.tiles,
            "page": {"offset": offset, "limit": PAGE_SIZE, "total": grid.total},
            "pager_base": f"{base}?{query}" if query else base,
            "form": form,
            "categories": categories,
            "series": series,
            "marks_url": f"{base}/marks",
            "queue_url": f"{base}/matches",
        },
        section="dashboard",
    )


class MarksIn(BaseModel):
    """Media of the run's seizure to mark, and the verdict."""

    media: list[int] = Field(max_length=MARKS_MAX)
    verdict: TriageVerdict


async def marks_body(request: Request) -> MarksIn:
    """The marks from a JSON body or a form (``media`` repeated, ``verdict``); 422 naming the
    field that is wrong."""
    document: dict[str, Any]
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            document = await request.json()
        except ValueError:
            raise ApiError(422, "body: not JSON", "body") from None
        if not isinstance(document, dict):
            raise ApiError(422, "body: a JSON object with media and verdict", "body")
    else:
        form = await request.form()
        document = {"media": form.getlist("media"), "verdict": form.get("verdict")}
    try:
        return MarksIn.model_validate(document)
    except ValidationError as exc:
        problem = exc.errors()[0]
        name = str(problem["loc"][0]) if problem["loc"] else "body"
        given = document.get(name) if name in document else None
        raise ApiError(422, f"{name}: {problem['msg']} (given {given!r})", name) from None


@router.post("/runs/{run_id}/marks", response_model=None)
def post_marks(
    request: Request,
    run_id: RecordId,
    body: Annotated[MarksIn, Depends(marks_body)],
    caller: Annotated[Principal, allow(Permission.WRITE, scopes=(), records=_RUN)],
) -> Response:
    """Mark media of the run's seizure not pertinent (or pertinent): its owner only. A form
    goes back to the grid; a script is answered how many marks changed."""
    with writing(request) as session, refused(422, TriageMarkError):
        changed = mark_media(session, caller.viewer, run_id, body.media, body.verdict)
    if request.headers.get("content-type", "").startswith("application/json"):
        return JSONResponse(
            {"changed": changed, "verdict": body.verdict.value, "media": body.media}
        )
    return back_to(f"/runs/{run_id}")
